"""Staff login: passwords, rate limits, CSRF, sessions, redirects, headers."""

from __future__ import annotations

import time

import pytest

from core.models import StaffUser
from tests.conftest import DEFAULT_PASSWORD, csrf_token, login


def test_wrong_password_is_refused_with_a_message(client, owner):
    r = login(client, owner.email, "wrong-password-123")
    assert r.status_code == 401
    assert "falsch" in r.get_data(as_text=True)  # German by default
    assert client.get("/admin/customer/").status_code == 302


def test_unknown_account_gets_the_same_answer(client, owner):
    a = login(client, owner.email, "wrong-password-123")
    b = login(client, "nobody@example.com", "wrong-password-123")
    assert a.status_code == b.status_code == 401
    assert a.get_data(as_text=True).replace(owner.email, "X") .count("fd-field-error") == \
        b.get_data(as_text=True).count("fd-field-error")


def test_login_and_logout(client, owner):
    r = login(client, owner.email)
    assert r.status_code == 302 and r.headers["Location"].endswith("/admin/")
    assert client.get("/admin/").status_code == 200
    token = csrf_token(client, "/admin/")
    assert client.post("/admin/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/admin/").status_code == 302


def test_login_without_csrf_token_is_refused(client, owner):
    r = client.post("/admin/login", data={"email": owner.email, "password": DEFAULT_PASSWORD})
    assert r.status_code == 400
    assert client.get("/admin/").status_code == 302


def test_inactive_user_cannot_log_in(client, make_user):
    user = make_user("staff", active=False)
    assert login(client, user.email).status_code == 401


def test_rate_limit_per_account(app, owner):
    # five failures from five different addresses still lock the account
    for i in range(5):
        c = app.test_client()
        r = login(c, owner.email, "wrong-password-123", environ_base={"REMOTE_ADDR": f"10.0.0.{i}"})
        assert r.status_code == 401
    c = app.test_client()
    r = login(c, owner.email, environ_base={"REMOTE_ADDR": "10.0.0.99"})  # even the right password
    assert r.status_code == 429
    assert "Zu viele" in r.get_data(as_text=True) or "Too many" in r.get_data(as_text=True)
    assert "Retry-After" in r.headers


def _json_login(app, body, addr):
    c = app.test_client()
    token = csrf_token(c, "/admin/login")
    return c, c.post("/admin/login", json=body, headers={"X-CSRFToken": token}, environ_base={"REMOTE_ADDR": addr})


def test_a_locked_account_does_not_log_in_with_a_json_body(app, owner):
    for i in range(5):
        assert login(app.test_client(), owner.email, "wrong-password-123",
                     environ_base={"REMOTE_ADDR": f"10.0.0.{i}"}).status_code == 401
    c, r = _json_login(app, {"email": owner.email, "password": DEFAULT_PASSWORD}, "10.0.0.99")
    assert r.status_code in (401, 415, 429)  # refused as JSON (415) or as a form without fields (401)
    assert c.get("/admin/").status_code == 302


def test_json_logins_are_refused_and_share_no_bucket(app, owner):
    """A JSON body is not the login form: it never logs in, whatever it holds, and never a 500."""
    bodies = [{"email": owner.email, "password": DEFAULT_PASSWORD}, {"email": {"$ne": ""}, "password": "x"},
              {"email": owner.email, "password": {"a": 1}}, [1, 2], {"email": [owner.email]}]
    for n, body in enumerate(bodies):
        c, r = _json_login(app, body, f"10.1.0.{n}")
        assert r.status_code in (401, 415), body
        assert c.get("/admin/").status_code == 302
    # requests that name no account (JSON, or an empty e-mail) are not pooled into one "account" bucket
    for n in range(7):
        _c, r = _json_login(app, {"email": "", "password": ""}, f"10.2.0.{n}")
        assert r.status_code in (401, 415)
        assert login(app.test_client(), "", "x", environ_base={"REMOTE_ADDR": f"10.3.0.{n}"}).status_code == 401


def test_rate_limit_per_ip(app, make_user):
    users = [make_user("staff") for _ in range(6)]
    c = app.test_client()
    for user in users[:5]:
        assert login(c, user.email, "wrong-password-123").status_code == 401
    assert login(c, users[5].email).status_code == 429


def test_successful_logins_do_not_count(app, owner):
    for _ in range(7):
        c = app.test_client()
        assert login(c, owner.email).status_code == 302


