"""Booking, rescheduling and cancelling appointments without double booking, for staff and customers.

No double booking, whoever books and in whichever process: before an appointment is saved, its span
(buffers included, widened to whole granules) is claimed as one ``SlotClaim`` per staff member and
granule, under a unique index. The database refuses the second claim of a granule, so of two bookings of
overlapping times exactly one gets all its claims; the other removes the claims it did insert and is
told the time was just taken. There is no read-then-write: the planner's view of free time only makes
the messages friendlier, the unique index decides.

Claims are released when an appointment is cancelled or moved (the new span is claimed first, then the
old one released). When an activity type's buffers change, the claims of its upcoming appointments follow
the same way (:func:`reclaim_activity_type`); one whose new span runs into another appointment keeps its
old claims and is reported. A claim whose appointment does not exist (a booking that died between claiming and
saving, an appointment deleted in the admin) or was cancelled is stale: the next booking that runs into
it removes it and tries again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bson import ObjectId
from flask_babel import lazy_gettext as _l
from pymongo.errors import BulkWriteError, DuplicateKeyError

from core.errors import InvalidInput
from core.models import ActivityType, Appointment, SlotClaim
from core.models._base import N_, utcnow
from core.models.geo import GeoPoint
from core.models.slot_claim import GRANULE_MINUTES
from core.services import geo, planning, reminders
from core.services.audit import Actor, record, record_change, same_unit, snapshot
from core.signals import announce, appointment_state

#: a claim without its appointment is left alone this long (the booking that wrote it may be saving)
STALE_AFTER = timedelta(minutes=2)
ATTEMPTS = 3
GRANULE = timedelta(minutes=GRANULE_MINUTES)


TAKEN = _l("This time has just been taken. Please choose another one.")


class SlotTaken(InvalidInput):
    """The time overlaps an appointment that another booking just made."""

    def __init__(self, field_errors=None):
        super().__init__(TAKEN, field_errors)


# --- claims -----------------------------------------------------------------------------------------
def granules(begin: datetime, finish: datetime) -> list[datetime]:
    """The granules ``begin``..``finish`` touches (outward to whole granules)."""
    first = begin.replace(second=0, microsecond=0)
    first -= timedelta(minutes=first.minute % GRANULE_MINUTES)
    out = []
    while first < finish:
        out.append(first)
        first += GRANULE
    return out


def span_of(appointment: Appointment) -> tuple[datetime, datetime]:
    """What an appointment occupies: start - buffer before .. end + buffer after of its activity type."""
    kind = appointment.activity_type
    before = timedelta(minutes=(kind.buffer_before_minutes or 0) if kind else 0)
    after = timedelta(minutes=(kind.buffer_after_minutes or 0) if kind else 0)
    return appointment.start - before, appointment.end + after


def claim(unit_id, staff_id, appointment_id, begin: datetime, finish: datetime) -> list[datetime]:
    """Claim ``begin``..``finish`` of a staff member for an appointment; returns the granules it inserted
    (those the appointment did not hold already). Raises SlotTaken when another appointment holds one."""
    collection = SlotClaim._get_collection()
    held = {doc["granule"] for doc in collection.find({"appointment": appointment_id, "staff": staff_id},
                                                      {"granule": 1})}
    missing = [g for g in granules(begin, finish) if g not in held]
    if not missing:
        return []
    for _attempt in range(ATTEMPTS):
        docs = [{"business_unit": unit_id, "staff": staff_id, "granule": g, "appointment": appointment_id,
                 "created_at": utcnow()} for g in missing]
        try:
            collection.insert_many(docs, ordered=True)
            return missing
        except (BulkWriteError, DuplicateKeyError):
            collection.delete_many({"appointment": appointment_id, "staff": staff_id, "granule": {"$in": missing}})
        if not _clear_stale(staff_id, appointment_id, missing):
            raise SlotTaken
    raise SlotTaken


def _clear_stale(staff_id, appointment_id, wanted: list[datetime]) -> bool:
    """After a refused claim: remove the claims in the way that are stale; True when nothing live is in
    the way (try again), False when another appointment really holds the time. Ages are the clock's
    (claims record when they were written), whatever ``now`` a booking is checked against."""
    now = utcnow()
    collection = SlotClaim._get_collection()
    holders: dict = {}
    for doc in collection.find({"staff": staff_id, "granule": {"$in": wanted}, "appointment": {"$ne": appointment_id}},
                               {"appointment": 1, "created_at": 1}):
        holders[doc["appointment"]] = max(holders.get(doc["appointment"], doc["created_at"]), doc["created_at"])
    if not holders:
        return True  # the other claim was itself given up meanwhile
    alive = {doc["_id"]: doc.get("status") for doc in Appointment._get_collection().find(
        {"_id": {"$in": list(holders)}}, {"status": 1})}
    stale = [holder for holder, written in holders.items()
             if alive.get(holder) == "cancelled" or (holder not in alive and written < now - STALE_AFTER)]
    if len(stale) < len(holders):
        return False
    collection.delete_many({"appointment": {"$in": stale}})
    return True


def release(appointment_id, *, keep: tuple | None = None) -> int:
    """Remove an appointment's claims; with ``keep`` = (staff id, granules) the claims of its new span stay."""
    query: dict = {"appointment": appointment_id}
    if keep is not None:
        staff_id, kept = keep
        query = {"appointment": appointment_id, "$or": [{"staff": {"$ne": staff_id}}, {"granule": {"$nin": kept}}]}
    return SlotClaim._get_collection().delete_many(query).deleted_count


