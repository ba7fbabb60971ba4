"""Passwordless login by e-mail code, password accounts, sessions."""

from __future__ import annotations

import re
import time
from datetime import timedelta

import pytest

from core.models import OutboxMessage, PortalLoginCode, PortalSession
from core.models._base import utcnow
from core.services import portal as service
from core.services.audit import Actor
from tests.conftest import csrf_token, login
from tests.portal.conftest import code_login, enter_code, last_code, password_login, request_code


def _age_last_send(app, seconds=61):
    with app.app_context():
        for state in PortalLoginCode.objects:
            state.update(set__last_sent_at=state.last_sent_at - timedelta(seconds=seconds),
                         set__sends=[t - timedelta(seconds=seconds) for t in state.sends])


def test_code_login_end_to_end(app, client, make_portal_customer, portal_unit):
    customer = make_portal_customer(email="Bea@Example.com")
    response = request_code(client, portal_unit.slug, "  BEA@example.com ")
    assert response.status_code == 200
    assert 'data-testid="code-sent"' in response.get_data(as_text=True)
    code = last_code(app, "bea@example.com")
    assert len(code) == 6 and code.isdigit()
    with app.app_context():
        state = PortalLoginCode.objects.get()
        assert code not in str(state.to_mongo()) and len(state.code_hash) == 64  # stored hashed only
        outbox = OutboxMessage.objects.get()
        assert outbox.customer_id == str(customer.pk) and "10" in outbox.body
    response = enter_code(client, portal_unit.slug, code[:3] + " " + code[3:])
    assert response.status_code == 302 and response.headers["Location"].endswith("/portal/")
    home = client.get("/portal/")
    assert home.status_code == 200 and "Jürgen" in home.get_data(as_text=True)
    # single use: logging out and entering the same code again fails
    client.post("/portal/logout", data={"csrf_token": csrf_token(client, "/portal/")})
    assert client.get("/portal/").status_code == 302
    request_code(client, portal_unit.slug, "bea@example.com")  # throttled (60 s), but sets the pending address
    assert enter_code(client, portal_unit.slug, code).status_code == 400


def test_unknown_address_gets_the_same_answer(app, make_portal_customer, make_customer, portal_unit):
    make_portal_customer(email="known@example.com")
    make_customer(email="noportal@example.com")  # exists, portal not switched on
    pages = {}
    for address in ("known@example.com", "nobody@example.com", "noportal@example.com"):
        client = app.test_client()
        response = request_code(client, portal_unit.slug, address)
        html = re.sub(r'value="[^"]{40,}"', "TOKEN", response.get_data(as_text=True)).replace(address, "ADDRESS")
        pages[address] = (response.status_code, html, sorted(k for k, _v in response.headers if k != "Content-Length"))
    assert pages["known@example.com"] == pages["nobody@example.com"] == pages["noportal@example.com"]
    with app.app_context():
        assert [m.to for m in OutboxMessage.objects] == ["known@example.com"]
        assert PortalLoginCode.objects.count() == 3  # the same work for all three


def test_unknown_address_same_timing(tmp_path, make_portal_customer):
    import mongoengine

    from tests.conftest import make_app

    app = make_app(tmp_path / "timing", PORTAL_CODE_MIN_RESPONSE_SECONDS=0.3)
    try:
        from core.models import BusinessUnit, Customer

        with app.app_context():
            unit = BusinessUnit(name="T", slug="timing", features=["portal"]).save()
            Customer(business_unit=unit, first_name="A", last_name="B", email="t@example.com",
                     portal_enabled=True).save()
        durations = {}
        for address in ("t@example.com", "x@example.com"):
            client = app.test_client()
            started = time.monotonic()
            assert request_code(client, "timing", address).status_code == 200
            durations[address] = time.monotonic() - started
        assert all(d >= 0.3 for d in durations.values())
        assert abs(durations["t@example.com"] - durations["x@example.com"]) < 0.15
    finally:
        mongoengine.disconnect()


