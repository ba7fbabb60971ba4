"""A customer waiting for an appointment of one activity type within a date range, and the offer of a
freed slot they hold (one at a time, expiring)."""

from __future__ import annotations

import mongoengine as me

from core.models._base import N_, UnitQuerySet, utcnow

STATUSES = ("waiting", "offered", "booked", "left")


class WaitlistEntry(me.Document):
    business_unit = me.ReferenceField("BusinessUnit", required=True)
    customer = me.ReferenceField("Customer", required=True)
    #: deleting the activity type ends its waitlist
    activity_type = me.ReferenceField("ActivityType", required=True, reverse_delete_rule=me.CASCADE)
    #: the days the customer could come, in the unit's time zone (inclusive); stored as midnight
    date_from = me.DateTimeField(required=True)
    date_to = me.DateTimeField(required=True)
    status = me.StringField(required=True, choices=STATUSES, default="waiting")
    #: the queue order: first come, first offered (the id breaks ties within a millisecond)
    created_at = me.DateTimeField(required=True, default=utcnow)
    #: the offer (status "offered"): the slot (planning token and what it names) and when it lapses
    offer_token = me.StringField(max_length=1000)
    offer_staff = me.ReferenceField("StaffUser")
    offer_start = me.DateTimeField()
    offer_end = me.DateTimeField()
    offer_expires_at = me.DateTimeField()
    #: the freed time the offer came from (handed to the next customer when the offer lapses)
    freed_start = me.DateTimeField()
    freed_end = me.DateTimeField()
    #: "<staff id>@<ISO start>" of that freed time while the offer is open: unique, so a freed time is
    #: offered to one customer at a time, however many tasks hand it on at once
    offer_key = me.StringField(max_length=80)
    #: freed times ("<staff id>@<ISO start>") this entry was offered already and let pass
    passed = me.ListField(me.StringField(max_length=80), max_length=500)
    offers_made = me.IntField(default=0, min_value=0)
    appointment = me.ReferenceField("Appointment", reverse_delete_rule=me.NULLIFY)

    meta = {
        "queryset_class": UnitQuerySet,
        "collection": "waitlist_entries",
        "indexes": [
            {"fields": ["business_unit", "status", "created_at"], "name": "queue"},
            {"fields": ["status", "offer_expires_at"], "name": "offer_expiry"},
            {"fields": ["customer", "status"], "name": "customer"},
            {"fields": ["offer_key"], "unique": True, "name": "one_offer_per_freed_time",
             "partialFilterExpression": {"offer_key": {"$type": "string"}}},
        ],
        "ordering": ["created_at", "id"],
    }

    def clean(self):
        if self.date_from and self.date_to and self.date_to < self.date_from:
            raise me.ValidationError("Invalid waitlist entry", errors={
                "date_to": me.ValidationError(N_("The last day must not lie before the first day."))})
        for field in ("customer", "activity_type"):
            ref = getattr(self, field)
            if ref is not None and self.business_unit is not None and ref.business_unit.pk != self.business_unit.pk:
                raise me.ValidationError("Invalid waitlist entry", errors={
                    field: me.ValidationError(N_("Belongs to another business unit."))})
