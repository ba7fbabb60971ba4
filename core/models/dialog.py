"""A dialog: a customer completes a questionnaire on their own through a personal link.

Status: ``not_opened`` (created, maybe invited) → ``running`` (opened or partly answered) → ``done``
(completed; results computed once and never changed). The personal link's token is stored only as
its SHA-256 (``token_hash``), expires at ``token_expires_at`` and is removed when the dialog is done.
"""

from __future__ import annotations

import mongoengine as me

from core.models._base import UnitQuerySet, utcnow

STATUSES = ("not_opened", "running", "done")
OPEN_STATUSES = ("not_opened", "running")


class Dialog(me.Document):
    business_unit = me.ReferenceField("BusinessUnit", required=True)
    customer = me.ReferenceField("Customer", required=True)
    questionnaire = me.ReferenceField("Questionnaire", required=True)
    version = me.ReferenceField("QuestionnaireVersion", required=True)
    status = me.StringField(required=True, choices=STATUSES, default="not_opened")
    #: random part of the link token (the token is an HMAC of id + nonce under the app's secret key)
    token_nonce = me.StringField(max_length=64)
    #: SHA-256 of the link token; removed when the dialog is done
    token_hash = me.StringField(regex=r"^[0-9a-f]{64}$")
    token_expires_at = me.DateTimeField()
    #: answers saved as the customer goes (not validated until completion)
    answers = me.DictField()
    #: computed once on completion (forms.scoring.score), immutable afterwards
    results = me.DictField()
    submission = me.ReferenceField("Submission")
    started_by = me.StringField(max_length=300)
    created_at = me.DateTimeField(required=True, default=utcnow)
    invited_at = me.DateTimeField()
    opened_at = me.DateTimeField()
    last_saved_at = me.DateTimeField()
    completed_at = me.DateTimeField()
    #: reminders sent so far (manual and automatic); the next one has sequence ``reminders_sent + 1``
    reminders_sent = me.IntField(default=0, min_value=0)
    last_reminded_at = me.DateTimeField()
    #: the address of the staff's request that started the dialog: its links point there when
    #: FRONTDESK_PUBLIC_BASE_URL is unset (core.config.public_base_url)
    public_base_url = me.StringField(max_length=300)

    meta = {
        "queryset_class": UnitQuerySet,
        "collection": "dialogs",
        "indexes": [
            {"fields": ["token_hash"], "unique": True, "name": "unique_link_token",
             "partialFilterExpression": {"token_hash": {"$type": "string"}}},
            {"fields": ["customer", "-created_at"], "name": "customer_created"},
            {"fields": ["business_unit", "status", "created_at"], "name": "unit_status"},
            {"fields": ["status", "last_reminded_at"], "name": "status_reminded"},
        ],
        "ordering": ["-created_at"],
    }

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def __str__(self) -> str:
        return f"Dialog {self.pk} ({self.status})"
