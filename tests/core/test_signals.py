"""core.signals: the admin's appointment form announces what changed; the listeners hear it once."""

from __future__ import annotations

from datetime import datetime, timedelta

from core.models import Appointment
from core.models._base import utcnow
from core.signals import announce, appointment_created, appointment_state, slot_freed
from tests.conftest import csrf_token


def _form(appt, **changes):
    data = {"customer": str(appt.customer.pk), "staff": str(appt.staff.pk), "status": appt.status,
            "start": "", "end": "", "location": "", "notes": ""}
    data.update(changes)
    return data


def test_announce_names_each_kind_of_change(make_customer, owner, unit):
    start = utcnow().replace(microsecond=0) + timedelta(days=2)
    appt = Appointment(business_unit=unit, customer=make_customer(), staff=owner, start=start,
                       end=start + timedelta(hours=1)).save()
    assert announce(appt, None) == ["appointment-created"]
    before = appointment_state(appt)
    appt.start, appt.end = start + timedelta(hours=2), start + timedelta(hours=3)
    assert announce(appt, before) == ["appointment-rescheduled", "slot-freed"]
    before = appointment_state(appt)
    appt.status = "done"
    assert announce(appt, before) == ["appointment-status-changed"]
    before = appointment_state(appt)
    appt.status = "cancelled"
    assert announce(appt, before) == ["appointment-status-changed", "appointment-cancelled", "slot-freed"]
    assert announce(appt, appointment_state(appt)) == []


def test_admin_edit_sends_slot_freed_with_the_old_time(app, owner_client, owner, make_customer):
    customer = make_customer()
    form = {"csrf_token": csrf_token(owner_client, "/admin/appointment/new/"), "customer": str(customer.pk),
            "staff": str(owner.pk), "activity_type": "__None", "start": "2030-07-01T10:00",
            "end": "2030-07-01T10:45", "status": "planned", "location": "", "notes": ""}
    heard = []

    def listener(sender, **kw):
        heard.append((sender.status, kw["start"], kw["end"]))

    slot_freed.connect(listener)
    created = []

    def on_created(sender, **kw):
        created.append(kw["source"])

    appointment_created.connect(on_created)
    try:
        assert owner_client.post("/admin/appointment/new/", data=form).status_code == 302
        with app.app_context():
            appt = Appointment.objects.get()
        form.update(csrf_token=csrf_token(owner_client, f"/admin/appointment/edit/?id={appt.pk}"),
                    status="cancelled")
        assert owner_client.post(f"/admin/appointment/edit/?id={appt.pk}", data=form).status_code == 302
    finally:
        slot_freed.disconnect(listener)
        appointment_created.disconnect(on_created)
    assert created == ["admin"]
    assert heard == [("cancelled", datetime(2030, 7, 1, 8, 0), datetime(2030, 7, 1, 8, 45))]
