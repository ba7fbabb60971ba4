"""One claimed time granule of one staff member: the write that makes double booking impossible.

An appointment holds one claim per ``GRANULE_MINUTES`` of its span (buffers included). The unique index
on (staff, granule) makes the database refuse a second claim of the same granule, whoever writes it and
in whichever process: a booking inserts its claims first and only then saves the appointment; when an
insert is refused it removes what it inserted (core.services.booking)."""

from __future__ import annotations

import mongoengine as me

from core.models._base import UnitQuerySet

GRANULE_MINUTES = 5


class SlotClaim(me.Document):
    business_unit = me.ObjectIdField(required=True)
    staff = me.ObjectIdField(required=True)
    #: naive UTC start of the granule (a multiple of GRANULE_MINUTES)
    granule = me.DateTimeField(required=True)
    #: the appointment holding it (its id is chosen before the claim is written)
    appointment = me.ObjectIdField(required=True)
    created_at = me.DateTimeField(required=True)

    meta = {
        "queryset_class": UnitQuerySet,
        "collection": "slot_claims",
        "indexes": [
            {"fields": ["staff", "granule"], "unique": True, "name": "one_claim_per_granule"},
            {"fields": ["appointment"], "name": "claims_of_appointment"},
        ],
    }
