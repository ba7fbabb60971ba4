"""The German catalogue (core/translations) is complete, compiled, and used when rendering.

When test_every_msgid_has_a_german_translation fails: run ``.venv/bin/python scripts/translations``
(extract -> update -> compile), translate the listed msgids in core/translations/de/LC_MESSAGES/messages.po,
run it again to compile, and commit messages.pot, messages.po and messages.mo.
"""

from __future__ import annotations

import importlib.util
import io
from importlib.machinery import SourceFileLoader
from pathlib import Path

import pytest
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po
from flask_babel import force_locale, gettext, ngettext

from tests.conftest import login

ROOT = Path(__file__).resolve().parents[2]
PO = ROOT / "core" / "translations" / "de" / "LC_MESSAGES" / "messages.po"
MO = PO.with_suffix(".mo")


def _tool():
    """scripts/translations (no .py suffix): the one place that knows how to extract."""
    loader = SourceFileLoader("frontdesk_translations_tool", str(ROOT / "scripts" / "translations"))
    spec = importlib.util.spec_from_loader(loader.name, loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


def _read_po():
    with PO.open("rb") as fh:
        return read_po(fh, locale="de")


def _key(msgid) -> str:
    return msgid if isinstance(msgid, str) else msgid[0]


def _messages(mo) -> dict:
    """msgid -> msgstr of a compiled catalogue (plural ids and strings as tuples)."""

    def freeze(value):
        return value if isinstance(value, str) else tuple(value)

    return {freeze(m.id): freeze(m.string) for m in read_mo(mo) if m.id}


@pytest.fixture(scope="module")
def extracted(tmp_path_factory):
    pot = tmp_path_factory.mktemp("i18n") / "messages.pot"
    _tool().extract(pot)
    with pot.open("rb") as fh:
        return read_po(fh)


def test_every_msgid_has_a_german_translation(extracted):
    catalog = _read_po()
    missing = []
    for message in extracted:
        if not message.id:
            continue
        translated = catalog.get(message.id)
        strings = (
            ()
            if translated is None
            else (translated.string if isinstance(translated.string, tuple) else (translated.string,))
        )
        if translated is None or translated.fuzzy or not strings or not all(s.strip() for s in strings):
            where = ", ".join(f"{path}:{line}" for path, line in message.locations[:2]) or "runtime msgid"
            missing.append(f"{_key(message.id)!r} ({where})")
    assert not missing, (
        f"{len(missing)} msgid(s) without German translation; run "
        "`.venv/bin/python scripts/translations` and translate them:\n  " + "\n  ".join(missing)
    )


def test_catalogue_is_sane():
    catalog = _read_po()
    assert catalog.locale_identifier == "de"
    assert catalog.plural_forms == "nplurals=2; plural=(n != 1);"
    assert not catalog.fuzzy, "the header is marked fuzzy: pybabel compile would skip the catalogue"
    problems = [f"{_key(message.id)!r}: {'; '.join(map(str, errors))}" for message, errors in catalog.check()]
    assert not problems, "placeholders differ between msgid and msgstr:\n  " + "\n  ".join(problems)


#: msgids passed to _() as a variable, marked with the no-op N_() where they are written (model validation
#: messages, the kind keys on the customer delete page); service errors: tests/core/test_errors.py
DEFERRED_MSGIDS = ("This field is required.", "Invalid phone number.", "The end must be after the start.",
                   "Belongs to another business unit.", "Unknown time zone", "appointments", "messages",
                   "questionnaires")


def test_runtime_msgids_are_not_obsolete(extracted):
    """Messages passed to _() dynamically survive `pybabel update` because N_() marks them for extraction."""
    catalog = _read_po()
    obsolete = [msgid for msgid in DEFERRED_MSGIDS if msgid in catalog.obsolete or msgid not in extracted]
    assert not obsolete, f"`make translations` marked these obsolete; mark them with N_(): {obsolete}"
    assert all(catalog.get(msgid) is not None and catalog.get(msgid).string for msgid in DEFERRED_MSGIDS)


def test_committed_mo_matches_the_po():
    buffer = io.BytesIO()
    write_mo(buffer, _read_po())
    buffer.seek(0)
    expected = _messages(buffer)
    with MO.open("rb") as fh:
        committed = _messages(fh)
    stale = sorted(_key(k) for k in expected.keys() ^ committed.keys())
    stale += sorted(_key(k) for k in expected.keys() & committed.keys() if expected[k] != committed[k])
    assert not stale, (
        "messages.mo is out of date; run `.venv/bin/pybabel compile -d core/translations`:\n  "
        + "\n  ".join(repr(s) for s in stale[:30])
    )


def test_gettext_uses_the_german_catalogue(app):
    with app.test_request_context(), force_locale("de"):
        assert gettext("E-mail address or password is wrong.") == "E-Mail-Adresse oder Passwort ist falsch."
        assert gettext("Too many attempts. Please wait a few minutes and try again.") == (
            "Zu viele Versuche. Bitte warten Sie einige Minuten und versuchen Sie es erneut."
        )
        assert gettext("Invalid phone number.") == "Ungültige Telefonnummer."  # a runtime msgid
        assert gettext("Version %(n)d published.", n=3) == "Version 3 veröffentlicht."
        assert ngettext("Record was successfully deleted.", "%(num)d records were successfully deleted.", 4) == (
            "4 Datensätze wurden gelöscht."
        )
    with app.test_request_context(), force_locale("en"):
        assert gettext("E-mail address or password is wrong.") == "E-mail address or password is wrong."


def test_login_page_is_german_by_default(client):
    response = client.get("/admin/login")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<html lang="de">' in html
    assert "Anmeldung für Mitarbeiter" in html and ">Anmelden<" in html and "Passwort" in html
    assert "Staff login" not in html


def test_lang_query_argument_switches_to_english(client):
    html = client.get("/admin/login?lang=en").get_data(as_text=True)
    assert '<html lang="en">' in html
    assert "Staff login" in html and ">Log in<" in html
    assert "Anmelden" not in html


def test_error_messages_are_german(client, owner):
    response = login(client, owner.email, "not-the-password-at-all")
    assert response.status_code == 401
    assert "E-Mail-Adresse oder Passwort ist falsch." in response.get_data(as_text=True)
    assert "Diese Seite existiert nicht." in client.get("/no-such-page").get_data(as_text=True)
