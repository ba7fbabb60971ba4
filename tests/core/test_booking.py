"""Booking without double booking: book / book_at / reschedule / cancel, their refusals, the claims under
the unique index (stale ones cleaned up), the upgrade step, and 20 threads racing for the same or
overlapping times on mongomock and on the embedded store."""

from __future__ import annotations

import itertools
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import mongoengine
import pytest

from core.errors import InvalidInput, NotFound
from core.models import ActivityType, Appointment, AuditEvent, BusinessUnit, Customer, SlotClaim, StaffUser
from core.models.schedule import DateRange
from core.services import booking, planning
from core.services.audit import Actor
from core.signals import appointment_cancelled, appointment_created, appointment_rescheduled, slot_freed

BERLIN = ZoneInfo("Europe/Berlin")
MONDAY = date(2030, 1, 7)
NOW = datetime(2030, 1, 6, 17, 0)
THREADS = 20


def utc(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=BERLIN).astimezone(
        ZoneInfo("UTC")).replace(tzinfo=None)


@pytest.fixture
def world(app, unit, make_user, make_customer):
    member = make_user("staff", name="Anna")
    customer = make_customer()
    with app.app_context():
        kind = ActivityType(business_unit=unit, name="Schnitt", duration_minutes=60, price="45.00",
                            buffer_after_minutes=10).save()
    return {"staff": member, "customer": customer, "kind": kind, "actor": Actor.staff(member)}


def customer_actor(customer) -> Actor:
    return Actor("customer", str(customer.pk), customer.full_name, str(customer.business_unit.pk))


def slot_at(unit, world, start: datetime, **kw) -> planning.Slot:
    kw.setdefault("for_customer", False)
    found = planning.suggest_slots(unit, world["kind"], world["customer"], start=MONDAY, days=1, now=NOW, **kw)
    return next(s for s in found if s.start == start)


def test_book_a_suggested_slot(ctx, unit, world):
    heard = []

    def created(appt, **kw):
        heard.append((appt.pk, kw["source"]))

    appointment_created.connect(created)
    try:
        slot = slot_at(unit, world, utc(MONDAY, 9), for_customer=True)
        appt = booking.book(unit, world["kind"], world["customer"], slot.token, actor=customer_actor(world["customer"]),
                            source="portal", now=NOW)
    finally:  # only this one: the application's own listeners stay connected
        appointment_created.disconnect(created)
    stored = Appointment.objects.get(pk=appt.pk)
    assert (stored.start, stored.end, stored.staff.pk, stored.status) == (
        utc(MONDAY, 9), utc(MONDAY, 10), world["staff"].pk, "planned")
    assert str(stored.price) == "45.00" and stored.timezone == "Europe/Berlin"
    assert heard == [(appt.pk, "portal")]
    event = AuditEvent.objects(object_type="appointments", object_id=str(appt.pk)).get()
    assert event.summary == "booked by the customer in the portal" and event.actor_kind == "customer"
    # the span with its buffer: 9:00-10:10 → 14 granules of 5 minutes
    assert SlotClaim.objects(appointment=appt.pk).count() == 14
    assert utc(MONDAY, 9) not in {s.start for s in planning.suggest_slots(
        unit, world["kind"], world["customer"], start=MONDAY, days=1, now=NOW, for_customer=False)}


def test_book_at_with_a_price_of_its_own(ctx, unit, world):
    appt = booking.book_at(unit, world["kind"], world["customer"], world["staff"], utc(MONDAY, 9, 20),
                           actor=world["actor"], source="admin", price="30.00", now=NOW)
    assert str(appt.reload().price) == "30.00"  # staff may book off the slot grid


@pytest.mark.parametrize("case", ["past", "outside", "absent", "performer", "other_unit_staff", "notice",
                                  "window", "inactive_type", "designer"])
