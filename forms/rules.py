"""Validation rules, each a port of the @formio/core rule of the same name (``process/validation/rules``).

A rule is ``check(component, value, ctx) -> Issue | None`` where an issue is
``(rule_name, message_key, params)``.  Rules that @formio/core aborts with an exception (bad value
shapes) return ``None`` here too, so both engines reject exactly the same paths.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

from forms import inputmask, jsonlogic
from forms.base import ComponentBase, Issue, strict_eq_option
from forms.jsvalues import (
    JS_WS,
    UNDEF,
    is_number,
    js_json,
    js_le,
    js_lt,
    js_parse_float,
    js_string,
    js_to_number,
    js_truthy,
    lodash_is_empty,
)

EMAIL_RE = re.compile(
    r"^(([^<>()\[\]\\.,;:\s@\"]+(\.[^<>()\[\]\\.,;:\s@\"]+)*)|(\".+\"))@"
    r"((\[[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}])|(([a-zA-Z\-0-9]+\.)+[a-zA-Z]{2,}))\Z"
)
_PARSE_INT_RE = re.compile(r"[+-]?\d+", re.ASCII)
_WS = JS_WS
_WORD_SPLIT = re.compile(r"[\s\ufeff]+")


def js_trim(s: str) -> str:
    """``String.prototype.trim``."""
    return s.strip(_WS)


def utf16_len(s: str) -> int:
    """``s.length`` in JavaScript (UTF-16 code units)."""
    if s.isascii():
        return len(s)
    return len(s.encode("utf-16-le")) // 2


def parse_int(v: Any) -> float:
    """``parseInt(v, 10)``."""
    s = js_string(v).lstrip(_WS)
    m = _PARSE_INT_RE.match(s)
    return float(int(m.group(0))) if m else math.nan


def _setting(raw: Any, parser: Callable[[Any], float]) -> Any:
    return parser(raw) if isinstance(raw, str) else raw


def _isnan(v: Any) -> bool:
    return isinstance(v, float) and math.isnan(v)


def _num_param(v: Any) -> str:
    return js_string(v)


# --- presence ------------------------------------------------------------------------------------


def _has_value(v: Any) -> bool:
    if isinstance(v, (list, dict)):
        return len(v) > 0
    if is_number(v):
        return not _isnan(v)
    return js_truthy(v)


def _array_has_value(values: list[Any]) -> bool:
    if values and all(isinstance(x, dict) for x in values):
        return any(any(_has_value(x) for x in row.values()) for row in values)
    return any(_has_value(x) for x in values)


def value_is_present(value: Any, false_is_value: bool, skip_object: bool, _depth: int = 0) -> bool:
    """@formio/core ``valueIsPresent``."""
    if value is None or value is UNDEF:
        return False
    if isinstance(value, str):
        return js_trim(value) != ""
    if value is False and not false_is_value:
        return False
    if isinstance(value, (dict, list)):
        if not value:
            return False
        if _depth > 40:
            return True
        if not skip_object:
            items = value.values() if isinstance(value, dict) else value
            return any(value_is_present(x, false_is_value, skip_object, _depth + 1) for x in items)
        if isinstance(value, list):
            return _array_has_value(value)
    return True


#: types @formio/core's ``isComponentNestedDataType`` names (a container counts as a plain value there)
_NESTED_DATA_TYPES = frozenset({"datagrid", "editgrid", "address", "form", "datamap"})


def component_has_value(c: ComponentBase, value: Any) -> bool:
    """@formio/core ``componentHasValue``."""
    t = c.type
    if t == "day" and value == "00/00/0000":
        return False
    manual = value.get("address") if t == "address" and isinstance(value, dict) else None
    if isinstance(manual, dict) and js_truthy(value.get("mode")):  # {mode, address}: all but address2 filled
        return bool(manual) and all(js_truthy(v) for k, v in manual.items() if k != "address2")
    if t in ("checkbox", "selectboxes"):
        return value_is_present(value, False, False)
    return value_is_present(value, True, t in _NESTED_DATA_TYPES)


# --- rules ---------------------------------------------------------------------------------------


def required(c: ComponentBase, value: Any, ctx: Any) -> Issue | None:
    if component_has_value(c, value):
        return None
    return ("required", "required", {})


def min_length(c: ComponentBase, value: Any, ctx: Any) -> Issue | None:
    n = _setting(c.v_get("minLength"), parse_int)
    if not js_truthy(value) or not js_truthy(n) or not isinstance(value, str):
        return None
    if js_lt(utf16_len(value), n):
        return ("minLength", "minLength", {"length": _num_param(n)})
    return None


def max_length(c: ComponentBase, value: Any, ctx: Any) -> Issue | None:
    n = _setting(c.v_get("maxLength"), parse_int)
    if not js_truthy(value) or not isinstance(value, str) or n is UNDEF or not js_truthy(n):
        return None
    if js_lt(n, utf16_len(value)):
        return ("maxLength", "maxLength", {"length": _num_param(n)})
    return None


def _word_count(value: str) -> int:
    return len(_WORD_SPLIT.split(js_trim(value)))


def min_words(c: ComponentBase, value: Any, ctx: Any) -> Issue | None:
    n = _setting(c.v_get("minWords"), parse_int)
    if not js_truthy(n) or not js_truthy(value) or not isinstance(value, str):
        return None
    if js_lt(_word_count(value), n):
        return ("minWords", "minWords", {"length": _num_param(n)})
    return None


def max_words(c: ComponentBase, value: Any, ctx: Any) -> Issue | None:
    n = _setting(c.v_get("maxWords"), parse_int)
    if n is UNDEF or not js_truthy(n) or not isinstance(value, str):
        return None
    if js_lt(n, _word_count(value)):
        return ("maxWords", "maxWords", {"length": _num_param(n)})
    return None


def pattern(c: ComponentBase, value: Any, ctx: Any) -> Issue | None:
    if not js_truthy(value) or not isinstance(value, str) or c.pattern_re is None:
        return None
    if c.pattern_re.search(value):
        return None
    pat = c.v_get("pattern")
    key = c.v_get("patternMessage")
    return ("pattern", key if isinstance(key, str) and key else "pattern", {"pattern": pat, "regex": pat})


def min_prefilter(c: ComponentBase, value: Any) -> bool:
    return not _isnan(js_parse_float(value))


def minimum(c: ComponentBase, value: Any, ctx: Any) -> Issue | None:
    m = _setting(c.v_get("min"), js_parse_float)
    if _isnan(js_parse_float(value)) or _isnan(m) or m is UNDEF:
        return None
    parsed = js_parse_float(value) if isinstance(value, str) else js_to_number(value)
    if _isnan(parsed):
        return None
    if js_le(m, parsed):
        return None
    return ("min", "min", {"min": _num_param(m)})


def maximum(c: ComponentBase, value: Any, ctx: Any) -> Issue | None:
    m = _setting(c.v_get("max"), js_parse_float)
    if value is None or m is UNDEF or _isnan(m):
        return None
    parsed = js_parse_float(value) if isinstance(value, str) else js_to_number(value)
    if _isnan(parsed):
        return None
    if js_le(parsed, m):
        return None
    return ("max", "max", {"max": _num_param(m)})


def _selected_count(c: ComponentBase, value: Any, key: str) -> tuple[Any, int] | None:
    n = _setting(c.v_get(key), js_parse_float)
    if not js_truthy(value) or not js_truthy(n):
        return None
    if not isinstance(value, (dict, list)):
        return None  # @formio/core throws (no error reported)
    items = list(value.values()) if isinstance(value, dict) else value
    if not all(isinstance(x, bool) for x in items):
        return None
    count = sum(1 for x in items if js_truthy(x))
    if count <= 0:
        return None
    return n, count


def min_selected_count(c: ComponentBase, value: Any, ctx: Any) -> Issue | None:
    r = _selected_count(c, value, "minSelectedCount")
    if r and js_lt(r[1], r[0]):
        msg = c.defn.get("minSelectedCountMessage")
        return (
            "minSelectedCount",
            msg if isinstance(msg, str) and msg else "minSelectedCount",
            {"minCount": _num_param(r[0])},
        )
    return None


def max_selected_count(c: ComponentBase, value: Any, ctx: Any) -> Issue | None:
    r = _selected_count(c, value, "maxSelectedCount")
    if r and js_lt(r[0], r[1]):
        msg = c.defn.get("maxSelectedCountMessage")
        return (
            "maxSelectedCount",
            msg if isinstance(msg, str) and msg else "maxSelectedCount",
            {"maxCount": _num_param(r[0])},
        )
    return None


def email(c: ComponentBase, value: Any, ctx: Any) -> Issue | None:
    if isinstance(value, str) and value and not EMAIL_RE.match(value):
        return ("email", "invalid_email", {})
    return None


def json_rule(c: ComponentBase, value: Any, ctx: Any) -> Issue | None:
    logic = c.v_get("json")
    valid = jsonlogic.evaluate(logic, ctx.logic_context(c, value if js_truthy(value) else None))
    if valid is None or valid is True:
        return None
    key = js_string(valid) if js_truthy(valid) else "jsonLogic"
    return ("json", key, {})


def match_input_mask(value: Any, mask: list[Any]) -> bool:
    """@formio/core ``matchInputMask`` (a missing character is tested as the string ``"undefined"``)."""
    length = len(value) if isinstance(value, (str, list)) else None
    if length is not None and length > len(mask):
        return False
    for i, part in enumerate(mask):
        ch = value[i] if (length is not None and i < length) else UNDEF
        if isinstance(part, re.Pattern):
            if not part.search(js_string(ch)):
                return False
        elif not (isinstance(ch, str) and ch == part):
            return False
    return True


def mask(c: ComponentBase, value: Any, ctx: Any) -> Issue | None:
    if not js_truthy(value) or c.mask_array is None:
        return None
    if c.type == "textfield" and isinstance(value, str):  # @formio/core asks Inputmask here
        return None if inputmask.is_valid(value, c.defn["inputMask"]) else ("mask", "mask", {})
    if match_input_mask(value, c.mask_array):
        return None
    return ("mask", "mask", {})


def _days_in_month(month: float, year: float) -> int:
    if month in (1, 3, 5, 7, 8, 10, 12):
        return 31
    if month in (4, 6, 9, 11):
        return 30
    if month == 2:

        def falsy(x: float) -> bool:
            return not js_truthy(x)

        leap = falsy(math.fmod(year, 400) if not math.isnan(year) else math.nan) or (
            js_truthy(math.fmod(year, 100) if not math.isnan(year) else math.nan)
            and falsy(math.fmod(year, 4) if not math.isnan(year) else math.nan)
        )
        return 29 if leap else 28
    return 31


def _fields_hide(c: ComponentBase, part: str) -> bool:
    fields = c.defn.get("fields")
    sub = fields.get(part) if isinstance(fields, dict) else None
    if not isinstance(sub, dict):
        raise KeyError(part)  # @formio/core throws a TypeError here
    return js_truthy(sub.get("hide"))


def _day_parts(c: ComponentBase, value: str) -> tuple[float, float, float]:
    day_i, month_i, year_i = (0, 1, 2) if js_truthy(c.defn.get("dayFirst")) else (1, 0, 2)
    values = [parse_int(x) for x in value.split("/")]

    def at(i: float) -> float:
        if isinstance(i, int) and 0 <= i < len(values):
            return values[i]
        return math.nan

    day, month, year = at(day_i), at(month_i), at(year_i)
    if len(values) != 3:
        if _fields_hide(c, "day"):
            month_i = 0 if month_i == 0 else month_i - 1
            year_i = year_i - 1
            day = 0
            month = at(month_i)
            year = at(year_i)
        if _fields_hide(c, "month"):
            day_i = 0 if day_i == 0 else day_i - 1
            year_i = year_i - 1
            day = 0 if (_fields_hide(c, "day") and day == 0) else at(day_i)
            month = 0
            year = at(year_i)
        if _fields_hide(c, "year"):
            day = 0 if (_fields_hide(c, "day") and day == 0) else at(day_i)
            month = 0 if (_fields_hide(c, "month") and month == 0) else at(month_i)
            year = 0
    return day, month, year


def day(c: ComponentBase, value: Any, ctx: Any) -> Issue | None:
    if not js_truthy(value):
        return None
    err = ("day", "invalidDay", {})
    if not isinstance(value, str):
        return err
    try:
        d, m, y = _day_parts(c, value)
    except KeyError:
        return None
    if math.isnan(d) or d < 0 or d > _days_in_month(m, y):
        return err
    if math.isnan(m) or m < 0 or m > 12:
        return err
    if math.isnan(y) or y < 0 or y > 9999:
        return err
    return None


def required_day(c: ComponentBase, value: Any, ctx: Any) -> Issue | None:
    if not js_truthy(value):
        return ("day", "requiredDayEmpty", {})
    if not isinstance(value, str):
        return None
    try:
        d, m, y = _day_parts(c, value)
    except KeyError:
        return None
    fields = c.defn.get("fields") or {}
    for part, num, key in (
        ("day", d, "requiredDayField"),
        ("month", m, "requiredMonthField"),
        ("year", y, "requiredYearField"),
    ):
        sub = fields.get(part)
        if not js_truthy(num) and isinstance(sub, dict) and js_truthy(sub.get("required")):
            return ("day", key, {})
    return None


def parse_iso_datetime(value: str) -> datetime | None:
    """Parse the ISO 8601 shapes the Form.io datetime component submits."""
    s = value.strip()
    if not s or len(s) > 64:
        return None
    if s[-1] in "zZ":
        s = s[:-1] + "+00:00"
    try:
        return datetime.fromisoformat(s)
    except ValueError:
        return None


_ISO_RE = re.compile(
    r"([+-]\d{6}|\d{4})(?:-(\d{2})(?:-(\d{2}))?)?"
    r"(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?",
    re.ASCII,
)
_LEGACY_TOKEN = re.compile(r"\d+|[A-Za-z]+|\S", re.ASCII)
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_KEYWORDS = frozenset({"am", "pm", "utc", "gmt", "ut", "z", "t", "mon", "tue", "wed", "thu", "fri", "sat", "sun"})


def js_date_valid(value: str) -> bool:
    """Approximates ``new Date(value).toString() !== 'Invalid Date'`` in V8 (ISO and legacy forms)."""
    s = value.strip()
    m = _ISO_RE.fullmatch(s)
    if m:
        month, day_, hour, minute, sec = (int(x) if x else None for x in m.group(2, 3, 4, 5, 6))
        return (
            (month is None or 1 <= month <= 12)
            and (day_ is None or 1 <= day_ <= 31)
            and (hour is None or hour <= 24)
            and (minute is None or minute <= 59)
            and (sec is None or sec <= 59)
        )
    tokens = _LEGACY_TOKEN.findall(s)
    comps: list[int] = []
    named_month = None
    seen_number = False
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if tok.isascii() and tok.isdigit():
            seen_number = True
            if i + 1 < len(tokens) and tokens[i + 1] == ":":
                i += 2  # a time: skip h:m[:s[.ms]]
                while i < len(tokens) and ((tokens[i].isascii() and tokens[i].isdigit()) or tokens[i] in ":."):
                    i += 1
                continue
            comps.append(int(tok))
        elif tok.isalpha():
            low = tok.lower()
            if len(low) >= 3 and low[:3] in _MONTHS and _MONTHS[_MONTHS.index(low[:3])].startswith(low[:3]):
                named_month = _MONTHS.index(low[:3]) + 1
            elif low in _KEYWORDS or low[:3] in _KEYWORDS:
                pass
            elif seen_number:
                return False
        elif (tok in "+-" and seen_number and i + 1 < len(tokens) and tokens[i + 1].isascii()
              and tokens[i + 1].isdigit() and not comps[2:]):
            pass
        i += 1
    if named_month is not None:
        days = [c for c in comps if c <= 31]
        return not comps or (bool(days) and 1 <= days[0] <= 31)
    if not comps or len(comps) > 3:
        return False
    if len(comps) == 1:
        return True
    if len(comps) == 3 and comps[0] > 31:
        month, day_ = comps[1], comps[2]
    else:
        month, day_ = comps[0], comps[1]
    return 1 <= month <= 12 and 1 <= day_ <= 31


def date(c: ComponentBase, value: Any, ctx: Any) -> Issue | None:
    if not js_truthy(value):
        return None
    if c.multiple and isinstance(value, list) and not value:
        return None
    err = ("date", "invalidDate", {})
    if isinstance(value, str):
        if value.lower() == "invalid date" or not js_date_valid(value):
            return err
        return None
    return err


def strict_iso_date(c: ComponentBase, value: Any, ctx: Any) -> Issue | None:
    items = value if (c.multiple and isinstance(value, list)) else [value]
    for v in items:
        if isinstance(v, str) and v and parse_iso_datetime(v) is None:
            return ("isoDate", "invalid_date", {})
    return None


def number(c: ComponentBase, value: Any, ctx: Any) -> Issue | None:
    if not js_truthy(value):
        return None
    if c.multiple and isinstance(value, list) and not value:
        return None
    if not is_number(value):
        return ("number", "number", {})
    return None


def available_items(c: ComponentBase, value: Any, ctx: Any) -> Issue | None:
    if value is None or value is UNDEF or lodash_is_empty(value):
        return None
    err = ("onlyAvailableItems", "invalidOption", {})
    t = c.type
    if t == "radio":
        return None if any(strict_eq_option(o, value) for o in c.option_values) else err
    if t == "select":
        if isinstance(value, dict) and c.object_options:  # whole option objects, compared as JSON.stringify
            return None if any(js_json(o) == js_json(value) for o in c.option_values) else err
        if isinstance(value, (dict, list)):
            return err  # JSON.stringify of a list (or of an object against scalar options) never matches
        return None if any(strict_eq_option(o, value) for o in c.option_values) else err
    if t == "selectboxes":
        if not isinstance(value, (dict, list)):
            return None
        keys = list(value.keys()) if isinstance(value, dict) else [str(i) for i in range(len(value))]
        allowed = c.option_values
        return err if any(not any(strict_eq_option(o, k) for o in allowed) for k in keys) else None
    return None


def multiple(c: ComponentBase, value: Any, ctx: Any) -> Issue | None:
    """@formio/core ``validateMultiple``."""
    if not c.multiple_eligible:
        return None
    req = js_truthy(c.v_get("required"))
    is_list = isinstance(value, list)
    if c.multiple:
        if is_list:
            if not value:
                return ("array_nonempty", "array_nonempty", {}) if req else None
            if c.model_array:
                return None
            if isinstance(value[0], list) and c.model_type != "any":
                return ("nonarray", "nonarray", {})
            return None
        if value is None or value is UNDEF:
            return ("array", "array", {}) if req else None
        return ("array", "array", {})
    if not c.empty_value_is_array and is_list:
        return ("nonarray", "nonarray", {})
    return None


# --- strict rules (ours; @formio/core does not check these) --------------------------------------


def strict_type(c: ComponentBase, value: Any, ctx: Any) -> Issue | None:
    if value is None or value is UNDEF:
        return None
    items = value if (c.multiple and isinstance(value, list)) else [value]
    ok = all(x is None or c.accepts(x) for x in items) if items is value else c.accepts(value)
    return None if ok else ("type", "invalidType", {})


def strict_options(c: ComponentBase, value: Any, ctx: Any) -> Issue | None:
    bad = c.invalid_options(value)
    return ("strictOption", "invalidOption", {}) if bad else None


#: (``row``: an editgrid's ``validate.row``, which @formio/js runs in the browser and @formio/core never runs)
STRICT_RULE_NAMES = frozenset({"type", "isoDate", "strictOption", "minRows", "maxRows", "file", "signature", "maxTags",
                               "row"})
