"""The admin's appointment form claims time like every booking: a taken time is a field error, moves and
cancellations release, and a staff member racing a customer for the same time: exactly one wins."""

from __future__ import annotations

import threading
from datetime import datetime

from core.models import ActivityType, Appointment, SlotClaim
from core.services import booking
from core.services.audit import Actor
from tests.conftest import csrf_token

START = datetime(2030, 7, 1, 8, 0)  # 10:00 in Berlin (summer time)
NOW = datetime(2030, 6, 1)


def _form(client, customer, staff, **changes):
    data = {"csrf_token": csrf_token(client, "/admin/appointment/new/"), "customer": str(customer.pk),
            "staff": str(staff.pk), "activity_type": "__None", "start": "2030-07-01T10:00",
            "end": "2030-07-01T10:45", "status": "planned", "location": "Salon", "notes": "", "price": ""}
    data.update(changes)
    return data


def test_the_form_claims_and_a_taken_time_is_a_field_error(app, owner_client, owner, make_customer, unit):
    customer = make_customer()
    with app.app_context():
        kind = ActivityType(business_unit=unit, name="Schnitt", duration_minutes=45, price="40.00").save()
        taken = booking.book_at(unit, kind, customer, owner, START, actor=Actor.staff(owner), source="portal",
                                now=NOW)
    r = owner_client.post("/admin/appointment/new/", data=_form(owner_client, customer, owner,
                                                                start="2030-07-01T10:30", end="2030-07-01T11:00"))
    page = r.get_data(as_text=True)
    assert r.status_code == 200 and "is-invalid" in page
    # the field error names the appointment in the way (in the unit's time zone)
    assert "überschneidet sich mit einem anderen Termin dieser Person: 01.07.2030, 10:00" in page \
        or "überschneidet sich mit einem anderen Termin dieser Person: 01.07.2030 10:00" in page, page
    with app.app_context():
        assert Appointment.objects.count() == 1
        assert set(SlotClaim.objects.distinct("appointment")) == {taken.pk}
    r = owner_client.post("/admin/appointment/new/", data=_form(owner_client, customer, owner,
                                                                activity_type=str(kind.pk),
                                                                start="2030-07-01T11:00", end="2030-07-01T11:45"))
    assert r.status_code == 302
    with app.app_context():
        made = Appointment.objects(pk__ne=taken.pk).get()
        assert str(made.price) == "40.00"  # the activity type's price as the default
        assert SlotClaim.objects(appointment=made.pk).count() == 9


def test_moving_and_cancelling_in_the_form_release(app, owner_client, owner, make_customer):
    customer = make_customer()
    r = owner_client.post("/admin/appointment/new/", data=_form(owner_client, customer, owner))
    assert r.status_code == 302
    with app.app_context():
        appt = Appointment.objects.get()
        assert SlotClaim.objects(appointment=appt.pk).count() == 9
    edit = f"/admin/appointment/edit/?id={appt.pk}"
    data = _form(owner_client, customer, owner, start="2030-07-01T14:00", end="2030-07-01T14:30")
    data["csrf_token"] = csrf_token(owner_client, edit)
    assert owner_client.post(edit, data=data).status_code == 302
    with app.app_context():
        granules = sorted(SlotClaim.objects(appointment=appt.pk).scalar("granule"))
        assert granules == booking.granules(datetime(2030, 7, 1, 12, 0), datetime(2030, 7, 1, 12, 30))
    data = {**data, "status": "cancelled", "csrf_token": csrf_token(owner_client, edit)}
    assert owner_client.post(edit, data=data).status_code == 302
    with app.app_context():
        assert SlotClaim.objects.count() == 0


def test_a_failed_save_gives_the_claims_back(app, owner_client, owner, make_customer):
    customer = make_customer()
    r = owner_client.post("/admin/appointment/new/", data=_form(owner_client, customer, owner, location="x" * 301))
    assert r.status_code == 200
    with app.app_context():
        assert Appointment.objects.count() == 0 and SlotClaim.objects.count() == 0


def test_staff_and_customer_racing_for_the_same_time(app, owner_client, owner, make_customer, unit):
    customer = make_customer()
    with app.app_context():
        kind = ActivityType(business_unit=unit, name="Schnitt", duration_minutes=45).save()
    for hour in (9, 11, 14, 16):
        form = _form(owner_client, customer, owner, start=f"2030-07-01T{hour:02d}:00",
                     end=f"2030-07-01T{hour:02d}:45")
        start = datetime(2030, 7, 1, hour - 2, 0)
        outcome = race_once(app, owner_client, form, lambda start=start: booking.book_at(
            unit, kind, customer, owner, start, actor=Actor.staff(owner), source="portal", now=NOW))
        assert sorted(outcome.values()) == [False, True], outcome
        with app.app_context():
            assert Appointment.objects(start=start).count() == 1