def test_bad_bookings_book_nothing(ctx, unit, world, make_user, make_unit, case):
    staff, start, source = world["staff"], utc(MONDAY, 9), "admin"
    if case == "past":
        start = NOW - timedelta(hours=1)
    elif case == "outside":
        start = utc(MONDAY, 19)
    elif case == "absent":
        from core.models import StaffSchedule

        StaffSchedule(business_unit=unit, staff=staff, absences=[DateRange(start=MONDAY, end=MONDAY)]).save()
    elif case == "performer":
        world["kind"].performers = [make_user("staff", name="Bert")]
        world["kind"].save()
    elif case == "other_unit_staff":
        staff = make_user("staff", business_unit=make_unit())
    elif case == "notice":
        source, start = "portal", NOW + timedelta(hours=2)
    elif case == "window":
        source, start = "portal", utc(MONDAY + timedelta(days=90), 9)
    elif case == "inactive_type":
        world["kind"].active = False
        world["kind"].save()
    elif case == "designer":
        staff = make_user("designer")
    with pytest.raises(InvalidInput) as refused:
        booking.book_at(unit, world["kind"], world["customer"], staff, start, actor=world["actor"], source=source,
                        now=NOW)
    assert str(refused.value)
    assert Appointment.objects.count() == 0 and SlotClaim.objects.count() == 0


def test_tampered_and_foreign_tokens(ctx, unit, world, make_unit):
    slot = slot_at(unit, world, utc(MONDAY, 9))
    other = ActivityType(business_unit=unit, name="Farbe", duration_minutes=30).save()
    for kind, token in ((world["kind"], slot.token[:-3] + "abc"), (other, slot.token), (world["kind"], "kaputt")):
        with pytest.raises(InvalidInput):
            booking.book(unit, kind, world["customer"], token, actor=world["actor"], source="portal", now=NOW)
    stranger = make_unit()
    with pytest.raises(NotFound):  # an actor of this unit booking in another unit
        booking.book(stranger, world["kind"], world["customer"], slot.token, actor=world["actor"], source="admin",
                     now=NOW)
    assert Appointment.objects.count() == 0


def test_a_taken_slot_is_refused(ctx, unit, world):
    slot = slot_at(unit, world, utc(MONDAY, 9))
    booking.book(unit, world["kind"], world["customer"], slot.token, actor=world["actor"], source="admin", now=NOW)
    claims = SlotClaim.objects.count()
    for start in (utc(MONDAY, 9), utc(MONDAY, 9, 30), utc(MONDAY, 10)):  # 10:00 falls into the 10 min buffer
        with pytest.raises(booking.SlotTaken):
            booking.book_at(unit, world["kind"], world["customer"], world["staff"], start, actor=world["actor"],
                            source="admin", now=NOW)
    assert Appointment.objects.count() == 1 and SlotClaim.objects.count() == claims
    booking.book_at(unit, world["kind"], world["customer"], world["staff"], utc(MONDAY, 10, 10),
                    actor=world["actor"], source="admin", now=NOW)


def test_the_claim_decides_not_the_planner(ctx, unit, world, monkeypatch):
    """With the planner's look at the calendar switched off, the unique index still refuses the second."""
    booking.book_at(unit, world["kind"], world["customer"], world["staff"], utc(MONDAY, 9), actor=world["actor"],
                    source="admin", now=NOW)
    monkeypatch.setattr(planning, "evaluate", lambda *a, **kw: "a slot")
    with pytest.raises(booking.SlotTaken):
        booking.book_at(unit, world["kind"], world["customer"], world["staff"], utc(MONDAY, 9, 30),
                        actor=world["actor"], source="admin", now=NOW)
    assert Appointment.objects.count() == 1


def test_without_the_unique_index_claims_would_collide(ctx, unit, world):
    """The design is the index: the same granule claimed twice is refused with it and accepted without it."""
    from bson import ObjectId

    begin, finish = utc(MONDAY, 9), utc(MONDAY, 10)
    booking.claim(unit.pk, world["staff"].pk, ObjectId(), begin, finish)
    with pytest.raises(booking.SlotTaken):
        booking.claim(unit.pk, world["staff"].pk, ObjectId(), begin, finish)
    SlotClaim._get_collection().drop_index("one_claim_per_granule")
    booking.claim(unit.pk, world["staff"].pk, ObjectId(), begin, finish)
    assert SlotClaim.objects.count() == 24


