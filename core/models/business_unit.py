"""A business unit: one salon, practice or branch, with its settings and switched-on features."""

from __future__ import annotations

from zoneinfo import available_timezones

import mongoengine as me

from core.features import FEATURE_KEYS
from core.models._base import N_, TimestampedMixin


class UnitSettings(me.EmbeddedDocument):
    """Settings per business unit (Settings page)."""

    email = me.EmailField(max_length=254)
    phone = me.StringField(max_length=32)
    address = me.StringField(max_length=500)
    default_country = me.StringField(max_length=2, default="DE", regex=r"^[A-Z]{2}$")
    reminder_hours_before = me.IntField(min_value=1, max_value=24 * 14, default=24)
    kiosk_timeout_minutes = me.IntField(min_value=1, max_value=240, default=15)
    imprint = me.StringField(max_length=5000)
    #: the categories staff choose from for documents in the customer file (empty: the default list)
    document_categories = me.ListField(me.StringField(max_length=60))
    #: where a click on a phone number goes; empty: ``tel:`` (see core.services.calls)
    call_link_template = me.StringField(max_length=500)
    #: a freed slot offered to the first customer on the waitlist is theirs to accept this long
    waitlist_offer_hours = me.IntField(min_value=1, max_value=24 * 7, default=12)


class BusinessUnit(TimestampedMixin, me.Document):
    name = me.StringField(required=True, max_length=200)
    slug = me.StringField(required=True, max_length=64, regex=r"^[a-z0-9][a-z0-9-]*$")
    timezone = me.StringField(required=True, default="Europe/Berlin", max_length=64)
    language = me.StringField(choices=("de", "en"), default="de")
    features = me.ListField(me.StringField(choices=FEATURE_KEYS))
    settings = me.EmbeddedDocumentField(UnitSettings, default=UnitSettings)
    created_at = me.DateTimeField()
    updated_at = me.DateTimeField()

    meta = {"collection": "business_units", "indexes": [{"fields": ["slug"], "unique": True}]}

    def clean(self):
        if self.timezone not in _timezones():
            raise me.ValidationError(errors={"timezone": me.ValidationError(N_("Unknown time zone"))})
        self.features = sorted(set(self.features or []))

    def has_feature(self, key: str) -> bool:
        return key in (self.features or [])

    def __str__(self) -> str:
        return self.name


_TZ: set[str] = set()


def _timezones() -> set[str]:
    if not _TZ:
        _TZ.update(available_timezones())
    return _TZ
