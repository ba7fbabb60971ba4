"""Loading (linting) a Form.io definition and validating submissions against it.

Processing follows @formio/core's order: filter unknown keys → defaults / locked prefill →
conditions → clear hidden → validate, component by component in document order.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import nh3
from markupsafe import Markup

from forms import js, scripting
from forms.components import Component
from forms.conditions import compile_condition
from forms.errors import DefinitionError
from forms.expressions import Finding, find_refused_code, iter_code
from forms.extra import drop_unstored, unknown_type_reason
from forms.jsvalues import UNDEF, js_truthy, json_copy
from forms.messages import interpolate, lint_message, message
from forms.registry import REGISTRY
from forms.render import render_answers

__all__ = ["Form", "Issue", "Result", "list_scripts", "load", "refused_code", "to_renderer_errors", "validate"]

RENDERER_VERSION = "5.6.0"

_KEY_SEGMENT = re.compile(r"[A-Za-z0-9_-]+")
_RESERVED_KEYS = frozenset({"__proto__", "constructor", "prototype"})
_LODASH_PATH = re.compile(r"[^.\[\]]+|\[(\d+)\]", re.ASCII)


@dataclass(frozen=True)
class Issue:
    """One validation error: Form.io path, rule name, message and the component it belongs to."""

    path: str
    rule: str
    message: str
    key: str
    label: str
    level: str = "error"


@dataclass
class Result:
    """The outcome of :meth:`Form.validate`."""

    errors: dict[str, list[str]] = field(default_factory=dict)
    data: dict[str, Any] = field(default_factory=dict)
    issues: list[Issue] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        """True when there are no errors."""
        return not self.errors

    def rejected(self) -> set[tuple[str, str]]:
        """The set of ``(path, rule)`` pairs (used by the differential tests)."""
        return {(i.path, i.rule) for i in self.issues}


# --- loading -------------------------------------------------------------------------------------


def _check_key(key: Any, path: str, *, required: bool) -> None:
    if key is None or key == "":
        if required:
            raise DefinitionError(f"{path}.key", "data components need a key")
        return
    if not isinstance(key, str) or len(key) > 128:
        raise DefinitionError(f"{path}.key", "key must be a short string")
    for seg in key.split("."):
        if not _KEY_SEGMENT.fullmatch(seg) or (seg.isascii() and seg.isdigit()) or seg in _RESERVED_KEYS:
            raise DefinitionError(f"{path}.key", f"invalid key {key!r} (letters, digits, '_', '-', '.')")


def _lint_component(c: dict[str, Any], path: str) -> None:
    v = c.get("validate")
    if v is not None and not isinstance(v, dict):
        raise DefinitionError(f"{path}.validate", "must be an object")


class _Builder:
    def __init__(self, strict: bool) -> None:
        self.strict = strict
        self.all: list[Component] = []
        self.groups: set[tuple[int, str]] = set()

    def build(
        self,
        defs: Any,
        path: str,
        parent: Component | None,
        level: dict[str, str],
        grids: tuple[Component, ...],
        segments: tuple[Any, ...],
        data_prefix: str,
        full_prefix: str,
    ) -> list[Component]:
        if defs is None:
            return []
        if not isinstance(defs, list):
            raise DefinitionError(path, "components must be a list")
        out = []
        for i, c in enumerate(defs):
            out.append(self.build_one(c, f"{path}[{i}]", parent, level, grids, segments, data_prefix, full_prefix))
        return out

    def build_one(
        self,
        c: Any,
        p: str,
        parent: Component | None,
        level: dict[str, str],
        grids: tuple[Component, ...],
        segments: tuple[Any, ...],
        data_prefix: str,
        full_prefix: str,
    ) -> Component:
        if not isinstance(c, dict):
            raise DefinitionError(p, "component must be an object")
        t = c.get("type")
        cls = REGISTRY.get(t) if isinstance(t, str) else None
        if cls is None:
            raise DefinitionError(f"{p}.type", unknown_type_reason(t, REGISTRY))
        _lint_component(c, p)
        for prop in ("html", "content"):
            if isinstance(c.get(prop), str):
                c[prop] = nh3.clean(c[prop])
        is_data = cls.kind in ("value", "container", "grid")
        _check_key(c.get("key"), p, required=is_data)
        node = cls(c, p, parent, self.strict)
        node.condition = compile_condition(c.get("conditional"), f"{p}.conditional")
        node.scripts = scripting.compile_scripts(c, p)
        node.grids = grids
        if node.key:
            node.full_path = f"{full_prefix}{node.key}"
        if is_data:
            node.data_path = f"{data_prefix}{node.key}"
            node.segments = (*segments, *node.parts)
            group = (id(level), node.key) if getattr(node, "radio_group", False) else None
            if group is None or group not in self.groups:  # radio-style checkboxes share their name
                self._claim(level, node.key, p)
                if group is not None:
                    self.groups.add(group)
        else:
            node.segments = segments
        self.all.append(node)
        child_full = f"{node.full_path}." if node.key else full_prefix
        kind = cls.kind
        if kind == "layout":
            node.children = self._layout_children(node, c, p, level, grids, segments, data_prefix, child_full)
        elif kind == "container":
            node.children = self.build(
                c.get("components"),
                f"{p}.components",
                node,
                {},
                grids,
                node.segments,
                f"{node.data_path}.",
                child_full,
            )
        elif kind == "grid":
            node.children = self.build(
                c.get("components"),
                f"{p}.components",
                node,
                {},
                (*grids, node),
                (*node.segments, node),
                f"{node.data_path}.",
                child_full,
            )
        return node

    def _layout_children(
        self,
        node: Component,
        c: dict[str, Any],
        p: str,
        level: dict[str, str],
        grids: tuple[Component, ...],
        segments: tuple[Any, ...],
        data_prefix: str,
        full_prefix: str,
    ) -> list[Component]:
        args = (node, level, grids, segments, data_prefix, full_prefix)
        if hasattr(node, "layout_lists"):  # e.g. tabs (forms/extra.py)
            out: list[Component] = []
            for defs, where in node.layout_lists(c, p):
                out += self.build(defs, where, *args)
            return out
        if node.type == "columns":
            cols = c.get("columns") or []
            if not isinstance(cols, list):
                raise DefinitionError(f"{p}.columns", "must be a list")
            out = []
            for j, col in enumerate(cols):
                if not isinstance(col, dict):
                    raise DefinitionError(f"{p}.columns[{j}]", "column must be an object")
                out += self.build(col.get("components"), f"{p}.columns[{j}].components", *args)
            return out
        if node.type == "table":
            rows = c.get("rows") or []
            if not isinstance(rows, list):
                raise DefinitionError(f"{p}.rows", "must be a list")
            out = []
            for r, row in enumerate(rows):
                if not isinstance(row, list):
                    raise DefinitionError(f"{p}.rows[{r}]", "row must be a list of cells")
                for k, cell in enumerate(row):
                    if not isinstance(cell, dict):
                        raise DefinitionError(f"{p}.rows[{r}][{k}]", "cell must be an object")
                    out += self.build(cell.get("components"), f"{p}.rows[{r}][{k}].components", *args)
            return out
        return self.build(c.get("components"), f"{p}.components", *args)

    @staticmethod
    def _claim(level: dict[str, str], key: str, path: str) -> None:
        for other, other_path in level.items():
            if other == key or other.startswith(key + ".") or key.startswith(other + "."):
                raise DefinitionError(f"{path}.key", f"duplicate key {key!r} (also at {other_path})")
        level[key] = path


def _resolve_refs(components: list[Component]) -> None:
    by_full: dict[str, Component] = {}
    by_path: dict[str, Component] = {}
    by_key: dict[str, Component] = {}
    for n in components:
        if n.full_path:
            by_full.setdefault(n.full_path, n)
        if n.data_path:
            by_path.setdefault(n.data_path, n)
        if n.key:
            by_key.setdefault(n.key, n)
    for n in components:
        refs = (n.condition.refs if n.condition is not None else []) + (n.scripts.refs if n.scripts else [])
        for ref in refs:
            # @formio/core's getBestMatch order: data path (with row indices), full path, path, key
            raw = ref.raw
            fixed = [ix for _, ix in _index_parts(raw) if ix is not None] or None
            raw_noidx = re.sub(r"\[\d+\]", "", raw) if fixed else raw
            target = by_path.get(raw_noidx) if fixed else None
            if target is None:
                target = by_full.get(raw_noidx) or by_path.get(raw_noidx)
            if target is None and not fixed:
                target = by_key.get(raw)
                ref.by_key = target is not None
            if target is None and ref.strict:
                raise DefinitionError(f"{n.def_path}.conditional", f"condition refers to unknown component {raw!r}")
            ref.node = target
            ref.fixed = fixed


def _index_parts(raw: str) -> Iterator[tuple[str, int | None]]:
    for m in _LODASH_PATH.finditer(raw):
        if m.group(1) is not None:
            yield ("", int(m.group(1)))
        else:
            yield (m.group(0), None)


def load(definition: Mapping[str, Any], *, strict: bool = True, check_code: bool = True) -> Form:
    """Lint and compile a Form.io definition.

    Raises :class:`DefinitionError` for anything outside the whitelist.  ``strict`` (default) adds
    our own checks that @formio/core does not make (value types, option membership, datagrid row
    counts, file and signature shapes); ``strict=False`` validates exactly like @formio/core.
    ``check_code`` (default) refuses template code and JavaScript anywhere the browser renderer
    would run it (:mod:`forms.expressions`), except JavaScript that compiles in the places the server's
    sandbox runs (:data:`forms.js.PLACES`); only server-side uses of an already stored definition
    (validating, read-only answers) may pass False.
    """
    if not isinstance(definition, Mapping):
        raise DefinitionError("", "a form definition must be an object")
    try:
        defn = copy.deepcopy(dict(definition))
    except RecursionError as exc:
        raise DefinitionError("", "definition nested too deeply") from exc
    display = defn.get("display", "form")
    if display not in ("form", "wizard", None):
        raise DefinitionError("display", f"display {display!r} is not supported (form or wizard)")
    builder = _Builder(strict)
    try:
        top = builder.build(defn.get("components", []), "components", None, {}, (), (), "", "")
    except RecursionError as exc:
        raise DefinitionError("components", "definition nested too deeply") from exc
    _resolve_refs(builder.all)
    if check_code:
        try:
            found = refused_code(dict(definition))
        except RecursionError as exc:
            raise DefinitionError("", "definition nested too deeply") from exc
        if found is not None:
            raise DefinitionError(found.path, lint_message(found.kind, "en"), code=found.kind)
    return Form(defn, top, builder.all, strict)


# --- processing ----------------------------------------------------------------------------------


_sanitize = json_copy


def _set_in(row: dict[str, Any], parts: tuple[str, ...], value: Any) -> None:
    cur = row
    for p in parts[:-1]:
        nxt = cur.get(p)
        if not isinstance(nxt, dict):
            nxt = {}
            cur[p] = nxt
        cur = nxt
    cur[parts[-1]] = value


def _unset_in(row: Any, parts: tuple[str, ...]) -> None:
    cur = row
    for p in parts[:-1]:
        if not isinstance(cur, dict):
            return
        cur = cur.get(p)
    if isinstance(cur, dict):
        cur.pop(parts[-1], None)


class Walk:
    """State of one validation run (the working data and where the walk currently is)."""

    __slots__ = ("absent_rows", "data_row", "form", "indices", "issues", "lang", "now", "path", "root", "row",
                 "sandbox", "script_failed", "variants", "zone")

    def __init__(self, form: Form, root: dict[str, Any], lang: str, *, zone: Any = None,
                 now: datetime | None = None) -> None:
        self.form = form
        #: where and when date limits computed with ``moment()`` are evaluated (forms/datelimits.py)
        self.zone = zone
        self.now = now
        self.root = root
        self.lang = lang
        self.indices: dict[Component, int] = {}
        self.issues: list[Issue] = []
        self.row: Any = root
        #: the row as the data has it (None inside an absent container: ``row`` is undefined for JavaScript)
        self.data_row: Any = root
        self.path = ""
        #: the submission's own JavaScript context (made on the first snippet, dropped with the walk)
        self.sandbox: js.Sandbox | None = None
        self.script_failed = False
        #: components as ``logic`` changed them, for the rest of this walk
        self.variants: dict[Component, Component] = {}
        #: the ids of the stand-in rows of absent grids (``row`` is null for JavaScript there, as in @formio/core)
        self.absent_rows: set[int] = set()

    # JavaScript ---------------------------------------------------------------------------------

    def script(self, node: Component, code: str, ret: str, value: Any, extra: dict[str, Any]) -> Any:
        """Run one snippet of ``node`` with Form.io's variables; None when it throws or hits a limit
        (the first limit of a submission becomes an issue on that component, later snippets are skipped)."""
        if self.script_failed:
            return None
        if self.sandbox is None:
            self.sandbox = js.Sandbox(form=self.form.definition_view)
        variables = {
            "data": self.root,
            "row": UNDEF if self.data_row is None else None if id(self.data_row) in self.absent_rows else self.data_row,
            "rowIndex": list(self.indices.values())[-1] if self.indices else UNDEF,
            "value": value,
            "input": value,
            "component": self.variants.get(node, node).defn,
            "path": self.path,
            "config": {"server": True},
            "options": {},
            "instance": UNDEF,
            **extra,
        }
        try:
            return self.sandbox.evaluate(code, ret, variables)
        except js.ScriptLimit as exc:
            self.script_failed = True
            self._add(node, self.path, *scripting.limit_issue(exc.what))
            return None

    def run_scripts(self, node: Component, row: dict[str, Any], value: Any) -> Any:
        """``customDefaultValue``, ``calculateValue`` and ``logic`` of ``node`` in ``row``: the new value."""
        if value is UNDEF and (not node.parts or node.parts[0] not in row):
            default = scripting.default_value(self, node, row)
            if default is not UNDEF:
                value = default
                _set_in(row, node.parts, value)
        new = scripting.calculated_value(self, node, value)
        if new is not UNDEF:
            value = new
            _set_in(row, node.parts, value)
        outcome = scripting.apply_logic(self, node, value)
        if outcome.value_set:
            value = outcome.value
            _set_in(row, node.parts, value)
        if outcome.defn is not None:
            self.variants[node] = self.variant(node, outcome.defn)
        return value

    @staticmethod
    def variant(node: Component, defn: dict[str, Any]) -> Component:
        """``node`` compiled from ``defn`` (what ``logic`` made of it), in the same place of the form."""
        try:
            new = type(node)(defn, node.def_path, node.parent, node.strict)
        except (DefinitionError, TypeError, ValueError, KeyError, AttributeError):
            return node  # a change the engine cannot compile leaves the component as it was
        for name in ("condition", "scripts", "grids", "full_path", "data_path", "segments", "children"):
            setattr(new, name, getattr(node, name))
        return new

    # values for conditions ---------------------------------------------------------------------

    def get_lodash(self, raw: str) -> Any:
        """``_.get(data, raw)``."""
        cur: Any = self.root
        for name, ix in _index_parts(raw):
            if ix is not None:
                if not isinstance(cur, list) or ix >= len(cur):
                    return UNDEF
                cur = cur[ix]
            else:
                if isinstance(cur, dict):
                    cur = cur.get(name, UNDEF)
                elif isinstance(cur, list) and name.isascii() and name.isdigit() and int(name) < len(cur):
                    cur = cur[int(name)]
                else:
                    return UNDEF
            if cur is UNDEF:
                return UNDEF
        return cur

    def value_of(self, node: Component, *, by_key: bool = False, fixed: list[int] | None = None) -> Any:
        """The current value of ``node`` as @formio/core's ``getComponentValue`` finds it."""
        cur: Any = self.root
        fixed_iter = iter(fixed or ())
        for seg in node.segments:
            if isinstance(seg, str):
                if not isinstance(cur, dict):
                    return UNDEF
                cur = cur.get(seg, UNDEF)
                if cur is UNDEF:
                    return UNDEF
                continue
            ix = next(fixed_iter, None)
            if not isinstance(cur, list):
                return UNDEF
            if ix is None:
                ix = self._pick_row(seg, cur, node, by_key)
            if ix is None or ix >= len(cur):
                return UNDEF
            cur = cur[ix]
        return cur

    def _pick_row(self, grid: Component, rows: list[Any], node: Component, by_key: bool) -> int | None:
        first = next((i for i, r in enumerate(rows) if js_truthy(r)), None)
        if by_key:
            return first
        if grid in self.indices:
            return self.indices[grid]
        inner = node.grids[-1] if node.grids else None
        if grid is inner and self.indices:
            d = list(self.indices.values())[-1]
            if d < len(rows) and js_truthy(rows[d]):
                return d
        return first

    def logic_context(self, node: Component, value: Any) -> dict[str, Any]:
        """Variables visible to JSON logic (``data``, ``row``, ``value``/``input``, ``component``)."""
        return {
            "data": self.root,
            "row": self.row,
            "value": value,
            "input": value,
            "component": node.defn,
            "form": self.form._definition,
            "submission": {"data": self.root},
        }

    # the walk -----------------------------------------------------------------------------------

    def process(self, nodes: list[Component], row: Any, prefix: str, hidden_parent: bool, intent_parent: bool) -> None:
        for node in nodes:
            self.row = row if row is not None else {}
            self.data_row = row
            kind = node.kind
            has_data = kind in ("value", "container", "grid")
            value: Any = UNDEF
            path = self.path = prefix + node.key
            if has_data and isinstance(row, dict):
                value = node.get_in(row)
                if node.scripts is not None:
                    value = self.run_scripts(node, row, value)
            active = self.variants.get(node, node)
            # a property "hidden" set by logic hides like a condition (@formio/core's conditionallyHidden)
            hidden = hidden_parent or (active is not node and active.hidden_prop and not node.hidden_prop)
            if not hidden and node.condition is not None:
                cond = node.condition
                hidden = cond.hidden(self, lambda n=node, v=value: self.logic_context(n, v))
            if not hidden and node.scripts is not None:
                show = scripting.custom_shown(self, node, value)
                hidden = show is not None and not js_truthy(show)
            intent = intent_parent or active.hidden_prop
            if has_data and hidden and active.clear_on_hide and value is not UNDEF:
                _unset_in(row, node.parts)
                value = UNDEF
            if (
                active.is_input
                and not active.value_hidden
                and (active.validate_when_hidden or not (hidden or intent))
                and kind != "none"
            ):
                for rule, key, params in active.validate(value, self):
                    self._add(active, path, rule, key, params)
            if kind == "layout":
                # @formio/core validates nothing inside a legacy ``tree: true`` columns or table layout
                legacy_tree = node.type in ("columns", "table") and js_truthy(node.defn.get("tree"))
                self.process(node.children, row, prefix, hidden, intent or legacy_tree)
            elif kind == "container":
                self.process(node.children, value if isinstance(value, dict) else None, path + ".", hidden, intent)
            elif kind == "grid":
                if isinstance(value, list) and value:
                    row_code = node.strict and node.scripts is not None and node.scripts.row is not None
                    for i, r in enumerate(value):
                        if js_truthy(r):
                            self.indices[node] = i
                            before = len(self.issues)
                            self.process(
                                node.children,
                                r if isinstance(r, dict) else None,
                                f"{path}[{i}].",
                                hidden,
                                intent,
                            )
                            if row_code and not (hidden or intent) and isinstance(r, dict):
                                self.path = f"{path}[{i}]"
                                issue = scripting.row_rule(self, node, r, i, len(self.issues) == before)
                                if issue is not None:
                                    self._add(active, f"{path}[{i}]", *issue)
                    self.indices.pop(node, None)
                elif value is UNDEF:
                    # @formio/core walks an absent grid as one row; a default or calculated value set
                    # there (by JavaScript) creates the grid with that row, as its lodash set does
                    # (its row index is the enclosing grid's current one, as in @formio/core's paths)
                    ix = list(self.indices.values())[-1] if self.indices else 0
                    self.indices[node] = ix
                    placeholder: dict[str, Any] = {}
                    self.absent_rows.add(id(placeholder))
                    self.process(node.children, placeholder, f"{path}[{ix}].", hidden, intent)
                    self.absent_rows.discard(id(placeholder))
                    self.indices.pop(node, None)
                    if placeholder and isinstance(row, dict):
                        _set_in(row, node.parts, [placeholder])

    def _add(self, node: Component, path: str, rule: str, key: str, params: dict[str, Any]) -> None:
        params = {**params, "field": node.error_field}
        if node.custom_message is not None and rule != "row":  # a row's message is the one its code gives
            text = interpolate(node.custom_message, params)
        elif key in node.error_overrides:
            text = interpolate(node.error_overrides[key], params)
        else:
            text = message(key, self.lang, params)
        self.issues.append(Issue(path=path, rule=rule, message=text, key=node.key, label=node.label))


