"""The Form.io component types designers bring from other projects, beyond the builder's basic set.

``editgrid``, ``tabs``, ``address`` (manual entry; map providers are never called, the values they
stored are kept), ``datamap``, ``currency``, ``tags``, ``time``, ``url``, ``password`` (validated, never stored or
shown) and the nested ``form`` (its components inline).  Each rule is a port of the @formio/core rule
of the same name (``process/validation/rules``), in its order; :mod:`forms.registry` registers the
classes next to those of :mod:`forms.components`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from markupsafe import escape

from forms import rules
from forms.base import Check, ComponentBase, Issue
from forms.components import Component, DataGrid, Number, Panel, TextField
from forms.errors import DefinitionError
from forms.jsvalues import UNDEF, is_number, js_string, js_truthy

__all__ = ["EXTRA_CLASSES", "drop_unstored"]


def _esc(text: str) -> str:
    return str(escape(text))


# --- grids and layout ----------------------------------------------------------------------------


class EditGrid(DataGrid):
    """``editgrid``: rows edited one at a time; the data is a list of row objects, as a datagrid's.

    The row templates (``templates.header``/``row``) are renderer code and stay refused by the code
    rule (:mod:`forms.expressions`); without them @formio/js uses its own.
    """

    type_name = "editgrid"


class Tabs(Panel):
    """``tabs``: each entry of ``components`` is a tab ``{label, key, components}``; no data level."""

    type_name = "tabs"

    def layout_lists(self, defn: dict[str, Any], path: str) -> list[tuple[Any, str]]:
        """The component lists of the tabs (what :class:`forms.form._Builder` builds in this level)."""
        tabs = defn.get("components") or []
        if not isinstance(tabs, list):
            raise DefinitionError(f"{path}.components", "must be a list of tabs")
        out = []
        for i, tab in enumerate(tabs):
            if not isinstance(tab, dict):
                raise DefinitionError(f"{path}.components[{i}]", "tab must be an object")
            out.append((tab.get("components"), f"{path}.components[{i}].components"))
        return out


class NestedForm(Component):
    """``form``: another form inside this one, its answers under ``<key>.data`` (Form.io's shape).

    Only inline components are read (what an exported Form.io project holds); the engine never fetches a
    form.  A reference to another questionnaire of the unit is made inline before loading
    (:func:`forms.nested.resolve_nested`, called by the questionnaire service); a bare reference that
    reaches the engine is refused.
    """

    type_name = "form"
    kind = "container"
    model_type = "dataObject"

    def __init__(self, defn: dict[str, Any], path: str, parent: ComponentBase | None, strict: bool) -> None:
        if not isinstance(defn.get("components"), list) or not defn["components"]:
            ref = defn.get("form") or defn.get("path") or defn.get("src")
            where = f" ({js_string(ref)})" if isinstance(ref, str) and ref else ""
            raise DefinitionError(
                f"{path}.form",
                f"the nested form{where} is not included: questionnaires never load forms from elsewhere, so"
                " choose a published questionnaire of this business unit, or export the project with the nested"
                " form's components inline (or copy them into this form)",
            )
        super().__init__(defn, path, parent, strict)
        self.key = f"{self.key}.data"
        self.parts = (*self.parts, "data")

    def accepts(self, value: Any) -> bool:
        return isinstance(value, dict)


# --- values --------------------------------------------------------------------------------------


_MANUAL_PARTS = ("address1", "address2", "zip", "city", "state", "country")
_PROVIDER_TEXT = ("formatted_address", "display_name", "formattedPlaceName", "formattedAddress", "label", "name")


class Address(Component):
    """``address``: whatever the provider stored (kept, never looked up) or ``{mode, address: {...}}``.

    The manual-entry fields (``components``) are part of the value; map providers are not called
    (the renderer frame's policy lets no request out), so designers switch on ``enableManualMode``.
    """

    type_name = "address"
    model_type = "object"
    multiple_allowed = True

    @property
    def multiple_eligible(self) -> bool:
        return self.multiple

    def accepts(self, value: Any) -> bool:
        if not isinstance(value, dict):
            return False
        manual = value.get("address")
        if value.get("mode") == "manualMode" and isinstance(manual, dict):
            return all(v is None or isinstance(v, str) for v in manual.values())
        return True

    def answer_text(self, value: Any, lang: str) -> str:
        """The address as one line: the manual fields, or the text the map provider stored."""
        if not isinstance(value, dict):
            return js_string(value)
        manual = value.get("address") if isinstance(value.get("address"), dict) else None
        if value.get("mode") == "manualMode" and manual is not None:
            parts = [manual.get(k) for k in _MANUAL_PARTS]
            return ", ".join(p for p in parts if isinstance(p, str) and p.strip())
        for source in (value, manual or {}):
            for k in _PROVIDER_TEXT:
                if isinstance(source.get(k), str) and source[k].strip():
                    return source[k]
            free = source.get("address")
            if isinstance(free, dict) and isinstance(free.get("freeformAddress"), str):
                return free["freeformAddress"]
        return ", ".join(js_string(v) for v in value.values() if isinstance(v, str) and v.strip())

    def format_answer(self, value: Any, lang: str) -> str:
        return _esc(self.answer_text(value, lang))


class DataMap(Component):
    """``datamap``: free keys, each with a value of ``valueComponent`` (@formio/core does not look inside)."""

    type_name = "datamap"
    model_type = "map"

    def accepts(self, value: Any) -> bool:
        return isinstance(value, dict) and all(
            v is None or isinstance(v, (str, bool)) or is_number(v) for v in value.values()
        )

    def answer_text(self, value: Any, lang: str) -> str:
        if not isinstance(value, dict):
            return js_string(value)
        return "; ".join(f"{k}: {js_string(v)}" for k, v in value.items())

    def format_answer(self, value: Any, lang: str) -> str:
        if not isinstance(value, dict):
            return _esc(js_string(value))
        rows = "".join(
            f'<tr><th scope="row">{_esc(k)}</th><td>{_esc(js_string(v))}</td></tr>' for k, v in value.items()
        )
        return f'<table class="fd-datamap">{rows}</table>'


class Currency(Number):
    """``currency``: a number shown with its ``currency`` code (@formio/core checks no number type)."""

    type_name = "currency"

    def answer_text(self, value: Any, lang: str) -> str:
        code = self.defn.get("currency")
        code = code if isinstance(code, str) and code else "USD"
        if not is_number(value) or (isinstance(value, float) and not math.isfinite(value)):
            return js_string(value)
        text = f"{Decimal(value if isinstance(value, int) else repr(value)):,.2f}"  # exact, any size
        if lang == "de":
            text = text.replace(",", " ").replace(".", ",").replace(" ", ".")
        return f"{text} {code}"

    def format_answer(self, value: Any, lang: str) -> str:
        return _esc(self.answer_text(value, lang))


def _max_tags(c: ComponentBase, value: Any, ctx: Any) -> Issue | None:
    limit = c.defn.get("maxTags")
    if not is_number(limit) or limit <= 0:
        return None
    if isinstance(value, str):
        delimiter = c.defn.get("delimeter") or ","
        count = len([t for t in value.split(delimiter) if t.strip()]) if value else 0
    elif isinstance(value, list):
        count = len(value)
    else:
        return None
    return ("maxTags", "maxTags", {"length": js_string(limit)}) if count > limit else None


class Tags(Component):
    """``tags``: a delimited string (``storeas: "string"``) or a list of strings (``"array"``)."""

    type_name = "tags"

    @property
    def empty_value_is_array(self) -> bool:
        return self.defn.get("storeas") != "string"

    @property
    def model_array(self) -> bool:  # type: ignore[override]
        return self.defn.get("storeas") == "array"

    def accepts(self, value: Any) -> bool:
        return isinstance(value, str) or (isinstance(value, list) and all(isinstance(t, str) for t in value))

    def make_strict_rules(self) -> list[Check]:
        return [rules.strict_type, _max_tags]

    def answer_text(self, value: Any, lang: str) -> str:
        if isinstance(value, list):
            return ", ".join(js_string(t) for t in value)
        return js_string(value)

    def format_answer(self, value: Any, lang: str) -> str:
        return _esc(self.answer_text(value, lang))


#: dayjs format tokens the time component uses, as (regex, lowest, highest)
_TIME_TOKENS: dict[str, tuple[str, int, int]] = {
    "HH": (r"\d{2}", 0, 23),
    "H": (r"[1-9]?\d", 0, 23),
    "hh": (r"\d{2}", 1, 12),
    "h": (r"1?\d", 1, 12),
    "mm": (r"\d{2}", 0, 59),
    "m": (r"[1-5]?\d", 0, 59),
    "ss": (r"\d{2}", 0, 59),
    "s": (r"[1-5]?\d", 0, 59),
    "SSS": (r"\d{3}", 0, 999),
    "A": (r"AM|PM", 0, 0),
    "a": (r"am|pm", 0, 0),
}
_TOKEN_RE = re.compile(r"SSS|HH|hh|mm|ss|H|h|m|s|A|a|\[[^\]]*\]|.", re.ASCII | re.DOTALL)


def _compile_time_format(fmt: str) -> list[tuple[re.Pattern[str], int, int]]:
    pieces = []
    for tok in _TOKEN_RE.findall(fmt):
        if tok in _TIME_TOKENS:
            pat, lo, hi = _TIME_TOKENS[tok]
            pieces.append((re.compile(pat), lo, hi))
        else:
            literal = tok[1:-1] if tok.startswith("[") and tok.endswith("]") and len(tok) > 1 else tok
            pieces.append((re.compile(re.escape(literal)), -1, -1))
    return pieces


def time_matches(value: str, pieces: list[tuple[re.Pattern[str], int, int]]) -> bool:
    """dayjs ``(value, format, true).isValid()`` for time formats: every token present and in range."""
    pos = 0
    for pat, lo, hi in pieces:
        m = pat.match(value, pos)
        if m is None:
            return False
        text = m.group(0)
        if lo >= 0 and hi > 0 and not (lo <= int(text) <= hi):
            return False
        pos = m.end()
    return pos == len(value)


def _time_rule(c: ComponentBase, value: Any, ctx: Any) -> Issue | None:
    if not js_truthy(value) or (isinstance(value, list) and (not value or value == [""])):
        return None
    pieces = c.time_format  # type: ignore[attr-defined]
    text = js_string(value)
    return None if time_matches(text, pieces) else ("time", "time", {})


class _TextLike(TextField):
    """A text field whose empty value @formio/core takes to be an array (only ``textfield`` says otherwise)."""

    @property
    def empty_value_is_array(self) -> bool:
        return True


class Time(_TextLike):
    """``time``: ``HH:mm:ss`` by default (``dataFormat``); the input mask is not checked (as in @formio/core)."""

    type_name = "time"

    def compile_validation(self) -> None:
        fmt = self.defn.get("dataFormat")
        self.time_format = _compile_time_format(fmt if isinstance(fmt, str) and fmt else "HH:mm:ss")
        super().compile_validation()
        self.item_rules.append((_time_rule, True))


_IP = re.compile(
    r"(?!(?:10|127)(?:\.[0-9]{1,3}){3})(?!(?:169\.254|192\.168)(?:\.[0-9]{1,3}){2})"
    r"(?!172\.(?:1[6-9]|2[0-9]|3[0-1])(?:\.[0-9]{1,3}){2})(?:[1-9][0-9]?|1[0-9][0-9]|2[01][0-9]|22[0-3])"
    r"(?:\.(?:1?[0-9]{1,2}|2[0-4][0-9]|25[0-5])){2}(?:\.(?:[1-9][0-9]?|1[0-9][0-9]|2[0-4][0-9]|25[0-4]))"
)
_LABEL = re.compile(r"[a-z0-9\u00a1-\uffff](?:[a-z0-9\u00a1-\uffff-]*[a-z0-9\u00a1-\uffff])?", re.IGNORECASE)
_TLD = re.compile(r"[a-z\u00a1-\uffff]{2,}", re.IGNORECASE)
_TAIL = re.compile(r"(?::[0-9]{2,5})?(?:[/?#]\S*)?")
_HOST_END = re.compile(r"[:/?#]")


def _host_and_tail_ok(rest: str, need_tld: bool) -> bool:
    m = _HOST_END.search(rest)
    host, tail = (rest[: m.start()], rest[m.start() :]) if m else (rest, "")
    if not _TAIL.fullmatch(tail) or not host:
        return False
    if _IP.fullmatch(host):
        return True
    labels = host.split(".")
    if not all(_LABEL.fullmatch(label) for label in labels):
        return False
    return not need_tld or (len(labels) >= 2 and bool(_TLD.fullmatch(labels[-1])))


def _url_shape_ok(rest: str, need_tld: bool) -> bool:
    """``(?:\\S+@)?host(?::port)?(?:[/?#]\\S*)?``: the user part may end at any ``@``."""
    if _host_and_tail_ok(rest, need_tld):
        return True
    at = rest.find("@", 1)
    while at != -1:
        if _host_and_tail_ok(rest[at + 1 :], need_tld):
            return True
        at = rest.find("@", at + 1)
    return False


_SCHEME = re.compile(r"(?:https?|ftp):", re.IGNORECASE)


def url_valid(value: str) -> bool:
    """@formio/core ``validateUrl``: a URL (with or without a scheme or a TLD) that is not an e-mail address.

    The same two regular expressions, taken apart: their nested quantifiers backtrack exponentially in
    Python on inputs like ``aaa…a.aaa…a.…1``, so the host is checked label by label instead.
    """
    if len(value) > 2048 or any(ch.isspace() for ch in value) or rules.EMAIL_RE.match(value):
        return False
    scheme = _SCHEME.match(value)
    after_scheme = value[scheme.end() :] if scheme else None
    # with a TLD: an optional "//", optionally after a scheme
    candidates = [value]
    if value.startswith("//"):
        candidates.append(value[2:])
    if after_scheme is not None and after_scheme.startswith("//"):
        candidates.append(after_scheme[2:])
    if any(_url_shape_ok(c, True) for c in candidates):
        return True
    # without a TLD: a scheme and "//" are required
    return after_scheme is not None and after_scheme.startswith("//") and _url_shape_ok(after_scheme[2:], False)


def _url_rule(c: ComponentBase, value: Any, ctx: Any) -> Issue | None:
    if c.multiple and isinstance(value, list) and not value:
        return None
    if not js_truthy(value):
        return None
    if not isinstance(value, str) or not url_valid(value):
        return ("url", "invalid_url", {})
    return None


class Url(_TextLike):
    """``url``."""

    type_name = "url"

    def compile_validation(self) -> None:
        super().compile_validation()
        self.item_rules.append((_url_rule, True))


class Password(_TextLike):
    """``password``: validated like a text field, then dropped: never stored, never shown."""

    type_name = "password"
    stored = False
    in_answers = False


EXTRA_CLASSES: tuple[type[Component], ...] = (
    EditGrid, Tabs, NestedForm, Address, DataMap, Currency, Tags, Time, Url, Password,
)


def drop_unstored(nodes: list[ComponentBase], row: Any) -> None:
    """Removes the values of components that are never stored (passwords) from validated data, in place."""
    if not isinstance(row, dict):
        return
    for node in nodes:
        if node.kind == "layout":
            drop_unstored(node.children, row)
        elif not getattr(node, "stored", True):
            value = node.get_in(row)
            if value is not UNDEF:
                parent = row
                for p in node.parts[:-1]:
                    parent = parent.get(p) if isinstance(parent, dict) else None
                if isinstance(parent, dict):
                    parent.pop(node.parts[-1], None)
        elif node.kind == "container":
            drop_unstored(node.children, node.get_in(row))
        elif node.kind == "grid":
            rows = node.get_in(row)
            for r in rows if isinstance(rows, list) else ():
                drop_unstored(node.children, r)


#: Form.io types we refuse, and why, in words for the designer who brought the form
_REFUSED_TYPES = {
    "resource": "it loads records from a Form.io server's resources, and questionnaires never call other servers;"
    " use a select with fixed options",
    "datasource": "it fetches data from another server, which questionnaires never do",
    "recaptcha": "it calls Google's reCAPTCHA service, which questionnaires never do",
    "sketchpad": "drawing on images is not supported; use a signature or a file upload",
    "tagpad": "tagging images is not supported; use a file upload",
    "datatable": "data tables are not supported; use a data grid or an edit grid",
    "tree": "tree components are not supported; use nested data grids or containers",
    "dynamicWizard": "dynamic wizards are not supported; use a wizard with fixed pages",
    "captcha": "it calls a captcha service, which questionnaires never do",
}


def unknown_type_reason(type_name: object, supported: Iterable[str]) -> str:
    """Why a component type cannot be loaded, for the designer (a near miss names the right type)."""
    if not isinstance(type_name, str) or not type_name:
        return "unknown component type: every component needs a 'type'"
    if type_name in _REFUSED_TYPES:
        return f"unknown component type {type_name!r}: {_REFUSED_TYPES[type_name]}"
    near = [t for t in sorted(supported) if t.lower() == type_name.lower()]
    if near:
        return f"unknown component type {type_name!r}: did you mean {near[0]!r}? (types are case-sensitive)"
    return (
        f"unknown component type {type_name!r}: not a standard Form.io component (perhaps a custom component"
        " of the project the form comes from); replace it with a standard one"
    )
