"""Pairing a tablet with a one-time code; revoking it; what unpaired devices get."""

from __future__ import annotations

import hashlib
from datetime import timedelta

from core.models import AuditEvent, Device
from core.models._base import utcnow
from core.services import kiosk as service
from tests.conftest import csrf_token, login
from tests.kiosk.conftest import pair


def test_code_shape_and_entropy():
    codes = {service.generate_code() for _ in range(200)}
    assert len(codes) == 200
    for code in codes:
        assert len(code) == 14 and code[4] == code[9] == "-"
        assert set(code.replace("-", "")) <= set(service.CODE_ALPHABET)
    assert len(service.CODE_ALPHABET) == 20 and len(set(service.CODE_ALPHABET)) == 20
    assert len(service.CODE_ALPHABET) ** service.SECRET_LENGTH / service.MAX_CODE_FAILURES > 2 ** 32
    assert service.normalise_code(" bcdf-ghjk-lmnp ") == "BCDFGHJKLMNP"
    assert service.normalise_code("BCDF-GHJK-LMN") is None and service.normalise_code("BCDF-GHJK-LMNA") is None


def test_owner_creates_device_and_code_is_only_a_hash(app, owner_client, kiosk_unit):
    page = owner_client.get("/admin/devices/").get_data(as_text=True)
    assert 'data-testid="new-device"' in page
    token = csrf_token(owner_client, "/admin/devices/")
    r = owner_client.post("/admin/devices/new", data={"csrf_token": token, "name": "Tablet 1"},
                          follow_redirects=True)
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    code = html.split('data-testid="activation-code">')[1].split("<")[0].strip()
    assert service.normalise_code(code)
    assert r.headers["Cache-Control"] == "no-store"
    with app.app_context():
        device = Device.objects.get(name="Tablet 1")
        assert device.status == "pending" and device.code_hash != code
        raw = repr(device.to_mongo())
        assert code not in raw and code.replace("-", "") not in raw
        assert device.code_expires_at - utcnow() <= timedelta(minutes=10)


def test_reloading_the_code_page_creates_no_second_device(app, owner_client, kiosk_unit):
    """POST/redirect/GET: the code is shown once on the GET page, never in its URL; a reload
    shows no code and creates nothing."""
    token = csrf_token(owner_client, "/admin/devices/")
    r = owner_client.post("/admin/devices/new", data={"csrf_token": token, "name": "Tablet 1"})
    assert r.status_code == 302
    location = r.headers["Location"]
    first = owner_client.get(location)
    assert first.status_code == 200 and first.headers["Cache-Control"] == "no-store"
    code = first.get_data(as_text=True).split('data-testid="activation-code">')[1].split("<")[0].strip()
    assert service.normalise_code(code)
    assert code not in location and code.replace("-", "") not in location
    again = owner_client.get(location)  # the reload
    assert again.status_code == 302 and code not in again.get_data(as_text=True)
    with app.app_context():
        assert Device.objects(name="Tablet 1").count() == 1


def test_good_code_pairs_with_a_strict_cookie(app, client, make_code):
    device, code = make_code()
    r = pair(client, code.lower().replace("-", " "))
    assert r.status_code == 302 and r.headers["Location"].endswith("/kiosk/display")
    cookie = r.headers["Set-Cookie"]
    assert cookie.startswith("frontdesk_device=")
    for part in ("HttpOnly", "SameSite=Strict", "Path=/kiosk", "Max-Age=34560000"):
        assert part in cookie
    assert "Secure" not in cookie  # plain HTTP here; see the HTTPS test
    value = cookie.split(";")[0].split("=", 1)[1]
    assert len(value) >= 43  # 32 random bytes, base64url
    with app.app_context():
        device.reload()
        assert device.status == "paired" and device.code_hash is None and device.paired_at
        assert device.token_hash == hashlib.sha256(value.encode()).hexdigest()
        assert AuditEvent.objects(object_type="devices", action="pair").count() == 1
    page = client.get("/kiosk/display").get_data(as_text=True)
    assert 'data-testid="kiosk-idle"' in page and "Salon Sonnenschein" in page


def test_cookie_is_secure_under_https(app, make_code):
    _device, code = make_code()
    tablet = app.test_client()
    token = csrf_token(tablet, "https://localhost/kiosk/display")
    r = tablet.post("https://localhost/kiosk/pair", data={"code": code, "csrf_token": token},
                    headers={"Referer": "https://localhost/kiosk/display"})
    assert r.status_code == 302
    assert "Secure" in r.headers["Set-Cookie"]


