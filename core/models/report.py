"""A generated PDF report of a dialog's results; the PDF itself is in the GridFS bucket ``reports``
(see core/files.py), referenced by ``file_id`` once the report is ready."""

from __future__ import annotations

import mongoengine as me

from core.models._base import UnitQuerySet, utcnow

KINDS = ("customer", "tips")
STATUSES = ("preparing", "ready", "failed")


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
    #: the GridFS file (bucket ``reports``); set together with status "ready"
    file_id = me.ObjectIdField()
    error = me.StringField(max_length=1000)
    requested_by = me.StringField(max_length=300)
    created_at = me.DateTimeField(required=True, default=utcnow)
    ready_at = me.DateTimeField()
    #: when the render task was last handed the report, and how often (the stale-render sweep re-queues)
    enqueued_at = me.DateTimeField()
    enqueues = me.IntField(default=0, min_value=0)
    #: when a worker last started rendering; a render older than the lease has died (killed worker)
    render_started_at = me.DateTimeField()

    meta = {
        "queryset_class": UnitQuerySet,
        "collection": "reports",
        "indexes": [{"fields": ["dialog", "kind", "-created_at"], "name": "dialog_kind"},
                    {"fields": ["customer"], "name": "customer"},
                    {"fields": ["status", "created_at"], "name": "status_created"}],
        "ordering": ["-created_at"],
    }