def test_expired_code_is_refused(app, client, make_portal_customer, portal_unit):
    make_portal_customer(email="exp@example.com")
    request_code(client, portal_unit.slug, "exp@example.com")
    code = last_code(app, "exp@example.com")
    with app.app_context():
        PortalLoginCode.objects.update(set__expires_at=utcnow() - timedelta(seconds=1))
    assert enter_code(client, portal_unit.slug, code).status_code == 400
    assert client.get("/portal/").status_code == 302


def test_five_wrong_entries_void_the_code_and_a_new_code_keeps_the_count(app, client, make_portal_customer,
                                                                         portal_unit):
    make_portal_customer(email="brute@example.com")
    request_code(client, portal_unit.slug, "brute@example.com")
    code = last_code(app, "brute@example.com")
    wrong = f"{(int(code) + 1) % 1000000:06d}"
    for _ in range(4):
        assert enter_code(client, portal_unit.slug, wrong).status_code == 400
    _age_last_send(app)
    request_code(client, portal_unit.slug, "brute@example.com")  # a new code ...
    new_code = last_code(app, "brute@example.com")
    with app.app_context():
        assert PortalLoginCode.objects.get().failures == 4  # ... keeps the failure count
    new_wrong = f"{(int(new_code) + 1) % 1000000:06d}"
    assert enter_code(client, portal_unit.slug, new_wrong).status_code == 400  # 5th wrong entry
    assert enter_code(client, portal_unit.slug, new_code).status_code == 400  # void now
    with app.app_context():
        assert PortalLoginCode.objects.get().code_hash is None
        assert PortalSession.objects.count() == 0


def test_sends_are_throttled_per_address(app, make_portal_customer, portal_unit):
    make_portal_customer(email="often@example.com")
    client = app.test_client()
    assert request_code(client, portal_unit.slug, "often@example.com").status_code == 200
    assert request_code(client, portal_unit.slug, "often@example.com").status_code == 429  # within 60 s
    assert request_code(client, portal_unit.slug, "OFTEN@example.com").status_code == 429
    for _ in range(4):
        _age_last_send(app)
        assert request_code(client, portal_unit.slug, "often@example.com").status_code == 200
    _age_last_send(app)
    assert request_code(client, portal_unit.slug, "often@example.com").status_code == 429  # 6th in the hour
    with app.app_context():
        assert OutboxMessage.objects(to="often@example.com").count() == 5
    # an unknown address is throttled in exactly the same way
    assert request_code(client, portal_unit.slug, "ghost@example.com").status_code == 200
    assert request_code(client, portal_unit.slug, "ghost@example.com").status_code == 429


def test_code_requests_are_limited_per_ip(app, portal_unit):
    client = app.test_client()
    statuses = [request_code(client, portal_unit.slug, f"a{i}@example.com").status_code for i in range(21)]
    assert statuses[:20] == [200] * 20 and statuses[20] == 429


def test_code_brute_force_hits_the_ip_limit(app, make_portal_customer, portal_unit):
    make_portal_customer(email="bf@example.com")
    client = app.test_client()
    request_code(client, portal_unit.slug, "bf@example.com")
    statuses = [enter_code(client, portal_unit.slug, f"{i:06d}").status_code for i in range(21)]
    assert 429 in statuses and statuses[0] == 400


def test_feature_off_or_customer_switched_off(app, client, make_portal_customer, portal_unit, make_unit):
    other = make_unit(name="Ohne Portal", slug="ohne")
    assert client.get("/portal/ohne/login").status_code == 404
    assert client.get("/portal/nowhere/login").status_code == 404
    assert client.get(f"/portal/{other.slug}/login").status_code == 404
    customer = make_portal_customer(email="off@example.com")
    code_login(app, client, customer)
    with app.app_context():
        customer.update(set__portal_enabled=False)
    assert client.get("/portal/").status_code == 302  # session ends at once
    with app.app_context():
        assert PortalSession.objects.count() == 0
        customer.update(set__portal_enabled=True)
    with app.app_context():
        portal_unit.update(pull__features="portal")
    assert client.get(f"/portal/{portal_unit.slug}/login").status_code == 404


