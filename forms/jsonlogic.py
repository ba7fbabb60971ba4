"""A safe JSON-logic evaluator with json-logic-js 2.x semantics and a whitelist of standard operators.

Form definitions may only use :data:`ALLOWED_OPERATORS` (checked by :func:`check` at load): the standard
operators and the lodash functions @formio/core adds as ``_name`` operators that :mod:`forms.lodash` ports
(``{"_camelCase": [{"var": "row.label"}]}``); other ``_name`` operators are refused with their own reason.
Evaluation never runs code: it walks the expression tree.  Errors (e.g. ``*`` with no arguments)
evaluate to ``None``, as @formio/core's evaluator does.
"""

from __future__ import annotations

import math
import re
from typing import Any

from forms import lodash
from forms.errors import DefinitionError
from forms.jsvalues import (
    UNDEF,
    js_le,
    js_loose_eq,
    js_lt,
    js_parse_float,
    js_strict_eq,
    js_string,
    js_to_number,
    js_truthy,
)
from forms.messages import lint_message

__all__ = ["ALLOWED_OPERATORS", "LODASH_OPERATORS", "STANDARD_OPERATORS", "apply", "check", "evaluate", "truthy"]

STANDARD_OPERATORS = frozenset(
    {
        "var",
        "missing",
        "missing_some",
        "if",
        "?:",
        "==",
        "===",
        "!=",
        "!==",
        "!",
        "!!",
        "or",
        "and",
        ">",
        ">=",
        "<",
        "<=",
        "max",
        "min",
        "+",
        "-",
        "*",
        "/",
        "%",
        "in",
        "cat",
        "substr",
        "merge",
        "map",
        "filter",
        "reduce",
        "all",
        "none",
        "some",
    }
)
#: ``_name`` operators: the lodash functions of @formio/core's JSON logic that :mod:`forms.lodash` ports
LODASH_OPERATORS = frozenset(f"_{name}" for name in lodash.OPERATORS)
ALLOWED_OPERATORS = STANDARD_OPERATORS | LODASH_OPERATORS

_MAX_DEPTH = 64
_INDEX_RE = re.compile(r"0|[1-9]\d*", re.ASCII)


class _LogicError(Exception):
    pass


def check(logic: Any, path: str, _depth: int = 0) -> None:
    """Raise :class:`DefinitionError` if ``logic`` uses an operator outside the whitelist."""
    if _depth > _MAX_DEPTH:
        raise DefinitionError(path, "JSON logic nested too deeply")
    if isinstance(logic, list):
        for i, item in enumerate(logic):
            check(item, f"{path}[{i}]", _depth + 1)
    elif isinstance(logic, dict) and len(logic) == 1:
        op, values = next(iter(logic.items()))
        if op not in ALLOWED_OPERATORS:
            if isinstance(op, str) and op.startswith("_") and len(op) > 1:
                raise DefinitionError(path, f"JSON-logic operator {op!r}: {lint_message('lodashOperator', 'en')}",
                                      code="lodashOperator")
            raise DefinitionError(path, f"JSON-logic operator {op!r} is not allowed")
        check(values, f"{path}.{op}", _depth + 1)


def truthy(v: Any) -> bool:
    """json-logic truthiness: like JavaScript, except that an empty array is falsy."""
    if isinstance(v, list):
        return len(v) > 0
    return js_truthy(v)


def _get_prop(obj: Any, prop: str) -> Any:
    if isinstance(obj, dict):
        return obj.get(prop, UNDEF)
    if isinstance(obj, (list, str)):
        if prop == "length":
            return len(obj)
        if _INDEX_RE.fullmatch(prop):
            i = int(prop)
            return obj[i] if i < len(obj) else UNDEF
    return UNDEF


def _var(data: Any, a: Any = UNDEF, b: Any = UNDEF) -> Any:
    not_found = None if b is UNDEF else b
    if a is UNDEF or a is None or a == "":
        return data
    cur = data
    for prop in js_string(a).split("."):
        if cur is None or cur is UNDEF:
            return not_found
        cur = _get_prop(cur, prop)
        if cur is UNDEF:
            return not_found
    return cur


def _to_int(v: Any) -> float:
    n = js_to_number(v)
    if math.isnan(n):
        return 0
    if math.isinf(n):
        return n
    return math.trunc(n)


def _substr(s: str, start: Any, length: Any = UNDEF) -> str:
    size = len(s)
    st = _to_int(start)
    if st == -math.inf:
        st = 0
    elif st < 0:
        st = max(size + st, 0)
    st = min(st, size)
    ln = size - st if length is UNDEF else _to_int(length)
    ln = min(max(ln, 0), size - st)
    st, ln = int(st), int(ln)
    return s[st : st + ln]


