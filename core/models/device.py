"""A tablet paired to a business unit ("Gerät"). Pairing codes and device tokens are stored as hashes only."""

from __future__ import annotations

import mongoengine as me

from core.models._base import TimestampedMixin, UnitQuerySet

#: pending: a Freischaltcode was issued and not used yet; paired: the tablet holds a device token;
#: revoked: unpaired by the owner; void: its pending code was voided (too many wrong entries)
STATUSES = ("pending", "paired", "revoked", "void")


class Device(TimestampedMixin, me.Document):
    business_unit = me.ReferenceField("BusinessUnit", required=True)
    name = me.StringField(required=True, max_length=100)
    status = me.StringField(required=True, choices=STATUSES, default="pending")
    #: HMAC-SHA256 (key: the app's SECRET_KEY) of the normalised one-time code; removed once used
    code_hash = me.StringField(regex=r"^[0-9a-f]{64}$")
    code_expires_at = me.DateTimeField()
    #: the code's first group: public, it names the code a wrong entry is charged to (kiosk/SECURITY.md)
    code_handle = me.StringField(regex=r"^[A-Z]{4}$")
    #: wrong code entries charged to this pending code (see kiosk/SECURITY.md)
    code_failures = me.IntField(default=0, min_value=0)
    #: SHA-256 of the device token held in the tablet's cookie; removed on revoke
    token_hash = me.StringField(regex=r"^[0-9a-f]{64}$")
    paired_at = me.DateTimeField()
    last_seen_at = me.DateTimeField()
    revoked_at = me.DateTimeField()
    created_by = me.StringField(max_length=300)
    created_at = me.DateTimeField()
    updated_at = me.DateTimeField()

    meta = {
        "queryset_class": UnitQuerySet,
        "collection": "devices",
        "indexes": [
            {"fields": ["code_hash"], "unique": True, "name": "unique_code",
             "partialFilterExpression": {"code_hash": {"$type": "string"}}},
            {"fields": ["token_hash"], "unique": True, "name": "unique_token",
             "partialFilterExpression": {"token_hash": {"$type": "string"}}},
            {"fields": ["business_unit", "status"], "name": "unit_status"},
            {"fields": ["status", "code_expires_at"], "name": "pending_codes"},
            {"fields": ["code_handle"], "name": "code_handle", "sparse": True},
        ],
        "ordering": ["name"],
    }

    def __str__(self) -> str:
        return self.name
