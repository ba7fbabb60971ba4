"""Every error a service raises reaches the reader in German (or English): its message is marked for
translation where it is raised (``_l("...")``), and the German catalogue has a text for it.

The test reads the services' source: a domain error raised with a plain string, an f-string or a
message that has no German translation fails here, naming the file and line.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from flask_babel import force_locale

ROOT = Path(__file__).resolve().parents[2]
PO = ROOT / "core" / "translations" / "de" / "LC_MESSAGES" / "messages.po"
SCANNED = (*sorted((ROOT / "core" / "services").glob("*.py")), ROOT / "core" / "web.py")
#: its errors are shown only by the operator CLI (core/cli.py: frontdesk import), English by design
OPERATOR_ONLY = {"core/services/exchange.py"}
#: messages built from parts that are already in the reader's language (so no msgid of their own)
ALREADY_TRANSLATED = {
    "problems[0]": "core.passwords.password_problems returns translated sentences",
    "describe_problem(problem)": "forms.messages: the lint texts in the designer's language",
    "f'{exc.path}: {exc.message(renderer_lang())}'": "forms.DefinitionError.message(lang): the engine's de/en texts",
}
MARKERS = {"_l", "lazy_gettext", "_", "gettext"}
ROOT_ERRORS = {"FrontdeskError", "InvalidInput", "NotFound", "Forbidden", "Conflict", "FeatureDisabled"}


def _name(node: ast.AST) -> str:
    return node.id if isinstance(node, ast.Name) else getattr(node, "attr", "")


def _trees() -> dict[str, ast.Module]:
    return {str(path.relative_to(ROOT)): ast.parse(path.read_text(encoding="utf-8")) for path in SCANNED}


def _domain_errors(trees) -> tuple[set[str], set[str]]:
    """Names of the FrontdeskError classes (core/errors.py and subclasses in the scanned modules), and
    those with their own ``__init__`` (their message is the ``super().__init__`` argument)."""
    classes = [node for tree in trees.values() for node in ast.walk(tree) if isinstance(node, ast.ClassDef)]
    errors, grew = set(ROOT_ERRORS), True
    while grew:
        grew = False
        for cls in classes:
            if cls.name not in errors and any(_name(base) in errors for base in cls.bases):
                errors.add(cls.name)
                grew = True
    own_init = {cls.name for cls in classes if cls.name in errors
                and any(isinstance(f, ast.FunctionDef) and f.name == "__init__" for f in cls.body)}
    return errors, own_init


def _lazy_constants(tree: ast.Module) -> dict[str, str]:
    """Module-level ``NAME = _l("...")``: name → msgid."""
    found = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call) and _name(node.value.func) in MARKERS:
            msgid = node.value.args[0] if node.value.args else None
            if isinstance(msgid, ast.Constant) and isinstance(msgid.value, str):
                for target in node.targets:
                    found[_name(target)] = msgid.value
    return found


def _messages(trees):
    """(where, message node, module constants) of every domain error raised in the scanned modules."""
    errors, own_init = _domain_errors(trees)
    for path, tree in trees.items():
        if path in OPERATOR_ONLY:
            continue
        constants = _lazy_constants(tree)
        for node in ast.walk(tree):
            call = None
            if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call):
                name = _name(node.exc.func)
                if name in errors and name not in own_init:
                    call = node.exc
            elif isinstance(node, ast.ClassDef) and node.name in own_init:
                for inner in ast.walk(node):  # super().__init__(message, ...)
                    if isinstance(inner, ast.Call) and _name(inner.func) == "__init__" \
                            and isinstance(inner.func, ast.Attribute) and isinstance(inner.func.value, ast.Call):
                        yield f"{path}:{inner.lineno}", inner.args[0] if inner.args else None, constants
            if call is not None and call.args:
                yield f"{path}:{call.lineno}", call.args[0], constants


def _msgid(node, constants) -> str | None:
    if isinstance(node, ast.Call) and _name(node.func) in MARKERS and node.args \
            and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
        return node.args[0].value
    if isinstance(node, ast.Name):
        return constants.get(node.id)
    return None


@pytest.fixture(scope="module")
def german():
    with PO.open("rb") as fh:
        return read_po(fh, locale="de")


def test_every_service_error_has_a_german_text(german):
    trees = _trees()
    unmarked, untranslated, seen = [], [], 0
    for where, node, constants in _messages(trees):
        seen += 1
        msgid = _msgid(node, constants)
        if msgid is None:
            if node is None or ast.unparse(node) not in ALREADY_TRANSLATED:
                unmarked.append(f"{where} {ast.unparse(node) if node is not None else '(no message)'}")
            continue
        entry = german.get(msgid)
        if entry is None or entry.fuzzy or not entry.string:
            untranslated.append(f"{where} {msgid!r}")
    assert seen > 100, f"only {seen} raised errors found: is the scan still reading the services?"
    assert not unmarked, ("raise these with _l('...') (flask_babel.lazy_gettext), placeholders as keyword "
                          "arguments:\n  " + "\n  ".join(unmarked))
    assert not untranslated, ("no German text: run `.venv/bin/python scripts/translations` and translate:\n  "
                              + "\n  ".join(untranslated))


def test_the_exemptions_are_still_in_use():
    """An entry of ALREADY_TRANSLATED that no raise uses any more must go."""
    used = {ast.unparse(node) for _where, node, _c in _messages(_trees()) if node is not None}
    assert set(ALREADY_TRANSLATED) <= used, set(ALREADY_TRANSLATED) - used


def test_a_raised_message_is_read_in_the_readers_language(app):
    """The message is rendered when it is shown, not when it is raised."""
    from core.errors import InvalidInput
    from core.models import BusinessUnit
    from core.services.audit import Actor
    from core.services.settings import set_feature

    with app.test_request_context():
        with force_locale("en"), pytest.raises(InvalidInput) as raised:  # raised while it is English ...
            set_feature(Actor.system("test"), BusinessUnit(name="x", slug="x"), "no-such-feature", True)
        with force_locale("de"):  # ... and read by someone German
            assert str(raised.value) == "Unbekannte Funktion."
        with force_locale("en"):
            assert str(raised.value) == "Unknown feature."
