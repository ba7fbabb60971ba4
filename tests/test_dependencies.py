"""Dependencies equal imports: what pyproject.toml declares is what the code imports, and the reverse.

The third-party top-level imports are collected with ``ast`` (every ``import``, also inside functions),
mapped to distributions with ``importlib.metadata.packages_distributions()`` of this environment, and
compared with ``[project.dependencies]`` (product packages) and the ``test`` extra (tests/).
"""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PRODUCT = ("core", "admin", "forms", "portal", "kiosk", "tasks", "seed", "dialogs")
FIRST_PARTY = {*PRODUCT, "tests"}

#: declared for the product although no module imports them: each with the reason
RUN_TIME_ONLY = {
    "gunicorn": "the production web server, started as a command (Dockerfile CMD, docker-compose web)",
}
#: imported by the product, declared in the test extra only: each with the reason
PRODUCT_IMPORTS_FROM_TEST_EXTRA = {
    "mongomock": "core/db.py imports it only for MONGODB_URI=mongomock://, the tests' in-memory database "
                 "(the embedded store uses the copy litemongo vendors)",
}
#: in the test extra although tests/ imports nothing of them: each with the reason
TEST_RUN_TIME_ONLY = {
    "pytest-xdist": "a pytest plugin: `pytest -n 2` (make test)",
    "ruff": "the linter, run as a command (make lint)",
    "setuptools": "the build backend: tests/test_image.py builds the wheel with it, without build isolation",
}


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def declared(specs: list[str]) -> set[str]:
    return {normalise(re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", spec).group(0)) for spec in specs}


def imported_modules(folders: list[Path]) -> dict[str, set[str]]:
    """Third-party top-level module → files importing it."""
    found: dict[str, set[str]] = {}
    for folder in folders:
        for path in folder.rglob("*.py"):
            if "node_modules" in path.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names = [node.module]
                else:
                    continue
                for name in names:
                    top = name.partition(".")[0]
                    if top not in sys.stdlib_module_names and top not in FIRST_PARTY and top != "__future__":
                        found.setdefault(top, set()).add(str(path.relative_to(ROOT)))
    return found


def distributions(modules: dict[str, set[str]]) -> dict[str, set[str]]:
    """Distribution → files importing it; a module no installed distribution provides maps to itself
    (so it shows up as undeclared instead of vanishing)."""
    provided = packages_distributions()
    out: dict[str, set[str]] = {}
    for module, files in modules.items():
        for dist in provided.get(module, [module]):
            out.setdefault(normalise(dist), set()).update(files)
    return out


def project() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def test_the_collector_sees_imports_inside_functions_and_skips_stdlib_and_our_packages(tmp_path, monkeypatch):
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "m.py").write_text("import os, json\nfrom core.db import get_db\nfrom . import x\n"
                                           "def f():\n    import yaml.constructor\n    from flask import g\n")
    assert imported_modules([tmp_path / "pkg"]) == {"yaml": {"pkg/m.py"}, "flask": {"pkg/m.py"}}
    assert distributions({"yaml": {"a"}, "nosuchmodule": {"b"}}) == {"pyyaml": {"a"}, "nosuchmodule": {"b"}}


def test_product_imports_equal_the_declared_dependencies():
    used = distributions(imported_modules([ROOT / name for name in PRODUCT]))
    deps = declared(project()["dependencies"])
    test_extra = declared(project()["optional-dependencies"]["test"])
    undeclared = {dist: sorted(files) for dist, files in used.items()
                  if dist not in deps and not (dist in PRODUCT_IMPORTS_FROM_TEST_EXTRA and dist in test_extra)}
    assert undeclared == {}, "imported but not in [project.dependencies]"
    unused = deps - set(used) - set(RUN_TIME_ONLY)
    assert unused == set(), "declared but imported nowhere in " + ", ".join(PRODUCT)
    assert set(RUN_TIME_ONLY) <= deps and set(PRODUCT_IMPORTS_FROM_TEST_EXTRA) <= test_extra  # no stale reasons


def test_test_imports_equal_the_test_extra():
    used = distributions(imported_modules([ROOT / "tests"]))
    deps = declared(project()["dependencies"])
    test_extra = declared(project()["optional-dependencies"]["test"])
    undeclared = {dist: sorted(files)[:3] for dist, files in used.items() if dist not in deps | test_extra}
    assert undeclared == {}, "imported by tests/ but declared nowhere"
    unused = test_extra - set(used) - set(TEST_RUN_TIME_ONLY) - set(PRODUCT_IMPORTS_FROM_TEST_EXTRA)
    assert unused == set(), "in the test extra but imported nowhere in tests/"
    assert set(TEST_RUN_TIME_ONLY) <= test_extra
    assert not (test_extra & deps), "declared twice"


def test_the_test_extra_builds_with_the_build_systems_setuptools():
    build = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["build-system"]["requires"]
    tools = [spec for spec in project()["optional-dependencies"]["test"] if declared([spec]) == {"setuptools"}]
    assert tools == [spec for spec in build if declared([spec]) == {"setuptools"}] and len(tools) == 1


def test_every_dependency_has_an_upper_bound():
    specs = project()["dependencies"] + project()["optional-dependencies"]["test"]
    unbounded = [spec for spec in specs if not re.search(r"<|==", spec)]
    assert unbounded == []