def test_stale_claims_are_cleaned_up(ctx, unit, world):
    from bson import ObjectId

    from core.models._base import utcnow

    SlotClaim._get_collection().insert_many([
        {"business_unit": unit.pk, "staff": world["staff"].pk, "granule": g, "appointment": ObjectId(),
         "created_at": utcnow() - timedelta(hours=1)} for g in booking.granules(utc(MONDAY, 9), utc(MONDAY, 9, 30))])
    fresh = ObjectId()
    SlotClaim._get_collection().insert_one({"business_unit": unit.pk, "staff": world["staff"].pk,
                                            "granule": utc(MONDAY, 14), "appointment": fresh,
                                            "created_at": utcnow()})
    appt = booking.book_at(unit, world["kind"], world["customer"], world["staff"], utc(MONDAY, 9),
                           actor=world["actor"], source="admin", now=NOW)
    assert set(SlotClaim.objects(granule__lt=utc(MONDAY, 12)).distinct("appointment")) == {appt.pk}
    with pytest.raises(booking.SlotTaken):  # a claim written a moment ago: its booking may be saving
        booking.book_at(unit, world["kind"], world["customer"], world["staff"], utc(MONDAY, 14),
                        actor=world["actor"], source="admin", now=NOW)


def test_reschedule_claims_the_new_time_then_frees_the_old(ctx, unit, world):
    heard = []

    def moved(a, **kw):
        heard.append("moved")

    def freed(a, **kw):
        heard.append(("freed", kw["start"]))

    appointment_rescheduled.connect(moved)
    slot_freed.connect(freed)
    try:
        appt = booking.book_at(unit, world["kind"], world["customer"], world["staff"], utc(MONDAY, 9),
                               actor=world["actor"], source="admin", now=NOW)
        # overlapping its own old time: 9:00 → 9:30
        slot = next(s for s in planning.suggest_slots(unit, world["kind"], world["customer"], start=MONDAY, days=1,
                                                      now=NOW, for_customer=False, exclude_appointment=appt)
                    if s.start == utc(MONDAY, 9, 30))
        booking.reschedule(appt, slot.token, actor=world["actor"], source="portal", now=NOW)
    finally:  # only these two: the application's own listeners (waitlist, surveys) stay connected
        appointment_rescheduled.disconnect(moved)
        slot_freed.disconnect(freed)
    appt.reload()
    assert (appt.start, appt.end) == (utc(MONDAY, 9, 30), utc(MONDAY, 10, 30))
    granules = sorted(SlotClaim.objects(appointment=appt.pk).scalar("granule"))
    assert granules == booking.granules(utc(MONDAY, 9, 30), utc(MONDAY, 10, 40))
    assert heard == ["moved", ("freed", utc(MONDAY, 9))]
    assert AuditEvent.objects(summary="rescheduled by the customer in the portal").count() == 1
    # the old 9:00 is free for a 30 minute activity now
    short = ActivityType(business_unit=unit, name="Kurz", duration_minutes=30).save()
    booking.book_at(unit, short, world["customer"], world["staff"], utc(MONDAY, 9), actor=world["actor"],
                    source="admin", now=NOW)


def test_reschedule_into_a_taken_time_keeps_the_old(ctx, unit, world):
    first = booking.book_at(unit, world["kind"], world["customer"], world["staff"], utc(MONDAY, 9),
                            actor=world["actor"], source="admin", now=NOW)
    slot = slot_at(unit, world, utc(MONDAY, 11))
    booking.book(unit, world["kind"], world["customer"], slot.token, actor=world["actor"], source="admin", now=NOW)
    with pytest.raises(booking.SlotTaken):
        booking.reschedule(first, slot.token, actor=world["actor"], source="admin", now=NOW)
    first.reload()
    assert first.start == utc(MONDAY, 9)
    assert sorted(SlotClaim.objects(appointment=first.pk).scalar("granule")) == booking.granules(
        utc(MONDAY, 9), utc(MONDAY, 10, 10))


