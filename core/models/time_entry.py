"""Work time booked by staff on a customer's project (shown in the portal with the permission)."""

from __future__ import annotations

import mongoengine as me

from core.models._base import TimestampedMixin, UnitQuerySet


class TimeEntry(TimestampedMixin, me.Document):
    business_unit = me.ReferenceField("BusinessUnit", required=True)
    project = me.ReferenceField("Project", required=True)
    #: copied from the project (queries and deletion by customer)
    customer = me.ReferenceField("Customer")
    day = me.DateField(required=True)
    minutes = me.IntField(required=True, min_value=1, max_value=24 * 60)
    description = me.StringField(max_length=1000)
    staff_name = me.StringField(max_length=200)
    created_at = me.DateTimeField()
    updated_at = me.DateTimeField()

    meta = {
        "queryset_class": UnitQuerySet,
        "collection": "time_entries",
        "indexes": [{"fields": ["project", "-day"], "name": "project_day"},
                    {"fields": ["customer"], "name": "customer"}],
        "ordering": ["-day"],
    }

    def clean(self):
        if self.project is not None:
            self.customer = self.project.customer
            if self.business_unit is not None and self.project.business_unit.pk != self.business_unit.pk:
                raise me.ValidationError("Invalid time entry", errors={
                    "project": me.ValidationError("Belongs to another business unit.")})

    @property
    def hours(self) -> str:
        return f"{self.minutes // 60}:{self.minutes % 60:02d}"
