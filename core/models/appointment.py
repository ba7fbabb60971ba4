"""An appointment of a customer with a staff member."""

from __future__ import annotations

import mongoengine as me

from core.models._base import N_, TimestampedMixin, UnitQuerySet
from core.models.geo import GeoPoint

STATUSES = ("planned", "running", "done", "cancelled", "no_show")


class Appointment(TimestampedMixin, me.Document):
    business_unit = me.ReferenceField("BusinessUnit", required=True)
    customer = me.ReferenceField("Customer", required=True)
    staff = me.ReferenceField("StaffUser", required=True)
    activity_type = me.ReferenceField("ActivityType")
    #: optional: the customer's project ("Auftrag") the visit belongs to (portal planning per project)
    project = me.ReferenceField("Project")
    #: naive UTC; shown in ``timezone``
    start = me.DateTimeField(required=True)
    end = me.DateTimeField(required=True)
    timezone = me.StringField(required=True, default="Europe/Berlin", max_length=64)
    status = me.StringField(choices=STATUSES, default="planned", required=True)
    location = me.StringField(max_length=300)
    notes = me.StringField(max_length=5000)
    #: set from the activity type's price when the appointment is created (admin form, booking service)
    price = me.DecimalField(min_value=0, precision=2, max_value=1_000_000)
    #: derived where it happens: the unit's address, the customer's, none online (travel times)
    coordinates = me.EmbeddedDocumentField(GeoPoint)
    reminder_wanted = me.BooleanField(default=False)
    reminder_sent_at = me.DateTimeField()
    #: when the status last became "done" (portal actions "within N days after done", surveys)
    done_at = me.DateTimeField()
    #: the customer confirmed through the link in a confirmation or reminder (shown in the calendar)
    confirmed_at = me.DateTimeField()
    created_at = me.DateTimeField()
    updated_at = me.DateTimeField()

    meta = {
        "queryset_class": UnitQuerySet,
        "collection": "appointments",
        "indexes": [
            {"fields": ["business_unit", "start"], "name": "unit_start"},
            {"fields": ["staff", "start"], "name": "staff_start"},
            {"fields": ["customer", "start"], "name": "customer_start"},
            {"fields": ["project", "start"], "name": "project_start", "sparse": True},
            {"fields": ["reminder_wanted", "status", "start"], "name": "reminder_arm"},
        ],
        "ordering": ["start"],
    }

    def clean(self):
        errors = {}
        if self.start and self.end and self.end <= self.start:
            errors["end"] = me.ValidationError(N_("The end must be after the start."))
        unit = self.business_unit
        if self.project is not None and self.customer is not None and self.project.customer.pk != self.customer.pk:
            errors["project"] = me.ValidationError("Belongs to another customer.")
        for field in ("customer", "staff", "activity_type", "project"):
            ref = getattr(self, field)
            ref_unit = getattr(ref, "business_unit", None) if ref is not None else None
            if unit is not None and ref_unit is not None and ref_unit.pk != unit.pk:
                errors[field] = me.ValidationError(N_("Belongs to another business unit."))
        if errors:
            raise me.ValidationError("Invalid appointment", errors=errors)

    def __str__(self) -> str:
        return f"{self.customer} {self.start:%Y-%m-%d %H:%M}" if self.start else str(self.pk)
