"""A file shared in the portal: metadata here, content in ``document_chunks`` (GridFS's shape).

Chunks have GridFS's layout (``files_id``, ``n``, ``data``; 255 KiB each) but live in our own
collection, because neither mongomock (tests) nor the embedded store implements GridFS's
``fs.files``/``fs.chunks`` protocol the same way; on MongoDB this behaves the same.
"""

from __future__ import annotations

import mongoengine as me

from core.models._base import utcnow

CHUNK_SIZE = 255 * 1024


class Document(me.Document):
    business_unit = me.ReferenceField("BusinessUnit", required=True)
    customer = me.ReferenceField("Customer", required=True)
    project = me.ReferenceField("Project")
    filename = me.StringField(required=True, max_length=200)
    content_type = me.StringField(required=True, max_length=100)
    length = me.IntField(required=True, min_value=0)
    sha256 = me.StringField(required=True, regex=r"^[0-9a-f]{64}$")
    uploaded_by = me.StringField(choices=("customer", "staff"), required=True)
    uploaded_label = me.StringField(max_length=300)
    #: False while chunks are written; only complete documents are listed or served
    complete = me.BooleanField(default=False)
    created_at = me.DateTimeField(required=True, default=utcnow)

    meta = {
        "collection": "documents",
        "indexes": [{"fields": ["customer", "-created_at"], "name": "customer_created"},
                    {"fields": ["project", "-created_at"], "name": "project_created"}],
        "ordering": ["-created_at"],
    }


class DocumentChunk(me.Document):
    files_id = me.ObjectIdField(required=True)
    n = me.IntField(required=True, min_value=0)
    data = me.BinaryField(required=True)

    meta = {"collection": "document_chunks",
            "indexes": [{"fields": ["files_id", "n"], "unique": True, "name": "files_id_n"}]}
