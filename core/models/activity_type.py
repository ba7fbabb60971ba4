"""A kind of appointment (haircut, consultation, home visit), with duration and calendar colour, and how it
appears in the customer portal."""

from __future__ import annotations

import mongoengine as me

from core.models._base import TimestampedMixin, UnitQuerySet


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
    created_at = me.DateTimeField()
    updated_at = me.DateTimeField()

    meta = {
        "queryset_class": UnitQuerySet,
        "collection": "activity_types",
        "indexes": [{"fields": ["business_unit", "name"], "unique": True}],
        "ordering": ["name"],
    }

    def __str__(self) -> str:
        return self.name