def test_wrong_code(app, client, make_code):
    device, code = make_code()
    wrong = code[:5] + ("BBBB-BBBB" if code[5:] != "BBBB-BBBB" else "CCCC-CCCC")  # its handle, another secret
    r = pair(client, wrong)
    assert r.status_code == 400
    assert 'data-reason="wrong"' in r.get_data(as_text=True)
    assert "frontdesk_device" not in r.headers.get("Set-Cookie", "")
    with app.app_context():
        device.reload()
        assert device.status == "pending" and device.code_failures == 1
    assert pair(client, "not a code").status_code == 400


def test_expired_code(app, client, make_code):
    device, code = make_code()
    with app.app_context():
        Device.objects(pk=device.pk).update_one(set__code_expires_at=utcnow() - timedelta(seconds=1))
    r = pair(client, code)
    assert r.status_code == 400 and 'data-reason="expired"' in r.get_data(as_text=True)
    with app.app_context():
        assert Device.objects.get(pk=device.pk).status == "pending"


def test_code_is_single_use(app, make_code):
    _device, code = make_code()
    first, second = app.test_client(), app.test_client()
    assert pair(first, code).status_code == 302
    assert pair(second, code).status_code == 400
    assert 'data-testid="kiosk-pairing"' in second.get("/kiosk/display").get_data(as_text=True)
    with app.app_context():
        assert Device.objects(status="paired").count() == 1


def _other_handle(*codes):
    return next(h for h in ("BBBB", "CCCC", "DDDD") if all(not c.startswith(h) for c in codes))


def test_five_wrong_entries_void_only_the_code_they_name(app, make_code, make_unit):
    """A wrong entry is charged to the codes whose handle (first group) it carries, nobody else's."""
    device1, code1 = make_code("Tablet 1")
    device2, code2 = make_code("Tablet 2")
    other_unit = make_unit(name="Anderer Salon", features=["kiosk"])
    device3, code3 = make_code("Tablet 3", unit=other_unit)
    for n in range(service.MAX_CODE_FAILURES):  # five anonymous guesses at unnamed codes: nothing is void
        entry = f"{_other_handle(code1, code2, code3)}-BBBB-BB{'BCDFG'[n]}B"
        assert pair(app.test_client(), entry, environ_base={"REMOTE_ADDR": f"10.0.0.{n}"}).status_code == 400
    with app.app_context():
        assert {d.status for d in Device.objects} == {"pending"}
        assert {d.code_failures for d in Device.objects} == {0}
    for n in range(service.MAX_CODE_FAILURES):  # five wrong secrets under code1's handle void code1 only
        entry = code1[:5] + ("BBBB-BB" if code1[5:12] != "BBBB-BB" else "CCCC-CC") + f"{'BCDFG'[n]}B"
        assert pair(app.test_client(), entry, environ_base={"REMOTE_ADDR": f"10.0.1.{n}"}).status_code == 400
    with app.app_context():
        assert Device.objects.get(pk=device1.pk).status == "void"
        assert {d.status for d in Device.objects(pk__in=[device2.pk, device3.pk])} == {"pending"}
        assert AuditEvent.objects(action="void_codes", object_id=str(device1.pk)).count() == 1
    assert pair(app.test_client(), code1).status_code == 400  # the named code is dead; the owner issues a new one
    assert pair(app.test_client(), code2).status_code == 302
    assert pair(app.test_client(), code3).status_code == 302


def test_wrong_entries_are_atomic_increments(app, make_code):
    device, code = make_code()
    with app.app_context():
        for _ in range(3):
            service.charge_wrong_code(code[:4])
        service.charge_wrong_code(_other_handle(code))
        device.reload()
        assert device.code_failures == 3 and device.status == "pending"


def test_failed_pairings_are_limited_for_the_whole_installation(tmp_path):
    """Many addresses together get no more than the installation-wide budget of failed entries."""
    import mongoengine

    from core.services.audit import Actor
    from tests.conftest import make_app

    app = make_app(tmp_path, KIOSK_PAIRING_GLOBAL_LIMIT="3 per hour")
    try:
        with app.app_context():
            from core.models import BusinessUnit

            unit = BusinessUnit(name="Salon", slug="salon", features=["kiosk"]).save()
            _device, code = service.create_device(Actor.system(), unit, "Tablet")
        wrong = f"{_other_handle(code)}-BBBB-BBBB"
        statuses = [pair(app.test_client(), wrong, environ_base={"REMOTE_ADDR": f"10.9.0.{n}"}).status_code
                    for n in range(4)]
        assert statuses == [400, 400, 400, 429]
    finally:
        mongoengine.disconnect()