def test_cancel_frees_the_time(ctx, unit, world):
    heard = []

    def cancelled(a, **kw):
        heard.append(kw["source"])

    appointment_cancelled.connect(cancelled)
    try:
        appt = booking.book_at(unit, world["kind"], world["customer"], world["staff"], utc(MONDAY, 9),
                               actor=world["actor"], source="admin", now=NOW)
        booking.cancel(appt, actor=customer_actor(world["customer"]), source="portal", reason="krank")
    finally:
        appointment_cancelled.disconnect(cancelled)
    assert heard == ["portal"] and appt.reload().status == "cancelled" and "krank" in appt.notes
    assert SlotClaim.objects.count() == 0
    assert AuditEvent.objects(summary="cancelled by the customer in the portal").count() == 1
    booking.book_at(unit, world["kind"], world["customer"], world["staff"], utc(MONDAY, 9), actor=world["actor"],
                    source="admin", now=NOW)
    with pytest.raises(InvalidInput):
        booking.reschedule(appt, slot_at(unit, world, utc(MONDAY, 11)).token, actor=world["actor"],
                           source="admin", now=NOW)


def test_upgrade_claims_existing_future_appointments(ctx, unit, world, make_appointment):
    from core.db import UPGRADE_STEPS
    from core.models._base import utcnow

    soon = utcnow().replace(microsecond=0) + timedelta(days=3)
    kept = make_appointment(staff=world["staff"], activity_type=world["kind"], start=soon,
                            end=soon + timedelta(hours=1))
    clash = make_appointment(staff=world["staff"], start=soon + timedelta(minutes=30), end=soon + timedelta(hours=2))
    make_appointment(staff=world["staff"], start=utcnow() - timedelta(days=3),
                     end=utcnow() - timedelta(days=3) + timedelta(hours=1))
    step = next(s for s in UPGRADE_STEPS if s.name == "future appointments given slot claims")
    assert step.run() == 1
    assert set(SlotClaim.objects.distinct("appointment")) == {kept.pk}
    assert AuditEvent.objects(object_id=str(clash.pk), actor_kind="system").count() == 1
    assert step.run() == 0  # idempotent


def test_seeded_demo_data_does_not_conflict(app):
    from core.db import upgrade_database
    from seed.demo import load_demo

    with app.app_context():
        load_demo(today=date.today())
        upgrade_database()
        future = Appointment.objects(end__gt=datetime.utcnow()).count()
        assert future and len(SlotClaim.objects.distinct("appointment")) == future


# --- races ----------------------------------------------------------------------------------------
def race(app, unit_id, kind_id, customer_id, staff_id, starts: list[datetime]) -> tuple[list, list[str]]:
    """``THREADS`` threads book at once (thread k at ``starts[k % len(starts)]``); (won, tracebacks)."""
    from tests.core.test_embedded_store_threads import run_threads

    won = []

    def book(k):
        with app.app_context():
            unit = BusinessUnit.objects.get(pk=unit_id)
            kind, customer = ActivityType.objects.get(pk=kind_id), Customer.objects.get(pk=customer_id)
            staff = StaffUser.objects.get(pk=staff_id)
            try:
                appt = booking.book_at(unit, kind, customer, staff, starts[k % len(starts)],
                                       actor=Actor.staff(staff), source="admin", now=NOW)
                won.append(appt.start)
            except booking.SlotTaken:
                pass

    return won, run_threads(book, THREADS)


