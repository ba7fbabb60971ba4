"""JavaScript value semantics (String(), Number(), ==, <, truthiness, lodash isEqual).

@formio/core evaluates conditions and JSON logic with JavaScript semantics; these helpers let the
Python engine give the same answers on any JSON value.  ``UNDEF`` stands for ``undefined``.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

__all__ = [
    "UNDEF",
    "is_number",
    "js_json",
    "js_loose_eq",
    "js_lt",
    "js_parse_float",
    "js_strict_eq",
    "js_string",
    "js_to_number",
    "js_truthy",
    "json_copy",
    "lodash_is_empty",
    "lodash_is_equal",
]


class _Undefined:
    __slots__ = ()

    def __repr__(self) -> str:
        return "undefined"

    def __bool__(self) -> bool:
        return False


UNDEF: Any = _Undefined()

_NUM_RE = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?", re.ASCII)
_FLOAT_PREFIX_RE = re.compile(r"[+-]?(?:Infinity|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)", re.ASCII)
#: JavaScript's WhiteSpace and LineTerminator characters (what String.prototype.trim removes)
JS_WS = " \t\n\v\f\r\u00a0\u1680\u2028\u2029\u202f\u205f\u3000\ufeff" + "".join(chr(c) for c in range(0x2000, 0x200B))
_JS_WS = JS_WS


MAX_VALUE_DEPTH = 32


def json_copy(v: Any, depth: int = 0) -> Any:
    """A copy holding only JSON types; values nested deeper than ``MAX_VALUE_DEPTH`` become ``None``."""
    if isinstance(v, (str, bool, int, float)) or v is None:
        return v
    if depth >= MAX_VALUE_DEPTH:
        return None
    if isinstance(v, dict):
        return {k: json_copy(x, depth + 1) for k, x in v.items() if isinstance(k, str)}
    if isinstance(v, (list, tuple)):
        return [json_copy(x, depth + 1) for x in v]
    return None


def is_number(v: Any) -> bool:
    """``typeof v === 'number'``."""
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _float(v: int | float) -> float:
    try:
        return float(v)
    except OverflowError:
        return math.inf if v > 0 else -math.inf


def _num_str(x: int | float) -> str:
    if isinstance(x, int) and abs(x) < 10**21:
        return str(x)
    f = _float(x)
    if math.isnan(f):
        return "NaN"
    if math.isinf(f):
        return "Infinity" if f > 0 else "-Infinity"
    if f == 0:
        return "0"
    sign = "-" if f < 0 else ""
    s = repr(abs(f))
    mant, _, exp_s = s.partition("e")
    exp = int(exp_s) if exp_s else 0
    int_part, _, frac = mant.partition(".")
    digits = int_part + frac
    n = len(int_part) + exp
    stripped = digits.lstrip("0")
    n -= len(digits) - len(stripped)
    digits = stripped.rstrip("0") or "0"
    k = len(digits)
    if k <= n <= 21:
        out = digits + "0" * (n - k)
    elif 0 < n <= 21:
        out = digits[:n] + "." + digits[n:]
    elif -6 < n <= 0:
        out = "0." + "0" * (-n) + digits
    else:
        e = n - 1
        es = ("+" if e >= 0 else "-") + str(abs(e))
        out = digits + "e" + es if k == 1 else digits[0] + "." + digits[1:] + "e" + es
    return sign + out


def js_string(v: Any, _depth: int = 0) -> str:
    """``String(v)``."""
    if isinstance(v, str):
        return v
    if v is None:
        return "null"
    if v is UNDEF:
        return "undefined"
    if v is True:
        return "true"
    if v is False:
        return "false"
    if isinstance(v, (int, float)):
        return _num_str(v)
    if isinstance(v, list):
        if _depth > 50:
            return ""
        return ",".join("" if (x is None or x is UNDEF) else js_string(x, _depth + 1) for x in v)
    return "[object Object]"


def js_json(v: Any, _depth: int = 0) -> str:
    """``JSON.stringify(v)`` for JSON values (key order kept, numbers as JavaScript writes them)."""
    if _depth > MAX_VALUE_DEPTH + 2:
        raise ValueError("nested too deeply")
    if v is None or v is UNDEF:
        return "null"
    if v is True:
        return "true"
    if v is False:
        return "false"
    if isinstance(v, (int, float)):
        return "null" if isinstance(v, float) and not math.isfinite(v) else _num_str(v)
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, list):
        return "[" + ",".join(js_json(x, _depth + 1) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ",".join(f"{json.dumps(str(k), ensure_ascii=False)}:{js_json(x, _depth + 1)}"
                              for k, x in v.items() if x is not UNDEF) + "}"
    return "null"


def js_to_number(v: Any) -> float:
    """``Number(v)`` (ToNumber)."""
    if isinstance(v, bool):
        return 1.0 if v else 0.0
    if isinstance(v, (int, float)):
        return _float(v)
    if v is None:
        return 0.0
    if isinstance(v, str):
        s = v.strip(_JS_WS)
        if not s:
            return 0.0
        if _NUM_RE.fullmatch(s):
            return _float(float(s))
        if s in ("Infinity", "+Infinity"):
            return math.inf
        if s == "-Infinity":
            return -math.inf
        low = s[:2].lower()
        base = {"0x": 16, "0o": 8, "0b": 2}.get(low)
        if base:
            try:
                return _float(int(s[2:], base))
            except ValueError:
                return math.nan
        return math.nan
    if isinstance(v, list):
        return js_to_number(js_string(v))
    return math.nan


def js_parse_float(v: Any) -> float:
    """``parseFloat(v)``."""
    if is_number(v):
        return _float(v)
    s = js_string(v).lstrip(_JS_WS)
    m = _FLOAT_PREFIX_RE.match(s)
    if not m:
        return math.nan
    t = m.group(0)
    if t.endswith("Infinity"):
        return -math.inf if t.startswith("-") else math.inf
    return _float(float(t))


def js_truthy(v: Any) -> bool:
    """JavaScript truthiness (``[]`` and ``{}`` are truthy)."""
    if v is None or v is UNDEF or v is False:
        return False
    if isinstance(v, (int, float)):
        return not (v == 0 or (isinstance(v, float) and math.isnan(v)))
    if isinstance(v, str):
        return v != ""
    return True


def _is_obj(v: Any) -> bool:
    return isinstance(v, (list, dict))


def js_strict_eq(a: Any, b: Any) -> bool:
    """``a === b``."""
    if is_number(a) and is_number(b):
        return _float(a) == _float(b)
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if isinstance(a, str) and isinstance(b, str):
        return a == b
    if a is None or a is UNDEF or b is None or b is UNDEF:
        return a is b
    if _is_obj(a) or _is_obj(b):
        return a is b
    return False


def js_loose_eq(a: Any, b: Any) -> bool:
    """``a == b`` (abstract equality)."""
    for _ in range(4):
        a_nil = a is None or a is UNDEF
        b_nil = b is None or b is UNDEF
        if a_nil or b_nil:
            return a_nil and b_nil
        if _is_obj(a) and _is_obj(b):
            return a is b
        if type(a) is type(b) or (is_number(a) and is_number(b)):
            return js_strict_eq(a, b)
        if isinstance(a, bool):
            a = 1 if a else 0
            continue
        if isinstance(b, bool):
            b = 1 if b else 0
            continue
        if is_number(a) and isinstance(b, str):
            return _float(a) == js_to_number(b)
        if isinstance(a, str) and is_number(b):
            return js_to_number(a) == _float(b)
        if _is_obj(a):
            a = js_string(a)
            continue
        if _is_obj(b):
            b = js_string(b)
            continue
        return False
    return False


def _to_primitive(v: Any) -> Any:
    return js_string(v) if _is_obj(v) else v


def js_lt(a: Any, b: Any) -> bool:
    """``a < b`` (abstract relational comparison)."""
    a, b = _to_primitive(a), _to_primitive(b)
    if isinstance(a, str) and isinstance(b, str):
        return a < b
    x, y = js_to_number(a), js_to_number(b)
    return x < y  # NaN compares False


def js_le(a: Any, b: Any) -> bool:
    """``a <= b``."""
    a, b = _to_primitive(a), _to_primitive(b)
    if isinstance(a, str) and isinstance(b, str):
        return a <= b
    x, y = js_to_number(a), js_to_number(b)
    return x <= y


def lodash_is_equal(a: Any, b: Any, _depth: int = 0) -> bool:
    """lodash ``isEqual`` (deep, type-strict; NaN equals NaN)."""
    if _depth > 100:
        return False
    if is_number(a) and is_number(b):
        fa, fb = _float(a), _float(b)
        return fa == fb or (math.isnan(fa) and math.isnan(fb))
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(lodash_is_equal(x, y, _depth + 1) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(lodash_is_equal(a[k], b[k], _depth + 1) for k in a)
    return js_strict_eq(a, b)


def lodash_is_empty(v: Any) -> bool:
    """lodash ``isEmpty`` (numbers and booleans count as empty)."""
    if isinstance(v, (str, list, dict)):
        return len(v) == 0
    return True
