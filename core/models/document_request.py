"""Staff ask a customer for a document ("Dokument anfordern"): the customer answers in the portal by
uploading it; one reminder e-mail goes out when the due date has passed (``reminder_sent_at``)."""

from __future__ import annotations

import mongoengine as me

from core.models._base import UnitQuerySet, no_control_characters, utcnow

REQUEST_STATUSES = ("open", "fulfilled", "cancelled")


class DocumentRequest(me.Document):
    business_unit = me.ReferenceField("BusinessUnit", required=True)
    customer = me.ReferenceField("Customer", required=True)
    title = me.StringField(required=True, min_length=1, max_length=200, validation=no_control_characters)
    note = me.StringField(max_length=1000)
    category = me.StringField(max_length=60)
    #: the last day (unit's calendar) the customer has
    due = me.DateField(required=True)
    status = me.StringField(choices=REQUEST_STATUSES, default="open", required=True)
    requested_by = me.StringField(max_length=300)
    created_at = me.DateTimeField(required=True, default=utcnow)
    fulfilled_at = me.DateTimeField()
    #: the uploaded document (collection ``documents``)
    document = me.ObjectIdField()
    reminder_sent_at = me.DateTimeField()

    meta = {
        "queryset_class": UnitQuerySet,
        "collection": "document_requests",
        "indexes": [{"fields": ["customer", "status", "-created_at"], "name": "customer_status"},
                    {"fields": ["status", "due"], "name": "status_due"}],
        "ordering": ["-created_at"],
    }

    def clean(self):
        self.title = (self.title or "").strip()