class Form:
    """A compiled, linted form definition.  Create with :func:`load`."""

    def __init__(
        self, definition: dict[str, Any], top: list[Component], all_nodes: list[Component], strict: bool
    ) -> None:
        self._definition = definition
        self._top = top
        self._all = tuple(all_nodes)
        self.strict = strict
        self.display: str = definition.get("display") or "form"
        self._data_nodes = tuple(n for n in all_nodes if n.has_data)
        self._renderer: Any = None

    # -- information ------------------------------------------------------------------------------

    @property
    def definition(self) -> dict[str, Any]:
        """The sanitised definition (a copy) — the one to store and publish."""
        return copy.deepcopy(self._definition)

    @property
    def definition_view(self) -> dict[str, Any]:
        """The definition itself (not a copy): for readers that never change it, e.g. the JavaScript
        sandbox, which receives it as JSON text."""
        return self._definition

    @property
    def components(self) -> tuple[Component, ...]:
        """All components in document order (layout ones included)."""
        return self._all

    @property
    def top_components(self) -> list[Component]:
        """The top-level components (wizard pages in a wizard)."""
        return list(self._top)

    def data_paths(self) -> dict[str, str]:
        """Every data component's path (``contacts.phone`` for datagrid children) → its type."""
        return {n.data_path: n.type for n in self._data_nodes}

    def mapped_fields(self) -> dict[str, str]:
        """Component path → ``properties.customerField`` for components mapped to the customer record."""
        out = {}
        for n in self._data_nodes:
            f = n.properties.get("customerField")
            if isinstance(f, str) and f:
                out[n.data_path] = f
        return out

    def consent_components(self) -> list[dict[str, str]]:
        """Checkboxes marked ``properties.consent`` with the text the person agreed to."""
        out = []
        for n in self._data_nodes:
            if n.type != "checkbox" or n.properties.get("consent") not in (True, "true"):
                continue
            text = n.properties.get("consentText")
            if not (isinstance(text, str) and text.strip()):
                desc = n.defn.get("description")
                text = n.label + (f" — {desc}" if isinstance(desc, str) and desc.strip() else "")
            out.append({"path": n.data_path, "label": n.label, "text": text})
        return out

    # -- validation -------------------------------------------------------------------------------

    def _filter(self, nodes: list[Component], src: Any) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for node in nodes:
            if node.kind == "layout":
                out_l = self._filter(node.children, src)
                for k, v in out_l.items():
                    if isinstance(v, dict) and isinstance(out.get(k), dict):
                        out[k].update(v)
                    else:
                        out[k] = v
                continue
            if node.kind == "none":
                continue
            v = node.get_in(src)
            if v is UNDEF:
                continue
            if node.kind == "container":
                v = self._filter(node.children, v) if isinstance(v, dict) else _sanitize(v)
            elif node.kind == "grid":
                if isinstance(v, (list, tuple)):
                    v = [self._filter(node.children, r) if isinstance(r, dict) else _sanitize(r) for r in v]
                else:
                    v = _sanitize(v)
            else:
                v = _sanitize(v)
            _set_in(out, node.parts, v)
        return out

    def _apply_locked(self, data: dict[str, Any], locked: Mapping[str, Any]) -> None:
        known = {n.data_path for n in self._data_nodes}
        for path, value in locked.items():
            if re.sub(r"\[\d+\]", "", path) not in known:
                raise ValueError(f"locked value for unknown component path {path!r}")
            parts = list(_index_parts(path))
            cur: Any = data
            for (name, ix), (nxt_name, nxt_ix) in zip(parts, [*parts[1:], (None, None)], strict=True):
                last = nxt_name is None and nxt_ix is None
                if ix is not None:
                    if not isinstance(cur, list) or ix >= len(cur):
                        break
                    if last:
                        cur[ix] = _sanitize(value)
                        break
                    if not isinstance(cur[ix], dict):
                        cur[ix] = {}
                    cur = cur[ix]
                else:
                    if not isinstance(cur, dict):
                        break
                    if last:
                        cur[name] = _sanitize(value)
                        break
                    if nxt_ix is not None:
                        if not isinstance(cur.get(name), list):
                            break
                    elif not isinstance(cur.get(name), dict):
                        cur[name] = {}
                    cur = cur[name]

    def validate(self, data: Any, lang: str = "de", *, locked: Mapping[str, Any] | None = None,
                 zone: str | None = None, now: datetime | None = None) -> Result:
        """Validate a submission; never raises for any JSON value as ``data``.

        ``zone`` (an IANA name, e.g. the business unit's ``Europe/Berlin``; UTC when None) and ``now`` (the
        current time when None) are where and when a date limit computed with ``moment()`` is evaluated.
        """
        lang = lang if lang in ("de", "en") else "de"
        work = self._filter(self._top, data) if isinstance(data, dict) else {}
        if locked:
            self._apply_locked(work, locked)
        walk = Walk(self, work, lang, zone=zone, now=now)
        if not isinstance(data, dict):
            label = "Formular" if lang == "de" else "Form"
            walk.issues.append(
                Issue(
                    path="",
                    rule="type",
                    message=message("invalidType", lang, {"field": label}),
                    key="",
                    label=label,
                )
            )
        try:
            walk.process(self._top, work, "", False, False)
        except RecursionError:  # pragma: no cover - values are depth-limited by _sanitize
            walk.issues.append(Issue(path="", rule="type", message="invalid", key="", label=""))
        finally:
            if walk.sandbox is not None:  # the submission's JavaScript context: reset for the next, or dropped
                walk.sandbox.close()
        drop_unstored(self._top, work)
        errors: dict[str, list[str]] = {}
        for issue in walk.issues:
            msgs = errors.setdefault(issue.path, [])
            if issue.message not in msgs:
                msgs.append(issue.message)
        return Result(errors=errors, data=work, issues=walk.issues)

    def renderer_errors(self, result: Result) -> list[dict[str, Any]]:
        """The errors in the shape @formio/js shows next to fields (see :func:`to_renderer_errors`)."""
        return to_renderer_errors(result)

    def render_answers(self, data: Any, *, lang: str = "de") -> Markup:
        """Escaped, read-only HTML of a submission (see :mod:`forms.render`)."""
        return render_answers(self, data, lang=lang)

    def __iter__(self) -> Iterator[Component]:
        return iter(self._all)


