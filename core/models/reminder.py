"""Confirmations and reminders: the unit's policy (with per activity type overrides) and one tracked
delivery per (appointment, kind, lead time, appointment start)."""

from __future__ import annotations

import mongoengine as me

from core.models._base import N_, TimestampedMixin, UnitQuerySet

CHANNELS = ("email", "sms")
#: what a delivery is: the confirmation on booking, a reminder before the start, the cancellation notice
KINDS = ("confirmation", "reminder", "cancellation")
LANGUAGES = ("de", "en")
#: scheduled → claimed (a worker took it) → queued (in the outbox) → sent / failed; skipped: not needed any
#: more (moved, cancelled, opted out) or impossible (no address): ``error`` says why
STATES = ("scheduled", "claimed", "queued", "sent", "failed", "skipped")
#: lead times between 5 minutes and 14 days
MIN_LEAD_MINUTES = 5
MAX_LEAD_MINUTES = 14 * 24 * 60
#: an SMS text (ten concatenated parts at most)
SMS_MAX_LENGTH = 1600


class ReminderTemplate(me.EmbeddedDocument):
    """The texts of one kind in one language; each empty field falls back (activity type → unit → built-in)."""

    kind = me.StringField(choices=KINDS, required=True)
    language = me.StringField(choices=LANGUAGES, required=True)
    #: the e-mail's subject and body
    subject = me.StringField(max_length=200)
    body = me.StringField(max_length=5000)
    #: the text of an SMS
    sms_body = me.StringField(max_length=SMS_MAX_LENGTH)


class ReminderRule(me.EmbeddedDocument):
    """What to send for the unit's appointments, or (``activity_type`` set) for one activity type."""

    activity_type = me.ReferenceField("ActivityType")
    confirmation = me.BooleanField(default=True)
    cancellation_notice = me.BooleanField(default=True)
    #: minutes before the start; whole days are counted on the appointment's wall clock (same time of day)
    lead_minutes = me.ListField(me.IntField(min_value=MIN_LEAD_MINUTES, max_value=MAX_LEAD_MINUTES), max_length=5)
    channel = me.StringField(choices=CHANNELS, default="email")
    #: "reminder wanted" of a new appointment of this kind
    reminder_default = me.BooleanField(default=True)
    #: an activity type's own texts (per kind and language); what they leave empty comes from the unit's
    #: templates, then the built-in texts. Unused on the unit's default rule (the unit's are on the policy).
    templates = me.ListField(me.EmbeddedDocumentField(ReminderTemplate), max_length=len(KINDS) * len(LANGUAGES))




class ReminderPolicy(TimestampedMixin, me.Document):
    """One per business unit (Reminders > Settings)."""

    business_unit = me.ReferenceField("BusinessUnit", required=True)
    default = me.EmbeddedDocumentField(ReminderRule, default=ReminderRule)
    overrides = me.ListField(me.EmbeddedDocumentField(ReminderRule))
    templates = me.ListField(me.EmbeddedDocumentField(ReminderTemplate))
    #: SMS quiet hours, minutes after local midnight: nothing is sent from ``quiet_start`` to ``quiet_end``
    quiet_start = me.IntField(min_value=0, max_value=24 * 60 - 1, default=21 * 60)
    quiet_end = me.IntField(min_value=0, max_value=24 * 60 - 1, default=8 * 60)
    created_at = me.DateTimeField()
    updated_at = me.DateTimeField()

    meta = {"queryset_class": UnitQuerySet, "collection": "reminder_policies",
            "indexes": [{"fields": ["business_unit"], "unique": True, "name": "one_per_unit"}]}

    def clean(self):
        seen = set()
        for rule in self.overrides or []:
            if rule.activity_type is None or rule.activity_type.pk in seen:
                raise me.ValidationError(errors={"overrides": me.ValidationError(N_("One rule per activity type."))})
            seen.add(rule.activity_type.pk)


class ReminderDelivery(TimestampedMixin, me.Document):
    """One message about one appointment, tracked from scheduling to delivery."""

    business_unit = me.ReferenceField("BusinessUnit", required=True)
    appointment = me.ReferenceField("Appointment", required=True)
    customer = me.ReferenceField("Customer", required=True)
    kind = me.StringField(choices=KINDS, required=True)
    lead_minutes = me.IntField(default=0)
    #: the appointment start this message is about: once the appointment moved it is never sent
    for_start = me.DateTimeField(required=True)
    channel = me.StringField(choices=CHANNELS, default="email")
    due_at = me.DateTimeField(required=True)
    status = me.StringField(choices=STATES, default="scheduled", required=True)
    #: the sweep (or task) that claimed it, and when: a claim older than the lease is taken again
    claim = me.StringField(max_length=40)
    claimed_at = me.DateTimeField()
    error = me.StringField(max_length=1000)
    sent_at = me.DateTimeField()
    #: unique: appointment, kind, lead time and start, so arming twice schedules once
    key = me.StringField(required=True, max_length=200)
    created_at = me.DateTimeField()
    updated_at = me.DateTimeField()

    meta = {
        "queryset_class": UnitQuerySet,
        "collection": "reminder_deliveries",
        "indexes": [
            {"fields": ["key"], "unique": True, "name": "one_per_key"},
            {"fields": ["status", "due_at"], "name": "due"},
            {"fields": ["appointment"], "name": "appointment"},
            {"fields": ["customer"], "name": "customer"},
            {"fields": ["business_unit", "status", "due_at"], "name": "unit_status"},
        ],
        "ordering": ["due_at"],
    }