class Hold:
    """The claims of an appointment's new span, taken before it is saved (:func:`hold`): ``settle`` after the
    save releases its old span, ``undo`` after a failed save removes what was claimed."""

    def __init__(self, appointment: Appointment, inserted: list[datetime], kept: tuple | None):
        self.appointment, self.inserted, self.kept = appointment, inserted, kept

    def settle(self) -> None:
        release(self.appointment.pk, keep=self.kept)

    def undo(self) -> None:
        if self.inserted:  # only what this hold inserted: the claims of the old span (maybe the same times
            staff_id, _span = self.kept  # of another staff member) stay
            SlotClaim._get_collection().delete_many({"appointment": self.appointment.pk, "staff": staff_id,
                                                     "granule": {"$in": self.inserted}})


def hold(appointment: Appointment) -> Hold:
    """Claim the span of ``appointment`` as it is about to be saved (a new one gets its id here); a
    cancelled one claims nothing (``settle`` then releases everything it held). Raises SlotTaken."""
    if appointment.pk is None:
        appointment.pk = ObjectId()
    if appointment.status == "cancelled" or not (appointment.start and appointment.end) or \
            appointment.end <= appointment.start or appointment.staff is None:
        return Hold(appointment, [], None)
    begin, finish = span_of(appointment)
    staff_id = appointment.staff.pk
    inserted = claim(appointment.business_unit.pk, staff_id, appointment.pk, begin, finish)
    return Hold(appointment, inserted, (staff_id, granules(begin, finish)))


def save_held(appointment: Appointment) -> Appointment:
    """Claim, save, settle; a failed save gives the claims back."""
    held = hold(appointment)
    try:
        appointment.save()
    except Exception:
        held.undo()
        raise
    held.settle()
    return appointment


