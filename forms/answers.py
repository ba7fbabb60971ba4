"""A stored submission as labelled plain values: one entry per answered field, for exports and PDFs.

What :mod:`forms.render` shows as HTML, as data: the component's label (with the labels of the
containers and grid rows above it) and the answer's text — option labels instead of option values
("Ja", not "yes"), dates in the viewer's format, numbers kept as numbers.  Layout adds nothing; hidden
fields and passwords are left out.  Grid rows are flattened: the fields of row *n* of a data grid or edit
grid are their own entries, ``kinder[1].vorname`` headed "Kinder 2 > Vorname"; a survey gives one entry
per question (``zufriedenheit.beratung``, "Zufriedenheit > Beratung").
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Protocol

from forms.components import Component
from forms.jsvalues import UNDEF, is_number, js_string, json_copy
from forms.render import format_datetime, format_day, format_number

__all__ = ["SEPARATOR", "Answer", "Sheet", "answer_text", "answers"]

#: between the labels of a container or grid row and the field's own label
SEPARATOR = " › "

_WORDS = {
    "de": {"yes": "Ja", "no": "Nein", "signature": "Unterschrift"},
    "en": {"yes": "Yes", "no": "No", "signature": "Signature"},
}


class Sheet(Protocol):
    """What :func:`answers` reads of a :class:`forms.form.Form`."""

    @property
    def top_components(self) -> list[Component]: ...

    @property
    def components(self) -> tuple[Component, ...]: ...


@dataclass(frozen=True)
class Answer:
    """One answered field: its data path (``kinder[1].vorname``), its heading, the value and its order."""

    path: str
    header: str
    value: str | int | float
    order: tuple[int, ...]


def _empty(v: Any) -> bool:
    return v is None or v is UNDEF or v == "" or v == [] or v == {}


def _single(c: Component, v: Any, lang: str) -> str:
    words = _WORDS.get(lang, _WORDS["de"])
    own = getattr(c, "answer_text", None)
    if own is not None:
        return own(v, lang)
    typ = c.type
    if typ in ("radio", "select"):
        return c.option_label(v)
    if typ == "selectboxes":
        return ", ".join(c.option_label(k) for k, on in v.items() if on is True) if isinstance(v, dict) else ""
    if typ == "signature":
        return words["signature"] if isinstance(v, str) and v else ""
    if typ == "file":
        files = v if isinstance(v, list) else [v]
        return ", ".join(js_string(f.get("originalName") or f.get("name") or "") for f in files if isinstance(f, dict))
    if typ == "day" and isinstance(v, str):
        return format_day(c, v, lang)
    if typ == "datetime" and isinstance(v, str):
        return format_datetime(v, lang)
    if typ == "number" and is_number(v):
        return format_number(v, lang)
    if isinstance(v, str):
        return v
    if isinstance(v, (dict, list)):
        return json.dumps(v, ensure_ascii=False)
    return js_string(v)


def answer_text(c: Component, v: Any, lang: str = "de") -> str:
    """The plain text of one component value, as :func:`forms.render.format_value` shows it (unescaped)."""
    words = _WORDS.get(lang, _WORDS["de"])
    if c.type == "checkbox":
        if getattr(c, "radio_group", False):
            return words["yes"] if js_string(v) == js_string(getattr(c, "radio_value", None)) else words["no"]
        return words["yes"] if v is True else words["no"]
    if _empty(v):
        return ""
    if c.multiple and isinstance(v, list) and c.type != "file":
        return ", ".join(_single(c, x, lang) for x in v if not _empty(x))
    return _single(c, v, lang)


def _value(c: Component, v: Any, lang: str) -> str | int | float:
    """Numbers stay numbers (a spreadsheet sums them); everything else is text."""
    if c.type in ("number", "currency") and is_number(v) and not c.multiple:
        return v
    return answer_text(c, v, lang)


def _walk(nodes: list[Component], row: Any, lang: str, path: str, header: str, order: tuple[int, ...],
          index: dict[int, int]) -> Iterator[Answer]:
    for c in nodes:
        if c.kind == "none" or c.type == "hidden" or not getattr(c, "in_answers", True):
            continue
        if c.kind == "layout":
            yield from _walk(c.children, row, lang, path, header, order, index)
            continue
        value = c.get_in(row) if isinstance(row, dict) else UNDEF
        if value is UNDEF:
            continue
        here = (*order, index[id(c)])
        key = f"{path}{c.key}"
        title = f"{header}{c.label}"
        if c.kind == "container":
            yield from _walk(c.children, value, lang, f"{key}.", f"{title}{SEPARATOR}", here, index)
        elif c.kind == "grid":
            for i, r in enumerate(value if isinstance(value, list) else []):
                yield from _walk(c.children, r, lang, f"{key}[{i}].", f"{title} {i + 1}{SEPARATOR}", (*here, i),
                                 index)
        elif c.type == "survey":
            answered = value if isinstance(value, dict) else {}
            for q, (question, label) in enumerate(getattr(c, "questions", [])):
                if not _empty(answered.get(question)):
                    yield Answer(f"{key}.{question}", f"{title}{SEPARATOR}{label}",
                                 c.option_label(answered[question]), (*here, q))
        elif c.type == "checkbox" or not _empty(value):
            yield Answer(key, title, _value(c, value, lang), here)


def answers(form: Sheet, data: Any, *, lang: str = "de") -> list[Answer]:
    """The labelled answers of ``data`` on ``form``, in the order of the form (grid rows in row order)."""
    lang = lang if lang in _WORDS else "de"
    index = {id(c): i for i, c in enumerate(form.components)}
    data = json_copy(data) if isinstance(data, dict) else {}
    return list(_walk(form.top_components, data, lang, "", "", (), index))
