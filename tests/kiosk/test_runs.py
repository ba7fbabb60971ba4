"""Starting, filling, finishing, cancelling and timing out questionnaires on a tablet."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core.errors import Conflict, Forbidden
from core.models import AuditEvent, Customer, Device, KioskRun, Submission
from core.models._base import utcnow
from core.services import kiosk as service
from core.services.audit import Actor
from tests.conftest import csrf_token, login
from tests.kiosk.conftest import open_run


@pytest.fixture
def customer(make_customer):
    from core.models import Address

    return make_customer(first_name="Bärbel", last_name="Größmann", email="baerbel@example.com",
                         address=Address(street="Hauptstr. 1", postal_code="10115", city="Berlin"))


def _answers(run_page_prefill: dict, **changes) -> dict:
    data = dict(run_page_prefill)
    data.update(changes)
    return data


#: how the customer's data would show up in a page (plain, or escaped inside JSON)
TRACES = ("Größmann", "Gr\\u00f6\\u00dfmann", "Bärbel", "B\\u00e4rbel", "baerbel@example.com", "Hauptstr")


def _shows_customer(html: str) -> bool:
    return any(t in html for t in TRACES)


def _csrf(html: str) -> str:
    return html.split('data-csrf-token="')[1].split('"')[0]


def test_staff_starts_from_appointment_and_customer_fills(app, make_user, make_appointment, customer, make_tablet,
                                                         master_data):
    tablet, device = make_tablet()
    appt = make_appointment(customer=customer)
    staff = app.test_client()
    assert login(staff, make_user("staff").email).status_code == 302
    details = staff.get(f"/admin/appointment/details/?id={appt.pk}").get_data(as_text=True)
    assert 'data-option="kiosk_start"' in details
    start_url = f"/admin/kiosk/start?appointment={appt.pk}"
    page = staff.get(start_url).get_data(as_text=True)
    assert "Stammdatenpflege" in page and "Tablet 1" in page
    token = csrf_token(staff, start_url)
    r = staff.post(start_url, data={"csrf_token": token, "version": str(master_data.pk), "device": str(device.pk)})
    assert r.status_code == 302 and "/admin/kiosk/run" in r.headers["Location"]
    with app.app_context():
        run = KioskRun.objects.get()
        assert run.status == "waiting" and run.appointment.pk == appt.pk and run.active
        assert run.prefill and "Größmann" in repr(run.prefill)
    assert staff.get(r.headers["Location"]).status_code == 200
    # back on the start page (e.g. from the appointment again) staff see the run and can cancel it
    assert 'data-testid="kiosk-running"' in staff.get(start_url).get_data(as_text=True)

    url = open_run(tablet)
    page = tablet.get(url)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    assert _shows_customer(html) and "'unsafe-eval'" not in page.headers["Content-Security-Policy"]
    assert 'data-frame-url="/formio/frame?mode=kiosk' in html  # drawn in the isolated renderer
    # the tablet shows nothing else: no other ids, no admin links, no navigation
    assert str(customer.pk) not in html and str(device.pk) not in html and str(run.pk) not in html
    assert "/admin" not in html and "<nav" not in html and "<a " not in html

    headers = {"X-CSRFToken": _csrf(html), "Accept": "application/json"}
    with app.app_context():
        run.reload()
        prefill = dict(run.prefill)
    bad = tablet.post(url, json={"data": _answers(prefill, email="kaputt")}, headers=headers)
    assert bad.status_code == 422 and bad.get_json()["errors"]
    ok = tablet.post(url, json={"data": _answers(prefill, city="Potsdam")}, headers=headers)
    assert ok.status_code == 200, ok.get_data(as_text=True)
    assert ok.get_json() == {"redirect": "/kiosk/thanks"}
    thanks = tablet.get("/kiosk/thanks").get_data(as_text=True)
    assert 'data-testid="kiosk-thanks"' in thanks and not _shows_customer(thanks)

    with app.app_context():
        customer.reload()
        assert customer.address.city == "Potsdam"
        submission = Submission.objects.get(customer=customer)
        assert submission.source == "kiosk" and submission.source_label == "Tablet 1"
        event = AuditEvent.objects.get(object_type="customers", object_id=str(customer.pk), action="update")
        assert event.summary == "changed by the customer on Tablet 1" and event.actor_kind == "device"
        run.reload()
        assert run.status == "done" and run.prefill == {} and run.token_hash is None and run.active is None
        assert run.submission.pk == submission.pk
    # staff see it in the customer file at once
    file_page = staff.get(f"/admin/customer/file/?id={customer.pk}").get_data(as_text=True)
    assert "Potsdam" in file_page and "Stammdatenpflege" in file_page


def test_nothing_reachable_after_finishing(app, customer, make_tablet, start):
    tablet, device = make_tablet()
    start(device, customer)
    url = open_run(tablet)
    html = tablet.get(url).get_data(as_text=True)
    with app.app_context():
        prefill = dict(KioskRun.objects.get().prefill)
    headers = {"X-CSRFToken": _csrf(html), "Accept": "application/json"}
    assert tablet.post(url, json={"data": prefill}, headers=headers).status_code == 200
    # reload / back / old URL: 410 and nothing of the customer
    for _ in range(2):
        gone = tablet.get(url)
        text = gone.get_data(as_text=True)
        assert gone.status_code == 410 and 'data-testid="kiosk-closed"' in text
        assert not _shows_customer(text)
        assert gone.headers["Cache-Control"] == "no-store"
    # a second submission is refused
    again = tablet.post(url, json={"data": prefill}, headers=headers)
    assert again.status_code == 410
    assert tablet.get("/kiosk/poll").get_json() == {"state": "idle"}
    display = tablet.get("/kiosk/display").get_data(as_text=True)
    assert not _shows_customer(display)
    with app.app_context():
        assert Submission.objects.count() == 1


def test_run_token_rotates_and_old_urls_die(app, customer, make_tablet, start):
    tablet, device = make_tablet()
    start(device, customer)
    first = open_run(tablet)
    second = open_run(tablet)
    assert first != second
    assert tablet.get(first).status_code == 410
    assert tablet.get(second).status_code == 200


def test_run_only_for_its_own_device(app, customer, make_tablet, start, make_unit, make_code):
    tablet, device = make_tablet("Tablet 1")
    other_tablet, _other = make_tablet("Tablet 2")
    unit2 = make_unit(name="Anderer Salon", features=["kiosk"])
    foreign_tablet, _foreign = make_tablet("Fremd", unit=unit2)
    start(device, customer)
    url = open_run(tablet)
    for intruder in (other_tablet, foreign_tablet, app.test_client()):
        r = intruder.get(url)
        assert r.status_code == 410 and not _shows_customer(r.get_data(as_text=True))
        assert intruder.post(url, json={"data": {}}).status_code in (400, 410)  # no CSRF / not theirs
        assert intruder.get("/kiosk/poll").get_json()["state"] in ("idle", "unpaired")
    assert tablet.get(url).status_code == 200


def test_start_refused_for_busy_device(app, customer, make_customer, make_tablet, start, owner_client,
                                       master_data):
    _tablet, device = make_tablet()
    start(device, customer)
    with pytest.raises(Conflict):
        start(device, make_customer())
    other = make_customer()
    url = f"/admin/kiosk/start?customer={other.pk}"
    token = csrf_token(owner_client, url)
    r = owner_client.post(url, data={"csrf_token": token, "version": str(master_data.pk), "device": str(device.pk)})
    assert r.status_code == 409 and "alert" in r.get_data(as_text=True)
    with app.app_context():
        assert KioskRun.objects.count() == 1


def test_start_refused_for_revoked_device(app, customer, make_tablet, start):
    _tablet, device = make_tablet()
    with app.app_context():
        service.revoke(Actor.system(), device)
    with pytest.raises(Conflict):
        start(device, customer)
    with app.app_context():
        assert KioskRun.objects.count() == 0


def test_start_refused_for_foreign_customer_and_device(app, make_unit, make_tablet, start, owner_client,
                                                       master_data, make_customer, customer):
    unit2 = make_unit(name="Anderer Salon", features=["kiosk"])
    stranger = make_customer(business_unit=unit2, last_name="Fremd")
    _tablet, device = make_tablet()
    with pytest.raises(Forbidden):
        start(device, stranger)
    # through the admin: a customer or device of another unit does not exist for this owner
    assert owner_client.get(f"/admin/kiosk/start?customer={stranger.pk}").status_code == 404
    _t2, foreign_device = make_tablet("Fremd", unit=unit2)
    url = f"/admin/kiosk/start?customer={customer.pk}"
    token = csrf_token(owner_client, url)
    r = owner_client.post(url, data={"csrf_token": token, "version": str(master_data.pk),
                                     "device": str(foreign_device.pk)})
    assert r.status_code == 404
    with app.app_context():
        assert KioskRun.objects.count() == 0
        with pytest.raises(Exception):  # noqa: B017 (NotFound for a staff actor of another unit)
            service.start_run(Actor("staff", "x", "x", str(unit2.pk)), device=device, customer=customer,
                              version=master_data)


def test_staff_cancels_and_tablet_returns_to_idle(app, owner_client, customer, make_tablet, start):
    tablet, device = make_tablet()
    run = start(device, customer)
    url = open_run(tablet)
    html = tablet.get(url).get_data(as_text=True)
    assert "Größmann" in owner_client.get("/admin/devices/").get_data(as_text=True)
    token = csrf_token(owner_client, "/admin/devices/")
    r = owner_client.post("/admin/kiosk/cancel", data={"csrf_token": token, "id": str(run.pk), "next": "devices"})
    assert r.status_code == 302 and r.headers["Location"].endswith("/admin/devices/")
    beat = tablet.post(url + "/heartbeat", json={"active": True}, headers={"X-CSRFToken": _csrf(html)})
    assert beat.status_code == 410 and beat.get_json()["redirect"] == "/kiosk/display"
    assert tablet.get(url).status_code == 410
    with app.app_context():
        run.reload()
        assert run.status == "cancelled" and run.prefill == {}
    # the device is free again
    start(device, customer)


def test_heartbeat_keeps_an_active_run_alive(app, customer, make_tablet, start):
    tablet, device = make_tablet()
    run = start(device, customer)
    url = open_run(tablet)
    html = tablet.get(url).get_data(as_text=True)
    old = utcnow() - timedelta(minutes=10)
    with app.app_context():
        KioskRun.objects(pk=run.pk).update_one(set__last_activity_at=old)
    r = tablet.post(url + "/heartbeat", json={"active": False}, headers={"X-CSRFToken": _csrf(html)})
    assert r.status_code == 200
    with app.app_context():
        assert KioskRun.objects.get(pk=run.pk).last_activity_at == old
    tablet.post(url + "/heartbeat", json={"active": True}, headers={"X-CSRFToken": _csrf(html)})
    with app.app_context():
        assert KioskRun.objects.get(pk=run.pk).last_activity_at > old


def test_timeout_sweep_expires_and_wipes(app, customer, make_tablet, start, kiosk_unit):
    from tasks.kiosk import expire_runs

    tablet, device = make_tablet()
    run = start(device, customer)
    url = open_run(tablet)
    with app.app_context():
        kiosk_unit.update(set__settings__kiosk_timeout_minutes=5)
        KioskRun.objects(pk=run.pk).update_one(set__last_activity_at=utcnow() - timedelta(minutes=4))
        assert expire_runs.delay().get() == 0  # 4 of 5 minutes: still running
        KioskRun.objects(pk=run.pk).update_one(set__last_activity_at=utcnow() - timedelta(minutes=6))
        assert expire_runs.delay().get() == 1
        assert expire_runs.delay().get() == 0  # idempotent
        run.reload()
        assert run.status == "expired" and run.prefill == {} and run.token_hash is None and run.active is None
    r = tablet.get(url)
    assert r.status_code == 410 and not _shows_customer(r.get_data(as_text=True))


def test_timeout_is_also_checked_on_each_request(app, customer, make_tablet, start):
    tablet, device = make_tablet()
    run = start(device, customer)
    with app.app_context():
        KioskRun.objects(pk=run.pk).update_one(set__last_activity_at=utcnow() - timedelta(minutes=16))
    assert tablet.get("/kiosk/poll").get_json() == {"state": "idle"}
    with app.app_context():
        run.reload()
        assert run.status == "expired" and run.prefill == {}
    start(device, customer)  # a stale run never blocks the device


def test_beat_schedule_has_the_sweep():
    from core.celery_app import BEAT_SCHEDULE

    entry = BEAT_SCHEDULE["kiosk-expire-runs"]
    assert entry["task"] == "tasks.kiosk.expire_runs" and entry["schedule"] == timedelta(minutes=1)


def test_deleting_the_customer_removes_runs(app, customer, make_tablet, start, owner):
    from core.services.deletion import delete_customer, registered

    assert "kiosk_runs" in registered()
    tablet, device = make_tablet()
    start(device, customer)
    url = open_run(tablet)
    with app.app_context():
        counts = delete_customer(Actor.staff(owner), Customer.objects.get(pk=customer.pk))
        assert counts["kiosk_runs"] == 1
        assert KioskRun.objects.count() == 0
        assert AuditEvent.objects(object_type="kiosk_runs").count() == 0
    assert tablet.get(url).status_code == 410
    assert tablet.get("/kiosk/poll").get_json() == {"state": "idle"}


def test_one_active_run_per_device_is_an_index(app):
    from core.models import KioskRun

    indexes = {i.get("name"): i for i in KioskRun._meta["index_specs"]}
    spec = indexes["one_active_run_per_device"]
    assert spec["unique"] and spec["partialFilterExpression"] == {"active": True}
    device_indexes = {i.get("name"): i for i in Device._meta["index_specs"]}
    assert device_indexes["unique_token"]["unique"] and device_indexes["unique_code"]["unique"]
