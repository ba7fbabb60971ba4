"""A kind of appointment (haircut, consultation, home visit): duration, colour, price, buffers, who performs
it, where it happens, and how it appears in the customer portal."""

from __future__ import annotations

import mongoengine as me

from core.models._base import N_, TimestampedMixin, UnitQuerySet

#: business: at the unit's address; customer: at the customer's address; online: nowhere (no travel)
LOCATION_KINDS = ("business", "customer", "online")


class ActivityType(TimestampedMixin, me.Document):
    business_unit = me.ReferenceField("BusinessUnit", required=True)
    name = me.StringField(required=True, max_length=100)
    duration_minutes = me.IntField(required=True, min_value=5, max_value=24 * 60, default=30)
    colour = me.StringField(required=True, regex=r"^#[0-9a-fA-F]{6}$", default="#3c78d8")
    active = me.BooleanField(default=True)
    #: the customer portal: shown there at all, and the title and description customers read
    #: (placeholders of core.placeholders, checked on save); the actions are PortalAction documents
    portal_visible = me.BooleanField(default=False)
    portal_title = me.StringField(max_length=200)
    portal_description = me.StringField(max_length=5000)
    #: the default price of its appointments (each appointment can differ)
    price = me.DecimalField(min_value=0, precision=2, max_value=1_000_000)
    #: kept free before and after each appointment of this type (preparation, clearing up)
    buffer_before_minutes = me.IntField(min_value=0, max_value=240, default=0)
    buffer_after_minutes = me.IntField(min_value=0, max_value=240, default=0)
    #: who performs it (skills); empty: every active owner and staff member of the unit
    performers = me.ListField(me.ReferenceField("StaffUser"))
    location_kind = me.StringField(choices=LOCATION_KINDS, default="business")
    created_at = me.DateTimeField()
    updated_at = me.DateTimeField()

    meta = {
        "queryset_class": UnitQuerySet,
        "collection": "activity_types",
        "indexes": [{"fields": ["business_unit", "name"], "unique": True}],
        "ordering": ["name"],
    }

    def clean(self):
        unit = self.business_unit
        if unit is not None and any(getattr(p, "business_unit", None) is not None and p.business_unit.pk != unit.pk
                                    for p in self.performers or []):
            raise me.ValidationError(errors={"performers": me.ValidationError(N_("Belongs to another business unit."))})

    def __str__(self) -> str:
        return self.name
