"""Revenue: what a customer paid, for a visit (an appointment marked done) or a sale without one."""

from __future__ import annotations

import mongoengine as me

from core.models._base import UnitQuerySet

SALE_STATUSES = ("open", "confirmed")


class SaleCorrection(me.EmbeddedDocument):
    """One change of a confirmed sale's amount: the old and new amount, who changed it, when and why."""

    at = me.DateTimeField(required=True)
    by = me.StringField(required=True, max_length=300)
    old_cents = me.IntField(required=True)
    new_cents = me.IntField(required=True)
    reason = me.StringField(max_length=500)


class Sale(me.Document):
    """A sale. ``original_cents`` is what was first confirmed and never changes; ``amount_cents`` is the
    amount after ``corrections`` (appended, never edited). An appointment has at most one sale (a visit
    marked done twice records once); "open" sales wait for staff to confirm the amount paid."""

    business_unit = me.ReferenceField("BusinessUnit", required=True)
    customer = me.ReferenceField("Customer", required=True)
    appointment = me.ReferenceField("Appointment")
    status = me.StringField(choices=SALE_STATUSES, default="open", required=True)
    #: the amount suggested when the sale was opened (the appointment's or activity type's price)
    suggested_cents = me.IntField(min_value=0)
    original_cents = me.IntField(min_value=0)
    amount_cents = me.IntField(min_value=0)
    sold_at = me.DateTimeField(required=True)
    note = me.StringField(max_length=500)
    created_at = me.DateTimeField(required=True)
    created_by = me.StringField(max_length=300)
    confirmed_at = me.DateTimeField()
    confirmed_by = me.StringField(max_length=300)
    corrections = me.EmbeddedDocumentListField(SaleCorrection)

    meta = {
        "queryset_class": UnitQuerySet,
        "collection": "sales",
        "indexes": [
            {"fields": ["customer", "-sold_at"], "name": "customer_sold"},
            {"fields": ["business_unit", "status", "-sold_at"], "name": "unit_status_sold"},
            {"fields": ["appointment"], "unique": True, "sparse": True, "name": "one_sale_per_appointment"},
        ],
        "ordering": ["-sold_at"],
    }