def test_logout_makes_a_copied_cookie_useless(app, owner):
    c = app.test_client()
    login(c, owner.email)
    cookie = c.get_cookie("frontdesk_session").value
    thief = app.test_client()
    thief.set_cookie("frontdesk_session", cookie, domain="localhost")
    assert thief.get("/admin/").status_code == 200
    c.post("/admin/logout", data={"csrf_token": csrf_token(c, "/admin/")})
    assert thief.get("/admin/").status_code == 302


def test_deactivation_ends_sessions(app, owner, make_user):
    staff = make_user("staff")
    c = app.test_client()
    login(c, staff.email)
    assert c.get("/admin/customer/").status_code == 200
    with app.app_context():
        from core.services.audit import Actor
        from core.services.staff import set_active

        set_active(Actor.system(), str(staff.pk), False)
    assert c.get("/admin/customer/").status_code == 302


def test_absolute_session_lifetime(app, owner):
    c = app.test_client()
    login(c, owner.email)
    with c.session_transaction() as s:
        s["login_at"] = time.time() - 13 * 3600
    assert c.get("/admin/").status_code == 302


def test_idle_lifetime_and_cookie_flags(app, owner):
    assert app.permanent_session_lifetime.total_seconds() == 30 * 60
    c = app.test_client()
    r = login(c, owner.email)
    cookie = next(h for h in r.headers.getlist("Set-Cookie") if h.startswith("frontdesk_session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Expires" in cookie
    assert "Secure" not in cookie
    r = login(app.test_client(), owner.email, environ_base={"wsgi.url_scheme": "https"})


def test_secure_cookie_over_https(app, owner):
    c = app.test_client()
    token = csrf_token(c, "https://localhost/admin/login")
    r = c.post("https://localhost/admin/login", data={"email": owner.email, "password": DEFAULT_PASSWORD,
                                                       "csrf_token": token},
               headers={"Referer": "https://localhost/admin/login"})
    assert r.status_code == 302
    cookie = next(h for h in r.headers.getlist("Set-Cookie") if h.startswith("frontdesk_session="))
    assert "Secure" in cookie
    assert "max-age" in r.headers.get("Strict-Transport-Security", "")


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "/\\evil.example",
                                    "\\\\evil.example", "javascript:alert(1)", "http:evil.example"])
def test_next_parameter_cannot_leave_the_site(client, owner, target):
    token = csrf_token(client, "/admin/login")
    r = client.post("/admin/login?next=" + target, data={"email": owner.email, "password": DEFAULT_PASSWORD,
                                                         "csrf_token": token})
    assert r.status_code == 302
    assert r.headers["Location"] in ("/admin/", "http://localhost/admin/")


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "/\\evil.example/",
                                    " //evil.example", "java\tscript:alert(1)"])
def test_admin_url_return_parameter_stays_on_site(owner_client, make_customer, target):
    customer = make_customer()
    page = owner_client.get(f"/admin/customer/edit/?id={customer.pk}&url={target}").get_data(as_text=True)
    assert "evil.example" not in page.split("<form", 1)[-1].split("</form>")[0] or 'href="' + target not in page
    token = csrf_token(owner_client, f"/admin/customer/edit/?id={customer.pk}")
    r = owner_client.post(f"/admin/customer/edit/?id={customer.pk}&url={target}",
                          data={"csrf_token": token, "first_name": "Anna", "last_name": "Ölig", "salutation": "",
                                "address-country": "DE"})
    assert r.status_code == 302
    assert "evil.example" not in r.headers["Location"]


def test_security_headers(client):
    r = client.get("/admin/login")
    csp = r.headers["Content-Security-Policy"]
    for part in ("object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'", "default-src 'self'"):
        assert part in csp
    assert "unsafe-inline" not in csp.split("script-src", 1)[1].split(";")[0]
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["Referrer-Policy"] == "same-origin"
    assert r.headers["Cache-Control"] == "no-store"


def test_max_content_length(app, client):
    assert app.config["MAX_CONTENT_LENGTH"] == 16 * 1024 * 1024
    r = client.post("/admin/login", data=b"x" * (16 * 1024 * 1024 + 10),
                    headers={"Content-Type": "application/octet-stream"})
    assert r.status_code == 413


def test_password_rehash_and_last_login(app, owner, client):
    login(client, owner.email)
    with app.app_context():
        assert StaffUser.objects.get(pk=owner.pk).last_login_at is not None
