"""An audit event: who changed what, when, with the state before and after."""

from __future__ import annotations

import mongoengine as me

from core.models._base import UnitQuerySet, utcnow

ACTOR_KINDS = ("staff", "customer", "device", "system")


class AuditEvent(me.Document):
    business_unit = me.ReferenceField("BusinessUnit")
    at = me.DateTimeField(required=True, default=utcnow)
    actor_kind = me.StringField(choices=ACTOR_KINDS, required=True, default="system")
    actor_id = me.StringField(max_length=64)
    actor_label = me.StringField(max_length=300)
    action = me.StringField(required=True, max_length=64)  # create, update, delete, login, ...
    object_type = me.StringField(max_length=64)
    object_id = me.StringField(max_length=64)
    summary = me.StringField(max_length=500)
    #: the summary's English message id and its values, so the audit log shows it in the viewer's
    #: language (``summary`` keeps the English text for operators and exports)
    summary_key = me.StringField(max_length=300)
    summary_params = me.DictField()
    #: the customer the event names (as actor, object or owner of the object): erased with the customer
    customer_id = me.StringField(max_length=64)
    before = me.DictField()
    after = me.DictField()

    meta = {
        "queryset_class": UnitQuerySet,
        "collection": "audit_events",
        "indexes": [
            {"fields": ["business_unit", "-at"], "name": "unit_at"},
            {"fields": ["object_type", "object_id"], "name": "object"},
            {"fields": ["customer_id"], "name": "customer", "sparse": True},
        ],
        "ordering": ["-at"],
    }

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label}: {self.action} {self.object_type}"