def test_password_accounts(app, make_portal_customer, make_account, portal_unit):
    customer = make_portal_customer(email=None)
    account = make_account(customer, username="Kai.Kunde")
    client = app.test_client()
    assert password_login(client, portal_unit.slug, "kai.kunde", "falsch-falsch-falsch").status_code == 401
    assert password_login(client, portal_unit.slug, "nobody", "falsch-falsch-falsch").status_code == 401
    response = password_login(client, portal_unit.slug, "KAI.KUNDE")
    assert response.status_code == 302
    assert "Kai Kunde" in client.get("/portal/").get_data(as_text=True)
    with app.app_context():
        service.set_account_active(Actor.system(), account, False)
    assert client.get("/portal/").status_code == 302  # deactivation ends the session
    assert password_login(client, portal_unit.slug, "kai.kunde").status_code == 401
    with app.app_context():
        service.set_account_active(Actor.system(), account, True)
    assert password_login(client, portal_unit.slug, "kai.kunde").status_code == 302


def test_password_brute_force_is_limited_per_account(app, make_portal_customer, make_account, portal_unit):
    make_account(make_portal_customer(), username="target")
    statuses = []
    for i in range(11):
        client = app.test_client()  # new client, but the same IP; the per-account limit (10) is lower
        statuses.append(password_login(client, portal_unit.slug, "target", f"wrong-password-{i}").status_code)
    assert statuses[:10] == [401] * 10 and statuses[10] == 429
    assert password_login(app.test_client(), portal_unit.slug, "target").status_code == 429


def test_weak_initial_password_is_refused(app, make_portal_customer):
    from core.errors import InvalidInput

    customer = make_portal_customer()
    with app.app_context(), pytest.raises(InvalidInput):
        service.create_account(Actor.system(), customer, name="X", username="xyz", password="passwort123")


def test_logout_kills_the_server_session(app, portal_client):
    client, _customer = portal_client
    with client.session_transaction() as sess:
        copied = dict(sess)
    client.post("/portal/logout", data={"csrf_token": csrf_token(client, "/portal/")})
    assert client.get("/portal/").status_code == 302
    replay = app.test_client()
    with replay.session_transaction() as sess:
        sess.update(copied)
    assert replay.get("/portal/").status_code == 302  # a copied cookie is useless after logout


def test_idle_and_absolute_expiry(app, portal_client):
    client, _customer = portal_client
    with app.app_context():
        PortalSession.objects.update(set__last_seen_at=utcnow() - timedelta(minutes=31))
    assert client.get("/portal/").status_code == 302


def test_portal_and_staff_sessions_are_separate(app, portal_client, owner):
    client, _customer = portal_client
    assert client.get("/admin/").status_code == 302  # a portal login is no staff login
    assert login(client, owner.email).status_code == 302  # staff login starts a fresh session ...
    staff = app.test_client()
    login(staff, owner.email)
    assert staff.get("/portal/").status_code == 302  # ... and a staff login is no portal login


def test_csrf_and_headers(app, portal_client, portal_unit):
    client, _customer = portal_client
    assert client.post("/portal/logout").status_code == 400  # no CSRF token
    assert app.test_client().post(f"/portal/{portal_unit.slug}/code", data={"email": "a@b.de"}).status_code == 400
    for path in ("/portal/", f"/portal/{portal_unit.slug}/login", "/portal/login", "/portal/me"):
        response = client.get(path)
        html = response.get_data(as_text=True)
        assert response.headers["Cache-Control"] == "no-store"
        csp = response.headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in csp and "'unsafe-eval'" not in csp and "'unsafe-inline'" not in \
            csp.split("script-src")[1].split(";")[0]
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert "<script>" not in html and "onclick" not in html and "javascript:" not in html


