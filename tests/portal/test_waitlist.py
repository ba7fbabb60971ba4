"""The waitlist: a freed slot goes to the first waiting customer it fits, the offer lapses after the unit's
offer time and goes to the next one; accepting books through the booking service (taken meanwhile: said)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from core.errors import Conflict, InvalidInput
from core.models import ActivityType, Appointment, Customer, OutboxMessage, PortalAction, WaitlistEntry
from core.models._base import utcnow
from core.services import booking, planning, waitlist
from core.services.audit import Actor
from core.services.booking import SlotTaken
from core.services.portal import Viewer
from tests.conftest import csrf_token
from tests.portal.conftest import code_login


def _weekday_ahead(days: int = 3):
    """A weekday at least ``days`` ahead, 09:00 UTC (10:00 or 09:00... in Berlin: inside working hours)."""
    day = (utcnow() + timedelta(days=days)).replace(hour=9, minute=0, second=0, microsecond=0)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


@pytest.fixture
def world(app, portal_unit, make_user, make_portal_customer):
    staff = make_user("staff", name="Stefanie Staff", business_unit=portal_unit)
    with app.app_context():
        activity = ActivityType(business_unit=portal_unit, name="Beratung", duration_minutes=60, portal_visible=True,
                                performers=[staff]).save()
        book = PortalAction(business_unit=portal_unit, activity_type=activity, kind="book", label="Buchen").save()
    customers = {name: make_portal_customer(email=f"{name}@example.com", first_name=name.title())
                 for name in ("anna", "bert", "cora", "dora")}
    return {"unit": portal_unit, "staff": staff, "activity": activity, "book": book, "customers": customers}


def _viewer(app, customer) -> Viewer:
    with app.app_context():
        return Viewer(None, Customer.objects.get(pk=customer.pk), None, False)


def _join(app, world, name, first: date, last: date, now=None):
    with app.app_context():
        return waitlist.join(_viewer(app, world["customers"][name]), str(world["book"].pk), first, last, now=now)


def _fill_day(app, world, day):
    """Book the whole working day of the staff member (so nothing is free), return the 10:00 appointment."""
    with app.app_context():
        unit, activity, staff = world["unit"], world["activity"], world["staff"]
        owner = world["customers"]["dora"]
        booked = []
        for slot in planning.suggest_slots(unit, activity, owner, start=day.date(), days=1, for_customer=False):
            try:
                booked.append(booking.book_at(unit, activity, owner, staff, slot.start, actor=Actor.system(),
                                              source="admin"))
            except InvalidInput:
                continue
        assert booked
        return min(booked, key=lambda a: abs((a.start - day).total_seconds()))


def _status(app, world):
    with app.app_context():
        return {name: WaitlistEntry.objects(customer=c).first().status for name, c in world["customers"].items()
                if WaitlistEntry.objects(customer=c).count()}


def test_offer_order_and_expiry(app, world):
    day = _weekday_ahead()
    target = _fill_day(app, world, day)
    _join(app, world, "anna", day.date(), day.date() + timedelta(days=2))
    _join(app, world, "bert", day.date() - timedelta(days=1), day.date())
    _join(app, world, "cora", day.date() + timedelta(days=1), day.date() + timedelta(days=3))  # not that day
    with app.app_context():
        booking.cancel(Appointment.objects.get(pk=target.pk), actor=Actor.system(), source="admin")  # → slot_freed
    assert _status(app, world) == {"anna": "offered", "bert": "waiting", "cora": "waiting"}
    with app.app_context():
        anna = WaitlistEntry.objects.get(customer=world["customers"]["anna"])
        assert target.start <= anna.offer_start < target.end
        mail = OutboxMessage.objects.get(to="anna@example.com", idempotency_key__startswith="waitlist:")
        assert "/portal/waitlist" in mail.body
        hours = world["unit"].settings.waitlist_offer_hours
        assert anna.offer_expires_at - utcnow() <= timedelta(hours=hours)
        assert waitlist.expire_offers(now=utcnow() + timedelta(hours=hours - 1)) == 0  # not yet
        assert waitlist.expire_offers(now=utcnow() + timedelta(hours=hours, minutes=1)) == 1
    assert _status(app, world) == {"anna": "waiting", "bert": "offered", "cora": "waiting"}
    with app.app_context():
        later = utcnow() + timedelta(hours=2 * hours + 2)
        assert "tasks.waitlist.expire" in {e["task"] for e in app.extensions["celery"].conf.beat_schedule.values()}
        assert waitlist.expire_offers(now=later) == 1  # bert lets it lapse too; anna had it already, cora cannot
    assert _status(app, world) == {"anna": "waiting", "bert": "waiting", "cora": "waiting"}
    with app.app_context():
        assert OutboxMessage.objects(idempotency_key__startswith="waitlist:").count() == 2


def test_accept_books_and_a_taken_slot_is_said(app, world, make_portal_customer):
    day = _weekday_ahead()
    target = _fill_day(app, world, day)
    _join(app, world, "anna", day.date(), day.date())
    _join(app, world, "bert", day.date(), day.date())
    with app.app_context():
        booking.cancel(Appointment.objects.get(pk=target.pk), actor=Actor.system(), source="admin")
        anna = WaitlistEntry.objects.get(customer=world["customers"]["anna"])
        # the offer reserves nothing: staff book that time meanwhile
        booking.book_at(world["unit"], world["activity"], world["customers"]["dora"], world["staff"], anna.offer_start,
                        actor=Actor.system(), source="admin")
        with pytest.raises(SlotTaken):
            waitlist.accept(_viewer(app, world["customers"]["anna"]), str(anna.pk))
        assert WaitlistEntry.objects.get(pk=anna.pk).status == "waiting"
    day2 = _weekday_ahead(5)
    target2 = _fill_day(app, world, day2)
    with app.app_context():
        WaitlistEntry.objects(status="waiting").update(set__date_to=day2.replace(hour=0))
        booking.cancel(Appointment.objects.get(pk=target2.pk), actor=Actor.system(), source="admin")
        anna = WaitlistEntry.objects.get(customer=world["customers"]["anna"])
        assert anna.status == "offered"
    client = code_login(app, app.test_client(), world["customers"]["anna"])
    assert 'data-testid="waitlist-offer"' in client.get("/portal/").get_data(as_text=True)
    assert 'data-testid="accept-offer"' in client.get("/portal/waitlist").get_data(as_text=True)
    with app.app_context():
        appointment = waitlist.accept(_viewer(app, world["customers"]["anna"]), str(anna.pk))
        assert appointment.customer.pk == world["customers"]["anna"].pk and appointment.start == anna.offer_start
        assert WaitlistEntry.objects.get(pk=anna.pk).status == "booked"
        with pytest.raises(Conflict):
            waitlist.accept(_viewer(app, world["customers"]["anna"]), str(anna.pk))


def test_join_refuses_bad_ranges_and_doubles(app, world):
    today = utcnow().date()
    with app.app_context():
        viewer = _viewer(app, world["customers"]["anna"])
        action = str(world["book"].pk)
        for first, last in ((today - timedelta(days=1), today), (today + timedelta(days=3), today + timedelta(days=2)),
                            (today, today + timedelta(days=100)), (None, today)):
            with pytest.raises(InvalidInput):
                waitlist.join(viewer, action, first, last)
        waitlist.join(viewer, action, today, today + timedelta(days=5))
        with pytest.raises(Conflict):
            waitlist.join(viewer, action, today, today + timedelta(days=5))
        assert WaitlistEntry.objects.count() == 1


def test_waitlist_pages(app, world, portal_client):
    client, customer = portal_client
    token = csrf_token(client, "/portal/")
    first = (utcnow() + timedelta(days=2)).date()
    r = client.post(f"/portal/book/{world['book'].pk}/waitlist",
                    data={"csrf_token": token, "date_from": first.isoformat(),
                          "date_to": (first + timedelta(days=4)).isoformat()})
    assert r.status_code == 303
    page = client.get("/portal/waitlist").get_data(as_text=True)
    assert "Beratung" in page and 'data-testid="leave-waitlist"' in page
    with app.app_context():
        entry = WaitlistEntry.objects.get(customer=customer)
    r = client.post(f"/portal/waitlist/{entry.pk}/leave", data={"csrf_token": token})
    assert r.status_code == 303
    with app.app_context():
        assert WaitlistEntry.objects.get(pk=entry.pk).status == "left"
    r = client.post(f"/portal/book/{world['book'].pk}/waitlist",
                    data={"csrf_token": token, "date_from": "2001-01-01", "date_to": "nonsense"})
    assert r.status_code == 400 and 'data-testid="slot-error"' in r.get_data(as_text=True)


def test_customer_deletion_and_export_cover_the_new_collections(app, world, tmp_path, owner):
    from core.db import get_db
    from core.models import PortalActionRecord
    from core.services.deletion import delete_customer
    from core.services.exchange import export_all, import_all

    anna = world["customers"]["anna"]
    day = _weekday_ahead()
    entry = _join(app, world, "anna", day.date(), day.date())
    with app.app_context():
        visit = booking.book_at(world["unit"], world["activity"], anna, world["staff"], day, actor=Actor.system(),
                                source="admin")
        survey = PortalAction(business_unit=world["unit"], activity_type=world["activity"], kind="upload",
                              label="Foto", once=True).save()
        PortalActionRecord(business_unit=world["unit"], customer=anna, appointment=visit, action=survey,
                           what="used").save()
        db = get_db()
        export_all(tmp_path / "out")
        for name in ("waitlist_entries", "portal_actions", "portal_action_records"):
            assert (tmp_path / "out" / f"{name}.json").read_text().strip(), name
        before = {n: list(db[n].find()) for n in ("waitlist_entries", "portal_actions", "portal_action_records")}
        import_all(tmp_path / "out", drop=True)
        assert {n: list(db[n].find()) for n in before} == before
        delete_customer(Actor.staff(owner), Customer.objects.get(pk=anna.pk))
        assert WaitlistEntry.objects(pk=entry.pk).count() == 0
        assert PortalActionRecord.objects(customer=anna.pk).count() == 0
        assert PortalAction.objects(pk=survey.pk).count() == 1  # staff's configuration stays


def test_declining_or_leaving_hands_the_offer_to_the_next(app, world):
    day = _weekday_ahead()
    target = _fill_day(app, world, day)
    for name in ("anna", "bert", "cora"):
        _join(app, world, name, day.date(), day.date())
    with app.app_context():
        booking.cancel(Appointment.objects.get(pk=target.pk), actor=Actor.system(), source="admin")
    assert _status(app, world) == {"anna": "offered", "bert": "waiting", "cora": "waiting"}
    client = code_login(app, app.test_client(), world["customers"]["anna"])
    with app.app_context():
        anna = WaitlistEntry.objects.get(customer=world["customers"]["anna"])
    r = client.post(f"/portal/waitlist/{anna.pk}/decline", data={"csrf_token": csrf_token(client, "/portal/")})
    assert r.status_code == 303
    assert _status(app, world) == {"anna": "waiting", "bert": "offered", "cora": "waiting"}
    with app.app_context():
        bert = WaitlistEntry.objects.get(customer=world["customers"]["bert"])
        waitlist.leave(_viewer(app, world["customers"]["bert"]), str(bert.pk))
    assert _status(app, world) == {"anna": "waiting", "bert": "left", "cora": "offered"}


def test_a_freed_time_is_offered_to_one_customer_at_a_time(app, world):
    day = _weekday_ahead()
    target = _fill_day(app, world, day)
    for name in ("anna", "bert"):
        _join(app, world, name, day.date(), day.date())
    with app.app_context():
        booking.cancel(Appointment.objects.get(pk=target.pk), actor=Actor.system(), source="admin")
        # the task delivered again (a retry, a second signal): bert does not get the same time as well
        assert waitlist.offer_freed(world["unit"].pk, world["staff"].pk, target.start, target.end) is None
    assert _status(app, world) == {"anna": "offered", "bert": "waiting"}
