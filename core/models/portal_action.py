"""What a customer may do in the portal with an activity type ("Kundenportal-Aktionen"), under which
conditions, and what was done already (so "at most once" and "one survey invitation" hold).

The conditions are data; :mod:`core.services.portal_actions` is the one evaluator, used when a page
is drawn and again on every POST.
"""

from __future__ import annotations

import mongoengine as me

from core.models._base import N_, TimestampedMixin, UnitQuerySet, no_control_characters, utcnow
from core.models.questionnaire import Questionnaire  # the class itself: its delete rule needs it registered

KINDS = ("book", "reschedule", "cancel", "questionnaire", "upload", "survey")
#: kinds that act on an existing appointment (all but booking a new one)
APPOINTMENT_KINDS = ("reschedule", "cancel", "questionnaire", "upload", "survey")
#: kinds that open a questionnaire (the portal task machinery)
QUESTIONNAIRE_KINDS = ("questionnaire", "survey")


class PortalAction(TimestampedMixin, me.Document):
    """One action of an activity type in the portal, with its availability conditions.

    Every condition that is set must hold (and the activity type must be shown in the portal):

    * ``statuses``: the appointment's status is one of them (empty: any status but "cancelled");
    * ``earliest_hours_before`` / ``latest_hours_before``: now lies between that many hours before the
      appointment's start (negative: after the start), e.g. cancel only up to 24 h before → latest 24;
    * ``days_after_done``: the appointment is done, at most that many days ago (surveys);
    * ``once``: at most once per appointment;
    * ``required_tag``: the customer carries this tag.
    """

    business_unit = me.ReferenceField("BusinessUnit", required=True)
    #: deleting the activity type deletes its actions
    activity_type = me.ReferenceField("ActivityType", required=True, reverse_delete_rule=me.CASCADE)
    kind = me.StringField(required=True, choices=KINDS)
    label = me.StringField(required=True, max_length=100, validation=no_control_characters)
    #: questionnaire and survey: the questionnaire (a published one of the unit) the customer fills in
    questionnaire = me.ReferenceField(Questionnaire, reverse_delete_rule=me.NULLIFY)
    statuses = me.ListField(me.StringField(choices=("planned", "running", "done", "cancelled")))
    earliest_hours_before = me.IntField(min_value=-24 * 365, max_value=24 * 365)
    latest_hours_before = me.IntField(min_value=-24 * 365, max_value=24 * 365)
    days_after_done = me.IntField(min_value=0, max_value=365)
    once = me.BooleanField(default=False)
    required_tag = me.StringField(max_length=50)
    position = me.IntField(default=0, min_value=0, max_value=1000)
    active = me.BooleanField(default=True)
    created_at = me.DateTimeField()
    updated_at = me.DateTimeField()

    meta = {
        "queryset_class": UnitQuerySet,
        "collection": "portal_actions",
        "indexes": [{"fields": ["business_unit", "activity_type", "position"], "name": "unit_type"}],
        "ordering": ["position", "created_at"],
    }

    def clean(self):
        errors = {}
        self.required_tag = (self.required_tag or "").strip() or None
        self.statuses = sorted(set(self.statuses or []))
        if self.kind in QUESTIONNAIRE_KINDS and self.questionnaire is None:
            errors["questionnaire"] = me.ValidationError(N_("Please choose a questionnaire."))
        if self.kind not in QUESTIONNAIRE_KINDS:
            self.questionnaire = None
        if self.kind == "book" and (self.statuses or self.days_after_done is not None or self.once
                                    or self.earliest_hours_before is not None or self.latest_hours_before is not None):
            errors["kind"] = me.ValidationError(N_("Booking has no appointment yet: only the tag condition applies."))
        if self.earliest_hours_before is not None and self.latest_hours_before is not None \
                and self.earliest_hours_before < self.latest_hours_before:
            errors["latest_hours_before"] = me.ValidationError(
                N_("The latest time must not lie before the earliest time."))
        for field in ("activity_type", "questionnaire"):
            ref = getattr(self, field)
            if ref is not None and self.business_unit is not None and ref.business_unit.pk != self.business_unit.pk:
                errors[field] = me.ValidationError(N_("Belongs to another business unit."))
        if errors:
            raise me.ValidationError("Invalid portal action", errors=errors)

    def __str__(self) -> str:
        return self.label


class PortalActionRecord(me.Document):
    """A fact about an action on one appointment, claimed once under a unique index: ``used`` (an action
    with "at most once" was carried out) or ``invited`` (the survey invitation went out)."""

    business_unit = me.ReferenceField("BusinessUnit", required=True)
    customer = me.ReferenceField("Customer", required=True)
    #: facts about an appointment or an action go with it
    appointment = me.ReferenceField("Appointment", required=True, reverse_delete_rule=me.CASCADE)
    action = me.ReferenceField("PortalAction", required=True, reverse_delete_rule=me.CASCADE)
    what = me.StringField(required=True, choices=("used", "invited"))
    created_at = me.DateTimeField(required=True, default=utcnow)

    meta = {
        "queryset_class": UnitQuerySet,
        "collection": "portal_action_records",
        "indexes": [
            {"fields": ["appointment", "action", "what"], "unique": True, "name": "once"},
            {"fields": ["customer"], "name": "customer"},
        ],
    }
