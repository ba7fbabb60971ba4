"""A referral: one customer recommended the business to another ("empfohlen von")."""

from __future__ import annotations

import mongoengine as me

from core.models._base import UnitQuerySet

REFERRAL_STATUSES = ("pending", "rewarded")


class Referral(me.Document):
    """At most one per referred customer; "rewarded" once, when their first paid visit is recorded."""

    business_unit = me.ReferenceField("BusinessUnit", required=True)
    referrer = me.ReferenceField("Customer", required=True)
    referred = me.ReferenceField("Customer", required=True)
    status = me.StringField(choices=REFERRAL_STATUSES, default="pending", required=True)
    created_at = me.DateTimeField(required=True)
    created_by = me.StringField(max_length=300)
    rewarded_at = me.DateTimeField()
    reward = me.StringField(max_length=300)

    meta = {
        "queryset_class": UnitQuerySet,
        "collection": "referrals",
        "indexes": [
            {"fields": ["referred"], "unique": True, "name": "one_referral_per_customer"},
            {"fields": ["referrer"], "name": "referrer"},
            {"fields": ["business_unit", "-created_at"], "name": "unit_created"},
        ],
        "ordering": ["-created_at"],
    }
