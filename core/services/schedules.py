"""Team schedules and booking settings as staff edit them (Settings > Team schedules), audited.

Hours are written as "09:00-13:00, 14:00-18:00" per weekday (empty: not working / closed); absences and
holidays are date ranges. The planning assistant reads what is stored here (core.services.planning).
"""

from __future__ import annotations

import itertools
import re
from datetime import date

from flask_babel import lazy_gettext as _l

from core.errors import InvalidInput
from core.models import BookingSettings, StaffSchedule
from core.models.customer import Address
from core.models.geo import GeoPoint
from core.models.schedule import DateRange, TimeInterval, weekly
from core.services import geo
from core.services.audit import Actor, record_change, same_unit, snapshot

_INTERVAL = re.compile(r"^\s*(\d{1,2})(?::(\d{2}))?\s*[-–]\s*(\d{1,2})(?::(\d{2}))?\s*$")
MAX_INTERVALS = 6
MAX_RANGES = 200


def parse_intervals(text: str | None) -> list[tuple[int, int]]:
    """"9-13, 14:00-18:30" → [(540, 780), (840, 1110)]; InvalidInput for anything else (overlaps too)."""
    spans = []
    for part in (text or "").replace(";", ",").split(","):
        if not part.strip():
            continue
        found = _INTERVAL.match(part)
        if found is None:
            raise InvalidInput(_l('Write times like "09:00-13:00, 14:00-18:00".'))
        h1, m1, h2, m2 = (int(g or 0) for g in found.groups())
        start, end = h1 * 60 + m1, h2 * 60 + m2
        if m1 > 59 or m2 > 59 or end > 24 * 60 or start >= end:
            raise InvalidInput(_l('Write times like "09:00-13:00, 14:00-18:00".'))
        spans.append((start, end))
    spans.sort()
    if len(spans) > MAX_INTERVALS or any(a[1] > b[0] for a, b in itertools.pairwise(spans)):
        raise InvalidInput(_l("The times of one day must not overlap."))
    return spans


def format_intervals(spans: list[tuple[int, int]]) -> str:
    return ", ".join(f"{a // 60:02d}:{a % 60:02d}-{b // 60:02d}:{b % 60:02d}" for a, b in spans)


def by_weekday(intervals: list[TimeInterval]) -> dict[int, str]:
    """Stored intervals as the text of each weekday (0 = Monday)."""
    days: dict[int, list[tuple[int, int]]] = {d: [] for d in range(7)}
    for interval in intervals:
        days[interval.weekday].append((interval.start, interval.end))
    return {d: format_intervals(sorted(spans)) for d, spans in days.items()}


def _intervals(texts: dict[int, str]) -> list[TimeInterval]:
    spans = {}
    for day in range(7):
        try:
            spans[day] = parse_intervals(texts.get(day))
        except InvalidInput as exc:
            exc.field_errors = {f"day{day}": str(exc.message)}  # the view marks that day's field
            raise
    return weekly(spans)


def staff_schedule(staff) -> StaffSchedule:
    """The stored schedule of a staff member, or the default one (not saved)."""
    return StaffSchedule.objects(staff=staff).first() or StaffSchedule(business_unit=staff.business_unit, staff=staff)


def booking_settings(unit) -> BookingSettings:
    return BookingSettings.objects(business_unit=unit).first() or BookingSettings(business_unit=unit)


def _point(lat, lon, address: Address | None = None) -> GeoPoint | None:
    """Coordinates given by hand, else (both empty) looked up for ``address`` once, here, and stored with
    their source: the planner reads stored points and never asks a geocoder per request."""
    if lat is None and lon is None:
        return geo.locate(address) if address is not None else None
    if lat is None or lon is None or not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise InvalidInput(_l("Give both latitude and longitude (e.g. 52.52 and 13.40), or neither."))
    return GeoPoint(lat=float(lat), lon=float(lon), source="manual")


def _address(street, postal_code, city) -> Address | None:
    if not any((street, postal_code, city)):
        return None
    return Address(street=(street or "").strip()[:200] or None, postal_code=(postal_code or "").strip()[:16] or None,
                   city=(city or "").strip()[:100] or None)


def _save(actor: Actor, doc, before) -> None:
    doc.save()
    record_change(actor, doc, before)