def test_code_login_by_mobile_number(app, client, make_portal_customer, portal_unit):
    """A customer may ask for the code with the mobile number on file: it goes out as an SMS
    (embedded default: the outbox), and unknown numbers get the same answer."""
    make_portal_customer(email="sms@example.com", phone="+4915123456789")
    unknown = app.test_client()
    a = request_code(client, portal_unit.slug, "0151 23456789")
    b = request_code(unknown, portal_unit.slug, "0151 98765432")
    assert a.status_code == b.status_code == 200
    with app.app_context():
        sms = OutboxMessage.objects.get(channel="sms")
        assert sms.to == "+4915123456789" and sms.status == "stored"
        assert OutboxMessage.objects.count() == 1
        code = re.search(r"\b(\d{6})\b", sms.body).group(1)
    response = enter_code(client, portal_unit.slug, code)
    assert response.status_code == 302 and client.get("/portal/").status_code == 200
    bad = request_code(app.test_client(), portal_unit.slug, "kein telefon")
    assert bad.status_code == 400


def test_email_and_mobile_share_one_failure_budget(app, make_portal_customer, portal_unit):
    """Wrong codes count per customer: 3 wrong via the e-mail address and 2 via the mobile number
    make 5, and no code of that customer works any more (not 10 guesses an hour, 5)."""
    make_portal_customer(email="both@example.com", phone="+4915111122233")

    def sent_code(channel):
        with app.app_context():
            msg = OutboxMessage.objects(channel=channel).order_by("-created_at").first()
            return re.search(r"\b(\d{6})\b", msg.body).group(1)

    with app.app_context():
        service.request_code(portal_unit, "both@example.com")
        service.request_code(portal_unit, "0151 11122233")
    mail_code, sms_code = sent_code("email"), sent_code("sms")
    with app.app_context():
        for address, code, times in (("both@example.com", mail_code, 3), ("0151 11122233", sms_code, 2)):
            for _ in range(times):
                with pytest.raises(service.LoginFailed):
                    service.verify_code(portal_unit, address, f"{(int(code) + 1) % 1000000:06d}")
        for address, code in (("both@example.com", mail_code), ("0151 11122233", sms_code)):
            with pytest.raises(service.LoginFailed):
                service.verify_code(portal_unit, address, code)  # both right codes are void now
        assert PortalSession.objects.count() == 0
        PortalLoginCode.objects.update(set__last_sent_at=utcnow() - timedelta(minutes=5))
        service.request_code(portal_unit, "0151 11122233")  # a new code for the mobile keeps the count
    new_sms = sent_code("sms")
    with app.app_context():
        assert len({s.failures for s in PortalLoginCode.objects}) == 1  # one count for both addresses
        assert PortalLoginCode.objects.first().failures >= 5
        with pytest.raises(service.LoginFailed):
            service.verify_code(portal_unit, "0151 11122233", new_sms)


def test_a_new_address_of_the_customer_starts_with_their_failures(app, make_portal_customer, portal_unit):
    make_portal_customer(email="first@example.com", phone="+4915144455566")
    with app.app_context():
        service.request_code(portal_unit, "first@example.com")
        mail_code = re.search(r"\b(\d{6})\b", OutboxMessage.objects(channel="email").first().body).group(1)
        for _ in range(5):
            with pytest.raises(service.LoginFailed):
                service.verify_code(portal_unit, "first@example.com", f"{(int(mail_code) + 1) % 1000000:06d}")
        service.request_code(portal_unit, "0151 44455566")  # first code to the mobile number: no fresh budget
        msg = OutboxMessage.objects(channel="sms").first()
        code = re.search(r"\b(\d{6})\b", msg.body).group(1)
        with pytest.raises(service.LoginFailed):
            service.verify_code(portal_unit, "0151 44455566", code)