def race_once(app, client, form, book) -> dict[str, bool]:
    """The admin form's POST and ``book()`` started together; who succeeded."""
    barrier, outcome = threading.Barrier(2), {}

    def staff_books():
        barrier.wait()
        outcome["staff"] = client.post("/admin/appointment/new/", data=form).status_code == 302

    def customer_books():
        with app.app_context():
            barrier.wait()
            try:
                book()
                outcome["customer"] = True
            except booking.SlotTaken:
                outcome["customer"] = False

    threads = [threading.Thread(target=staff_books), threading.Thread(target=customer_books)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcome


def test_deleting_an_appointment_frees_its_time(app, owner_client, owner, make_customer):
    customer = make_customer()
    assert owner_client.post("/admin/appointment/new/", data=_form(owner_client, customer, owner)).status_code == 302
    with app.app_context():
        appt = Appointment.objects.get()
    token = csrf_token(owner_client, "/admin/appointment/")
    r = owner_client.post("/admin/appointment/delete/", data={"csrf_token": token, "id": str(appt.pk),
                                                              "url": "/admin/appointment/"})
    assert r.status_code == 302
    with app.app_context():
        assert Appointment.objects.count() == 0 and SlotClaim.objects.count() == 0


def _activity_form(client, kind, **changes) -> dict:
    edit = f"/admin/activitytype/edit/?id={kind.pk}"
    data = {"csrf_token": csrf_token(client, edit), "name": kind.name, "duration_minutes": str(kind.duration_minutes),
            "price": "", "buffer_before_minutes": str(kind.buffer_before_minutes or 0),
            "buffer_after_minutes": str(kind.buffer_after_minutes or 0), "location_kind": "business",
            "colour": "#3366cc", "active": "y", "portal_title": "", "portal_description": ""}
    data.update(changes)
    return data


def test_changed_buffers_move_the_reserved_times_and_conflicts_are_named(app, owner_client, owner, make_customer,
                                                                         unit):
    """Saving an activity type with new buffers: its upcoming appointments' claims follow; one that would
    run into another appointment keeps its old claims, and the owner is told which two collide."""
    customer = make_customer(first_name="Jürgen", last_name="Müller")
    other = make_customer(first_name="Käthe", last_name="Kühn")
    with app.app_context():
        kind = ActivityType(business_unit=unit, name="Schnitt", duration_minutes=45).save()
        short = ActivityType(business_unit=unit, name="Kurz", duration_minutes=15).save()
        actor = Actor.staff(owner)
        first = booking.book_at(unit, kind, customer, owner, START, actor=actor, source="admin", now=NOW)
        later = booking.book_at(unit, kind, customer, owner, datetime(2030, 7, 1, 12, 0), actor=actor,
                                source="admin", now=NOW)
        after = booking.book_at(unit, short, other, owner, datetime(2030, 7, 1, 8, 50), actor=actor,
                                source="admin", now=NOW)
        old_first = sorted(SlotClaim.objects(appointment=first.pk).scalar("granule"))
    edit = f"/admin/activitytype/edit/?id={kind.pk}"
    r = owner_client.post(edit, data=_activity_form(owner_client, kind, buffer_after_minutes="15"),
                          follow_redirects=True)
    page = r.get_data(as_text=True)
    assert r.status_code == 200
    assert "Die reservierte Zeit von 1 anstehenden Termin folgt den neuen Puffern." in page, page
    assert "behalten ihre bisher reservierte Zeit" in page
    assert "Jürgen Müller (Olivia Owner)" in page and "Käthe Kühn (Olivia Owner)" in page
    with app.app_context():
        assert ActivityType.objects.get(pk=kind.pk).buffer_after_minutes == 15  # the save itself stands
        assert sorted(SlotClaim.objects(appointment=first.pk).scalar("granule")) == old_first  # nothing lost
        assert sorted(SlotClaim.objects(appointment=later.pk).scalar("granule")) == booking.granules(
            datetime(2030, 7, 1, 12, 0), datetime(2030, 7, 1, 13, 0))
        assert SlotClaim.objects(appointment=after.pk).count() == 3
    # a change that touches no buffer leaves the claims alone and says nothing about them
    r = owner_client.post(edit, data=_activity_form(owner_client, ActivityType.objects.get(pk=kind.pk),
                                                    name="Schnitt lang"), follow_redirects=True)
    assert "Puffern" not in r.get_data(as_text=True)
