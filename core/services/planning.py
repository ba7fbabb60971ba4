"""The planning assistant: free, ranked appointment slots across the qualified staff (admin and portal).

A slot is free for a staff member when the appointment (``start``..``end``) lies inside one of their
working intervals of that local day intersected with the unit's opening hours, the day is no absence
and no holiday of the unit, and its span with the activity type's buffers overlaps no other appointment's
span with its buffers (cancelled ones and ``exclude_appointment`` do not count). Travel is counted from the
previous stop (the previous appointment's place, or the staff member's start location at the start of
their working day) and on to the next stop (or back to the start location at the end of the day): it must
fit between two appointments; where it runs into time before or after the working day, the slot means
overtime and is rated red.

Rating by the detour a slot adds to the staff member's day (before + after - the direct trip it
interrupts): green up to the unit's green limit, orange up to its orange limit, red beyond or with
overtime. Red slots are offered to staff only, never to customers. The order: least added travel, then
slots that fill gaps (touching other appointments, little idle time around them), then the earliest.

Customers also get the unit's minimum notice and booking window; every time is computed in the unit's
time zone, wall-clock hours on each local day (so DST change days have their 23 or 25 hours), and
returned as naive UTC.
"""

from __future__ import annotations

import bisect
import heapq
import itertools
import operator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeSerializer

from core.errors import InvalidInput
from core.models import ActivityType, Appointment, BookingSettings, StaffSchedule, StaffUser
from core.models._base import utcnow
from core.models.customer import Address
from core.models.geo import GeoPoint
from core.models.schedule import DEFAULT_OPENING_HOURS, DEFAULT_WORKING_HOURS
from core.services import geo

UTC = ZoneInfo("UTC")
DEFAULT_DAYS = 14
TOKEN_SALT = "frontdesk.planning.slot"  # noqa: S105 (a signing salt, not a secret)
INVALID_SLOT = _l("This time slot is not valid. Please choose another one.")
#: where an appointment happens, for travel: coordinates, or one of these markers
BUSINESS, UNKNOWN = "business", "unknown"
#: ``evaluate`` reasons a start is refused
OUTSIDE, TAKEN, TRAVEL, RED = "outside", "taken", "travel", "red"


@dataclass(frozen=True, slots=True)
class Slot:
    staff_id: str
    staff_name: str
    start: datetime  # naive UTC, the appointment itself (buffers not included)
    end: datetime
    travel_before: int  # minutes, from the previous stop
    travel_after: int  # minutes, on to the next stop
    added_travel: int  # minutes of detour this slot adds to the staff member's day
    rating: str  # "green" | "orange" | "red"
    token: str  # signed: unit, activity type, staff, start (Planner.signed)
    #: how well it fills the day (ranking only): neighbours it touches, idle minutes next to it
    touching: int = field(default=0, compare=False)
    idle: int = field(default=0, compare=False)

    def sort_key(self) -> tuple:
        return (self.added_travel, -self.touching, self.idle, self.start, self.staff_name)


#: instants inside the planner are integers: microseconds since EPOCH (naive UTC), exact for every stored
#: datetime (MongoDB keeps milliseconds), so the interval arithmetic of a request compares plain ints
EPOCH = datetime(1970, 1, 1)
MICROSECOND = timedelta(microseconds=1)
MINUTE_US = 60_000_000


def _us(when: datetime) -> int:
    return (when - EPOCH) // MICROSECOND


def _datetime(us: int) -> datetime:
    return EPOCH + timedelta(microseconds=us)


