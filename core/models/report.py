"""A generated PDF report of a dialog's results and its bytes.

The bytes are stored GridFS-style (a file document plus ordered chunks of at most 255 KiB) in our own
``report_chunks`` collection, because the embedded store and mongomock have no GridFS of their own.
"""

from __future__ import annotations

import mongoengine as me

from core.models._base import utcnow

KINDS = ("customer", "tips")
STATUSES = ("preparing", "ready", "failed")
CHUNK_SIZE = 255 * 1024


class Report(me.Document):
    business_unit = me.ReferenceField("BusinessUnit", required=True)
    customer = me.ReferenceField("Customer", required=True)
    dialog = me.ReferenceField("Dialog", required=True)
    kind = me.StringField(required=True, choices=KINDS)
    status = me.StringField(required=True, choices=STATUSES, default="preparing")
    filename = me.StringField(max_length=200)
    length = me.IntField(default=0)
    pages = me.IntField(default=0)
    sha256 = me.StringField(regex=r"^[0-9a-f]{64}$")
    error = me.StringField(max_length=1000)
    requested_by = me.StringField(max_length=300)
    created_at = me.DateTimeField(required=True, default=utcnow)
    ready_at = me.DateTimeField()

    meta = {
        "collection": "reports",
        "indexes": [{"fields": ["dialog", "kind", "-created_at"], "name": "dialog_kind"},
                    {"fields": ["customer"], "name": "customer"}],
        "ordering": ["-created_at"],
    }


class ReportChunk(me.Document):
    report = me.ReferenceField("Report", required=True)
    n = me.IntField(required=True, min_value=0)
    data = me.BinaryField(required=True)

    meta = {
        "collection": "report_chunks",
        "indexes": [{"fields": ["report", "n"], "unique": True, "name": "report_n"}],
    }