def save_staff_schedule(actor: Actor, staff, hours: dict[int, str], *, street=None, postal_code=None, city=None,
                        lat=None, lon=None) -> StaffSchedule:
    same_unit(actor, staff)
    schedule = staff_schedule(staff)
    before = snapshot(schedule) if schedule.pk else None
    schedule.hours = _intervals(hours)
    schedule.start_address = _address(street, postal_code, city)
    schedule.start_coordinates = _point(lat, lon, schedule.start_address)
    _save(actor, schedule, before)
    return schedule


def _range(start: date | None, end: date | None, kind: str, note: str | None) -> DateRange:
    if start is None or end is None or end < start:
        raise InvalidInput(_l("Give a first and a last day (not before the first)."))
    return DateRange(start=start, end=end, kind=kind if kind in ("holiday", "sick", "training", "other") else "other",
                     note=(note or "").strip()[:200] or None)


def _add_range(actor: Actor, doc, field: str, entry: DateRange):
    """Add an absence / a holiday to ``doc`` (kept in date order), audited."""
    before = snapshot(doc) if doc.pk else None
    entries = getattr(doc, field)
    if len(entries) >= MAX_RANGES:
        raise InvalidInput(_l("Too many entries: remove old ones first."))
    setattr(doc, field, sorted([*entries, entry], key=lambda r: r.start))
    _save(actor, doc, before)
    return doc


def _remove_range(actor: Actor, doc, field: str, index: int):
    """Remove the ``index``-th absence / holiday of ``doc`` as the page listed them, audited."""
    entries = getattr(doc, field)
    if not doc.pk or not 0 <= index < len(entries):
        raise InvalidInput(_l("This entry does not exist (any more)."))
    before = snapshot(doc)
    setattr(doc, field, [e for i, e in enumerate(entries) if i != index])
    _save(actor, doc, before)
    return doc


def add_absence(actor: Actor, staff, start: date | None, end: date | None, kind: str,
                note: str | None = None) -> StaffSchedule:
    same_unit(actor, staff)
    return _add_range(actor, staff_schedule(staff), "absences", _range(start, end, kind, note))


def remove_absence(actor: Actor, staff, index: int) -> StaffSchedule:
    same_unit(actor, staff)
    return _remove_range(actor, staff_schedule(staff), "absences", index)


#: the booking rules staff may set (name → (minimum, maximum)); BookingSettings checks them again
RULES = {"min_notice_hours": (0, 24 * 60), "max_days_ahead": (1, 365), "slot_interval_minutes": (5, 240),
         "road_factor": (1.0, 3.0), "speed_kmh": (5, 130), "default_travel_minutes": (0, 240),
         "green_max_minutes": (0, 240), "orange_max_minutes": (0, 480)}


def save_booking_settings(actor: Actor, unit, opening: dict[int, str], rules: dict, *, street=None,
                          postal_code=None, city=None, lat=None, lon=None) -> BookingSettings:
    same_unit(actor, unit)
    settings = booking_settings(unit)
    before = snapshot(settings) if settings.pk else None
    settings.opening_hours = _intervals(opening)
    for name, (low, high) in RULES.items():
        value = rules.get(name)
        if value is None or not low <= value <= high:
            raise InvalidInput(_l("Please check the booking rules."), field_errors={name: "range"})
        setattr(settings, name, value)
    if settings.green_max_minutes > settings.orange_max_minutes:
        raise InvalidInput(_l("The limit for green must not be above the limit for orange."),
                           field_errors={"orange_max_minutes": "below green"})
    settings.address = _address(street, postal_code, city)
    settings.coordinates = _point(lat, lon, settings.address)
    _save(actor, settings, before)
    return settings


def add_holiday(actor: Actor, unit, start: date | None, end: date | None,
                note: str | None = None) -> BookingSettings:
    same_unit(actor, unit)
    return _add_range(actor, booking_settings(unit), "holidays", _range(start, end, "holiday", note))


def remove_holiday(actor: Actor, unit, index: int) -> BookingSettings:
    same_unit(actor, unit)
    return _remove_range(actor, booking_settings(unit), "holidays", index)


def set_customer_coordinates(actor: Actor, customer, lat, lon) -> None:
    """Coordinates by hand (source "manual"); both empty: derived from the address again."""
    same_unit(actor, customer)
    before = snapshot(customer)
    customer.coordinates = _point(lat, lon)
    type(customer).objects(pk=customer.pk).update_one(
        **({"set__coordinates": customer.coordinates} if customer.coordinates else {"unset__coordinates": True}))
    record_change(actor, customer, before, summary="coordinates set by hand" if customer.coordinates else
                  "coordinates from the address")