def test_per_ip_rate_limit(app, make_code):
    _device, code = make_code()
    tablet = app.test_client()
    token = csrf_token(tablet, "/kiosk/display")
    statuses = [tablet.post("/kiosk/pair", data={"code": "XXXX", "csrf_token": token}).status_code
                for _ in range(10)]
    assert statuses == [400] * 10
    r = tablet.post("/kiosk/pair", data={"code": code, "csrf_token": token})
    assert r.status_code == 429  # even the right code: this address has to wait
    other = app.test_client()
    r = pair(other, code, environ_base={"REMOTE_ADDR": "10.1.2.3"})
    assert r.status_code == 302


def test_pairing_needs_csrf(client, make_code):
    _device, code = make_code()
    assert client.post("/kiosk/pair", data={"code": code}).status_code == 400


def test_revoke_unpairs_at_once(app, owner_client, make_tablet):
    tablet, device = make_tablet()
    assert tablet.get("/kiosk/poll").get_json() == {"state": "idle"}
    token = csrf_token(owner_client, "/admin/devices/")
    r = owner_client.post("/admin/devices/revoke", data={"csrf_token": token, "id": str(device.pk)})
    assert r.status_code == 302
    r = tablet.get("/kiosk/poll")
    assert r.status_code == 401 and r.get_json() == {"state": "unpaired"}
    assert "frontdesk_device=;" in r.headers["Set-Cookie"]  # the stale cookie is removed
    page = tablet.get("/kiosk/display").get_data(as_text=True)
    assert 'data-testid="kiosk-pairing"' in page
    with app.app_context():
        device.reload()
        assert device.status == "revoked" and device.token_hash is None and device.revoked_at


def test_unpaired_and_forged_cookies_get_nothing(app, make_tablet):
    stranger = app.test_client()
    assert stranger.get("/kiosk/poll").status_code == 401
    assert 'data-testid="kiosk-pairing"' in stranger.get("/kiosk/display").get_data(as_text=True)
    stranger.set_cookie("frontdesk_device", "x" * 43, domain="localhost", path="/kiosk")
    assert stranger.get("/kiosk/poll").status_code == 401
    assert stranger.get("/kiosk/thanks").status_code == 302


def test_last_seen_written_at_most_once_a_minute(app, make_tablet):
    tablet, device = make_tablet()
    with app.app_context():
        seen = Device.objects.get(pk=device.pk).last_seen_at
        tablet.get("/kiosk/poll")
        assert Device.objects.get(pk=device.pk).last_seen_at == seen
        Device.objects(pk=device.pk).update_one(set__last_seen_at=seen - timedelta(minutes=2))
        tablet.get("/kiosk/poll")
        assert Device.objects.get(pk=device.pk).last_seen_at > seen - timedelta(minutes=1)


def test_several_devices_listed(app, owner_client, make_tablet, make_code):
    make_tablet("Tablet 1")
    make_tablet("Tablet 2")
    make_code("Tablet 3")
    page = owner_client.get("/admin/devices/").get_data(as_text=True)
    assert page.count('data-device="Tablet') == 3
    assert page.count('data-testid="revoke"') == 3 and page.count('data-testid="new-code"') == 1


def test_new_code_for_void_device(app, owner_client, make_code):
    device, _code = make_code()
    with app.app_context():
        Device.objects(pk=device.pk).update_one(set__status="void", unset__code_hash=True)
    token = csrf_token(owner_client, "/admin/devices/")
    r = owner_client.post("/admin/devices/new-code", data={"csrf_token": token, "id": str(device.pk)},
                          follow_redirects=True)
    code = r.get_data(as_text=True).split('data-testid="activation-code">')[1].split("<")[0].strip()
    assert pair(owner_client.application.test_client(), code).status_code == 302


def test_staff_cannot_manage_devices(app, make_user, kiosk_unit):
    staff = app.test_client()
    assert login(staff, make_user("staff").email).status_code == 302
    assert staff.get("/admin/devices/").status_code == 403