# --- the rules a booking must meet ----------------------------------------------------------------------
def check(unit, activity_type, customer, staff, start: datetime, *, for_customer: bool, now: datetime,
          exclude_appointment=None) -> planning.Slot:
    """The planner's rules for one booking; InvalidInput (or SlotTaken) with the reason when it breaks one."""
    if staff.business_unit.pk != unit.pk or activity_type.business_unit.pk != unit.pk or (
            customer is not None and customer.business_unit.pk != unit.pk):
        raise InvalidInput(_l("This staff member does not belong to this business unit."))
    if not activity_type.active:
        raise InvalidInput(_l("This activity cannot be booked."))
    qualified = {str(s.pk) for s in planning.Planner(unit, activity_type, customer, for_customer=for_customer,
                                                      now=now).performers()}
    if str(staff.pk) not in qualified:
        raise InvalidInput(_l("This staff member does not perform this activity."))
    if start < now:
        raise InvalidInput(_l("This time is in the past."))
    rules = planning.Rules.of(unit).settings
    if for_customer and start < now + timedelta(hours=rules.min_notice_hours):
        raise InvalidInput(_l("This time is too soon: bookings need %(hours)s hours' notice.",
                              hours=rules.min_notice_hours))
    if for_customer and start > now + timedelta(days=rules.max_days_ahead):
        raise InvalidInput(_l("This time is too far ahead: bookings are possible up to %(days)s days ahead.",
                              days=rules.max_days_ahead))
    verdict = planning.evaluate(unit, activity_type, customer, staff, start, for_customer=for_customer, now=now,
                                exclude_appointment=exclude_appointment)
    if verdict == planning.OUTSIDE:
        raise InvalidInput(_l("This time is outside the working hours."))
    if verdict == planning.TAKEN:
        raise SlotTaken
    if verdict == planning.TRAVEL:
        raise InvalidInput(_l("There is not enough time to travel from the appointment before or to the one after."))
    if verdict == planning.RED:
        raise InvalidInput(_l("This time is not available. Please choose another one."))
    return verdict


def _announce_booked(appointment: Appointment, actor: Actor, source: str) -> None:
    summary = ("booked by the customer in the portal" if source == "portal" else f"booked ({source})")
    record_change(actor, appointment, None, summary=summary)
    announce(appointment, None, actor=actor, source=source)


def place_of(unit, activity_type, customer):
    """Where an appointment of ``activity_type`` happens (a copy of the point: unit's, customer's, or None)."""
    kind = activity_type.location_kind if activity_type is not None else "business"
    if kind == "online":
        return None
    if kind == "customer":
        point = geo.customer_point(customer) if customer is not None else None
    else:
        point = planning.Rules.of(unit).business_point
    return GeoPoint(lat=point.lat, lon=point.lon, source=point.source) if point is not None else None


# --- the API ------------------------------------------------------------------------------------------
def book_at(unit, activity_type, customer, staff, start: datetime, *, actor: Actor, source: str, price=None,
            now: datetime | None = None) -> Appointment:
    """Book ``activity_type`` for ``customer`` with ``staff`` at ``start`` (naive UTC), meeting the planner's
    rules (customers' rules when ``source == "portal"``); SlotTaken when the time was taken meanwhile."""
    same_unit(actor, unit)
    now = now or utcnow()
    check(unit, activity_type, customer, staff, start, for_customer=source == "portal", now=now)
    appointment = Appointment(business_unit=unit, customer=customer, staff=staff, activity_type=activity_type,
                              start=start, end=start + timedelta(minutes=activity_type.duration_minutes),
                              timezone=unit.timezone, status="planned",
                              price=price if price is not None else activity_type.price,
                              coordinates=place_of(unit, activity_type, customer),
                              reminder_wanted=reminders.default_wanted(unit, activity_type, customer))
    save_held(appointment)
    _announce_booked(appointment, actor, source)
    return appointment


def book(unit, activity_type, customer, slot_token: str, *, actor: Actor, source: str,
         now: datetime | None = None) -> Appointment:
    """Book the slot a :func:`core.services.planning.suggest_slots` token names, re-checked now."""
    same_unit(actor, unit)
    staff, start = planning.parse_slot(unit, activity_type, slot_token)
    return book_at(unit, activity_type, customer, staff, start, actor=actor, source=source, now=now)