def assert_no_overlaps(staff_id) -> None:
    taken = sorted((a.start, a.end) for a in Appointment.objects(staff=staff_id, status__ne="cancelled"))
    assert all(a[1] <= b[0] for a, b in itertools.pairwise(taken)), taken


def _ids(world, unit):
    return unit.pk, world["kind"].pk, world["customer"].pk, world["staff"].pk


def test_race_on_mongomock_same_slot(app, unit, world):
    won, errors = race(app, *_ids(world, unit), [utc(MONDAY, 9)])
    assert errors == [] and won == [utc(MONDAY, 9)]
    with app.app_context():
        assert Appointment.objects.count() == 1


def test_race_on_mongomock_overlapping_slots(app, unit, world):
    # 9:00 and 9:30 overlap, 11:00 and 11:40 overlap, 14:00 stands alone: three bookings at most
    starts = [utc(MONDAY, 9), utc(MONDAY, 9, 30), utc(MONDAY, 11), utc(MONDAY, 11, 40), utc(MONDAY, 14)]
    won, errors = race(app, *_ids(world, unit), starts)
    assert errors == [] and len(won) == 3 and utc(MONDAY, 14) in won
    with app.app_context():
        assert Appointment.objects.count() == 3
        assert_no_overlaps(world["staff"].pk)


@pytest.fixture
def embedded(tmp_path):
    from core.app import create_app
    from core.db import upgrade_database

    app = create_app({"INSTANCE_PATH": str(tmp_path / "embedded"), "MONGODB_URI": "", "TESTING": True,
                      "SECRET_KEY": "test-secret-key", "CELERY_TASK_ALWAYS_EAGER": True})
    with app.app_context():
        upgrade_database()
        unit = BusinessUnit(name="Salon", slug="salon").save()
        staff = StaffUser(email="anna@example.com", name="Anna", role="staff", business_unit=unit).save()
        customer = Customer(business_unit=unit, first_name="Jürgen", last_name="Müller").save()
        kind = ActivityType(business_unit=unit, name="Schnitt", duration_minutes=60, buffer_after_minutes=10).save()
    yield app, (unit.pk, kind.pk, customer.pk, staff.pk)
    mongoengine.disconnect()


def test_race_on_the_embedded_store(embedded):
    app, ids = embedded
    starts = [utc(MONDAY, 9), utc(MONDAY, 9, 30), utc(MONDAY, 11), utc(MONDAY, 11, 40), utc(MONDAY, 14)]
    won, errors = race(app, *ids, starts)
    assert errors == [] and len(won) == 3
    with app.app_context():
        assert Appointment.objects.count() == 3
        assert_no_overlaps(ids[3])
        assert SlotClaim.objects.count() == 3 * 14


def test_race_on_the_embedded_store_same_slot(embedded):
    app, ids = embedded
    won, errors = race(app, *ids, [utc(MONDAY, 9)])
    assert errors == [] and won == [utc(MONDAY, 9)]


def test_deleting_the_customer_frees_their_times(ctx, unit, world):
    from core.services.deletion import delete_customer

    booking.book_at(unit, world["kind"], world["customer"], world["staff"], utc(MONDAY, 9), actor=world["actor"],
                    source="admin", now=NOW)
    assert SlotClaim.objects.count() == 14
    delete_customer(world["actor"], world["customer"])
    assert SlotClaim.objects.count() == 0 and Appointment.objects.count() == 0


def test_no_time_to_travel_is_refused_with_its_reason(ctx, unit, world, make_customer):
    from core.models.geo import GeoPoint

    visit = ActivityType(business_unit=unit, name="Hausbesuch", duration_minutes=60, location_kind="customer").save()
    potsdam = make_customer(coordinates=GeoPoint(lat=52.3906, lon=13.0645))
    mitte = make_customer(coordinates=GeoPoint(lat=52.52, lon=13.405))
    booking.book_at(unit, visit, potsdam, world["staff"], utc(MONDAY, 10), actor=world["actor"], source="admin",
                    now=NOW)
    with pytest.raises(InvalidInput) as refused:  # 11:00 in Mitte right after 10-11 in Potsdam: an hour's drive
        booking.book_at(unit, visit, mitte, world["staff"], utc(MONDAY, 11), actor=world["actor"], source="admin",
                        now=NOW)
    assert not isinstance(refused.value, booking.SlotTaken)
    assert "travel" in refused.value.message._args[0]  # the English msgid, whatever language renders it
    assert Appointment.objects.count() == 1