def _path_list(path: str) -> list[str | int]:
    return [ix if ix is not None else name for name, ix in _index_parts(path)]


def to_renderer_errors(result: Result) -> list[dict[str, Any]]:
    """Errors as @formio/js expects them in a ``ValidationError`` response's ``details``.

    Each entry: ``{"message", "level": "error", "path": ["contacts", 0, "phone"],
    "context": {"key", "label", "path": "contacts[0].phone", "validator": rule, "hasLabel": True}}``
    (messages already name the field, so @formio/js must not prefix the label).  Pass the list as
    ``details`` of ``{"name": "ValidationError", "details": [...]}`` or to ``form.showErrors()``.
    """
    return [
        {
            "message": i.message,
            "level": i.level,
            "path": _path_list(i.path),
            "context": {
                "key": i.key,
                "label": i.label,
                "path": i.path,
                "validator": i.rule,
                "hasLabel": True,
            },
        }
        for i in result.issues
    ]


def refused_code(definition: Any) -> Finding | None:
    """The first code ``definition`` may not hold (:func:`forms.expressions.find_refused_code` with the
    sandbox's compiler): template code, JavaScript outside :data:`forms.js.PLACES`, or JavaScript that
    does not compile. None: everything in it may be published (its JavaScript runs in the sandbox)."""
    return find_refused_code(definition, js.compile_error)


