"""The modules of ``forms`` import downwards and share only public names.

Read from the source with ``ast``: every import counts, including those under ``if TYPE_CHECKING:``
and inside functions, because each of them is a place where one module needs another.
"""

from __future__ import annotations

import ast
from pathlib import Path

FORMS = Path(__file__).resolve().parents[2] / "forms"


def _modules() -> dict[str, ast.Module]:
    found = {}
    for path in sorted(FORMS.glob("*.py")):
        name = "forms" if path.stem == "__init__" else f"forms.{path.stem}"
        found[name] = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    return found


MODULES = _modules()


def _target(module: str, name: str | None = None) -> str | None:
    """The ``forms`` module that ``from module import name`` (or ``import module``) refers to."""
    if name is not None and f"{module}.{name}" in MODULES:
        return f"{module}.{name}"
    return module if module in MODULES else None


def _edges(tree: ast.Module) -> set[str]:
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.update(t for alias in node.names if (t := _target(alias.name)))
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.update(t for alias in node.names if (t := _target(node.module, alias.name)))
        elif isinstance(node, ast.ImportFrom):
            raise AssertionError("relative import in forms/: write it absolute so this test sees it")
    return out


GRAPH = {name: _edges(tree) - {name} for name, tree in MODULES.items()}


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as a list of module names (first == last), or ``None``."""
    state: dict[str, int] = {}  # 1 on the current path, 2 finished
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        path.pop()
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state and (found := visit(start)):
            return found
    return None


def test_graph_sees_the_imports():
    # the reader itself: the package entry imports its modules, form imports components
    assert {"forms.components", "forms.form", "forms.registry"} <= GRAPH["forms"]
    assert "forms.components" in GRAPH["forms.form"]
    assert "forms.rules" in GRAPH["forms.components"]  # `from forms import rules` is an edge to forms.rules


def test_cycle_finder_finds_a_cycle():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None


def test_forms_import_graph_is_acyclic():
    assert _cycle(GRAPH) is None


def _private_names_crossing(name: str, tree: ast.Module) -> list[str]:
    out = []
    module_aliases: dict[str, str] = {}  # local name -> forms module it is bound to
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and _target(node.module):
            for alias in node.names:
                if alias.name.startswith("_"):
                    out.append(f"{name}: from {node.module} import {alias.name}")
                if (t := _target(node.module, alias.name)) and t != node.module:
                    module_aliases[alias.asname or alias.name] = t
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname and _target(alias.name):
                    module_aliases[alias.asname] = alias.name
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and node.attr.startswith("_")
            and not node.attr.startswith("__")
            and isinstance(node.value, ast.Name)
            and node.value.id in module_aliases
        ):
            out.append(f"{name}: {node.value.id}.{node.attr}")
    return out


def test_no_private_name_crosses_a_module_boundary():
    found = [hit for name, tree in MODULES.items() for hit in _private_names_crossing(name, tree)]
    assert found == []


def _private_names_by_module() -> dict[str, set[str]]:
    """Private names each module defines (functions, classes, methods) or reads as attributes (``x._y``)."""
    out: dict[str, set[str]] = {}
    for name, tree in MODULES.items():
        found = out.setdefault(name, set())
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                found.add(node.name)
            elif isinstance(node, ast.Attribute):
                found.add(node.attr)
        found -= {n for n in found if not n.startswith("_") or n.startswith("__")}
    return out


def test_no_private_method_or_attribute_is_shared_between_modules():
    # e.g. a hook a subclass in another module overrides, or an attribute another module reads
    by_module = _private_names_by_module()
    shared = {
        n: sorted(m for m, names in by_module.items() if n in names)
        for names in by_module.values()
        for n in names
        if sum(n in other for other in by_module.values()) > 1
    }
    assert shared == {}


def test_private_name_check_catches_both_forms():
    tree = ast.parse("from forms.rules import _x\nfrom forms import rules\nrules._y\n")
    assert _private_names_crossing("forms.z", tree) == [
        "forms.z: from forms.rules import _x",
        "forms.z: rules._y",
    ]