def test_a_failed_save_of_a_move_keeps_the_old_claims(ctx, unit, world, make_user, monkeypatch):
    """Moving to another staff member at the same time: when the save fails, only the new claims go."""
    appt = booking.book_at(unit, world["kind"], world["customer"], world["staff"], utc(MONDAY, 9),
                           actor=world["actor"], source="admin", now=NOW)
    old = sorted(SlotClaim.objects(appointment=appt.pk).scalar("granule"))
    appt.staff = make_user("staff", name="Bert")

    def broken_save(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(appt, "save", broken_save)
    with pytest.raises(RuntimeError):
        booking.save_held(appt)
    assert sorted(SlotClaim.objects(appointment=appt.pk, staff=world["staff"].pk).scalar("granule")) == old
    assert SlotClaim.objects(appointment=appt.pk).count() == len(old)


# --- claims follow changed buffers -------------------------------------------------------------------
def _granules(appointment_id) -> list[datetime]:
    return sorted(SlotClaim.objects(appointment=appointment_id).scalar("granule"))


def _span(start: datetime, end: datetime) -> list[datetime]:
    return booking.granules(start, end)


def _two_appointments(unit, kind, customer, staff, actor):
    """9:00-10:00 and 10:30-11:30 of a 60-minute type with 10 minutes buffer after."""
    first = booking.book_at(unit, kind, customer, staff, utc(MONDAY, 9), actor=actor, source="admin", now=NOW)
    second = booking.book_at(unit, kind, customer, staff, utc(MONDAY, 10, 30), actor=actor, source="admin", now=NOW)
    return first, second


def _check_buffer_changes(unit, kind, customer, staff, actor):
    first, second = _two_appointments(unit, kind, customer, staff, actor)
    assert _granules(first.pk) == _span(utc(MONDAY, 9), utc(MONDAY, 10, 10))
    # shrinking: the claims shrink with it, and the time it gave back can be booked at once
    kind.buffer_after_minutes = 0
    kind.save()
    result = booking.reclaim_activity_type(kind, actor=actor, now=NOW)
    assert (result.followed, result.conflicts) == (2, [])
    assert _granules(first.pk) == _span(utc(MONDAY, 9), utc(MONDAY, 10))
    assert _granules(second.pk) == _span(utc(MONDAY, 10, 30), utc(MONDAY, 11, 30))
    short = ActivityType(business_unit=unit, name="Kurz", duration_minutes=30).save()
    between = booking.book_at(unit, short, customer, staff, utc(MONDAY, 10), actor=actor, source="admin", now=NOW)
    # growing into the appointment after it: that one keeps its old claims and is reported; the others follow
    kind.buffer_after_minutes = 20
    kind.save()
    result = booking.reclaim_activity_type(kind, actor=actor, now=NOW)
    assert result.followed == 1
    assert [(c.appointment.pk, [o.pk for o in c.others]) for c in result.conflicts] == [(first.pk, [between.pk])]
    assert _granules(first.pk) == _span(utc(MONDAY, 9), utc(MONDAY, 10))  # unchanged: nothing lost
    assert _granules(between.pk) == _span(utc(MONDAY, 10), utc(MONDAY, 10, 30))
    assert _granules(second.pk) == _span(utc(MONDAY, 10, 30), utc(MONDAY, 11, 50))
    assert SlotClaim.objects(granule__in=_span(utc(MONDAY, 9), utc(MONDAY, 12))).count() == 12 + 6 + 16
    event = AuditEvent.objects(object_type="appointments", object_id=str(first.pk)).order_by("-id").first()
    assert "new buffers overlap" in event.summary
    # the conflict resolved (the short one cancelled): the next change lets it follow
    booking.cancel(between, actor=actor, source="admin")
    result = booking.reclaim_activity_type(kind, actor=actor, now=NOW)
    assert (result.followed, result.conflicts) == (2, [])
    assert _granules(first.pk) == _span(utc(MONDAY, 9), utc(MONDAY, 10, 20))
    return first, second


def test_claims_follow_changed_buffers(ctx, unit, world):
    _check_buffer_changes(unit, world["kind"], world["customer"], world["staff"], world["actor"])


def test_claims_follow_changed_buffers_on_the_embedded_store(embedded):
    app, (unit_id, kind_id, customer_id, staff_id) = embedded
    with app.app_context():
        staff = StaffUser.objects.get(pk=staff_id)
        _check_buffer_changes(BusinessUnit.objects.get(pk=unit_id), ActivityType.objects.get(pk=kind_id),
                              Customer.objects.get(pk=customer_id), staff, Actor.staff(staff))


def test_buffers_that_make_room_for_each_other_both_follow(ctx, unit, world):
    """Buffer before shrinks while the one after grows: the earlier appointment needs time the later one
    gives back; the second pass lets it follow."""
    kind = world["kind"]
    kind.buffer_before_minutes, kind.buffer_after_minutes = 15, 0
    kind.save()
    first, second = _two_appointments(unit, kind, world["customer"], world["staff"], world["actor"])
    assert _granules(second.pk) == _span(utc(MONDAY, 10, 15), utc(MONDAY, 11, 30))
    kind.buffer_before_minutes, kind.buffer_after_minutes = 0, 25
    kind.save()
    result = booking.reclaim_activity_type(kind, actor=world["actor"], now=NOW)
    assert (result.followed, result.conflicts) == (2, [])
    assert _granules(first.pk) == _span(utc(MONDAY, 9), utc(MONDAY, 10, 25))
    assert _granules(second.pk) == _span(utc(MONDAY, 10, 30), utc(MONDAY, 11, 55))


def test_past_and_cancelled_appointments_are_left_alone(ctx, unit, world):
    first, second = _two_appointments(unit, world["kind"], world["customer"], world["staff"], world["actor"])
    booking.cancel(second, actor=world["actor"], source="admin")
    before = _granules(first.pk)
    world["kind"].buffer_after_minutes = 30
    world["kind"].save()
    later = utc(MONDAY, 12)  # both have ended by then
    result = booking.reclaim_activity_type(world["kind"], actor=world["actor"], now=later)
    assert (result.followed, result.conflicts) == (0, [])
    assert _granules(first.pk) == before and _granules(second.pk) == []


def test_an_appointment_moved_while_its_claims_follow_ends_with_the_claims_of_its_new_time(ctx, unit, world,
                                                                                           monkeypatch):
    """A move in the admin between reading the span and claiming it: the step is repeated for the stored state."""
    first = booking.book_at(unit, world["kind"], world["customer"], world["staff"], utc(MONDAY, 9),
                            actor=world["actor"], source="admin", now=NOW)
    world["kind"].buffer_after_minutes = 20
    world["kind"].save()
    real_claim, moved = booking.claim, []

    def claim_while_moved(*args):
        if not moved:
            moved.append(True)
            other = Appointment.objects.get(pk=first.pk)
            other.start, other.end = utc(MONDAY, 14), utc(MONDAY, 15)
            booking.save_held(other)
        return real_claim(*args)

    monkeypatch.setattr(booking, "claim", claim_while_moved)
    result = booking.reclaim_activity_type(world["kind"], actor=world["actor"], now=NOW)
    assert moved and (result.followed, result.conflicts) == (1, [])
    assert _granules(first.pk) == _span(utc(MONDAY, 14), utc(MONDAY, 15, 20))