_PLACE = re.compile(
    r"^(.*)\.(validate\.custom|validate\.row|calculateValue|customConditional|customDefaultValue|logic\[\d+\]\..*)$"
)


def list_scripts(definition: Any) -> list[dict[str, Any]]:
    """The JavaScript in ``definition`` (places :data:`forms.js.PLACES`), each with its component:
    ``{path, component, place, key, label, code, browser_only}`` (``browser_only``: the variables it uses
    that only the browser gives, :func:`forms.js.browser_only_names`); a definition that does not load
    is listed too."""
    out = []
    for found in iter_code(definition):
        if found.kind != "javascript":
            continue
        m = _PLACE.match(found.path)
        comp_path, place = (m.group(1), m.group(2)) if m else ("", found.path)
        comp: Any = definition
        for name, ix in _index_parts(comp_path):
            comp = comp[ix] if ix is not None and isinstance(comp, list) and ix < len(comp) else (
                comp.get(name) if isinstance(comp, dict) else None)
        comp = comp if isinstance(comp, dict) else {}
        key = comp.get("key") if isinstance(comp.get("key"), str) else ""
        label = comp.get("label") if isinstance(comp.get("label"), str) and comp.get("label") else key
        out.append({"path": found.path, "component": comp_path, "place": re.sub(r"\[\d+\]", "", place),
                    "key": key, "label": label, "code": found.code,
                    "browser_only": js.browser_only_names(found.code)})
    return out


def validate(definition: Mapping[str, Any], data: Any, **kw: Any) -> Result:
    """Shorthand for ``load(definition).validate(data, **kw)``."""
    return load(definition).validate(data, **kw)
