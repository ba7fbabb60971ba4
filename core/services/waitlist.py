"""The waitlist: customers wait for an activity type within a date range; a freed slot (a cancelled or
moved appointment, ``core.signals.slot_freed``) is offered to the first waiting customer it fits, for the
unit's offer time (``UnitSettings.waitlist_offer_hours``); when the offer lapses or is declined, the next
one gets it.

* Order: first come, first offered (``created_at``); a customer is offered one slot at a time and never
  the same freed time twice (``passed``).
* "Fits": the planning assistant, asked as for the customer (their address, the unit's booking rules,
  never red), offers a slot of that staff member inside the freed time, on a day of the range.
* An offer reserves nothing: accepting books through the booking service like any portal booking, and
  a slot taken meanwhile is said so (the customer keeps waiting).
* Every step is one conditional update of the entry (waiting → offered → waiting/booked/left), so two
  sweeps or a sweep and the customer never hand the same offer on twice; an open offer holds its freed
  time's key under a unique index, so two tasks handing on the same freed time offer it to one customer.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_time
from bson import ObjectId
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from mongoengine import NotUniqueError
from pymongo.errors import DuplicateKeyError

from core.celery_app import enqueue
from core.config import public_base_url
from core.errors import Conflict, Forbidden, InvalidInput, NotFound
from core.models import Appointment, BusinessUnit, Customer, WaitlistEntry
from core.models._base import utcnow
from core.services import booking, planning, portal_actions, portal_appointments
from core.services.audit import Actor, erase_object, record
from core.services.mail import queue_email
from core.services.portal import Viewer, customer_may_log_in
from core.signals import slot_freed
from core.timezones import local_day, local_time

#: the longest date range one entry may ask for
MAX_RANGE_DAYS = 62
DEFAULT_OFFER_HOURS = 12
OPEN = ("waiting", "offered")
SYSTEM = Actor.system("waitlist")


def offer_hours(unit: BusinessUnit) -> int:
    return (unit.settings.waitlist_offer_hours if unit.settings else None) or DEFAULT_OFFER_HOURS


def _zone(unit: BusinessUnit) -> ZoneInfo:
    return ZoneInfo(unit.timezone or "Europe/Berlin")


def _local_day(unit: BusinessUnit, when: datetime) -> date:
    return local_day(when, _zone(unit))


def _key(staff_id, start: datetime) -> str:
    return f"{staff_id}@{start.isoformat()}"


# --- the customer --------------------------------------------------------------------------------------

def join(viewer: Viewer, action_id: str, first_day: date | None, last_day: date | None, *,
         now: datetime | None = None) -> WaitlistEntry:
    """Put the customer on the waitlist of the booking action's activity type for ``first_day`` ..
    ``last_day`` (local days). Conflict when they already wait for it."""
    now = now or utcnow()
    action = portal_appointments.acting_action(viewer, action_id, ("book",), None, now)
    today = _local_day(viewer.unit, now)
    if first_day is None or last_day is None:
        raise InvalidInput(_l("Please enter the first and the last day."), {"date_from": "required"})
    if first_day < today:
        raise InvalidInput(_l("The first day must not lie in the past."), {"date_from": "past"})
    if last_day < first_day:
        raise InvalidInput(_l("The last day must not lie before the first day."), {"date_to": "order"})
    if (last_day - first_day).days >= MAX_RANGE_DAYS:
        raise InvalidInput(_l("Please choose at most %(n)d days.", n=MAX_RANGE_DAYS), {"date_to": "range"})
    if WaitlistEntry.objects(customer=viewer.customer, activity_type=action.activity_type, status__in=OPEN).count():
        raise Conflict(_l("You are already on the waitlist for this."))
    entry = WaitlistEntry(business_unit=viewer.unit, customer=viewer.customer, activity_type=action.activity_type,
                          date_from=datetime.combine(first_day, time()), date_to=datetime.combine(last_day, time()),
                          created_at=now).save()
    record(viewer.actor, "create", object_type="waitlist_entries", object_id=entry.pk,
           summary=f"Joined the waitlist for {action.activity_type.name}", business_unit=viewer.unit)
    return entry


def entries_for(customer: Customer) -> list[WaitlistEntry]:
    return list(WaitlistEntry.objects(customer=customer, status__in=OPEN).order_by("created_at", "id"))


def entry_for(viewer: Viewer, entry_id: str) -> WaitlistEntry:
    """The viewer's own entry to answer (NotFound for anyone else's or a malformed id; never for staff
    viewing as the customer)."""
    if viewer.read_only:
        raise Forbidden(_l("Read-only."))
    entry = WaitlistEntry.objects(customer=viewer.customer).get_or_none(pk=entry_id)
    if entry is None:
        raise NotFound(_l("Not found."))
    return entry


def accept(viewer: Viewer, entry_id: str, *, now: datetime | None = None) -> Appointment:
    """Book the offered slot. Conflict when the offer has lapsed; the booking service's SlotTaken (or
    InvalidInput) when the slot was taken meanwhile or no longer fits: the offer ends then, the customer
    keeps waiting."""
    now = now or utcnow()
    entry = entry_for(viewer, entry_id)
    if entry.status != "offered" or entry.offer_expires_at is None or entry.offer_expires_at <= now:
        raise Conflict(_l("This offer is no longer open."))
    if not any(a.activity_type.pk == entry.activity_type.pk for a in portal_actions.bookable(viewer.customer, now=now)):
        raise portal_actions.NotAvailable
    try:
        appointment = booking.book(viewer.unit, entry.activity_type, viewer.customer, entry.offer_token,
                                   actor=viewer.actor, source="portal", now=now)
    except InvalidInput:
        _withdraw(entry)
        raise
    WaitlistEntry.objects(pk=entry.pk, status="offered").update_one(set__status="booked", set__appointment=appointment,
                                                                    unset__offer_expires_at=True, unset__offer_key=True)
    record(viewer.actor, "update", object_type="waitlist_entries", object_id=entry.pk,
           summary="Offer from the waitlist booked", business_unit=viewer.unit)
    return appointment


def decline(viewer: Viewer, entry_id: str) -> None:
    """Let the offered slot pass (it goes to the next customer) and keep waiting."""
    entry = entry_for(viewer, entry_id)
    if entry.status != "offered" or _withdraw(entry) is None:
        raise Conflict(_l("This offer is no longer open."))
    _pass_on(entry)


def leave(viewer: Viewer, entry_id: str) -> None:
    """Leave the waitlist; an open offer goes to the next customer."""
    entry = entry_for(viewer, entry_id)
    left = WaitlistEntry.objects(pk=entry.pk, status__in=OPEN).modify(new=False, set__status="left",
                                                                     unset__offer_key=True)
    if left is None:
        raise Conflict(_l("You are no longer on this waitlist."))
    record(viewer.actor, "update", object_type="waitlist_entries", object_id=entry.pk, summary="Left the waitlist",
           business_unit=viewer.unit)
    if left.status == "offered":
        _pass_on(left)


def _pass_on(entry: WaitlistEntry) -> None:
    """The freed time an offer came from goes to the next customer (a task: the planner runs per entry)."""
    if entry.offer_staff is not None and entry.freed_start and entry.freed_end:
        enqueue("tasks.waitlist.offer", entry.business_unit.pk, entry.offer_staff.pk, entry.freed_start.isoformat(),
                entry.freed_end.isoformat())


# --- offers --------------------------------------------------------------------------------------------

@slot_freed.connect
def _on_slot_freed(appointment, *, staff_id, start: datetime, end: datetime, **_kw) -> None:
    # nobody waiting in the unit (the common case): no task to run
    if staff_id and start and end and WaitlistEntry.objects(business_unit=appointment.business_unit,
                                                            status="waiting").count():
        enqueue("tasks.waitlist.offer", appointment.business_unit.pk, staff_id, start.isoformat(), end.isoformat())


def _fitting_slot(entry: WaitlistEntry, staff_id, start: datetime, end: datetime,
                  now: datetime) -> planning.Slot | None:
    """The best slot the planner offers this customer with that staff member inside the freed time."""
    unit, customer, activity = entry.business_unit, entry.customer, entry.activity_type
    if not customer_may_log_in(customer) or not any(
            a.activity_type.pk == activity.pk for a in portal_actions.bookable(customer, now=now)):
        return None
    day = _local_day(unit, start)
    for slot in planning.suggest_slots(unit, activity, customer, start=day, days=1, for_customer=True, now=now):
        slot_day = _local_day(unit, slot.start)
        if slot.staff_id == str(staff_id) and slot.start < end and slot.end > start \
                and entry.date_from.date() <= slot_day <= entry.date_to.date():
            return slot
    return None


def offer_freed(unit_id, staff_id, start: datetime, end: datetime, *, now: datetime | None = None
                ) -> WaitlistEntry | None:
    """Offer the freed time ``start``..``end`` of ``staff_id`` to the first waiting customer it fits; returns
    that entry (None when nobody fits)."""
    now = now or utcnow()
    unit = BusinessUnit.objects(pk=unit_id).first()
    if unit is None or end <= now:
        return None
    key = _key(staff_id, start)
    day = datetime.combine(_local_day(unit, start), time())
    for entry in WaitlistEntry.objects(business_unit=unit, status="waiting", date_from__lte=day,
                                       date_to__gte=day).order_by("created_at", "id"):
        if key in (entry.passed or []):
            continue
        slot = _fitting_slot(entry, staff_id, start, end, now)
        if slot is None:
            continue
        try:
            offered = WaitlistEntry.objects(pk=entry.pk, status="waiting").modify(
                new=True, set__status="offered", set__offer_token=slot.token, set__offer_staff=ObjectId(slot.staff_id),
                set__offer_start=slot.start, set__offer_end=slot.end, set__offer_key=key,
                set__offer_expires_at=now + timedelta(hours=offer_hours(unit)), set__freed_start=start,
                set__freed_end=end, inc__offers_made=1)
        except (NotUniqueError, DuplicateKeyError):
            return None  # another task offered this freed time to someone a moment ago
        if offered is None:
            continue  # left or offered elsewhere meanwhile
        _offer_mail(offered)
        record(SYSTEM, "update", object_type="waitlist_entries", object_id=offered.pk,
               summary="A freed slot was offered from the waitlist", business_unit=unit, customer=offered.customer)
        return offered
    return None


def _withdraw(entry: WaitlistEntry, **conditions) -> WaitlistEntry | None:
    """End the entry's offer (it lapsed, was declined or could not be booked): back to waiting, and that
    freed time is not offered to it again. None when the offer was not open (any more)."""
    key = _key(entry.offer_staff.pk if entry.offer_staff else "", entry.freed_start or entry.offer_start)
    return WaitlistEntry.objects(pk=entry.pk, status="offered", **conditions).modify(
        new=False, set__status="waiting", push__passed=key, unset__offer_token=True, unset__offer_expires_at=True,
        unset__offer_key=True)


def expire_offers(now: datetime | None = None) -> int:
    """Periodic: end the offers whose time is up and hand each freed time on to the next customer."""
    now = now or utcnow()
    lapsed = 0
    for entry in WaitlistEntry.objects(status="offered", offer_expires_at__lte=now).limit(500):
        if _withdraw(entry, offer_expires_at__lte=now) is None:
            continue  # accepted, declined or expired by another sweep
        lapsed += 1
        if entry.offer_staff is not None and entry.freed_start and entry.freed_end:
            offer_freed(entry.business_unit.pk, entry.offer_staff.pk, entry.freed_start, entry.freed_end, now=now)
    return lapsed


def _offer_mail(entry: WaitlistEntry) -> None:
    customer, unit = entry.customer, entry.business_unit
    if not customer.email:
        return
    locale = unit.language or "de"
    zone = _zone(unit)

    def local(value: datetime, fmt: str) -> str:
        aware = local_time(value, zone)
        return f"{format_date(aware, fmt, locale=locale)} {format_time(aware, 'short', locale=locale)}"

    link = public_base_url(current_app.config, None) + "/portal/waitlist"
    with force_locale(locale):
        subject = _("A time has become free: %(activity)s", activity=entry.activity_type.name)
        body = _("Hello %(name)s,\n\na time you were waiting for has become free: %(when)s (%(activity)s).\n"
                 "It is yours to book in the customer portal until %(until)s:\n%(link)s\n\nKind regards\n%(unit)s",
                 name=customer.full_name, when=local(entry.offer_start, "full"), activity=entry.activity_type.name,
                 until=local(entry.offer_expires_at, "medium"), link=link, unit=unit.name)
    queue_email(to=customer.email, subject=subject, body=body, business_unit=unit, customer_id=str(customer.pk),
                idempotency_key=f"waitlist:{entry.pk}:offer:{entry.offers_made}")


def delete_customer_waitlist(customer: Customer) -> int:
    """Deletion service hook: the customer's waitlist entries (and the audit events about them)."""
    erase_object("waitlist_entries", [str(pk) for pk in WaitlistEntry.objects(customer=customer).scalar("pk")])
    return WaitlistEntry.objects(customer=customer).delete()
