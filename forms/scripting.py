"""A component's JavaScript (and its ``logic``) applied in @formio/core's evaluator order.

Per component and row @formio/core runs ``customDefaultValue`` → ``calculateValue`` (on the server only
with ``calculateServer``) → ``logic`` → conditions (``customConditional`` with the others) → clear hidden
→ validation (``validate.custom`` after the built-in rules; an editgrid's ``validate.row`` after each row's
components, in strict mode only). :class:`forms.form.Walk` calls the hooks
here at those points; the code itself runs in :mod:`forms.js`.

``logic`` changes the component for the rest of the submission (a property set in one datagrid row stays
set in the next, as in @formio/core, which changes the component object): the changed component is a
*variant* built from the changed definition and kept by the walk.
"""

from __future__ import annotations

import copy
import re
from typing import Any, Protocol

from forms import jsonlogic
from forms.base import ComponentBase, Issue, lodash_get
from forms.conditions import Condition, compile_condition
from forms.errors import DefinitionError
from forms.jsvalues import UNDEF, js_truthy, lodash_is_equal

__all__ = [
    "LogicEntry", "LogicOutcome", "Scripts", "apply_logic", "calculated_value", "compile_scripts", "custom_rule",
    "custom_shown", "default_value", "limit_issue", "row_rule",
]


class Walk(Protocol):
    """What the hooks need of a validation run (:class:`forms.form.Walk`)."""

    def script(self, node: ComponentBase, code: str, ret: str, value: Any, extra: dict[str, Any]) -> Any: ...

    def logic_context(self, node: Any, value: Any) -> dict[str, Any]: ...


class LogicEntry:
    """One ``logic[]`` entry: a trigger (simple / JSON logic / JavaScript) and its actions."""

    __slots__ = ("actions", "condition", "javascript")

    def __init__(self, condition: Condition | None, javascript: str | None, actions: list[dict[str, Any]]) -> None:
        self.condition = condition
        self.javascript = javascript
        self.actions = actions


class Scripts:
    """The JavaScript of one component, compiled once at load."""

    __slots__ = ("calculate", "calculate_logic", "conditional", "custom", "default", "logic", "row")

    def __init__(self) -> None:
        self.default: str | None = None
        self.calculate: str | None = None
        #: a JSON logic ``calculateValue`` (@formio/core applies an object as JSON logic)
        self.calculate_logic: dict[str, Any] | None = None
        self.conditional: str | None = None
        self.custom: str | None = None
        #: an editgrid's ``validate.row`` (run per row, strict mode only: :func:`row_rule`)
        self.row: str | None = None
        self.logic: list[LogicEntry] = []

    @property
    def empty(self) -> bool:
        return not (self.default or self.calculate or self.calculate_logic or self.conditional or self.custom
                    or self.row or self.logic)

    @property
    def refs(self) -> list[Any]:
        """References to other components in the simple/JSON triggers (resolved by the Form)."""
        return [r for e in self.logic if e.condition is not None for r in e.condition.refs]


def _code(value: Any, path: str) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise DefinitionError(path, "must be JavaScript text")
    return value if value.strip() else None


_TRIGGERS = ("simple", "javascript", "json", "event")
_ACTIONS = ("property", "value", "mergeComponentSchema", "customAction")


def compile_scripts(c: dict[str, Any], path: str) -> Scripts | None:
    """The scripts of component definition ``c`` (None when it has none); checks the shapes."""
    s = Scripts()
    s.default = _code(c.get("customDefaultValue"), f"{path}.customDefaultValue")
    calc = c.get("calculateValue")
    server = js_truthy(c.get("calculateServer"))
    if isinstance(calc, dict) and calc:
        jsonlogic.check(calc, f"{path}.calculateValue")
        s.calculate_logic = calc if server else None
    elif isinstance(calc, list) and calc:
        raise DefinitionError(f"{path}.calculateValue", "must be JavaScript or a JSON logic object")
    else:
        calculate = _code(calc, f"{path}.calculateValue")
        s.calculate = calculate if server else None
    s.conditional = _code(c.get("customConditional"), f"{path}.customConditional")
    v = c.get("validate")
    if isinstance(v, dict):
        s.custom = _code(v.get("custom"), f"{path}.validate.custom")
        if c.get("type") == "editgrid":
            s.row = _code(v.get("row"), f"{path}.validate.row")
    logic = c.get("logic")
    if logic not in (None, [], ""):
        if not isinstance(logic, list):
            raise DefinitionError(f"{path}.logic", "must be a list")
        for i, entry in enumerate(logic):
            s.logic.append(_compile_entry(entry, f"{path}.logic[{i}]"))
    return None if s.empty else s


