"""Imports point one way: forms ← core.models ← core.services ← surfaces ← core.app.

An equivalent of import-linter's contracts, read from the source with ``ast``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SURFACES = ("admin", "portal", "kiosk", "tasks", "seed", "dialogs")
#: modules allowed to import surfaces: the factory and the process entry points built on it
ENTRY_POINTS = {"core.app", "core.worker", "core.wsgi", "core.cli"}


def modules(package: str):
    for path in sorted((ROOT / package).rglob("*.py")):
        if "static" in path.parts:
            continue
        rel = path.relative_to(ROOT).with_suffix("")
        name = ".".join(rel.parts).removesuffix(".__init__")
        yield name, path


def imports_of(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def top(name: str) -> str:
    return name.split(".")[0]


def violations(package: str, forbidden) -> list[str]:
    bad = []
    for name, path in modules(package):
        for imported in imports_of(path):
            if forbidden(name, imported):
                bad.append(f"{name} imports {imported}")
    return bad


def test_forms_is_pure():
    forbidden = {"flask", "flask_admin", "flask_babel", "mongoengine", "pymongo", "core", "admin", "portal",
                 "kiosk", "tasks", "seed", "celery"}
    assert violations("forms", lambda n, i: top(i) in forbidden) == []


def test_models_do_not_import_services_or_surfaces():
    def forbidden(name, imported):
        if not name.startswith("core.models"):
            return False
        return imported.startswith("core.services") or top(imported) in SURFACES or imported == "core.app"

    assert violations("core", forbidden) == []


def test_services_do_not_import_surfaces():
    def forbidden(name, imported):
        if not name.startswith("core.services"):
            return False
        return top(imported) in SURFACES or imported == "core.app"

    assert violations("core", forbidden) == []


def test_only_the_factory_imports_surfaces():
    def forbidden(name, imported):
        return name not in ENTRY_POINTS and top(imported) in SURFACES and top(name) == "core"

    assert violations("core", forbidden) == []


@pytest.mark.parametrize("surface", SURFACES)
def test_a_surface_never_imports_another(surface):
    others = set(SURFACES) - {surface}
    assert violations(surface, lambda n, i: top(i) in others or i == "core.app") == []


def test_services_enqueue_only_by_name():
    """One way to hand work to a task: ``core.celery_app.enqueue(name, *ids)``, never a task object."""
    ways = (".delay(", ".apply_async(", ".send_task(", 'extensions["celery"]')
    bad = [f"{name}: {way}" for name, path in modules("core") if name.startswith("core.services")
           for way in ways if way in path.read_text(encoding="utf-8")]
    assert bad == []
