"""A chat message on a project, between the customer (portal) and staff (admin)."""

from __future__ import annotations

import mongoengine as me

from core.models._base import UnitQuerySet, utcnow

SENDERS = ("customer", "staff")


class Message(me.Document):
    business_unit = me.ReferenceField("BusinessUnit", required=True)
    customer = me.ReferenceField("Customer", required=True)
    project = me.ReferenceField("Project", required=True)
    sender = me.StringField(choices=SENDERS, required=True)
    sender_label = me.StringField(max_length=200)
    body = me.StringField(required=True, max_length=5000)
    created_at = me.DateTimeField(required=True, default=utcnow)
    #: set when the other side has read it (staff read customers' messages and vice versa)
    read_at = me.DateTimeField()
    notified_at = me.DateTimeField()

    meta = {
        "queryset_class": UnitQuerySet,
        "collection": "messages",
        "indexes": [
            {"fields": ["project", "-created_at"], "name": "project_created"},
            {"fields": ["customer", "sender", "read_at"], "name": "customer_unread"},
            {"fields": ["business_unit", "sender", "read_at"], "name": "unit_unread"},
        ],
        "ordering": ["created_at"],
    }
