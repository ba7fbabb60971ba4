"""A completed questionnaire: the data, the version it was made against, consents, what changed."""

from __future__ import annotations

import mongoengine as me

from core.models._base import UnitQuerySet, utcnow

SOURCES = ("kiosk", "portal", "staff", "dialog")


class Consent(me.EmbeddedDocument):
    """The exact consent text shown, its hash, the answer and the time."""

    key = me.StringField(required=True, max_length=200)
    label = me.StringField(max_length=1000)
    text = me.StringField(required=True)
    text_sha256 = me.StringField(required=True, regex=r"^[0-9a-f]{64}$")
    answer = me.BooleanField(required=True)
    at = me.DateTimeField(required=True, default=utcnow)


class Submission(me.Document):
    business_unit = me.ReferenceField("BusinessUnit", required=True)
    customer = me.ReferenceField("Customer", required=True)
    questionnaire = me.ReferenceField("Questionnaire", required=True)
    version = me.ReferenceField("QuestionnaireVersion", required=True)
    version_number = me.IntField(required=True)
    data = me.DictField()
    #: the values prefilled from the customer record when the form was opened
    prefill = me.DictField()
    #: master-data changes written back: {customer field: {"before": ..., "after": ...}}
    applied_changes = me.DictField()
    consents = me.EmbeddedDocumentListField(Consent)
    source = me.StringField(required=True, choices=SOURCES)
    source_label = me.StringField(max_length=200)  # e.g. the tablet's name
    started_at = me.DateTimeField()
    completed_at = me.DateTimeField(required=True, default=utcnow)

    meta = {
        "queryset_class": UnitQuerySet,
        "collection": "submissions",
        "indexes": [{"fields": ["customer", "-completed_at"], "name": "customer_completed"},
                    {"fields": ["business_unit", "-completed_at"], "name": "unit_completed"},
                    {"fields": ["questionnaire", "-completed_at"], "name": "questionnaire_completed"}],
        "ordering": ["-completed_at"],
    }