def _op(op: str, data: Any, args: list[Any]) -> Any:
    a = args[0] if args else UNDEF
    b = args[1] if len(args) > 1 else UNDEF
    if op == "var":
        return _var(data, a, b)
    if op == "==":
        return js_loose_eq(a, b)
    if op == "===":
        return js_strict_eq(a, b)
    if op == "!=":
        return not js_loose_eq(a, b)
    if op == "!==":
        return not js_strict_eq(a, b)
    if op == ">":
        return js_lt(b, a)
    if op == ">=":
        return js_le(b, a)
    if op == "<":
        c = args[2] if len(args) > 2 else UNDEF
        return js_lt(a, b) if c is UNDEF else (js_lt(a, b) and js_lt(b, c))
    if op == "<=":
        c = args[2] if len(args) > 2 else UNDEF
        return js_le(a, b) if c is UNDEF else (js_le(a, b) and js_le(b, c))
    if op == "!!":
        return truthy(a)
    if op == "!":
        return not truthy(a)
    if op == "%":
        x, y = js_to_number(a), js_to_number(b)
        if y == 0 or math.isnan(x) or math.isnan(y) or math.isinf(x):
            return math.nan
        return x if math.isinf(y) else math.fmod(x, y)
    if op == "in":
        if not js_truthy(b):
            return False
        if isinstance(b, str):
            return js_string(a) in b
        if isinstance(b, list):
            return any(js_strict_eq(a, x) for x in b)
        return False
    if op == "cat":
        return "".join("" if (x is None or x is UNDEF) else js_string(x) for x in args)
    if op == "substr":
        s = js_string(a)
        c = args[2] if len(args) > 2 else UNDEF
        if c is not UNDEF and js_lt(c, 0):
            temp = _substr(s, b)
            return _substr(temp, 0, len(temp) + js_to_number(c))
        return _substr(s, b, c)
    if op == "+":
        total: Any = 0
        for x in args:
            total = js_parse_float(total) + js_parse_float(x)
        return total
    if op == "*":
        if not args:
            raise _LogicError("Reduce of empty array with no initial value")
        acc = args[0]
        for x in args[1:]:
            acc = js_parse_float(acc) * js_parse_float(x)
        return acc
    if op == "-":
        if b is UNDEF:
            return -js_to_number(a)
        return js_to_number(a) - js_to_number(b)
    if op == "/":
        x, y = js_to_number(a), js_to_number(b)
        if y == 0:
            if x == 0 or math.isnan(x):
                return math.nan
            return math.copysign(math.inf, x) * math.copysign(1, y)
        return x / y
    if op in ("min", "max"):
        nums = [js_to_number(x) for x in args]
        if any(math.isnan(n) for n in nums):
            return math.nan
        if not nums:
            return math.inf if op == "min" else -math.inf
        return min(nums) if op == "min" else max(nums)
    if op == "merge":
        out: list[Any] = []
        for x in args:
            if isinstance(x, list):
                out.extend(x)
            else:
                out.append(x)
        return out
    if op == "missing":
        keys = a if isinstance(a, list) else args
        missing = []
        for key in keys:
            value = _var(data, key)
            if value is None or (value == "" and isinstance(value, str)):
                missing.append(key)
        return missing
    if op in LODASH_OPERATORS:
        try:
            return lodash.OPERATORS[op[1:]](*args)
        except lodash.LodashError as exc:
            raise _LogicError(str(exc)) from exc
    if op == "missing_some":
        if not isinstance(b, list):
            raise _LogicError("missing_some needs a list")
        are_missing = _op("missing", data, [b])
        if js_le(a, len(b) - len(are_missing)):
            return []
        return are_missing
    raise _LogicError(f"Unrecognized operation {op}")


def apply(logic: Any, data: Any, _depth: int = 0) -> Any:
    """Evaluate ``logic`` against ``data`` (may raise on malformed expressions; see :func:`evaluate`)."""
    if _depth > _MAX_DEPTH * 4:
        raise _LogicError("too deep")
    if isinstance(logic, list):
        return [apply(x, data, _depth + 1) for x in logic]
    if not (isinstance(logic, dict) and len(logic) == 1):
        return logic
    op, values = next(iter(logic.items()))
    if not isinstance(values, list):
        values = [values]
    d = _depth + 1
    if op in ("if", "?:"):
        i = 0
        while i < len(values) - 1:
            if truthy(apply(values[i], data, d)):
                return apply(values[i + 1], data, d)
            i += 2
        if len(values) == i + 1:
            return apply(values[i], data, d)
        return None
    if op in ("and", "or"):
        current: Any = UNDEF
        for v in values:
            current = apply(v, data, d)
            if truthy(current) == (op == "or"):
                return current
        return current
    if op in ("filter", "map", "reduce", "all", "none", "some"):
        scoped = apply(values[0] if values else UNDEF, data, d)
        scoped_logic = values[1] if len(values) > 1 else UNDEF
        if op == "reduce":
            initial = apply(values[2], data, d) if len(values) > 2 else None
            if not isinstance(scoped, list):
                return initial
            acc = initial
            for cur in scoped:
                acc = apply(scoped_logic, {"current": cur, "accumulator": acc}, d)
            return acc
        if not isinstance(scoped, list):
            return [] if op in ("filter", "map") else op == "none"
        if op == "filter":
            return [x for x in scoped if truthy(apply(scoped_logic, x, d))]
        if op == "map":
            return [apply(scoped_logic, x, d) for x in scoped]
        if op == "all":
            return bool(scoped) and all(truthy(apply(scoped_logic, x, d)) for x in scoped)
        if op == "none":
            return not any(truthy(apply(scoped_logic, x, d)) for x in scoped)
        return any(truthy(apply(scoped_logic, x, d)) for x in scoped)
    if op not in ALLOWED_OPERATORS:
        raise _LogicError(f"Unrecognized operation {op}")
    args = [apply(v, data, d) for v in values]
    return _op(op, data, args)


def evaluate(logic: Any, data: Any) -> Any:
    """Evaluate, returning ``None`` when the expression fails (as @formio/core does)."""
    try:
        return apply(logic, data)
    except (_LogicError, TypeError, ValueError, OverflowError, RecursionError, AttributeError):
        return None
