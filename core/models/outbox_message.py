"""An outgoing e-mail or SMS. Without SMTP configuration it stays here, visible in the admin."""

from __future__ import annotations

import mongoengine as me

from core.models._base import UnitQuerySet, utcnow

CHANNELS = ("email", "sms")
STATES = ("queued", "sending", "sent", "stored", "failed")


class Attachment(me.EmbeddedDocument):
    """A small file sent with the mail (e.g. the appointment as an .ics calendar entry)."""

    filename = me.StringField(required=True, max_length=100)
    content_type = me.StringField(required=True, max_length=100, regex=r"^[a-z]+/[a-z0-9.+-]+$")
    data = me.StringField(required=True, max_length=100_000)


class OutboxMessage(me.Document):
    business_unit = me.ReferenceField("BusinessUnit")
    channel = me.StringField(choices=CHANNELS, required=True, default="email")
    to = me.StringField(required=True, max_length=254)
    subject = me.StringField(max_length=300)
    body = me.StringField(required=True)
    #: what the message is about, e.g. "appointment:<id>" (kept for deletion and lookups)
    customer_id = me.StringField(max_length=64)
    #: claimed before sending: one action sends at most once, whatever retries happen
    idempotency_key = me.StringField(max_length=200)
    status = me.StringField(choices=STATES, default="queued", required=True)
    attempts = me.IntField(default=0)
    #: when a sender claimed it ("sending"); a claim older than the lease means the sender died
    claimed_at = me.DateTimeField()
    #: the token of the sender whose claim this is (senders claim many messages with one update)
    claim = me.StringField(max_length=40)
    error = me.StringField(max_length=1000)
    #: a transient failure waits until then before the next try (backoff)
    next_attempt_at = me.DateTimeField()
    #: the SMS provider's id of the sent message (core.services.sms)
    provider_id = me.StringField(max_length=200)
    #: an SMS that must not go out at night: quiet hours (minutes after local midnight) in ``quiet_zone``;
    #: a (re)try that falls inside them waits for their end
    quiet_start = me.IntField(min_value=0, max_value=24 * 60 - 1)
    quiet_end = me.IntField(min_value=0, max_value=24 * 60 - 1)
    quiet_zone = me.StringField(max_length=64)
    attachments = me.ListField(me.EmbeddedDocumentField(Attachment), max_length=5)
    created_at = me.DateTimeField(default=utcnow)
    sent_at = me.DateTimeField()

    meta = {
        "queryset_class": UnitQuerySet,
        "collection": "outbox",
        "indexes": [
            {"fields": ["idempotency_key"], "unique": True,
             "partialFilterExpression": {"idempotency_key": {"$type": "string"}}, "name": "idempotency"},
            {"fields": ["status", "created_at"], "name": "status_created"},
            {"fields": ["customer_id"], "name": "customer"},
        ],
        "ordering": ["-created_at"],
    }
