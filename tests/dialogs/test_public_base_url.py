"""FRONTDESK_PUBLIC_BASE_URL unset: e-mailed links point where the staff's request came from."""

from __future__ import annotations

import logging
import re

import pytest
from werkzeug.middleware.proxy_fix import ProxyFix

from tests.conftest import csrf_token, make_app


def _start_from(app, owner_client, customer, version, **request_kw) -> str:
    """Start a dialog through the admin (the invitation is sent eagerly); the link in the invitation."""
    from core.models import OutboxMessage

    token = csrf_token(owner_client, f"/admin/dialogs/start?customer={customer.pk}")
    r = owner_client.post("/admin/dialogs/start", data={"csrf_token": token, "customer": str(customer.pk),
                                                        "version": str(version.pk)}, **request_kw)
    assert r.status_code == 302
    with app.app_context():
        body = OutboxMessage.objects(idempotency_key__contains=":invitation:").get().body
    return re.search(r"(\S+)/d/[0-9a-f]{24}/\S+", body).group(1)


def test_unset_base_url_follows_the_staff_request(app, owner_client, customer, scored_version):
    app.config["PUBLIC_BASE_URL"] = ""
    base = _start_from(app, owner_client, customer, scored_version, base_url="http://localhost:8000")
    assert base == "http://localhost:8000"  # not http://127.0.0.1:5000
    with app.app_context():
        from core.models import Dialog
        from core.services import dialogs as service

        dialog = Dialog.objects.get(customer=customer)
        assert dialog.public_base_url == "http://localhost:8000"
        assert service.link_url(dialog).startswith("http://localhost:8000/d/")  # the task has no request


def test_forwarded_headers_count_only_behind_proxyfix(app, owner_client, customer, scored_version):
    app.config["PUBLIC_BASE_URL"] = ""
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "salon.example.com",
                 "Referer": "https://salon.example.com/admin/"}  # Flask-WTF checks it on https
    assert _start_from(app, owner_client, customer, scored_version, headers=forwarded) == "http://localhost"
    from core.models import Dialog, OutboxMessage

    with app.app_context():
        Dialog.objects.delete()
        OutboxMessage.objects.delete()
    app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)  # what core/wsgi.py does
    assert _start_from(app, owner_client, customer, scored_version, headers=forwarded) == "https://salon.example.com"


def test_a_configured_base_url_wins(app, owner_client, customer, scored_version):
    app.config["PUBLIC_BASE_URL"] = "https://termine.example.de/"
    base = _start_from(app, owner_client, customer, scored_version, base_url="http://localhost:8000")
    assert base == "https://termine.example.de"


@pytest.mark.parametrize(("env", "configured", "warned"), [
    ("production", "", True), ("production", "https://termine.example.de", False), ("", "", False)])
def test_production_warns_at_start_when_unset(tmp_path, caplog, monkeypatch, env, configured, warned):
    import sys

    import mongoengine

    monkeypatch.delitem(sys.modules, "gunicorn", raising=False)
    with caplog.at_level(logging.WARNING):
        make_app(tmp_path, ENV=env, PUBLIC_BASE_URL=configured)
    mongoengine.disconnect()
    assert ("FRONTDESK_PUBLIC_BASE_URL is not set" in caplog.text) is warned


def test_gunicorn_counts_as_production(tmp_path, caplog, monkeypatch):
    import sys
    import types

    import mongoengine

    monkeypatch.setitem(sys.modules, "gunicorn", types.ModuleType("gunicorn"))
    with caplog.at_level(logging.WARNING):
        make_app(tmp_path, PUBLIC_BASE_URL="")
    mongoengine.disconnect()
    assert "FRONTDESK_PUBLIC_BASE_URL is not set" in caplog.text