@dataclass
class Rules:
    """The unit's booking settings (stored, or the defaults of ``BookingSettings``)."""

    settings: BookingSettings
    zone: ZoneInfo
    #: where the business is (stored, or looked up in the offline table), None when unknown
    business_point: GeoPoint | None
    #: travel minutes already worked out in this request, by (from, to)
    _travel: dict = field(default_factory=dict, repr=False)

    @classmethod
    def of(cls, unit) -> Rules:
        settings = BookingSettings.objects(business_unit=unit).first() or BookingSettings(business_unit=unit)
        point = settings.coordinates or geo.locate(settings.address or geo.parse_address(unit.settings.address),
                                                   geocoder=False)
        return cls(settings, ZoneInfo(unit.timezone), point)

    @property
    def business_place(self) -> tuple[float, float] | None:
        return self.business_point.pair if self.business_point is not None else None

    def travel(self, a, b) -> int:
        """Minutes from place ``a`` to place ``b``; online (None) costs nothing, the same place nothing."""
        if a is None or b is None or a == b:
            return 0
        key = (a, b)
        if key not in self._travel:
            ends = (self.business_place if p == BUSINESS else p for p in (a, b))
            known = [p if isinstance(p, tuple) else None for p in ends]
            s = self.settings
            self._travel[key] = geo.travel_minutes(*known, road_factor=s.road_factor, speed_kmh=s.speed_kmh,
                                                   default_minutes=s.default_travel_minutes)
        return self._travel[key]

    def utc(self, day: date, minute: int) -> datetime:
        """Local wall-clock ``minute`` of ``day`` as naive UTC."""
        local = datetime.combine(day, time()) + timedelta(minutes=minute)
        return local.replace(tzinfo=self.zone).astimezone(UTC).replace(tzinfo=None)

    def local_day(self, when: datetime) -> date:
        return when.replace(tzinfo=UTC).astimezone(self.zone).date()

    def local_minute(self, when: datetime) -> int:
        local = when.replace(tzinfo=UTC).astimezone(self.zone)
        return local.hour * 60 + local.minute


def _by_weekday(intervals, default: dict[int, list[tuple[int, int]]]) -> dict[int, list[tuple[int, int]]]:
    """Intervals (documents, or their stored dicts) by weekday; ``default`` when none are stored."""
    if intervals is None:
        return default
    spans: dict[int, list[tuple[int, int]]] = {}
    for interval in intervals:
        get = interval.get if isinstance(interval, dict) else interval.__getattribute__
        spans.setdefault(get("weekday"), []).append((get("start"), get("end")))
    return {day: sorted(found) for day, found in spans.items()}


