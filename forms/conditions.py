"""Conditional visibility: legacy ``{show, when, eq}``, simple ``{show, conjunction, conditions}`` and
``conditional.json``, evaluated like @formio/core (``utils/conditions.ts`` and ``utils/operators``).

Conditions are compiled once at load; references are resolved against the component index of the form.
"""

from __future__ import annotations

import contextlib
import json
import math
from collections.abc import Callable
from typing import Any, Protocol

from forms import jsonlogic
from forms.base import ComponentBase
from forms.errors import DefinitionError
from forms.jsvalues import (
    UNDEF,
    is_number,
    js_lt,
    js_string,
    js_truthy,
    lodash_is_equal,
)

__all__ = ["SIMPLE_OPERATORS", "Condition", "compile_condition", "is_component_data_empty"]

SIMPLE_OPERATORS = frozenset(
    {
        "isEqual",
        "isNotEqual",
        "isEmpty",
        "isNotEmpty",
        "greaterThan",
        "greaterThanOrEqual",
        "lessThan",
        "lessThanOrEqual",
        "includes",
        "notIncludes",
        "startsWith",
        "endsWith",
    }
)


class Walk(Protocol):
    """What a condition reads of a validation run (:class:`forms.form.Walk` is the one there is)."""

    def get_lodash(self, raw: str) -> Any: ...

    def value_of(self, node: Any, *, by_key: bool = False, fixed: list[int] | None = None) -> Any: ...


class _Ref:
    """A reference to another component's value (``when`` / ``conditions[].component``)."""

    __slots__ = ("by_key", "fixed", "node", "raw", "strict")

    def __init__(self, raw: str, strict: bool = False) -> None:
        self.raw = raw
        self.strict = strict
        self.node: ComponentBase | None = None
        self.by_key = False
        self.fixed: list[str | int] | None = None  # explicit indices given in the reference

    def value(self, walk: Walk) -> Any:
        node = self.node
        if node is None:
            return walk.get_lodash(self.raw)
        return walk.value_of(node, by_key=self.by_key, fixed=self.fixed)


class Condition:
    """A compiled ``conditional``: ``hidden(walk)`` says whether the component is conditionally hidden."""

    __slots__ = ("json_logic", "legacy", "refs", "simple")

    def __init__(self) -> None:
        self.json_logic: Any = None
        self.legacy: tuple[_Ref, str, str] | None = None
        self.simple: tuple[list[tuple[_Ref, str, Any]], str, bool] | None = None
        self.refs: list[_Ref] = []

    def hidden(self, walk: Walk, context: Callable[[], dict[str, Any]]) -> bool:
        """True when the component must be hidden (shapes are applied in @formio/core's order)."""
        show = self.shown(walk, context)
        if show is None or show is UNDEF:
            return False
        return not js_truthy(show)

    def shown(self, walk: Walk, context: Callable[[], dict[str, Any]]) -> Any:
        """The condition's ``show`` (None when no shape decides; a ``logic`` trigger fires on a true one)."""
        show: Any = None
        if self.json_logic is not None:
            show = jsonlogic.evaluate(self.json_logic, context())
        if self.legacy is not None:
            show = _check_legacy(self.legacy, walk)
        if self.simple is not None:
            show = _check_simple(self.simple, walk)
        return show


def _check_legacy(legacy: tuple[_Ref, str, str], walk: Walk) -> bool:
    ref, eq, show = legacy
    value = ref.value(walk)
    if isinstance(value, dict) and eq in value:
        return js_string(value[eq]) == show
    if isinstance(value, list):
        if eq.isascii() and eq.isdigit() and (eq == "0" or not eq.startswith("0")) and int(eq) < len(value):
            return js_string(value[int(eq)]) == show
        if eq in (js_string(v) for v in value):
            return show == "true"
    return (js_string(value) == eq) == (show == "true")