def _compile_entry(entry: Any, path: str) -> LogicEntry:
    if not isinstance(entry, dict):
        raise DefinitionError(path, "must be an object")
    trigger = entry.get("trigger")
    if not isinstance(trigger, dict) or trigger.get("type") not in _TRIGGERS:
        raise DefinitionError(f"{path}.trigger", "unknown trigger (simple, javascript, json or event)")
    condition = None
    javascript = None
    kind = trigger["type"]
    if kind == "simple":
        condition = compile_condition(trigger.get("simple"), f"{path}.trigger.simple")
    elif kind == "json":
        condition = compile_condition({"json": trigger.get("json")}, f"{path}.trigger")
    elif kind == "javascript":
        javascript = _code(trigger.get("javascript"), f"{path}.trigger.javascript")
    actions = entry.get("actions") or []
    if not isinstance(actions, list):
        raise DefinitionError(f"{path}.actions", "must be a list")
    for j, action in enumerate(actions):
        where = f"{path}.actions[{j}]"
        if not isinstance(action, dict) or action.get("type") not in _ACTIONS:
            raise DefinitionError(where, "unknown action (property, value, mergeComponentSchema or customAction)")
        if action["type"] == "property":
            prop = action.get("property")
            if not isinstance(prop, dict) or not isinstance(prop.get("value"), str) or not prop["value"]:
                raise DefinitionError(f"{where}.property", "names no property")
            if prop["value"].split(".")[0] in ("key", "type", "components", "columns", "rows", "logic"):
                raise DefinitionError(f"{where}.property", "this property cannot be changed by logic")
    # an "event" trigger fires in the browser only (a button or a custom event), never on the server
    return LogicEntry(condition, javascript, [a for a in actions if kind != "event"])


# --- hooks ---------------------------------------------------------------------------------------


def default_value(walk: Walk, node: ComponentBase, row: Any) -> Any:
    """``customDefaultValue`` for a value absent from ``row`` (``UNDEF``: none)."""
    code = node.scripts.default if node.scripts else None
    if code is None or node.model_type == "number":  # @formio/core skips numbers on the server
        return UNDEF
    value = walk.script(node, code, "value", None, {})
    if value is None or value is UNDEF:
        return UNDEF
    if node.multiple and not isinstance(value, list):
        value = [value] if js_truthy(value) else []
    return value


def calculated_value(walk: Walk, node: ComponentBase, value: Any) -> Any:
    """``calculateValue`` (with ``calculateServer``): the new value, or ``UNDEF`` for "unchanged"."""
    scripts = node.scripts
    if scripts is None or (scripts.calculate is None and scripts.calculate_logic is None):
        return UNDEF
    if value is UNDEF and node.grids and node.parent is node.grids[-1]:
        return UNDEF
    current = value if js_truthy(value) else None
    if scripts.calculate_logic is not None:
        new = jsonlogic.evaluate(scripts.calculate_logic, walk.logic_context(node, current))
        if isinstance(new, float) and new.is_integer() and abs(new) < 2**53:
            new = int(new)  # a JavaScript number: 8, not 8.0
    else:
        new = walk.script(node, scripts.calculate, "value", current, {})
    return UNDEF if new is None or new is UNDEF else new


def custom_shown(walk: Walk, node: ComponentBase, value: Any) -> Any:
    """The ``show`` of ``customConditional`` (None: undecided, shown)."""
    code = node.scripts.conditional if node.scripts else None
    if code is None:
        return None
    show = walk.script(node, "show = true; " + code + ";", "show", value, {})
    return None if show is UNDEF else show


class LogicOutcome:
    """What ``logic`` did to one component in one row."""

    __slots__ = ("defn", "value", "value_set")

    def __init__(self) -> None:
        self.defn: dict[str, Any] | None = None  # the changed definition (None: unchanged)
        self.value: Any = UNDEF
        self.value_set = False


