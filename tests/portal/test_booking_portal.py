"""Booking, rescheduling and cancelling in the portal: the planning assistant's slots, the booking service,
the action's conditions when drawn and on POST, bad slots (nothing booked), isolation of every route."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from itsdangerous import URLSafeSerializer

from core.models import ActivityType, Appointment, AuditEvent, PortalAction
from core.models._base import utcnow
from core.services import planning
from tests.conftest import csrf_token
from tests.portal.conftest import code_login

SLOT = re.compile(r'name="slot" value="([^"]+)"')


@pytest.fixture
def staff(make_user, portal_unit):
    return make_user("staff", name="Stefanie Staff", business_unit=portal_unit)


@pytest.fixture
def activity(app, portal_unit, staff):
    with app.app_context():
        return ActivityType(business_unit=portal_unit, name="Beratung", duration_minutes=60, portal_visible=True,
                            portal_title="Beratung für {{ customer.first_name }}", performers=[staff]).save()


@pytest.fixture
def actions(app, portal_unit, activity):
    with app.app_context():
        def add(kind, **kw):
            return PortalAction(business_unit=portal_unit, activity_type=activity, kind=kind,
                                label=kw.pop("label", kind), **kw).save()

        return {"book": add("book", label="Termin buchen"),
                "reschedule": add("reschedule", label="Verschieben", once=True),
                "cancel": add("cancel", label="Absagen", latest_hours_before=24)}


def _slots(client, url) -> list[str]:
    page = client.get(url)
    assert page.status_code == 200, page.get_data(as_text=True)[:500]
    return SLOT.findall(page.get_data(as_text=True))


def _post(client, url, **data):
    return client.post(url, data={"csrf_token": csrf_token(client, "/portal/"), **data})


def _booked(app, customer):
    with app.app_context():
        return list(Appointment.objects(customer=customer, status__ne="cancelled"))


def test_book_from_the_assistant_see_it_reschedule_and_cancel(app, portal_client, actions, activity, staff):
    client, customer = portal_client
    start = client.get("/portal/book").get_data(as_text=True)
    assert f"Beratung für {customer.first_name}" in start
    book_url = f"/portal/book/{actions['book'].pk}"
    tokens = _slots(client, book_url)
    assert tokens, "the assistant offers slots"
    r = _post(client, book_url, slot=tokens[0])
    assert r.status_code == 303, r.get_data(as_text=True)[:500]
    (appointment,) = _booked(app, customer)
    assert appointment.staff.pk == staff.pk and appointment.activity_type.pk == activity.pk
    with app.app_context():
        assert AuditEvent.objects(object_type="appointments", object_id=str(appointment.pk),
                                  summary="booked by the customer in the portal").count() == 1
    detail = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "Termin ist gebucht" in detail and 'data-testid="action-reschedule"' in detail
    assert f'/portal/appointments/{appointment.pk}' in client.get("/portal/").get_data(as_text=True)

    move_url = f"/portal/appointments/{appointment.pk}/reschedule/{actions['reschedule'].pk}"
    later = (utcnow() + timedelta(days=8)).date().isoformat()  # far enough for "cancel up to 24 h before"
    new_tokens = [t for t in _slots(client, f"{move_url}?day={later}") if t != tokens[0]]
    r = _post(client, move_url, slot=new_tokens[0])
    assert r.status_code == 303
    with app.app_context():
        moved = Appointment.objects.get(pk=appointment.pk)
        assert moved.start != appointment.start
    # at most once: the reschedule action is gone and refused
    assert 'data-testid="action-reschedule"' not in client.get(f"/portal/appointments/{appointment.pk}").get_data(
        as_text=True)
    assert client.get(move_url).status_code == 403
    assert _post(client, move_url, slot=new_tokens[1]).status_code == 403

    cancel_url = f"/portal/appointments/{appointment.pk}/cancel/{actions['cancel'].pk}"
    assert "absagen" in client.get(cancel_url).get_data(as_text=True).lower()
    r = _post(client, cancel_url)
    assert r.status_code == 303
    with app.app_context():
        assert Appointment.objects.get(pk=appointment.pk).status == "cancelled"
    assert _booked(app, customer) == []


def test_a_taken_slot_is_said_and_fresh_suggestions_follow(app, portal_client, actions, make_portal_customer):
    client, customer = portal_client
    book_url = f"/portal/book/{actions['book'].pk}"
    token = _slots(client, book_url)[0]
    rival = code_login(app, app.test_client(), make_portal_customer(email="rival@example.com"))
    assert _post(rival, book_url, slot=token).status_code == 303
    r = _post(client, book_url, slot=token)
    assert r.status_code == 409
    page = r.get_data(as_text=True)
    assert "gerade vergeben" in page and 'data-testid="slot-error"' in page
    assert token not in SLOT.findall(page) and SLOT.findall(page)
    assert _booked(app, customer) == []


def _token(app, unit, activity, staff_id, start: datetime) -> str:
    with app.app_context():
        return URLSafeSerializer(app.secret_key, salt=planning.TOKEN_SALT).dumps(
            [str(unit.pk), str(activity.pk), str(staff_id), start.isoformat()])


def _next_weekday(hour_utc: int) -> datetime:
    day = (utcnow() + timedelta(days=3)).replace(hour=hour_utc, minute=0, second=0, microsecond=0)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def test_bad_slots_are_refused_and_nothing_is_booked(app, portal_client, actions, activity, staff, portal_unit,
                                                    make_user, make_unit):
    client, customer = portal_client
    book_url = f"/portal/book/{actions['book'].pk}"
    colleague = make_user("staff", business_unit=portal_unit)  # does not perform "Beratung"
    stranger_unit = make_unit(features=["portal"])
    foreign = make_user("staff", business_unit=stranger_unit)
    good = _slots(client, book_url)[0]
    cases = {
        "tampered": good[:-3] + ("AAA" if not good.endswith("AAA") else "BBB"),
        "garbage": "nonsense",
        "past": _token(app, portal_unit, activity, staff.pk, utcnow() - timedelta(days=1)),
        "night": _token(app, portal_unit, activity, staff.pk, _next_weekday(2)),
        "not a performer": _token(app, portal_unit, activity, colleague.pk, _next_weekday(9)),
        "other unit's staff": _token(app, portal_unit, activity, foreign.pk, _next_weekday(9)),
        "other unit's token": _token(app, stranger_unit, activity, staff.pk, _next_weekday(9)),
    }
    for name, token in cases.items():
        r = _post(client, book_url, slot=token)
        assert r.status_code == 400, (name, r.status_code)
        assert 'data-testid="slot-error"' in r.get_data(as_text=True), name
    assert _booked(app, customer) == []


def test_conditions_decide_on_drawing_and_on_post(app, portal_client, actions, activity, make_appointment, staff,
                                                  portal_unit):
    client, customer = portal_client
    soon = utcnow() + timedelta(hours=6)  # cancel only up to 24 h before: too late
    appointment = make_appointment(business_unit=portal_unit, customer=customer, staff=staff, activity_type=activity,
                                   start=soon, end=soon + timedelta(hours=1))
    detail = client.get(f"/portal/appointments/{appointment.pk}").get_data(as_text=True)
    assert 'data-testid="action-cancel"' not in detail
    cancel_url = f"/portal/appointments/{appointment.pk}/cancel/{actions['cancel'].pk}"
    assert client.get(cancel_url).status_code == 403
    assert _post(client, cancel_url).status_code == 403
    with app.app_context():
        assert Appointment.objects.get(pk=appointment.pk).status == "planned"
        PortalAction.objects(pk=actions["book"].pk).update_one(set__required_tag="stammkunde")
    assert f"/portal/book/{actions['book'].pk}" not in client.get("/portal/book").get_data(as_text=True)
    assert client.get(f"/portal/book/{actions['book'].pk}").status_code == 403
    with app.app_context():
        customer.update(add_to_set__tags="stammkunde")
    assert client.get(f"/portal/book/{actions['book'].pk}").status_code == 200
    with app.app_context():
        activity.update(set__portal_visible=False)
    assert client.get(f"/portal/book/{actions['book'].pk}").status_code == 403
    assert 'data-testid="book-start"' not in client.get("/portal/").get_data(as_text=True)


def test_every_new_route_isolates_customers_and_units(app, portal_client, actions, activity, make_appointment,
                                                     make_portal_customer, portal_unit, staff, make_unit):
    client, _customer = portal_client
    other = make_portal_customer(email="nachbarin@example.com")
    theirs = make_appointment(business_unit=portal_unit, customer=other, staff=staff, activity_type=activity,
                              start=_next_weekday(9), end=_next_weekday(9) + timedelta(hours=1))
    foreign_unit = make_unit(features=["portal"])
    with app.app_context():
        foreign_type = ActivityType(business_unit=foreign_unit, name="Fremd", portal_visible=True).save()
        foreign_book = PortalAction(business_unit=foreign_unit, activity_type=foreign_type, kind="book",
                                    label="Fremd").save()
    ids = {"appointment": str(theirs.pk), "re": str(actions["reschedule"].pk), "ca": str(actions["cancel"].pk)}
    gets = [f"/portal/appointments/{ids['appointment']}",
            f"/portal/appointments/{ids['appointment']}/reschedule/{ids['re']}",
            f"/portal/appointments/{ids['appointment']}/cancel/{ids['ca']}",
            f"/portal/book/{foreign_book.pk}", "/portal/book/nonsense", f"/portal/book/{actions['cancel'].pk}",
            "/portal/appointments/nonsense"]
    posts = [*gets[1:4], f"/portal/appointments/{ids['appointment']}/fill/{ids['re']}",
             f"/portal/appointments/{ids['appointment']}/upload/{ids['re']}",
             f"/portal/book/{foreign_book.pk}/waitlist",
             "/portal/waitlist/nonsense/accept", f"/portal/waitlist/{theirs.pk}/decline",
             f"/portal/waitlist/{theirs.pk}/leave"]
    for url in gets:
        assert client.get(url).status_code == 404, url
    for url in posts:
        assert _post(client, url, slot="x").status_code == 404, url
    stranger = app.test_client()
    for url in [*gets, "/portal/book", "/portal/waitlist"]:
        r = stranger.get(url)
        assert r.status_code == 302 and r.headers["Location"].endswith("/portal/login"), url
    stranger_token = csrf_token(stranger, f"/portal/{portal_unit.slug}/login")
    for url in posts:
        assert stranger.post(url, data={"csrf_token": stranger_token}).status_code == 401, url
    assert client.post(f"/portal/book/{actions['book'].pk}", data={"slot": "x"}).status_code == 400  # CSRF
    with app.app_context():
        assert Appointment.objects.get(pk=theirs.pk).status == "planned"
