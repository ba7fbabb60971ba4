"""Read-only HTML of a submission, for the admin, the portal history and PDFs.

Everything that comes from the definition or the data is escaped (``markupsafe.escape``); the only
markup we emit is our own.  Signatures are shown as ``<img>`` only when they are
``data:image/png;base64,`` URLs; files are shown by name and never fetched.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, Protocol

from markupsafe import Markup, escape

from forms.base import B64_RE, SIGNATURE_PREFIX
from forms.components import Component
from forms.jsvalues import UNDEF, is_number, js_string, json_copy
from forms.rules import parse_iso_datetime

__all__ = ["AnswerSheet", "format_datetime", "format_day", "format_number", "format_value", "render_answers"]


class AnswerSheet(Protocol):
    """What :func:`render_answers` reads of a :class:`forms.form.Form`: its top-level components."""

    @property
    def top_components(self) -> list[Component]: ...


_TEXT = {
    "de": {
        "yes": "Ja",
        "no": "Nein",
        "empty": "—",
        "signature": "Unterschrift",
        "invalid": "(ungültiger Wert)",
        "row": "Zeile",
    },
    "en": {
        "yes": "Yes",
        "no": "No",
        "empty": "—",
        "signature": "Signature",
        "invalid": "(invalid value)",
        "row": "Row",
    },
}


def _e(v: Any) -> str:
    return str(escape(v))


def format_number(v: Any, lang: str) -> str:
    s = js_string(v)
    return s.replace(".", ",") if lang == "de" else s


def format_day(c: Component, v: str, lang: str) -> str:
    parts = v.split("/")
    if len(parts) != 3:
        return v
    if c.defn.get("dayFirst"):
        d, m, y = parts
    else:
        m, d, y = parts
    return f"{d}.{m}.{y}" if lang == "de" else f"{m}/{d}/{y}"


def format_datetime(v: str, lang: str) -> str:
    dt: datetime | None = parse_iso_datetime(v)
    if dt is None:
        return v
    has_time = "T" in v or " " in v.strip()
    if lang == "de":
        return dt.strftime("%d.%m.%Y %H:%M" if has_time else "%d.%m.%Y")
    return dt.strftime("%Y-%m-%d %H:%M" if has_time else "%Y-%m-%d")


def _is_empty(v: Any) -> bool:
    return v is None or v is UNDEF or v == "" or v == [] or v == {}


def format_value(c: Component, v: Any, lang: str = "de") -> str:
    """HTML (already escaped) for one component value."""
    t = _TEXT.get(lang, _TEXT["de"])
    if _is_empty(v) and c.type != "checkbox":
        return t["empty"]
    typ = c.type
    if typ == "checkbox":
        if getattr(c, "radio_group", False):  # radio style: is this box the chosen one?
            return t["yes"] if js_string(v) == js_string(getattr(c, "radio_value", None)) else t["no"]
        return t["yes"] if v is True else t["no"]
    if c.multiple and isinstance(v, list) and typ != "file":
        return ", ".join(format_value_single(c, x, lang) for x in v)
    return format_value_single(c, v, lang)


def format_value_single(c: Component, v: Any, lang: str) -> str:
    t = _TEXT.get(lang, _TEXT["de"])
    typ = c.type
    if _is_empty(v):
        return t["empty"]
    own = getattr(c, "format_answer", None)  # the types of forms/extra.py format their own values
    if own is not None:
        return own(v, lang)
    if typ in ("radio", "select"):
        return _e(c.option_label(v))
    if typ == "selectboxes":
        if not isinstance(v, dict):
            return t["invalid"]
        chosen = [c.option_label(k) for k, on in v.items() if on is True]
        return _e(", ".join(chosen)) if chosen else t["empty"]
    if typ == "survey":
        if not isinstance(v, dict):
            return t["invalid"]
        rows = []
        for q, qlabel in getattr(c, "questions", []):
            if q in v:
                rows.append(f'<tr><th scope="row">{_e(qlabel)}</th><td>{_e(c.option_label(v[q]))}</td></tr>')
        return f'<table class="fd-survey">{"".join(rows)}</table>' if rows else t["empty"]
    if typ == "signature":
        if isinstance(v, str) and v.startswith(SIGNATURE_PREFIX) and B64_RE.fullmatch(v[len(SIGNATURE_PREFIX) :]):
            return f'<img class="fd-signature" src="{_e(v)}" alt="{_e(t["signature"])}">'
        return t["invalid"]
    if typ == "file":
        files = v if isinstance(v, list) else [v]
        names = []
        for f in files:
            name = f.get("originalName") or f.get("name") if isinstance(f, dict) else None
            names.append(_e(name) if isinstance(name, str) else t["invalid"])
        return '<ul class="fd-files">' + "".join(f"<li>{n}</li>" for n in names) + "</ul>"
    if typ == "day" and isinstance(v, str):
        return _e(format_day(c, v, lang))
    if typ == "datetime" and isinstance(v, str):
        return _e(format_datetime(v, lang))
    if typ == "number" and is_number(v):
        return _e(format_number(v, lang))
    if isinstance(v, str):
        out = _e(v)
        return out.replace("\n", "<br>\n") if typ == "textarea" else out
    if isinstance(v, (dict, list)):
        return _e(json.dumps(v, ensure_ascii=False)[:2000])
    return _e(js_string(v))


def _title(c: Component) -> str:
    for k in ("title", "legend", "label"):
        v = c.defn.get(k)
        if isinstance(v, str) and v.strip():
            return v
    return ""


def _render_nodes(nodes: list[Component], row: Any, lang: str, out: list[str]) -> None:
    dl: list[str] = []

    def flush() -> None:
        if dl:
            out.append('<dl class="fd-answers-list">' + "".join(dl) + "</dl>")
            dl.clear()

    for c in nodes:
        kind = c.kind
        if kind == "none" or c.type == "hidden" or not getattr(c, "in_answers", True):
            continue
        if kind == "layout":
            title = _title(c) if c.type in ("panel", "fieldset", "well") else ""
            inner: list[str] = []
            _render_nodes(c.children, row, lang, inner)
            if not inner:
                continue
            flush()
            if title:
                out.append(f'<section class="fd-group"><h3>{_e(title)}</h3>{"".join(inner)}</section>')
            else:
                out.extend(inner)
            continue
        value = c.get_in(row) if isinstance(row, dict) else UNDEF
        if value is UNDEF:
            continue
        if kind == "container":
            inner = []
            _render_nodes(c.children, value if isinstance(value, dict) else {}, lang, inner)
            flush()
            out.append(f'<section class="fd-group"><h3>{_e(c.label)}</h3>{"".join(inner)}</section>')
            continue
        if kind == "grid":
            flush()
            out.append(_render_grid(c, value, lang))
            continue
        dl.append(f"<dt>{_e(c.label)}</dt><dd>{format_value(c, value, lang)}</dd>")
    flush()


def _grid_columns(c: Component) -> list[Component]:
    return [x for x in c.iter_data_children() if x.type != "hidden"]


def _render_grid(c: Component, value: Any, lang: str) -> str:
    cols = _grid_columns(c)
    head = "".join(f'<th scope="col">{_e(x.label)}</th>' for x in cols)
    body = []
    rows = value if isinstance(value, list) else []
    for r in rows:
        if not isinstance(r, dict):
            continue
        cells = []
        for x in cols:
            v = x.get_in(r)
            if x.kind == "container" or x.kind == "grid":
                inner: list[str] = []
                _render_nodes([x], r, lang, inner)
                cells.append("<td>" + "".join(inner) + "</td>")
            else:
                shown = format_value(x, v, lang) if v is not UNDEF else _TEXT.get(lang, _TEXT["de"])["empty"]
                cells.append(f"<td>{shown}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return (
        f'<section class="fd-group"><h3>{_e(c.label)}</h3>'
        f'<table class="fd-grid"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table></section>"
    )


def render_answers(form: AnswerSheet, data: Any, *, lang: str = "de") -> Markup:
    """Escaped read-only HTML of ``data`` answered on ``form`` (labels, option labels, tables)."""
    lang = lang if lang in _TEXT else "de"
    out: list[str] = []
    data = json_copy(data) if isinstance(data, dict) else {}
    _render_nodes(form.top_components, data, lang, out)
    return Markup('<div class="fd-answers">' + "".join(out) + "</div>")  # noqa: S704 - every piece is escaped above
