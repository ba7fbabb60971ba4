"""One questionnaire run on a paired tablet: started by staff, filled by the customer, then closed."""

from __future__ import annotations

import mongoengine as me

from core.models._base import UnitQuerySet, utcnow

STATUSES = ("waiting", "running", "submitting", "done", "cancelled", "expired")
#: a device has at most one run in these states (unique partial index on ``device`` where ``active``)
ACTIVE_STATUSES = ("waiting", "running", "submitting")


class KioskRun(me.Document):
    business_unit = me.ReferenceField("BusinessUnit", required=True)
    device = me.ReferenceField("Device", required=True)
    customer = me.ReferenceField("Customer", required=True)
    appointment = me.ReferenceField("Appointment")
    questionnaire = me.ReferenceField("Questionnaire", required=True)
    version = me.ReferenceField("QuestionnaireVersion", required=True)
    status = me.StringField(required=True, choices=STATUSES, default="waiting")
    #: True while the run is active, absent afterwards: one active run per device (unique partial index)
    active = me.BooleanField()
    #: customer values shown in the form; wiped when the run ends
    prefill = me.DictField()
    #: SHA-256 of the run URL's token; rotated whenever the tablet picks the run up, removed at the end
    token_hash = me.StringField(regex=r"^[0-9a-f]{64}$")
    submission = me.ReferenceField("Submission")
    started_by = me.StringField(max_length=300)
    created_at = me.DateTimeField(required=True, default=utcnow)
    #: when the tablet first showed the form
    started_at = me.DateTimeField()
    last_activity_at = me.DateTimeField(required=True, default=utcnow)
    ended_at = me.DateTimeField()

    meta = {
        "queryset_class": UnitQuerySet,
        "collection": "kiosk_runs",
        "indexes": [
            {"fields": ["device"], "unique": True, "name": "one_active_run_per_device",
             "partialFilterExpression": {"active": True}},
            {"fields": ["token_hash"], "unique": True, "name": "unique_run_token",
             "partialFilterExpression": {"token_hash": {"$type": "string"}}},
            {"fields": ["active", "last_activity_at"], "name": "active_activity"},
            {"fields": ["business_unit", "-created_at"], "name": "unit_created"},
            {"fields": ["customer"], "name": "customer"},
            {"fields": ["appointment"], "name": "appointment"},
        ],
        "ordering": ["-created_at"],
    }

    @property
    def is_active(self) -> bool:
        return bool(self.active)