def _check_simple(simple: tuple[list[tuple[_Ref, str, Any]], str, bool], walk: Walk) -> bool | None:
    conds, conjunction, show = simple
    if not conds:
        return None
    results = []
    for ref, op, compared in conds:
        node = ref.node
        value = ref.value(walk)
        results.append(_operator(op, value, compared, node))
    result = any(results) if conjunction == "any" else all(results)
    return result if show else not result


def _is_equal(value: Any, compared: Any, node: ComponentBase | None) -> bool:
    if node is not None and node.type == "selectboxes" and isinstance(value, (dict, list)):
        got = _lodash_get_simple(value, compared)
        return js_truthy(got) if got is not UNDEF else False
    if (
        (js_truthy(value) or value is False)
        and js_truthy(compared)
        and isinstance(compared, str)
        and _js_typeof(value) != "string"
    ):
        with contextlib.suppress(ValueError, RecursionError):
            compared = json.loads(compared, parse_constant=_reject_constant)
    return lodash_is_equal(value, compared)


def _lodash_get_simple(value: Any, key: Any) -> Any:
    k = js_string(key)
    if isinstance(value, dict):
        return value.get(k, UNDEF)
    if isinstance(value, list) and k.isascii() and k.isdigit() and int(k) < len(value):
        return value[int(k)]
    return UNDEF


def _reject_constant(name: str) -> Any:
    raise ValueError(name)


def _js_typeof(v: Any) -> str:
    if isinstance(v, str):
        return "string"
    if isinstance(v, bool):
        return "boolean"
    if is_number(v):
        return "number"
    if v is UNDEF:
        return "undefined"
    return "object"


def _lodash_includes(collection: Any, target: Any) -> bool:
    if isinstance(collection, str):
        return js_string(target) in collection
    if isinstance(collection, list):
        return any(lodash_is_equal(x, target) and _same_value_zero(x, target) for x in collection)
    if isinstance(collection, dict):
        return any(_same_value_zero(x, target) for x in collection.values())
    return False


def _same_value_zero(a: Any, b: Any) -> bool:
    if is_number(a) and is_number(b):
        fa, fb = float(a), float(b)
        return fa == fb or (math.isnan(fa) and math.isnan(fb))
    if isinstance(a, (list, dict)) or isinstance(b, (list, dict)):
        return a is b
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    return type(a) is type(b) and a == b


def _lodash_to_string(v: Any) -> str:
    if v is None or v is UNDEF:
        return ""
    if isinstance(v, list):
        return ",".join(_lodash_to_string(x) for x in v)
    return js_string(v)


def _execute(op: str, value: Any, compared: Any, node: ComponentBase | None) -> bool:
    if op in ("isEqual", "isNotEqual"):
        r = _is_equal(value, compared, node)
        return r if op == "isEqual" else not r
    if op == "greaterThan":
        return is_number(value) and js_lt(compared, value)
    if op == "greaterThanOrEqual":
        return is_number(value) and (js_lt(compared, value) or lodash_is_equal(value, compared))
    if op == "lessThan":
        return is_number(value) and js_lt(value, compared)
    if op == "lessThanOrEqual":
        return is_number(value) and (js_lt(value, compared) or lodash_is_equal(value, compared))
    if op in ("includes", "notIncludes"):
        r = _lodash_includes(value, compared)
        return r if op == "includes" else not r
    if op == "startsWith":
        return _lodash_to_string(value).startswith(_lodash_to_string(compared))
    if op == "endsWith":
        return _lodash_to_string(value).endswith(_lodash_to_string(compared))
    return True


def _operator(op: str, value: Any, compared: Any, node: ComponentBase | None) -> bool:
    if op == "isEmpty":
        return is_component_data_empty(node, value)
    if op == "isNotEmpty":
        return not is_component_data_empty(node, value)
    if isinstance(value, list):
        return any(_execute(op, v, compared, node) for v in value)
    return _execute(op, value, compared, node)


def _empty_value(node: ComponentBase | None) -> Any:
    t = node.type if node is not None else None
    if t in ("textarea", "textfield", "time", "datetime", "day"):
        return ""
    if t in ("datagrid", "editgrid"):
        return []
    return None


