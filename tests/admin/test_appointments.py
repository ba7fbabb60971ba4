"""Appointments: local time zone in forms, UTC in storage, bad input, calendar, options menu."""

from __future__ import annotations

from datetime import datetime

from core.models import ActivityType, Appointment, AuditEvent
from tests.conftest import csrf_token


def _form(client, the_customer, the_staff, **changes):
    data = {"csrf_token": csrf_token(client, "/admin/appointment/new/"), "customer": str(the_customer.pk),
            "staff": str(the_staff.pk), "activity_type": "__None", "start": "2030-07-01T10:00",
            "end": "2030-07-01T10:45", "status": "planned", "location": "Salon", "notes": "",
            "reminder_wanted": "y"}
    data.update(changes)
    return data


def test_create_in_local_time_stored_as_utc(app, owner_client, owner, make_customer):
    customer = make_customer()
    r = owner_client.post("/admin/appointment/new/", data=_form(owner_client, customer, owner))
    assert r.status_code == 302, r.get_data(as_text=True)[-3000:]
    with app.app_context():
        appt = Appointment.objects.get()
        assert appt.start == datetime(2030, 7, 1, 8, 0)  # Berlin summer time is UTC+2
        assert appt.timezone == "Europe/Berlin" and appt.reminder_wanted
        assert AuditEvent.objects(object_type="appointments", action="create").count() == 1
    page = owner_client.get(f"/admin/appointment/edit/?id={appt.pk}").get_data(as_text=True)
    assert "2030-07-01T10:00" in page


def test_end_before_start_is_refused(app, owner_client, owner, make_customer):
    customer = make_customer()
    r = owner_client.post("/admin/appointment/new/", data=_form(owner_client, customer, owner,
                                                                end="2030-07-01T09:00"))
    assert r.status_code == 200
    assert "is-invalid" in r.get_data(as_text=True)
    with app.app_context():
        assert Appointment.objects.count() == 0


def test_bad_dates_and_ids(app, owner_client, owner, make_customer, make_unit, make_user):
    customer = make_customer()
    other = make_unit()
    foreign_customer = make_customer(business_unit=other)
    foreign_staff = make_user("staff", business_unit=other)
    for changes in ({"start": "2030-02-30T10:00"}, {"start": "gestern"}, {"customer": str(foreign_customer.pk)},
                    {"staff": str(foreign_staff.pk)}, {"customer": "nope"}, {"status": "lost"},
                    {"location": "x" * 301}):
        r = owner_client.post("/admin/appointment/new/", data=_form(owner_client, customer, owner, **changes))
        assert r.status_code == 200, changes
    with app.app_context():
        assert Appointment.objects.count() == 0


def test_calendar_day_and_week(app, owner_client, owner, make_appointment, unit):
    with app.app_context():
        colour = ActivityType(business_unit=unit, name="Färben", duration_minutes=90, colour="#a64d79").save()
    appt = make_appointment(staff=owner, activity_type=colour, start=datetime(2030, 1, 7, 9, 0),
                            end=datetime(2030, 1, 7, 10, 30))
    day = owner_client.get("/admin/calendar/?date=2030-01-07").get_data(as_text=True)
    assert f"/admin/appointment/details/?id={appt.pk}" in day and "10:00–11:30" in day  # shown in Berlin time
    assert "#a64d79" in day
    week = owner_client.get(f"/admin/calendar/?view=week&date=2030-01-09&staff={owner.pk}").get_data(as_text=True)
    assert f"/admin/appointment/details/?id={appt.pk}" in week
    other_day = owner_client.get("/admin/calendar/?date=2030-01-08").get_data(as_text=True)
    assert f"id={appt.pk}" not in other_day
    assert owner_client.get("/admin/calendar/?date=not-a-date&view=xyz&staff=bad").status_code == 200


def test_appointment_detail_has_options_menu(owner_client, make_appointment):
    appt = make_appointment()
    page = owner_client.get(f"/admin/appointment/details/?id={appt.pk}").get_data(as_text=True)
    assert 'data-testid="appointment-options"' in page
    assert f"/admin/customer/file/?id={appt.customer.pk}" in page


def test_options_registry(app, owner_client, make_appointment):
    from admin.sections import APPOINTMENT_OPTIONS, AppointmentOption, add_appointment_option

    add_appointment_option(AppointmentOption("test", "Testaktion", lambda a: f"/x/{a.pk}", feature="portal"))
    try:
        appt = make_appointment()
        page = owner_client.get(f"/admin/appointment/details/?id={appt.pk}").get_data(as_text=True)
        assert "Testaktion" not in page  # feature off
        with app.app_context():
            appt.business_unit.update(add_to_set__features="portal")
        page = owner_client.get(f"/admin/appointment/details/?id={appt.pk}").get_data(as_text=True)
        assert "Testaktion" in page
    finally:
        APPOINTMENT_OPTIONS.pop("test")


def _field_feedback(html: str) -> list[str]:
    import re

    lists = re.findall(r'class="(?:invalid-feedback|form-text text-danger)[^"]*"[^>]*>(.*?)</(?:ul|div)>', html, re.S)
    return [" ".join(re.sub(r"<[^>]+>", " ", m).split()) for m in lists]


def test_choices_are_scoped_before_they_are_resolved(app, owner_client, owner, unit, make_customer, make_unit,
                                                     make_user):
    """Another unit's staff, activity type or project answers exactly like an unknown id; designers,
    deactivated staff and inactive activity types are refused with a message; nothing is stored."""
    from bson import ObjectId

    from core.models import Project

    customer = make_customer()
    other = make_unit()
    foreign_customer = make_customer(business_unit=other)
    with app.app_context():
        foreign_type = ActivityType(business_unit=other, name="Fremd", duration_minutes=30).save()
        inactive_type = ActivityType(business_unit=unit, name="Alt", duration_minutes=30, active=False).save()
        foreign_project = Project(business_unit=other, customer=foreign_customer, name="Fremd").save()
    foreign_staff = make_user("staff", business_unit=other)
    designer = make_user("designer")
    retired = make_user("staff", active=False)
    unknown = str(ObjectId())
    answers = {}
    for field, value in [("staff", foreign_staff.pk), ("staff", unknown), ("staff", "nope"), ("staff", designer.pk),
                         ("staff", retired.pk), ("activity_type", foreign_type.pk), ("activity_type", unknown),
                         ("activity_type", inactive_type.pk), ("activity_type", "nope"),
                         ("project", foreign_project.pk), ("project", unknown)]:
        r = owner_client.post("/admin/appointment/new/", data=_form(owner_client, customer, owner,
                                                                    **{field: str(value)}))
        assert r.status_code == 200, (field, value)
        html = r.get_data(as_text=True)
        feedback = _field_feedback(html)
        assert "Diese Auswahl ist nicht verfügbar." in feedback, (field, value, feedback)
        assert "Gehört zu einem anderen Betrieb." not in html, (field, value)
        answers.setdefault(field, set()).add(tuple(feedback))
    assert all(len(v) == 1 for v in answers.values()), answers  # foreign ids answer like unknown ones
    with app.app_context():
        assert Appointment.objects.count() == 0
