"""A file of a customer (in the customer file or on one of their projects): what we list and check
here, the bytes in the GridFS bucket ``documents`` (see core/files.py). A document is saved only after
its GridFS file is complete.

Replacing a document keeps the old one: the new version names it in ``previous`` and the old one gets
``replaced_by``; lists show the current versions (``replaced_by`` unset). Documents written before
categories and sharing existed have no ``staff_only`` and count as shared, as they always were."""

from __future__ import annotations

import mongoengine as me

from core.models._base import UnitQuerySet, utcnow


class Document(me.Document):
    business_unit = me.ReferenceField("BusinessUnit", required=True)
    customer = me.ReferenceField("Customer", required=True)
    project = me.ReferenceField("Project")
    #: uploaded through a portal action of this appointment
    appointment = me.ReferenceField("Appointment")
    filename = me.StringField(required=True, max_length=200)
    content_type = me.StringField(required=True, max_length=100)
    length = me.IntField(required=True, min_value=0)
    sha256 = me.StringField(required=True, regex=r"^[0-9a-f]{64}$")
    uploaded_by = me.StringField(choices=("customer", "staff"), required=True)
    uploaded_label = me.StringField(max_length=300)
    #: the GridFS file (bucket ``documents``) holding the bytes
    file_id = me.ObjectIdField(required=True)
    created_at = me.DateTimeField(required=True, default=utcnow)
    category = me.StringField(max_length=60)
    note = me.StringField(max_length=1000)
    #: True: staff only; False: the customer sees it in the portal
    staff_only = me.BooleanField(default=False)
    version = me.IntField(min_value=1, default=1)
    previous = me.ObjectIdField()
    replaced_by = me.ObjectIdField()
    #: the document request this upload answered
    request = me.ObjectIdField()

    meta = {
        "queryset_class": UnitQuerySet,
        "collection": "documents",
        "indexes": [{"fields": ["customer", "-created_at"], "name": "customer_created"},
                    {"fields": ["project", "-created_at"], "name": "project_created"},
                    {"fields": ["previous"], "name": "previous", "sparse": True}],
        "ordering": ["-created_at"],
    }