def _lodash_set(obj: dict[str, Any], path: str, value: Any) -> None:
    parts = [p for p in re.split(r"[.\[\]]", path) if p]
    cur = obj
    for p in parts[:-1]:
        nxt = cur.get(p)
        if not isinstance(nxt, dict):
            nxt = cur[p] = {}
        cur = nxt
    cur[parts[-1]] = value


def apply_logic(walk: Walk, node: ComponentBase, value: Any) -> LogicOutcome:
    """Run ``node``'s logic entries in order: triggers, then property/value/schema actions."""
    out = LogicOutcome()
    scripts = node.scripts
    if scripts is None or not scripts.logic:
        return out
    defn = node.defn
    current = value
    for entry in scripts.logic:
        if entry.javascript is not None:
            fired = walk.script(node, "result = true; " + entry.javascript + ";", "result", current, {})
        elif entry.condition is not None:
            fired = entry.condition.shown(walk, lambda v=current: walk.logic_context(node, v))
        else:
            fired = None
        if not js_truthy(fired) or not entry.actions:
            continue
        for action in entry.actions:
            kind = action["type"]
            if kind == "property":
                prop = action["property"]
                name = prop["value"]
                if prop.get("type") == "boolean":
                    new: Any = str(action.get("state")) in ("true", "True")
                    if str(lodash_get(defn, name, False)).lower() == str(new).lower():
                        continue
                else:
                    text = action.get(prop["component"]) if prop.get("component") else action.get("text")
                    new = text if isinstance(text, str) else ""
                    if lodash_get(defn, name, "") == new:
                        continue
                defn = copy.deepcopy(defn) if defn is node.defn else defn
                _lodash_set(defn, name, new)
            elif kind in ("value", "customAction"):
                code = action.get("value") if kind == "value" else action.get("customAction")
                if not isinstance(code, str) or not code.strip():
                    continue
                new = walk.script(node, code, "value", current, {"result": fired})
                if new is not None and new is not UNDEF and not lodash_is_equal(current, new):
                    current = new
                    out.value = new
                    out.value_set = True
            else:  # mergeComponentSchema
                code = action.get("schemaDefinition")
                if not isinstance(code, str) or not code.strip():
                    continue
                schema = walk.script(node, code, "schema", current, {"result": fired})
                if isinstance(schema, dict) and schema:
                    schema = {k: v for k, v in schema.items() if k not in ("key", "type", "components", "logic")}
                    defn = copy.deepcopy(defn) if defn is node.defn else defn
                    defn.update(schema)
    if defn is not node.defn:
        out.defn = defn
    return out


def custom_rule(c: ComponentBase, value: Any, ctx: Any) -> Issue | None:
    """``validate.custom``: ``valid`` true/null/undefined passes, a string is the message, else "custom"."""
    code = c.scripts.custom if c.scripts else None
    if code is None:
        return None
    valid = ctx.script(c, code, "valid", value, {"valid": True, "input": value})
    if valid is None or valid is True or valid is UNDEF:
        return None
    return ("custom", valid if isinstance(valid, str) else "custom", {})


def row_rule(walk: Walk, node: ComponentBase, row: Any, index: int, row_valid: bool) -> Issue | None:
    """An editgrid's ``validate.row`` for one row, as @formio/js's ``EditGrid.validateRow`` runs it: ``valid``
    starts as "the row has no errors" and ``row`` is the row; ``true`` passes, a text is the row's message,
    anything else fails (with our own message: @formio/js shows the value itself, e.g. "false"). A snippet
    that throws gives no result and passes, as ``validate.custom`` does. @formio/core never runs it, so the
    walk calls this in strict mode only.
    """
    code = node.scripts.row if node.scripts else None
    if code is None:
        return None
    valid = walk.script(node, code, "valid", row, {"valid": row_valid, "row": row, "rowIndex": index})
    if valid is None or valid is True or valid is UNDEF or valid == "true":
        return None
    if isinstance(valid, str) and valid:
        return ("row", valid, {"row": index + 1})
    if not row_valid:  # the row's own errors already say what is wrong
        return None
    return ("row", "rowInvalid", {"row": index + 1})


def limit_issue(what: str) -> Issue:
    """The issue a snippet that ran out of time, memory or stack leaves on its component."""
    return ("script", "scriptLimit", {"limit": what})

