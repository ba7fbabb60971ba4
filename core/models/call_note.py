"""A phone call staff noted in the customer file (time, who, note) after starting it from a call link."""

from __future__ import annotations

import mongoengine as me

from core.models._base import UnitQuerySet, utcnow


class CallNote(me.Document):
    business_unit = me.ReferenceField("BusinessUnit", required=True)
    customer = me.ReferenceField("Customer", required=True)
    #: when the call took place (UTC)
    at = me.DateTimeField(required=True)
    staff_label = me.StringField(required=True, max_length=300)
    #: the number called, E.164
    phone = me.StringField(max_length=32)
    note = me.StringField(max_length=2000)
    created_at = me.DateTimeField(required=True, default=utcnow)

    meta = {
        "queryset_class": UnitQuerySet,
        "collection": "call_notes",
        "indexes": [{"fields": ["customer", "-at"], "name": "customer_at"}],
        "ordering": ["-at"],
    }