def reschedule(appointment: Appointment, slot_token: str, *, actor: Actor, source: str,
               now: datetime | None = None) -> Appointment:
    """Move an appointment to the slot a token names: the new span is claimed first, then the old released."""
    same_unit(actor, appointment)
    now = now or utcnow()
    if appointment.status in ("cancelled", "done"):
        raise InvalidInput(_l("This appointment can no longer be moved."))
    unit, kind = appointment.business_unit, appointment.activity_type
    if kind is None:
        raise InvalidInput(_l("This appointment can no longer be moved."))
    staff, start = planning.parse_slot(unit, kind, slot_token)
    check(unit, kind, appointment.customer, staff, start, for_customer=source == "portal", now=now,
          exclude_appointment=appointment)
    before, previous = appointment_state(appointment), snapshot(appointment)
    appointment.staff, appointment.start = staff, start
    appointment.end = start + timedelta(minutes=kind.duration_minutes)
    save_held(appointment)
    record_change(actor, appointment, previous, summary=("rescheduled by the customer in the portal"
                                                         if source == "portal" else f"rescheduled ({source})"))
    announce(appointment, before, actor=actor, source=source)
    return appointment


def cancel(appointment: Appointment, *, actor: Actor, source: str, reason: str | None = None) -> Appointment:
    """Cancel an appointment and give its time free (claims released; ``slot_freed`` tells the waitlist)."""
    same_unit(actor, appointment)
    if appointment.status == "cancelled":
        return appointment
    if appointment.status == "done":
        raise InvalidInput(_l("This appointment is done and can no longer be cancelled."))
    before, previous = appointment_state(appointment), snapshot(appointment)
    notes = "\n".join(p for p in (appointment.notes, str(reason)[:500]) if p)[:5000] if reason else appointment.notes
    # one conditional write: two cancels at once (staff, the customer's link, the portal) cancel once
    if not Appointment.objects(pk=appointment.pk, status=before["status"]).update_one(
            set__status="cancelled", set__notes=notes, set__updated_at=utcnow()):
        appointment.reload()
        if appointment.status == "cancelled":
            return appointment
        return cancel(appointment, actor=actor, source=source, reason=reason)
    appointment.reload()
    release(appointment.pk)
    record_change(actor, appointment, previous, summary=("cancelled by the customer in the portal"
                                                         if source == "portal" else f"cancelled ({source})"))
    announce(appointment, before, actor=actor, source=source)
    return appointment


# --- claims that follow a changed span -----------------------------------------------------------------
@dataclass(frozen=True)
class Conflict:
    """An appointment whose claims could not follow its new span: other appointments hold part of it."""

    appointment: Appointment
    others: tuple[Appointment, ...]


def _stored_span(appointment_id) -> tuple | None:
    """(staff id, begin, finish) of an appointment as stored now (buffers of its activity type as stored
    now); () when it claims nothing (cancelled, no staff or times), None when it no longer exists."""
    doc = Appointment._get_collection().find_one({"_id": appointment_id},
                                                 {"staff": 1, "start": 1, "end": 1, "status": 1, "activity_type": 1})
    if doc is None:
        return None
    start, end = doc.get("start"), doc.get("end")
    if doc.get("status") == "cancelled" or doc.get("staff") is None or not (start and end) or end <= start:
        return ()
    kind = ActivityType._get_collection().find_one({"_id": doc.get("activity_type")},
                                                   {"buffer_before_minutes": 1, "buffer_after_minutes": 1}) or {}
    return (doc["staff"], start - timedelta(minutes=kind.get("buffer_before_minutes") or 0),
            end + timedelta(minutes=kind.get("buffer_after_minutes") or 0))


