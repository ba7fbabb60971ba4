"""Enrolment links: staff hand over a link (never a password); the customer sets their own password.

Single use, expiring, revocable, stored as a hash; opening the page changes nothing (mail scanners);
other units' accounts are out of reach; wrong tokens hit the rate limit."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

import pytest
import segno

from core.models import AuditEvent, PortalAccount, PortalSession
from core.models._base import utcnow
from core.passwords import verify_password
from core.services import portal as service
from core.services.audit import Actor
from tests.conftest import csrf_token, login
from tests.portal.conftest import page_csrf, password_login

NEW_PASSWORD = "Eigenes-Passwort-am-See-31"


@pytest.fixture
def enrolment(app, owner_client, make_portal_customer):
    """An account created from the customer file: (account, path of the enrolment link)."""
    customer = make_portal_customer(email="erika@example.com")
    token = csrf_token(owner_client, f"/admin/customer/file/?id={customer.pk}")
    html = owner_client.post("/admin/portal/account", data={
        "csrf_token": token, "customer": str(customer.pk), "name": "Erika Muster", "username": "erika",
        "permissions": ["messages"]}).get_data(as_text=True)
    link = re.search(r'data-testid="sheet-enrolment-url">([^<]+)<', html).group(1)
    with app.app_context():
        return PortalAccount.objects.get(username="erika"), link.removeprefix("http://127.0.0.1:5000")


def _set(client, path, password=NEW_PASSWORD, confirm=None):
    token = page_csrf(client, path)
    return client.post(path, data={"csrf_token": token, "password": password,
                                   "confirm": password if confirm is None else confirm})


def test_link_sets_the_customers_own_password_once(app, enrolment, portal_unit):
    account, path = enrolment
    client = app.test_client()
    for _ in range(3):  # a mail scanner or the customer opening it several times uses nothing up
        page = client.get(path)
        assert page.status_code == 200 and 'data-testid="enrol-form"' in page.get_data(as_text=True)
        assert page.headers["Referrer-Policy"] == "no-referrer" and page.headers["Cache-Control"] == "no-store"
    assert password_login(app.test_client(), portal_unit.slug, "erika", "").status_code == 401  # no password yet
    response = _set(client, path)
    assert response.status_code == 302 and response.headers["Location"].endswith("/portal/")
    assert client.get("/portal/").status_code == 200  # logged in right away
    with app.app_context():
        stored = PortalAccount.objects.get(pk=account.pk)
        assert verify_password(stored.password_hash, NEW_PASSWORD)
        assert stored.enrolment_hash is None and stored.enrolment_expires_at is None
        assert AuditEvent.objects(action="enrolled", object_id=str(account.pk)).count() == 1
    # used up: the page and a second POST both say so, and the password stays
    again = app.test_client()
    assert again.get(path).status_code == 410
    assert 'data-testid="enrol-invalid"' in again.get(path).get_data(as_text=True)
    token = page_csrf(again, "/portal/" + portal_unit.slug + "/login")
    assert again.post(path, data={"csrf_token": token, "password": "Anderes-Passwort-99-x",
                                  "confirm": "Anderes-Passwort-99-x"}).status_code == 410
    assert password_login(app.test_client(), portal_unit.slug, "erika", NEW_PASSWORD).status_code == 302


def test_bad_passwords_change_nothing(app, enrolment):
    account, path = enrolment
    client = app.test_client()
    mismatch = _set(client, path, confirm="Etwas-ganz-anderes-77")
    assert mismatch.status_code == 400 and "nicht gleich" in mismatch.get_data(as_text=True)
    short = _set(client, path, password="kurz")
    assert short.status_code == 400 and "mindestens 12 Zeichen" in short.get_data(as_text=True)
    common = _set(client, path, password="123456789012")
    assert common.status_code == 400
    no_csrf = client.post(path, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert no_csrf.status_code == 400
    with app.app_context():
        stored = PortalAccount.objects.get(pk=account.pk)
        assert stored.password_hash is None and stored.enrolment_hash == account.enrolment_hash
    assert client.get(path).status_code == 200  # still usable


def test_expired_revoked_and_replaced_links_are_refused(app, owner_client, enrolment):
    account, path = enrolment
    with app.app_context():
        PortalAccount.objects(pk=account.pk).update_one(set__enrolment_expires_at=utcnow() - timedelta(seconds=1))
    assert app.test_client().get(path).status_code == 410
    late = app.test_client()
    token = page_csrf(late, f"/portal/{account.business_unit.slug}/login")
    assert late.post(path, data={"csrf_token": token, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
                     ).status_code == 410
    with app.app_context():
        assert PortalAccount.objects.get(pk=account.pk).password_hash is None
    # staff issue a new link from the customer file: the new one works, the old one never again
    file_url = f"/admin/customer/file/?id={account.customer.pk}"
    assert "Kein Passwort" in owner_client.get(file_url).get_data(as_text=True)
    token = csrf_token(owner_client, file_url)
    html = owner_client.post("/admin/portal/account/enrolment",
                             data={"csrf_token": token, "account": str(account.pk)}).get_data(as_text=True)
    new_path = re.search(r'data-testid="sheet-enrolment-url">([^<]+)<', html).group(1).removeprefix(
        "http://127.0.0.1:5000")
    assert new_path != path and app.test_client().get(new_path).status_code == 200
    assert app.test_client().get(path).status_code == 410
    assert "Link offen bis" in owner_client.get(file_url).get_data(as_text=True)
    # withdrawn
    owner_client.post("/admin/portal/account/enrolment/revoke", data={"csrf_token": token,
                                                                      "account": str(account.pk)})
    assert app.test_client().get(new_path).status_code == 410
    with app.app_context():
        assert AuditEvent.objects(action="enrolment_revoked", object_id=str(account.pk)).count() == 1


def test_deactivated_accounts_and_customers_without_portal_get_nothing(app, owner_client, enrolment):
    account, path = enrolment
    with app.app_context():
        service.set_account_active(Actor.system(), account, False)
    assert app.test_client().get(path).status_code == 410
    with app.app_context():
        service.set_account_active(Actor.system(), account, True)
        account.customer.update(set__portal_enabled=False)
    assert app.test_client().get(path).status_code == 410


def test_staff_of_another_unit_cannot_touch_the_account(app, enrolment, make_unit, make_user):
    account, path = enrolment
    other = make_unit(name="Fremd", slug="fremd", features=["portal"])
    stranger = app.test_client()
    login(stranger, make_user("owner", business_unit=other).email)
    token = csrf_token(stranger, "/admin/")
    for url in ("/admin/portal/account/enrolment", "/admin/portal/account/enrolment/revoke"):
        assert stranger.post(url, data={"csrf_token": token, "account": str(account.pk)}).status_code == 404
        assert stranger.post(url, data={"csrf_token": token, "account": "kaputt"}).status_code == 404
    with app.app_context():
        assert PortalAccount.objects.get(pk=account.pk).enrolment_hash == account.enrolment_hash
    assert app.test_client().get(path).status_code == 200
    # designers may not issue links at all
    designer = app.test_client()
    login(designer, make_user("designer").email)
    token = csrf_token(designer, "/admin/")
    assert designer.post("/admin/portal/account/enrolment",
                         data={"csrf_token": token, "account": str(account.pk)}).status_code in (302, 403)
    with app.app_context():
        assert PortalAccount.objects.get(pk=account.pk).enrolment_hash == account.enrolment_hash


def test_guessing_tokens_hits_the_rate_limit(app, enrolment):
    _, path = enrolment
    client = app.test_client()
    statuses = [client.get(f"/portal/enrol/{'x' * 43}{i}").status_code for i in range(25)]
    assert statuses[0] == 410 and statuses[-1] == 429
    assert client.get(path).status_code == 429  # even the right link, from this address, for a while


def test_a_new_password_ends_existing_sessions(app, enrolment, portal_unit):
    account, path = enrolment
    with app.app_context():
        PortalAccount.objects(pk=account.pk).update_one(set__password_hash=__import__(
            "core.passwords", fromlist=["hash_password"]).hash_password("Altes-Passwort-am-Meer-1"))
    old = app.test_client()
    assert password_login(old, portal_unit.slug, "erika", "Altes-Passwort-am-Meer-1").status_code == 302
    assert old.get("/portal/").status_code == 200
    assert _set(app.test_client(), path).status_code == 302
    assert old.get("/portal/").status_code == 302
    with app.app_context():
        assert PortalSession.objects(account=account.pk).count() == 1  # only the new one


def test_generated_or_typed_initial_password_is_shown_once(app, owner_client, make_portal_customer, portal_unit):
    """The other two ways: a generated initial password (printable sheet, shown once, hash only) or
    the one staff typed; the QR code never carries a password."""
    customer = make_portal_customer(email="paul@example.com")
    file_url = f"/admin/customer/file/?id={customer.pk}"
    token = csrf_token(owner_client, file_url)

    def create(**form):
        return owner_client.post("/admin/portal/account", data={
            "csrf_token": token, "customer": str(customer.pk), "name": "Paul", **form})

    html = create(username="paul.gen", initial="generate").get_data(as_text=True)
    generated = re.search(r'data-testid="sheet-password">([^<]+)<', html).group(1)
    assert re.fullmatch(r"[\w-]{4}-[\w-]{4}-[\w-]{4}-\d\d", generated) and "sheet-enrolment-url" not in html
    with app.app_context():
        account = PortalAccount.objects.get(username="paul.gen")
        assert verify_password(account.password_hash, generated) and generated not in str(account.to_mongo())
        assert account.enrolment_hash is None
    qr = re.search(r'<img src="([^"]+)"[^>]*data-testid="sheet-qr"', html).group(1)
    portal_address = f"http://localhost/portal/{portal_unit.slug}/login"
    assert portal_address in html
    assert unescape(qr) == segno.make(portal_address, error="m").svg_data_uri(scale=4)  # the address, no password
    assert generated not in owner_client.get(file_url).get_data(as_text=True)
    assert password_login(app.test_client(), portal_unit.slug, "paul.gen", generated).status_code == 302

    typed = "Selbst-getippt-am-Tresen-5"
    html = create(username="paul.typed", initial="typed", password=typed).get_data(as_text=True)
    assert 'data-testid="sheet-password">' + typed in html
    assert password_login(app.test_client(), portal_unit.slug, "paul.typed", typed).status_code == 302

    # contradictory or incomplete choices are refused with a clear message and create nothing
    for form in ({"username": "paul.x", "initial": "typed"}, {"username": "paul.y", "initial": "link",
                                                               "password": typed},
                 {"username": "paul.z", "initial": "magic"}, {"username": "paul.w", "initial": "typed",
                                                              "password": "kurz"}):
        response = create(**form)
        assert response.status_code == 302
        flashed = owner_client.get(file_url).get_data(as_text=True)
        assert "alert-danger" in flashed or "alert-error" in flashed, form
    with app.app_context():
        assert PortalAccount.objects(customer=customer.pk).count() == 2