def _intersect(a: list[tuple[int, int]], b: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out = []
    for start_a, end_a in a:
        for start_b, end_b in b:
            start, end = max(start_a, start_b), min(end_a, end_b)
            if start < end:
                out.append((start, end))
    return sorted(out)


class _StaffDay:
    """One staff member's schedule, absences, start place and appointments over the planned range.

    The appointments are parallel lists in the order of their begin (instants in microseconds, see
    EPOCH), with the travel minutes from each to the planned appointment's place and back worked out
    once per request (the planner looks at them for every candidate start)."""

    def __init__(self, member: StaffUser, schedule: dict | None, stops: list[tuple[int, int, Any]], planner: Planner):
        """``schedule``: the stored StaffSchedule document as a dict (read without mongoengine: it is
        read for every staff member on every request), or None for the defaults; ``stops``: (begin,
        finish, place) of the appointments, buffers included."""
        self.member, self.name = member, member.name
        self.hours = _by_weekday(schedule.get("hours") if schedule else None, DEFAULT_WORKING_HOURS)
        self.absences = [(a["start"].date(), a["end"].date()) for a in (schedule or {}).get("absences") or ()]
        point = (schedule or {}).get("start_coordinates")
        address = (schedule or {}).get("start_address")
        if point is None and address:
            found = geo.locate(Address._from_son(address), geocoder=False)
            point = {"lat": found.lat, "lon": found.lon} if found is not None else None
        self.home = (point["lat"], point["lon"]) if point else BUSINESS
        travel, place = planner.rules.travel, planner.place
        self.home_to, self.to_home = travel(self.home, place), travel(place, self.home)
        to_slot, from_slot = planner.to_slot, planner.from_slot
        # by begin, then finish: the same order on every backend (ties only where appointments overlap)
        stops.sort(key=_BEGIN_FINISH)
        self.begins = [stop[0] for stop in stops]
        self.finishes = [stop[1] for stop in stops]
        self.places = [stop[2] for stop in stops]
        self.to_slot = [to_slot(p) for p in self.places]
        self.from_slot = [from_slot(p) for p in self.places]
        #: the latest finish among the first i+1 stops (appointments made before claims existed may overlap)
        self.reach = list(itertools.accumulate(self.finishes, max))


_BEGIN_FINISH = operator.itemgetter(0, 1)
#: what Slot.sort_key orders by, on the planner's rows (see Planner.row)
_ROW_KEY = operator.itemgetter(0, 1, 2, 3, 4)


class Planner:
    """Computes slots for one request: one unit, activity type and customer (see the module docstring)."""

    def __init__(self, unit, activity_type: ActivityType, customer, *, for_customer: bool,
                 now: datetime | None = None, exclude_appointment=None):
        self.unit, self.activity_type, self.customer = unit, activity_type, customer
        self.for_customer = for_customer
        self.now = now or utcnow()
        self.exclude_id = exclude_appointment.pk if exclude_appointment is not None else None
        self.rules = Rules.of(unit)
        s = self.rules.settings
        self.earliest = self.now + (timedelta(hours=s.min_notice_hours) if for_customer else timedelta())
        self.latest = self.now + timedelta(days=s.max_days_ahead) if for_customer else None
        self.opening = _by_weekday(s.opening_hours if s.pk else None, DEFAULT_OPENING_HOURS)
        self.place = self._place()
        self._signer = URLSafeSerializer(current_app.secret_key, salt=TOKEN_SALT)
        # durations and instants in integers (microseconds; minutes where named so), read in the inner loops
        self.length = activity_type.duration_minutes
        self.duration_us = self.length * MINUTE_US
        self.before_us = (activity_type.buffer_before_minutes or 0) * MINUTE_US
        self.after_us = (activity_type.buffer_after_minutes or 0) * MINUTE_US
        self.earliest_us = _us(self.earliest)
        self.latest_us = _us(self.latest) if self.latest is not None else None
        self.step = s.slot_interval_minutes
        self.slack_us = self.step * MINUTE_US
        #: rating limits: added travel up to green is green, up to orange orange, beyond (or overtime) red
        self.green, self.orange = s.green_max_minutes, s.orange_max_minutes
        self._holidays = [(h.start, h.end) for h in s.holidays]
        self._utc_us: dict[tuple[date, int], int] = {}
        self._to_slot: dict = {}
        self._from_slot: dict = {}

    def to_slot(self, place) -> int:
        """Travel minutes from ``place`` to where the planned appointment happens (kept per place)."""
        found = self._to_slot.get(place)
        if found is None:
            found = self._to_slot[place] = self.rules.travel(place, self.place)
        return found

    def from_slot(self, place) -> int:
        """Travel minutes from where the planned appointment happens on to ``place`` (kept per place)."""
        found = self._from_slot.get(place)
        if found is None:
            found = self._from_slot[place] = self.rules.travel(self.place, place)
        return found

    def _place(self):
        kind = self.activity_type.location_kind or "business"
        if kind == "online":
            return None
        if kind == "business":
            return self.rules.business_place or BUSINESS
        point = geo.customer_point(self.customer) if self.customer is not None else None
        return point.pair if point is not None else UNKNOWN

    # --- who and what is already planned ---------------------------------------------------------
    def performers(self) -> list[StaffUser]:
        """The qualified staff: the activity type's performers (of this unit, active, not designers), or
        every active owner and staff member of the unit (read-only: only their names are loaded)."""
        query = StaffUser.objects(business_unit=self.unit, active=True, role__in=["owner", "staff"]).only("name")
        chosen = [ref.pk for ref in self.activity_type.performers or []]
        if chosen:
            query = query.filter(pk__in=chosen)
        return sorted(query, key=lambda s: (s.name, str(s.pk)))

    def staff_days(self, members: list[StaffUser], first: datetime, last: datetime) -> list[_StaffDay]:
        """The staff members' schedules and appointments between ``first`` and ``last``: three queries
        with projections, read as plain dicts (no mongoengine documents)."""
        ids = [m.pk for m in members]
        wanted = set(ids)
        schedules = {doc["staff"]: doc for doc in StaffSchedule._get_collection().find(
            {"business_unit": self.unit.pk}, {"staff": 1, "hours": 1, "absences": 1, "start_coordinates": 1,
                                              "start_address": 1})}
        types = {}
        for doc in ActivityType._get_collection().find(
                {"business_unit": self.unit.pk},
                {"buffer_before_minutes": 1, "buffer_after_minutes": 1, "location_kind": 1}):
            location = doc.get("location_kind") or "business"
            types[doc["_id"]] = ((doc.get("buffer_before_minutes") or 0) * MINUTE_US,
                                 (doc.get("buffer_after_minutes") or 0) * MINUTE_US,
                                 None if location == "online" else BUSINESS if location == "business" else UNKNOWN)
        untyped = (0, 0, BUSINESS)
        stops: dict[Any, list[tuple[int, int, Any]]] = {pk: [] for pk in ids}
        # equality and datetime ranges only: the embedded store matches that with a compiled predicate;
        # sorted by start (the unit_start index), the embedded store answers a repeated window from its memo
        found = Appointment._get_collection().find(
            {"business_unit": self.unit.pk, "start": {"$lt": last}, "end": {"$gt": first}},
            {"staff": 1, "start": 1, "end": 1, "activity_type": 1, "coordinates": 1, "status": 1},
            sort=[("start", 1)])
        exclude = self.exclude_id
        for doc in found:
            staff = doc.get("staff")
            if staff not in wanted or doc.get("status") == "cancelled" or (
                    exclude is not None and doc["_id"] == exclude):
                continue
            before, after, place = types.get(doc.get("activity_type"), untyped)
            point = doc.get("coordinates")
            if point:
                place = (point["lat"], point["lon"])
            stops[staff].append((_us(doc["start"]) - before, _us(doc["end"]) + after, place))
        return [_StaffDay(m, schedules.get(m.pk), stops[m.pk], self) for m in members]

    # --- one day of one staff member ----------------------------------------------------------------
    def intervals(self, staff: _StaffDay, day: date) -> list[tuple[int, int]]:
        """Working ∩ opening hours of the local ``day`` (minutes), empty on absences and holidays."""
        if any(a <= day <= b for a, b in staff.absences) or any(a <= day <= b for a, b in self._holidays):
            return []
        weekday = day.weekday()
        return _intersect(staff.hours.get(weekday, []), self.opening.get(weekday, []))

    def utc_us(self, day: date, minute: int) -> int:
        """:meth:`Rules.utc` in microseconds (every staff member's day has the same boundaries: kept)."""
        key = (day, minute)
        found = self._utc_us.get(key)
        if found is None:
            found = self._utc_us[key] = _us(self.rules.utc(day, minute))
        return found

    def day_spans(self, staff: _StaffDay, day: date) -> list[tuple[int, int]]:
        """The working spans of ``day`` as UTC instants (microseconds)."""
        return [(self.utc_us(day, a), self.utc_us(day, b)) for a, b in self.intervals(staff, day)]

    def row(self, staff: _StaffDay, spans: list[tuple[int, int]], start: int) -> tuple | str:
        """The slot starting at ``start`` (microseconds) within the day's working ``spans``, as a row
        (added travel, -touching, idle, start, staff name, end, travel before, travel after, rating,
        staff), or why there is none: OUTSIDE (not within working/opening hours), TAKEN (overlaps another
        appointment), TRAVEL (no time to travel from the previous or on to the next one), RED (only with
        overtime or a long detour: refused for customers)."""
        end = start + self.duration_us
        for a, b in spans:
            if a <= start and end <= b:
                break
        else:
            return OUTSIDE
        begin, finish = start - self.before_us, end + self.after_us
        begins, finishes = staff.begins, staff.finishes
        index = bisect.bisect_left(begins, finish)
        # stops beginning before our span ends: the last of them must end before we begin
        if index and staff.reach[index - 1] > begin:
            return TAKEN
        # stops outside this working day (yesterday's, tomorrow's) do not chain: the day starts and ends
        # at the start location
        day_start, day_end = spans[0][0], spans[-1][1]
        previous = index - 1 if index and finishes[index - 1] > day_start else -1
        following = index if index < len(begins) and begins[index] < day_end else -1
        overtime = False
        if previous >= 0:
            origin, travel_before = staff.places[previous], staff.to_slot[previous]
            if finishes[previous] + travel_before * MINUTE_US > begin:
                return TRAVEL
        else:
            origin, travel_before = staff.home, staff.home_to
            overtime = begin - travel_before * MINUTE_US < day_start
        if following >= 0:
            target, travel_after = staff.places[following], staff.from_slot[following]
            if finish + travel_after * MINUTE_US > begins[following]:
                return TRAVEL
        else:
            target, travel_after = staff.home, staff.to_home
            overtime = overtime or finish + travel_after * MINUTE_US > day_end
        added = max(travel_before + travel_after - self.rules.travel(origin, target), 0)
        if overtime or added > self.orange:
            if self.for_customer:
                return RED
            rating = "red"
        else:
            rating = "green" if added <= self.green else "orange"
        touching, idle = 0, 0
        if previous >= 0:
            gap = begin - travel_before * MINUTE_US - finishes[previous]
            touching += gap < self.slack_us
            idle += gap // MINUTE_US
        if following >= 0:
            gap = begins[following] - finish - travel_after * MINUTE_US
            touching += gap < self.slack_us
            idle += gap // MINUTE_US
        return (added, -touching, idle, start, staff.name, end, travel_before, travel_after, rating, staff)

    def slot(self, row: tuple) -> Slot:
        """The signed Slot of a row (made and signed only for the slots handed out: signing is the costly part)."""
        added, minus_touching, idle, start, name, end, travel_before, travel_after, rating, staff = row
        staff_id = str(staff.member.pk)
        when = _datetime(start)
        token = self._signer.dumps([str(self.unit.pk), str(self.activity_type.pk), staff_id, when.isoformat()])
        return Slot(staff_id, name, when, _datetime(end), travel_before, travel_after, added, rating, token,
                    -minus_touching, idle)

    def day_rows(self, staff: _StaffDay, day: date, rows: list) -> None:
        """Append the rows of the free slots of ``staff`` on the local ``day`` to ``rows`` (grid order)."""
        intervals = self.intervals(staff, day)
        if not intervals:
            return
        step, length, rules = self.step, self.length, self.rules
        spans = [(self.utc_us(day, a), self.utc_us(day, b)) for a, b in intervals]
        earliest, latest = self.earliest_us, self.latest_us
        reach, begins = staff.reach, staff.begins
        ahead, behind = self.duration_us + self.after_us, self.before_us
        append, row = rows.append, self.row
        for (a, b), (local_a, local_b) in zip(spans, intervals, strict=True):
            first = -(-local_a // step) * step  # on the local clock
            if b - a == (local_b - local_a) * MINUTE_US:
                # no DST switch inside the interval: its wall-clock minutes are UTC minutes from its start
                starts = range(a + (first - local_a) * MINUTE_US, a + (local_b - length - local_a) * MINUTE_US + 1,
                               step * MINUTE_US)
            else:
                starts = []
                for minute in range(first, local_b - length + 1, step):
                    when = rules.utc(day, minute)
                    if _us(when) >= a and rules.local_minute(when) == minute % (24 * 60):
                        starts.append(_us(when))  # else: a wall time the DST switch skips
            i, count = bisect.bisect_left(starts, earliest), len(starts)  # from the first start allowed
            while i < count:
                start = starts[i]
                if latest is not None and start > latest:
                    break
                # the quick test of row's first rule, before the rest is worked out
                index = bisect.bisect_left(begins, start + ahead)
                if index and reach[index - 1] > start - behind:
                    # every start before that reach (plus our buffer before) overlaps it too: skip them
                    i = max(i + 1, bisect.bisect_left(starts, reach[index - 1] + behind))
                    continue
                found = row(staff, spans, start)
                if found.__class__ is tuple:
                    append(found)
                i += 1


def suggest_slots(unit, activity_type, customer, *, start: date | None = None, days: int | None = None,
                  for_customer: bool, now: datetime | None = None, limit: int | None = None,
                  exclude_appointment=None) -> list[Slot]:
    """Free slots for ``activity_type`` over local days ``start`` .. ``start + days - 1`` (default: from
    today, 14 days; for customers never beyond the booking window), best first (module docstring)."""
    planner = Planner(unit, activity_type, customer, for_customer=for_customer, now=now,
                      exclude_appointment=exclude_appointment)
    rules = planner.rules
    today = rules.local_day(planner.now)
    first_day = max(start or today, today)
    count = max(1, min(days or DEFAULT_DAYS, 366))
    last_day = first_day + timedelta(days=count - 1)
    if planner.latest is not None:
        last_day = min(last_day, rules.local_day(planner.latest))
    if last_day < first_day:
        return []
    members = planner.performers()
    window = (rules.utc(first_day - timedelta(days=1), 0), rules.utc(last_day + timedelta(days=2), 0))
    rows: list[tuple] = []
    for staff in planner.staff_days(members, *window):
        day = first_day
        while day <= last_day:
            planner.day_rows(staff, day, rows)
            day += timedelta(days=1)
    # Slot.sort_key on the rows; both keep the grid order among equals (stable), as sorted() would
    best = heapq.nsmallest(limit, rows, key=_ROW_KEY) if limit else sorted(rows, key=_ROW_KEY)
    return [planner.slot(row) for row in best]


def evaluate(unit, activity_type, customer, staff: StaffUser, start: datetime, *, for_customer: bool,
             now: datetime | None = None, exclude_appointment=None) -> Slot | str:
    """The planner's verdict on one start (any minute, not only the slot grid): a Slot, or OUTSIDE /
    TAKEN / TRAVEL / RED. Minimum notice, window and performer checks are the caller's (core.services.booking)."""
    planner = Planner(unit, activity_type, customer, for_customer=for_customer, now=now,
                      exclude_appointment=exclude_appointment)
    rules = planner.rules
    day = rules.local_day(start)
    window = (rules.utc(day - timedelta(days=1), 0), rules.utc(day + timedelta(days=2), 0))
    (staff_day,) = planner.staff_days([staff], *window)
    spans = planner.day_spans(staff_day, day)
    if not spans:
        return OUTSIDE
    verdict = planner.row(staff_day, spans, _us(start))
    return planner.slot(verdict) if isinstance(verdict, tuple) else verdict


def parse_slot(unit, activity_type, token: str) -> tuple[StaffUser, datetime]:
    """The staff member and start a slot token names; InvalidInput when it was altered, belongs to another
    unit or activity type, or names a staff member who no longer exists in the unit."""
    try:
        unit_id, type_id, staff_id, start = URLSafeSerializer(current_app.secret_key, salt=TOKEN_SALT).loads(
            str(token or "")[:1000])
        when = datetime.fromisoformat(start)
    except (BadSignature, ValueError, TypeError):
        raise InvalidInput(INVALID_SLOT) from None
    if unit_id != str(unit.pk) or type_id != str(activity_type.pk) or when.tzinfo is not None:
        raise InvalidInput(INVALID_SLOT)
    staff = StaffUser.objects(business_unit=unit).get_or_none(pk=staff_id)
    if staff is None:
        raise InvalidInput(INVALID_SLOT)
    return staff, when