def _is_value_empty(node: ComponentBase | None, value: Any) -> bool:
    if value is None or value is UNDEF or (value == "" and isinstance(value, str)):
        return True
    if isinstance(value, list):
        if not value:
            return True
        if len(value) == 1:
            return lodash_is_equal(value[0], _empty_value(node))
    return False


def is_component_data_empty(node: ComponentBase | None, value: Any, _depth: int = 0) -> bool:
    """@formio/core ``isComponentDataEmpty`` for one component and its value."""
    t = node.type if node is not None else None
    if t == "checkbox":
        return _is_value_empty(node, value) or value is False
    if node is not None and node.children and t in ("datagrid", "container"):
        if _is_value_empty(node, value) or _depth > 20:
            return True
        rows = value if isinstance(value, list) else [value]
        for row in rows:
            if not isinstance(row, dict):
                continue
            for child in node.iter_data_children():
                if not is_component_data_empty(child, child.get_in(row), _depth + 1):
                    return False
        return True
    if t == "datetime":
        return _is_value_empty(node, value) or js_string(value) == "Invalid date"
    if t == "selectboxes":
        has_true = isinstance(value, dict) and any(js_truthy(v) for v in value.values())
        if isinstance(value, list):
            has_true = any(js_truthy(v) for v in value)
        return _is_value_empty(node, value) or not has_true
    if t == "textarea":
        if isinstance(value, str):
            return _is_value_empty(node, value.strip())
        return _is_value_empty(node, value)
    if t in ("textfield", "phoneNumber"):
        if value is None or value is UNDEF:
            return True
        return _is_value_empty(node, js_string(value).strip())
    return _is_value_empty(node, value)


def _show_bool(show: Any) -> bool:
    if isinstance(show, str):
        with contextlib.suppress(ValueError, RecursionError):
            show = json.loads(show)
    return js_truthy(show)


def compile_condition(conditional: Any, path: str) -> Condition | None:
    """Compile a ``conditional`` property (refs are resolved later by the Form)."""
    if conditional is None or conditional == {}:
        return None
    if not isinstance(conditional, dict):
        raise DefinitionError(path, "conditional must be an object")
    cond = Condition()
    logic = conditional.get("json")
    if js_truthy(logic) and isinstance(logic, (dict, list)):
        jsonlogic.check(logic, f"{path}.json")
        cond.json_logic = logic
    when = conditional.get("when")
    if js_truthy(when):
        if not isinstance(when, str):
            raise DefinitionError(f"{path}.when", "must be a component key")
        ref = _Ref(when)
        cond.refs.append(ref)
        cond.legacy = (
            ref,
            js_string(conditional.get("eq", UNDEF)),
            js_string(conditional.get("show", UNDEF)),
        )
    conjunction = conditional.get("conjunction")
    conditions = conditional.get("conditions")
    if js_truthy(conjunction) and js_truthy(conditions):
        if not isinstance(conditions, list):
            raise DefinitionError(f"{path}.conditions", "must be a list")
        compiled = []
        for i, c in enumerate(conditions):
            cpath = f"{path}.conditions[{i}]"
            if not isinstance(c, dict):
                raise DefinitionError(cpath, "must be an object")
            comp = c.get("component")
            if not js_truthy(comp):
                continue  # @formio/core ignores conditions without a component
            if not isinstance(comp, str):
                raise DefinitionError(f"{cpath}.component", "must be a component path")
            op = c.get("operator")
            if op not in SIMPLE_OPERATORS:
                raise DefinitionError(f"{cpath}.operator", f"operator {op!r} is not supported")
            ref = _Ref(comp, strict=True)
            cond.refs.append(ref)
            compiled.append((ref, op, c.get("value", UNDEF)))
        show = conditional.get("show", True)
        cond.simple = (compiled, "any" if conjunction == "any" else "all", _show_bool(show))
    if cond.json_logic is None and cond.legacy is None and cond.simple is None:
        return None
    return cond
