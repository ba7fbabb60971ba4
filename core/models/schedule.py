"""Team schedules: each staff member's working hours, absences and start location; the unit's opening
hours, holidays, business location and booking rules. The planning assistant (core.services.planning)
reads them; without a stored schedule the defaults below apply."""

from __future__ import annotations

import mongoengine as me

from core.models._base import N_, TimestampedMixin, UnitQuerySet
from core.models.customer import Address
from core.models.geo import GeoPoint

ABSENCE_KINDS = ("holiday", "sick", "training", "other")
#: Monday = 0 … Sunday = 6 (``date.weekday()``)
WEEKDAYS = tuple(range(7))


class TimeInterval(me.EmbeddedDocument):
    """One interval of one weekday in local wall-clock minutes since midnight (9:00 = 540)."""

    weekday = me.IntField(required=True, min_value=0, max_value=6)
    start = me.IntField(required=True, min_value=0, max_value=24 * 60)
    end = me.IntField(required=True, min_value=0, max_value=24 * 60)

    def clean(self):
        if self.start is not None and self.end is not None and self.end <= self.start:
            raise me.ValidationError(N_("The end must be after the start."))


class DateRange(me.EmbeddedDocument):
    """Whole local days, both ends included (an absence, a holiday)."""

    start = me.DateField(required=True)
    end = me.DateField(required=True)
    kind = me.StringField(choices=ABSENCE_KINDS, default="holiday")
    note = me.StringField(max_length=200)

    def clean(self):
        if self.start and self.end and self.end < self.start:
            raise me.ValidationError(N_("The end must not be before the start."))

    def covers(self, day) -> bool:
        return self.start <= day <= self.end


def weekly(spec: dict[int, list[tuple[int, int]]]) -> list[TimeInterval]:
    return [TimeInterval(weekday=day, start=start, end=end) for day, spans in sorted(spec.items())
            for start, end in spans]


#: a staff member without a stored schedule works Monday to Friday 9:00-13:00 and 14:00-18:00
DEFAULT_WORKING_HOURS = {day: [(9 * 60, 13 * 60), (14 * 60, 18 * 60)] for day in range(5)}
#: a unit without stored opening hours is open Monday to Friday 8:00-19:00 and Saturday 9:00-14:00
DEFAULT_OPENING_HOURS = {**{day: [(8 * 60, 19 * 60)] for day in range(5)}, 5: [(9 * 60, 14 * 60)]}


class StaffSchedule(TimestampedMixin, me.Document):
    business_unit = me.ReferenceField("BusinessUnit", required=True)
    staff = me.ReferenceField("StaffUser", required=True)
    hours = me.ListField(me.EmbeddedDocumentField(TimeInterval), default=lambda: weekly(DEFAULT_WORKING_HOURS))
    absences = me.ListField(me.EmbeddedDocumentField(DateRange))
    #: where the staff member's day starts (and ends): travel to the first stop is counted from here
    start_address = me.EmbeddedDocumentField(Address)
    start_coordinates = me.EmbeddedDocumentField(GeoPoint)
    created_at = me.DateTimeField()
    updated_at = me.DateTimeField()

    meta = {
        "queryset_class": UnitQuerySet,
        "collection": "staff_schedules",
        "indexes": [{"fields": ["staff"], "unique": True, "name": "one_per_staff"}, "business_unit"],
    }

    def clean(self):
        if self.staff is not None and self.business_unit is not None and \
                self.staff.business_unit.pk != self.business_unit.pk:
            raise me.ValidationError(errors={"staff": me.ValidationError(N_("Belongs to another business unit."))})


class BookingSettings(TimestampedMixin, me.Document):
    """One per unit: opening hours, holidays, where the business is, and the booking rules."""

    business_unit = me.ReferenceField("BusinessUnit", required=True)
    opening_hours = me.ListField(me.EmbeddedDocumentField(TimeInterval),
                                 default=lambda: weekly(DEFAULT_OPENING_HOURS))
    holidays = me.ListField(me.EmbeddedDocumentField(DateRange))
    address = me.EmbeddedDocumentField(Address)
    coordinates = me.EmbeddedDocumentField(GeoPoint)
    min_notice_hours = me.IntField(min_value=0, max_value=24 * 60, default=12)
    max_days_ahead = me.IntField(min_value=1, max_value=365, default=60)
    slot_interval_minutes = me.IntField(min_value=5, max_value=240, default=15)
    road_factor = me.FloatField(min_value=1.0, max_value=3.0, default=1.3)
    speed_kmh = me.FloatField(min_value=5, max_value=130, default=30)
    default_travel_minutes = me.IntField(min_value=0, max_value=240, default=20)
    #: added travel up to this many minutes: green; up to orange_max_minutes: orange; more: red
    green_max_minutes = me.IntField(min_value=0, max_value=240, default=15)
    orange_max_minutes = me.IntField(min_value=0, max_value=480, default=45)
    created_at = me.DateTimeField()
    updated_at = me.DateTimeField()

    meta = {
        "queryset_class": UnitQuerySet,
        "collection": "booking_settings",
        "indexes": [{"fields": ["business_unit"], "unique": True, "name": "one_per_unit"}],
    }

    def clean(self):
        if (self.green_max_minutes or 0) > (self.orange_max_minutes or 0):
            raise me.ValidationError(errors={"orange_max_minutes": me.ValidationError(
                N_("Must not be less than the green limit."))})
