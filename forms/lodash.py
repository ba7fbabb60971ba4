"""The lodash functions @formio/core's JSON logic offers as ``_name`` operators, ported for a safe subset.

@formio/core (``utils/jsonlogic/operators.js``) registers about 200 lodash functions with
``jsonLogic.add_operation('_' + name, fn)``; Form.io's builder writes them in ``calculateValue`` and
conditions, e.g. ``{"_camelCase": [{"var": "row.label"}]}``. :data:`OPERATORS` holds the ones Frontdesk
evaluates, each a pure function of JSON values (lodash 4.17.21 semantics, checked against @formio/core's
own results in ``tests/forms/reference/lodash-ops.json``):

* text: ``camelCase``, ``kebabCase``, ``snakeCase``, ``startCase``, ``lowerCase``, ``upperCase``,
  ``capitalize``, ``upperFirst``, ``lowerFirst``, ``toLower``, ``toUpper``, ``trim``, ``trimStart``,
  ``trimEnd``, ``deburr``, ``words`` (without a pattern), ``toString``, ``startsWith``, ``endsWith``;
* tests: ``isEmpty``, ``isNil``, ``isNull``, ``isString``, ``isNumber``, ``isArray``, ``isBoolean``,
  ``isInteger``, ``isEqual``;
* lists and objects: ``includes``, ``size``, ``first``, ``head``, ``last``, ``join``, ``uniq``, ``compact``,
  ``get``, ``has``, ``keys``, ``values``, ``defaultTo``;
* numbers: ``sum``, ``mean``, ``max``, ``min``, ``add``, ``subtract``, ``multiply``, ``divide``, ``round``,
  ``ceil``, ``floor``, ``toNumber``, ``toInteger``, ``clamp``, ``inRange``.

Left out on purpose: functions that take a function or a regular expression (``filter``, ``map``,
``words`` with a pattern, ...), that are not pure (``now``, ``random``, ``uniqueId``, ``sample``,
``shuffle``), or that build large values from small input (``repeat``, ``pad*``, ``range``, ``times``).
Every result is bounded by its input (:data:`MAX_TEXT` for texts, with :class:`LodashError` past it).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

from forms.jsvalues import (
    JS_WS,
    UNDEF,
    is_number,
    js_lt,
    js_strict_eq,
    js_string,
    js_to_number,
    js_truthy,
    lodash_is_empty,
    lodash_is_equal,
)

__all__ = ["MAX_TEXT", "OPERATORS", "LodashError"]

#: the longest text an operator reads or makes (beyond it the expression has no result): word splitting costs
#: about 5 ms per 1,000 characters, so one operator stays under about 50 ms
MAX_TEXT = 10_000


class LodashError(Exception):
    """An operator cannot give a result (the JSON-logic expression then has none)."""


# --- lodash's word and letter tables (lodash.js 4.17.21, lines 220-295) ---------------------------

_ASTRAL = "\\ud800-\\udfff"
_COMBO = "\\u0300-\\u036f\\ufe20-\\ufe2f\\u20d0-\\u20ff"
_DINGBAT = "\\u2700-\\u27bf"
_LOWER = "a-z\\xdf-\\xf6\\xf8-\\xff"
_BREAK = (
    "\\xac\\xb1\\xd7\\xf7"  # math operators
    "\\x00-\\x2f\\x3a-\\x40\\x5b-\\x60\\x7b-\\xbf"  # non-characters
    "\\u2000-\\u206f"  # punctuation
    " \\t\\x0b\\f\\xa0\\ufeff\\n\\r\\u2028\\u2029\\u1680\\u180e\\u2000\\u2001\\u2002\\u2003\\u2004\\u2005\\u2006"
    "\\u2007\\u2008\\u2009\\u200a\\u202f\\u205f\\u3000"
)
_UPPER = "A-Z\\xc0-\\xd6\\xd8-\\xde"
_R_APOS = "['\u2019]"
_R_BREAK = f"[{_BREAK}]"
_R_COMBO = f"[{_COMBO}]"
_R_LOWER = f"[{_LOWER}]"
_R_MISC = f"[^{_ASTRAL}{_BREAK}\\d+{_DINGBAT}{_LOWER}{_UPPER}]"
_R_FITZ = "\\ud83c[\\udffb-\\udfff]"
_R_MODIFIER = f"(?:{_R_COMBO}|{_R_FITZ})"
_R_REGIONAL = "(?:\\ud83c[\\udde6-\\uddff]){2}"
_R_SURR_PAIR = "[\\ud800-\\udbff][\\udc00-\\udfff]"
_R_UPPER = f"[{_UPPER}]"
_R_MISC_LOWER = f"(?:{_R_LOWER}|{_R_MISC})"
_R_MISC_UPPER = f"(?:{_R_UPPER}|{_R_MISC})"
_R_CONTR_LOWER = f"(?:{_R_APOS}(?:d|ll|m|re|s|t|ve))?"
_R_CONTR_UPPER = f"(?:{_R_APOS}(?:D|LL|M|RE|S|T|VE))?"
_R_OPT_VAR = "[\\ufe0e\\ufe0f]?"
_R_OPT_JOIN = f"(?:\\u200d(?:[^{_ASTRAL}]|{_R_REGIONAL}|{_R_SURR_PAIR}){_R_OPT_VAR}{_R_MODIFIER}?)*"
_R_SEQ = f"{_R_OPT_VAR}{_R_MODIFIER}?{_R_OPT_JOIN}"
_R_EMOJI = f"(?:[{_DINGBAT}]|{_R_REGIONAL}|{_R_SURR_PAIR}){_R_SEQ}"
_END = r"\Z"  # JavaScript's $ without the m flag (Python's $ also matches before a final newline)

_UNICODE_WORD = re.compile("|".join([
    f"{_R_UPPER}?{_R_LOWER}+{_R_CONTR_LOWER}(?={_R_BREAK}|{_R_UPPER}|{_END})",
    f"{_R_MISC_UPPER}+{_R_CONTR_UPPER}(?={_R_BREAK}|{_R_UPPER}{_R_MISC_LOWER}|{_END})",
    f"{_R_UPPER}?{_R_MISC_LOWER}+{_R_CONTR_LOWER}",
    f"{_R_UPPER}+{_R_CONTR_UPPER}",
    "\\d*(?:1ST|2ND|3RD|(?![123])\\dTH)(?=\\b|[a-z_])",
    "\\d*(?:1st|2nd|3rd|(?![123])\\dth)(?=\\b|[A-Z_])",
    "\\d+",
    _R_EMOJI,
]), re.ASCII)
_HAS_UNICODE_WORD = re.compile(r"[a-z][A-Z]|[A-Z]{2}[a-z]|[0-9][a-zA-Z]|[a-zA-Z][0-9]|[^a-zA-Z0-9 ]")
_ASCII_WORD = re.compile(r"[^\x00-\x2f\x3a-\x40\x5b-\x60\x7b-\x7f]+")
_HAS_UNICODE = re.compile(f"[\\u200d{_COMBO}\\ufe0e\\ufe0f\U00010000-\U0010ffff]")
_APOS = re.compile(_R_APOS)
_LATIN = re.compile("[\\xc0-\\xd6\\xd8-\\xf6\\xf8-\\xff\\u0100-\\u017f]")
_COMBO_MARK = re.compile(_R_COMBO)

#: lodash's deburredLetters, letter by letter for U+00C0 to U+017F (the times and division signs are kept)
_DEBURR_FROM = (
    "ÀÁÂÃÄÅÆÇÈÉÊËÌÍÎÏÐÑÒÓÔÕÖØÙÚÛÜÝÞßàáâãäåæçèéêëìíîïðñòóôõöøùúûüýþÿĀāĂăĄąĆćĈĉĊċČčĎďĐđĒēĔĕĖėĘęĚěĜĝĞğĠġĢģĤĥĦħ"
    "ĨĩĪīĬĭĮįİıĲĳĴĵĶķĸĹĺĻļĽľĿŀŁłŃńŅņŇňŉŊŋŌōŎŏŐőŒœŔŕŖŗŘřŚśŜŝŞşŠšŢţŤťŦŧŨũŪūŬŭŮůŰűŲųŴŵŶŷŸŹźŻżŽžſ"
)
_DEBURR_TEXT = (
    "A A A A A A Ae C E E E E I I I I D N O O O O O O U U U U Y Th ss a a a a a a ae c e e e e i i i i d n o o o o o"
    " o u u u u y th y A a A a A a C c C c C c C c D d D d E e E e E e E e E e G g G g G g G g H h H h I i I i I i"
    " I i I i IJ ij J j K k k L l L l L l L l L l N n N n N n 'n N n O o O o O o Oe oe R r R r R r S s S s S s S s"
    " T t T t T t U u U u U u U u U u U u W w Y y Y Z z Z z Z z s"
)
_DEBURR = dict(zip(_DEBURR_FROM, _DEBURR_TEXT.split(" "), strict=True))


def _utf16(text: str) -> str:
    """``text`` with astral characters as surrogate pairs (what lodash's patterns see in JavaScript)."""
    if not any(ord(ch) > 0xFFFF for ch in text):
        return text
    out = []
    for ch in text:
        code = ord(ch) - 0x10000
        out.append(ch if code < 0 else chr(0xD800 + (code >> 10)) + chr(0xDC00 + (code & 0x3FF)))
    return "".join(out)


def _from_utf16(text: str) -> str:
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")


def _text(v: Any) -> str:
    """lodash ``toString``: '' for null/undefined, ``String`` otherwise (null inside an array is "null")."""
    if v is None or v is UNDEF:
        return ""
    out = _base_text(v)
    if len(out) > MAX_TEXT:
        raise LodashError("text too long")
    return out


def _base_text(v: Any, depth: int = 0) -> str:
    if isinstance(v, str):
        return v
    if isinstance(v, list):
        if depth > 32:
            raise LodashError("nested too deeply")
        return ",".join(_base_text(x, depth + 1) for x in v)
    if is_number(v) and v == 0 and math.copysign(1.0, float(v)) < 0:
        return "-0"
    return js_string(v)


def _js_length(text: str) -> int:
    return len(_utf16(text))


def deburr(v: Any = UNDEF, *_: Any) -> str:
    s = _LATIN.sub(lambda m: _DEBURR.get(m.group(0), m.group(0)), _text(v))
    return _COMBO_MARK.sub("", s)


def words(v: Any = UNDEF, pattern: Any = UNDEF, *_: Any) -> list[str]:
    if pattern is not UNDEF:  # a pattern is a regular expression from the definition: not offered
        raise LodashError("words with a pattern")
    s = _text(v)
    if _HAS_UNICODE_WORD.search(s):
        return [_from_utf16(m) for m in _UNICODE_WORD.findall(_utf16(s))]
    return _ASCII_WORD.findall(s)


def _upper_first(s: str) -> str:
    return s[:1].upper() + s[1:]


def _lower_first(s: str) -> str:
    return s[:1].lower() + s[1:]


def _compounder(join: Callable[[str, str, int], str]) -> Callable[..., str]:
    def op(v: Any = UNDEF, *_: Any) -> str:
        out = ""
        for i, word in enumerate(words(_APOS.sub("", deburr(v)))):
            out = join(out, word, i)
        return out

    return op


def capitalize(v: Any = UNDEF, *_: Any) -> str:
    return _upper_first(_text(v).lower())


def _trimmer(which: str) -> Callable[..., str]:
    def op(v: Any = UNDEF, chars: Any = UNDEF, *_: Any) -> str:
        s = _text(v)
        strip_chars = JS_WS if chars is UNDEF else _base_text(chars)
        if chars is None:
            strip_chars = JS_WS
        if which == "both":
            return s.strip(strip_chars)
        return s.lstrip(strip_chars) if which == "start" else s.rstrip(strip_chars)

    return op


def starts_with(v: Any = UNDEF, target: Any = UNDEF, position: Any = UNDEF, *_: Any) -> bool:
    s = _text(v)
    pos = 0 if position is None or position is UNDEF else int(min(max(_to_integer(position), 0), len(s)))
    t = _base_text(target) if target is not UNDEF else "undefined"
    return s[pos:pos + len(t)] == t


def ends_with(v: Any = UNDEF, target: Any = UNDEF, position: Any = UNDEF, *_: Any) -> bool:
    s = _text(v)
    t = _base_text(target) if target is not UNDEF else "undefined"
    end = len(s) if position is UNDEF else int(min(max(_to_integer(position), 0), len(s)))
    start = end - len(t)
    return start >= 0 and s[start:end] == t


# --- tests -----------------------------------------------------------------------------------------


def _is_integer(v: Any = UNDEF, *_: Any) -> bool:
    return is_number(v) and math.isfinite(v) and float(v).is_integer()


# --- lists and objects -------------------------------------------------------------------------------


def _sv_zero_equal(a: Any, b: Any) -> bool:
    if is_number(a) and is_number(b) and math.isnan(a) and math.isnan(b):
        return True
    return js_strict_eq(a, b)


def _array_like(v: Any) -> bool:
    return isinstance(v, (list, str))


def _values(v: Any) -> list[Any]:
    if isinstance(v, dict):
        return list(v.values())
    if isinstance(v, list):
        return list(v)
    if isinstance(v, str):
        return list(v)
    return []


def includes(collection: Any = UNDEF, value: Any = UNDEF, from_index: Any = UNDEF, *_: Any) -> bool:
    items: Any = collection if _array_like(collection) else _values(collection)
    start = int(_to_integer(from_index)) if js_truthy(from_index) else 0
    length = _js_length(items) if isinstance(items, str) else len(items)
    if start < 0:
        start = max(length + start, 0)
    if isinstance(items, str):
        return start <= length and _text_index(items, js_string(value), start) > -1
    return bool(length) and any(_sv_zero_equal(x, value) for x in items[start:])


def _text_index(s: str, sub: str, start: int) -> int:
    return _utf16(s).find(_utf16(sub), start)


def size(collection: Any = UNDEF, *_: Any) -> int:
    if isinstance(collection, str):
        if _HAS_UNICODE.search(collection):  # lodash counts symbols (a letter with its marks is one)
            return len(re.sub(f"[\\u200d{_COMBO}\\ufe0e\\ufe0f]", "", collection))
        return len(collection)
    if isinstance(collection, (list, dict)):
        return len(collection)
    return 0


def _first(v: Any = UNDEF, *_: Any) -> Any:
    if isinstance(v, (list, str)) and v:
        return v[0]
    return UNDEF


def _last(v: Any = UNDEF, *_: Any) -> Any:
    if isinstance(v, (list, str)) and v:
        return v[-1]
    return UNDEF


def join(v: Any = UNDEF, separator: Any = UNDEF, *_: Any) -> str:
    if v is None or v is UNDEF:
        return ""
    sep = "," if separator is UNDEF else js_string(separator)
    items = list(v) if isinstance(v, str) else v if isinstance(v, list) else []
    out = sep.join("" if x is None or x is UNDEF else _base_text(x) for x in items)
    if len(out) > MAX_TEXT:
        raise LodashError("text too long")
    return out


def uniq(v: Any = UNDEF, *_: Any) -> list[Any]:
    out: list[Any] = []
    for x in v if isinstance(v, list) else list(v) if isinstance(v, str) else ():
        if not any(_sv_zero_equal(x, y) for y in out):
            out.append(x)
    return out


def compact(v: Any = UNDEF, *_: Any) -> list[Any]:
    return [x for x in (v if isinstance(v, list) else list(v) if isinstance(v, str) else ()) if js_truthy(x)]


_PROP_NAME = re.compile(
    r"[^.\[\]]+|\[(?:([^\"'][^\[]*)|([\"'])((?:(?!\2)[^\\]|\\.)*?)\2)\]|(?=(?:\.|\[\])(?:\.|\[\]|$))"
)
_DEEP_PROP = re.compile(r"\.|\[(?:[^\[\]]*|([\"'])(?:(?!\1)[^\\]|\\.)*?\1)\]")
_PLAIN_PROP = re.compile(r"^\w*$", re.ASCII)


def _path(path: Any, obj: Any) -> list[str]:
    """lodash ``castPath``: a list as it is, a plain key, or the parts of ``a.b[0].c``."""
    if isinstance(path, list):
        return [_base_text(p) if not isinstance(p, str) else p for p in path]
    if path is None or isinstance(path, (bool, int, float)) or path is UNDEF:
        return [js_string(path)]
    text = _text(path)
    if _PLAIN_PROP.match(text) or not _DEEP_PROP.search(text) or (isinstance(obj, dict) and text in obj):
        return [text]
    parts: list[str] = []
    if text[:1] == ".":
        parts.append("")
    for m in _PROP_NAME.finditer(text):
        number, quote, sub = m.group(1), m.group(2), m.group(3)
        if quote:
            parts.append(re.sub(r"\\(\\)?", r"\1", sub))
        elif number is not None:
            parts.append(number.strip())
        else:
            parts.append(m.group(0))
    return parts


def _child(obj: Any, key: str) -> Any:
    if isinstance(obj, dict):
        return obj.get(key, UNDEF)
    if isinstance(obj, (list, str)):
        if key == "length":
            return _js_length(obj) if isinstance(obj, str) else len(obj)
        if key.isascii() and key.isdigit() and (key == "0" or not key.startswith("0")) and int(key) < len(obj):
            return obj[int(key)]
    return UNDEF


def get(obj: Any = UNDEF, path: Any = UNDEF, default: Any = UNDEF, *_: Any) -> Any:
    cur = obj
    if cur is None or cur is UNDEF:
        return default
    for key in _path(path, obj):
        if cur is None or cur is UNDEF:
            cur = UNDEF
            break
        cur = _child(cur, key)
    return default if cur is UNDEF else cur


def has(obj: Any = UNDEF, path: Any = UNDEF, *_: Any) -> bool:
    if obj is None or obj is UNDEF:
        return False
    cur = obj
    for key in _path(path, obj):
        if isinstance(cur, dict) and key in cur:
            cur = cur[key]
        elif isinstance(cur, list) and _child(cur, key) is not UNDEF:
            cur = cur[int(key)]
        else:
            return False
    return True


def keys(obj: Any = UNDEF, *_: Any) -> list[str]:
    if isinstance(obj, dict):
        return list(obj)
    if isinstance(obj, (list, str)):
        return [str(i) for i in range(len(obj))]
    return []


def default_to(v: Any = UNDEF, default: Any = UNDEF, *_: Any) -> Any:
    if v is None or v is UNDEF or (is_number(v) and math.isnan(v)):
        return default
    return v


# --- numbers -------------------------------------------------------------------------------------------


def _to_number(v: Any) -> float:
    if isinstance(v, dict):
        return math.nan
    return js_to_number(v)


def _to_finite(v: Any) -> float:
    if not js_truthy(v):
        return 0.0 if not (is_number(v) and v == 0) else float(v)
    n = _to_number(v)
    if math.isinf(n):
        return math.copysign(1.7976931348623157e308, n)
    return n if not math.isnan(n) else 0.0


def _to_integer(v: Any = UNDEF, *_: Any) -> float:
    n = _to_finite(v)
    return float(math.trunc(n)) if math.isfinite(n) else n


def _js_add(a: Any, b: Any) -> Any:
    """JavaScript ``a + b`` for JSON values."""
    def primitive(x: Any) -> Any:
        return js_string(x) if isinstance(x, (list, dict)) else x

    a, b = primitive(a), primitive(b)
    if isinstance(a, str) or isinstance(b, str):
        out = js_string(a) + js_string(b)
        if len(out) > MAX_TEXT:
            raise LodashError("text too long")
        return out
    return js_to_number(a) + js_to_number(b)


def _sum_of(items: list[Any]) -> Any:
    result: Any = UNDEF
    for x in items:
        if x is not UNDEF:
            result = x if result is UNDEF else _js_add(result, x)
    return result


def sum_(v: Any = UNDEF, *_: Any) -> Any:
    items = v if isinstance(v, list) else list(v) if isinstance(v, str) else []
    return _sum_of(items) if items else 0


def mean(v: Any = UNDEF, *_: Any) -> Any:
    items = v if isinstance(v, list) else list(v) if isinstance(v, str) else []
    if not items:
        return math.nan
    total = _sum_of(items)
    return js_to_number(total) / len(items) if not isinstance(total, str) else math.nan


def _extremum(greater: bool) -> Callable[..., Any]:
    def op(v: Any = UNDEF, *_: Any) -> Any:
        items = v if isinstance(v, list) else list(v) if isinstance(v, str) else []
        result: Any = UNDEF
        for x in items:
            if x is None or x is UNDEF:
                continue
            if result is UNDEF:
                if not (is_number(x) and math.isnan(x)):
                    result = x
            elif js_lt(result, x) if greater else js_lt(x, result):
                result = x
        return result

    return op


def _math(operator: Callable[[Any, Any], Any], default: float) -> Callable[..., Any]:
    def op(a: Any = UNDEF, b: Any = UNDEF, *_: Any) -> Any:
        if a is UNDEF and b is UNDEF:
            return default
        if b is UNDEF:
            return a
        if a is UNDEF:
            return b
        if isinstance(a, str) or isinstance(b, str):
            return operator(_base_text(a), _base_text(b))
        return operator(_to_number(a), _to_number(b))

    return op


def _num_op(kind: str) -> Callable[[Any, Any], Any]:
    def op(a: Any, b: Any) -> Any:
        if kind == "+":
            return _js_add(a, b)
        x, y = js_to_number(a), js_to_number(b)
        if kind == "-":
            return x - y
        if kind == "*":
            return x * y
        if y == 0:
            return math.nan if x == 0 or math.isnan(x) else math.copysign(math.inf, x) * math.copysign(1, y)
        return x / y

    return op


def _js_round(x: float) -> float:
    return math.floor(x + 0.5) if math.isfinite(x) else x


def _rounder(func: Callable[[float], float]) -> Callable[..., Any]:
    def op(v: Any = UNDEF, precision: Any = UNDEF, *_: Any) -> Any:
        number = _to_number(v)
        p = 0 if precision is None or precision is UNDEF else int(min(_to_integer(precision), 292))
        if p and math.isfinite(number):
            mant, _sep, exp = (js_string(number) + "e").partition("e")
            value = func(float(f"{mant}e{int(exp.rstrip('e') or 0) + p}"))
            mant, _sep, exp = (js_string(value) + "e").partition("e")
            return float(f"{mant}e{int(exp.rstrip('e') or 0) - p}")
        return func(number) if math.isfinite(number) else number

    return op


def clamp(v: Any = UNDEF, lower: Any = UNDEF, upper: Any = UNDEF, *_: Any) -> float:
    if upper is UNDEF:
        upper, lower = lower, UNDEF
    hi = lo = None
    if upper is not UNDEF:
        hi = _to_number(upper)
        hi = 0.0 if math.isnan(hi) else hi
    if lower is not UNDEF:
        lo = _to_number(lower)
        lo = 0.0 if math.isnan(lo) else lo
    n = _to_number(v)
    if not math.isnan(n):
        if hi is not None:
            n = n if n <= hi else hi
        if lo is not None:
            n = n if n >= lo else lo
    return n


def in_range(v: Any = UNDEF, start: Any = UNDEF, end: Any = UNDEF, *_: Any) -> bool:
    s = _to_finite(start)
    if end is UNDEF:
        s, e = 0.0, s
    else:
        e = _to_finite(end)
    n = _to_number(v)
    return min(s, e) <= n < max(s, e)


def _to_lodash_number(v: Any = UNDEF, *_: Any) -> float:
    return _to_number(v) if v is not UNDEF else math.nan


def _is(pred: Callable[[Any], bool]) -> Callable[..., bool]:
    return lambda v=UNDEF, *_: pred(v)


OPERATORS: dict[str, Callable[..., Any]] = {
    # text
    "camelCase": _compounder(lambda out, w, i: out + (_upper_first(w.lower()) if i else w.lower())),
    "kebabCase": _compounder(lambda out, w, i: out + ("-" if i else "") + w.lower()),
    "snakeCase": _compounder(lambda out, w, i: out + ("_" if i else "") + w.lower()),
    "lowerCase": _compounder(lambda out, w, i: out + (" " if i else "") + w.lower()),
    "upperCase": _compounder(lambda out, w, i: out + (" " if i else "") + w.upper()),
    "startCase": _compounder(lambda out, w, i: out + (" " if i else "") + _upper_first(w)),
    "capitalize": capitalize,
    "upperFirst": lambda v=UNDEF, *_: _upper_first(_text(v)),
    "lowerFirst": lambda v=UNDEF, *_: _lower_first(_text(v)),
    "toLower": lambda v=UNDEF, *_: _text(v).lower(),
    "toUpper": lambda v=UNDEF, *_: _text(v).upper(),
    "trim": _trimmer("both"),
    "trimStart": _trimmer("start"),
    "trimEnd": _trimmer("end"),
    "deburr": deburr,
    "words": words,
    "toString": lambda v=UNDEF, *_: _text(v),
    "startsWith": starts_with,
    "endsWith": ends_with,
    # tests
    "isEmpty": _is(lambda v: v is UNDEF or lodash_is_empty(v)),
    "isNil": _is(lambda v: v is None or v is UNDEF),
    "isNull": _is(lambda v: v is None),
    "isString": _is(lambda v: isinstance(v, str)),
    "isNumber": _is(is_number),
    "isArray": _is(lambda v: isinstance(v, list)),
    "isBoolean": _is(lambda v: isinstance(v, bool)),
    "isInteger": _is_integer,
    "isEqual": lambda a=UNDEF, b=UNDEF, *_: lodash_is_equal(a, b),
    # lists and objects
    "includes": includes,
    "size": size,
    "first": _first,
    "head": _first,
    "last": _last,
    "join": join,
    "uniq": uniq,
    "compact": compact,
    "get": get,
    "has": has,
    "keys": keys,
    "values": lambda v=UNDEF, *_: _values(v),
    "defaultTo": default_to,
    # numbers
    "sum": sum_,
    "mean": mean,
    "max": _extremum(True),
    "min": _extremum(False),
    "add": _math(_num_op("+"), 0),
    "subtract": _math(_num_op("-"), 0),
    "multiply": _math(_num_op("*"), 1),
    "divide": _math(_num_op("/"), 1),
    "round": _rounder(_js_round),
    "ceil": _rounder(math.ceil),
    "floor": _rounder(math.floor),
    "toNumber": _to_lodash_number,
    "toInteger": _to_integer,
    "clamp": clamp,
    "inRange": in_range,
}
