"""A project ("Auftrag") of a customer: what portal accounts, messages, documents and work times hang on."""

from __future__ import annotations

import mongoengine as me

from core.models._base import TimestampedMixin, UnitQuerySet

STATUSES = ("open", "done", "archived")


class Project(TimestampedMixin, me.Document):
    business_unit = me.ReferenceField("BusinessUnit", required=True)
    customer = me.ReferenceField("Customer", required=True)
    name = me.StringField(required=True, max_length=200)
    description = me.StringField(max_length=5000)
    status = me.StringField(choices=STATUSES, default="open", required=True)
    created_at = me.DateTimeField()
    updated_at = me.DateTimeField()

    meta = {
        "queryset_class": UnitQuerySet,
        "collection": "projects",
        "indexes": [{"fields": ["customer", "status"], "name": "customer_status"},
                    {"fields": ["business_unit", "-created_at"], "name": "unit_created"}],
        "ordering": ["-created_at"],
    }

    def clean(self):
        self.name = (self.name or "").strip()
        if self.customer is not None and self.business_unit is not None \
                and self.customer.business_unit.pk != self.business_unit.pk:
            raise me.ValidationError("Invalid project", errors={
                "customer": me.ValidationError("Belongs to another business unit.")})

    def __str__(self) -> str:
        return self.name