def reclaim(appointment: Appointment) -> bool:
    """Make an appointment's claims follow its span as stored now (e.g. after its activity type's buffers
    changed), as one safe step: the granules of the new span it lacks are claimed first (the unique index
    decides), then its claims outside the new span are released. False, with the old claims untouched,
    when another appointment holds part of the new span. A cancelled (or deleted) appointment claims
    nothing: its claims are released. When the appointment itself was changed meanwhile (moved in the
    admin), the step is repeated for what is stored then."""
    followed = True
    for _attempt in range(ATTEMPTS):
        span = _stored_span(appointment.pk)
        if not span:
            release(appointment.pk)
            return True
        staff_id, begin, finish = span
        try:
            claim(appointment.business_unit.pk, staff_id, appointment.pk, begin, finish)
            release(appointment.pk, keep=(staff_id, granules(begin, finish)))
            followed = True
        except SlotTaken:
            followed = False
        if _stored_span(appointment.pk) == span:
            break
    return followed


def holders(appointment: Appointment) -> list[Appointment]:
    """The other appointments holding claims within the span of ``appointment`` (what stands in its way)."""
    begin, finish = span_of(appointment)
    ids = SlotClaim._get_collection().distinct("appointment", {
        "staff": appointment.staff.pk, "granule": {"$in": granules(begin, finish)},
        "appointment": {"$ne": appointment.pk}})
    return list(Appointment.objects(pk__in=ids).order_by("start"))


@dataclass(frozen=True)
class Reclaimed:
    """What :func:`reclaim_activity_type` did: how many appointments' claims follow their new spans, and
    the conflicts (old claims kept)."""

    followed: int
    conflicts: list[Conflict]


def reclaim_activity_type(activity_type, *, actor: Actor, now: datetime | None = None) -> Reclaimed:
    """After an activity type's buffers changed: the claims of its appointments that have not ended yet
    follow their new spans (:func:`reclaim`, one appointment at a time, earliest first). An appointment
    whose new span runs into another one keeps its old claims; it is recorded in the audit log and
    returned with the appointments in its way, for the owner to resolve. Appointments that only made room
    for each other (one buffer grows while another shrinks) are tried again until nothing moves."""
    now = now or utcnow()
    pending = list(Appointment.objects(business_unit=activity_type.business_unit, activity_type=activity_type,
                                       end__gt=now, status__ne="cancelled").order_by("start"))
    total = len(pending)
    while pending:
        left = [appointment for appointment in pending if not reclaim(appointment)]
        if len(left) == len(pending):
            break
        pending = left
    conflicts = []
    for appointment in pending:
        conflicts.append(Conflict(appointment, tuple(holders(appointment))))
        record(actor, "update", object_type="appointments", object_id=appointment.pk,
               summary=N_("The activity type's new buffers overlap another appointment of the same staff member: "
                          "the previous time stays reserved"), summary_params={},
               business_unit=appointment.business_unit, customer=appointment.customer)
    return Reclaimed(total - len(conflicts), conflicts)


def claim_existing(now: datetime | None = None) -> int:
    """``frontdesk db upgrade``: claim the spans of future appointments made before claims existed (or
    imported); returns how many got claims. An appointment overlapping one already claimed keeps no claim
    (it stays as it is) and is recorded in the audit log for staff to resolve."""
    now = now or utcnow()
    claimed = 0
    held = set(SlotClaim._get_collection().distinct("appointment"))
    for appointment in Appointment.objects(end__gt=now, status__ne="cancelled").order_by("start"):
        if appointment.pk in held or appointment.staff is None:
            continue
        begin, finish = span_of(appointment)
        try:
            claim(appointment.business_unit.pk, appointment.staff.pk, appointment.pk, begin, finish)
        except SlotTaken:
            record(Actor.system("db upgrade"), "update", object_type="appointments", object_id=appointment.pk,
                   summary="overlaps another appointment of the same staff member: not claimed",
                   business_unit=appointment.business_unit, customer=appointment.customer)
            continue
        claimed += 1
    return claimed
