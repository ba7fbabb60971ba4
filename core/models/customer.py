"""A customer of a business unit, with master data ("Stammdaten")."""

from __future__ import annotations

import unicodedata

import mongoengine as me

from core.models._base import N_, TimestampedMixin, UnitQuerySet
from core.phone import PhoneError, to_e164

SALUTATIONS = ("", "ms", "mr", "mx")
#: ``search_prefixes`` holds the folded 1..SEARCH_PREFIX_LENGTH character prefixes of the searched fields
SEARCH_PREFIX_LENGTH = 3
#: Python's case-insensitive patterns also treat the dotless i (U+0131) as a case of i; casefold() does not
_FOLD_EXTRA = str.maketrans({"\u0131": "i"})


def search_fold(text: str) -> str:
    """Case- and accent-folded text (``"Müller"`` → ``"muller"``, ``"Straße"`` → ``"strasse"``).

    Only used to *narrow* a search (see ``Customer.search_prefixes``): it must put everything the
    admin search's patterns match together, so it folds more than they do (the patterns decide).
    Casefolding, compatibility decomposition, dropping combining marks and dotless i → i work character by
    character, so the fold of a prefix is a prefix of the fold; characters that a case-insensitive
    pattern treats as equal fold alike (both checked in tests/admin/test_customer_search.py)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).translate(_FOLD_EXTRA)


def search_key(term: str) -> str:
    """The ``search_prefixes`` entry every customer matching the prefix search for ``term`` has ("" = none)."""
    return search_fold(term)[:SEARCH_PREFIX_LENGTH]


def search_prefixes(last_name: str | None, first_name: str | None, email: str | None) -> list[str]:
    """The folded prefixes (1..3 characters) of surname, first name and e-mail, sorted."""
    prefixes = set()
    for value in (last_name, first_name, email):
        folded = search_fold(value) if isinstance(value, str) else ""
        prefixes.update(folded[:n] for n in range(1, min(len(folded), SEARCH_PREFIX_LENGTH) + 1))
    return sorted(prefixes)


class Address(me.EmbeddedDocument):
    street = me.StringField(max_length=200)
    postal_code = me.StringField(max_length=16)
    city = me.StringField(max_length=100)
    country = me.StringField(max_length=2, regex=r"^[A-Z]{2}$", default="DE")

    def __str__(self) -> str:
        parts = [self.street or "", " ".join(p for p in (self.postal_code, self.city) if p)]
        return ", ".join(p for p in parts if p)


class Customer(TimestampedMixin, me.Document):
    business_unit = me.ReferenceField("BusinessUnit", required=True)
    salutation = me.StringField(choices=SALUTATIONS, default="")
    title = me.StringField(max_length=50)
    first_name = me.StringField(required=True, max_length=100)
    last_name = me.StringField(required=True, max_length=100)
    #: lower-cased surname, kept for case-insensitive prefix search and sorting
    last_name_key = me.StringField(max_length=100)
    #: derived, indexed: folded prefixes of surname, first name and e-mail (``search_prefixes()``); the admin
    #: search asks for one of them by equality before it applies its patterns. Kept by ``clean()`` (save),
    #: by services that update these fields atomically, and filled where missing by ``frontdesk db upgrade``.
    search_prefixes = me.ListField(me.StringField(max_length=SEARCH_PREFIX_LENGTH * 4))
    birthday = me.DateField()
    email = me.EmailField(max_length=254)
    phone = me.StringField(max_length=20)  # E.164
    address = me.EmbeddedDocumentField(Address, default=Address)
    notes = me.StringField(max_length=10000)
    tags = me.ListField(me.StringField(max_length=50), max_length=50)
    custom_fields = me.DictField()
    portal_enabled = me.BooleanField(default=False)  # may log in to the customer portal
    #: appointment confirmations and reminders: opted out → none (an opt-out, so a form or import that does
    #: not know the field never opts anyone out); preferred channel ("" = the unit's)
    reminders_opt_out = me.BooleanField(default=False)
    reminder_channel = me.StringField(choices=("", "email", "sms"), default="")
    created_at = me.DateTimeField()
    updated_at = me.DateTimeField()

    #: derived from other fields: not worth an audit entry of its own (core.services.audit.snapshot)
    audit_exclude = ("search_prefixes",)

    meta = {
        "queryset_class": UnitQuerySet,
        "collection": "customers",
        "indexes": [
            {
                "fields": ["business_unit", "email"],
                "unique": True,
                "partialFilterExpression": {"email": {"$type": "string"}},
                "name": "unique_email_per_unit",
            },
            {"fields": ["business_unit", "last_name_key", "first_name"], "name": "unit_surname"},
            {"fields": ["business_unit", "tags"], "name": "unit_tags"},
            {"fields": ["business_unit", "search_prefixes"], "name": "unit_search"},
        ],
        "ordering": ["last_name_key", "first_name"],
    }

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.title, self.first_name, self.last_name) if p)

    def clean(self):
        errors = {}
        for field in ("first_name", "last_name"):
            value = (getattr(self, field) or "").strip()
            setattr(self, field, value)
            if not value:
                errors[field] = me.ValidationError(N_("This field is required."))
        if self.email is not None:
            self.email = self.email.strip().lower() or None
        if self.phone:
            country = "DE"
            if self.business_unit and getattr(self.business_unit, "settings", None):
                country = self.business_unit.settings.default_country or "DE"
            try:
                self.phone = to_e164(self.phone, country)
            except PhoneError:
                errors["phone"] = me.ValidationError(N_("Invalid phone number."))
        else:
            self.phone = None
        self.tags = sorted({t.strip() for t in (self.tags or []) if t and t.strip()})
        self.last_name_key = (self.last_name or "").casefold()
        self.search_prefixes = search_prefixes(self.last_name, self.first_name, self.email)
        if errors:
            raise me.ValidationError("Invalid customer", errors=errors)

    def __str__(self) -> str:
        return self.full_name


def backfill_search_prefixes() -> int:
    """Set ``search_prefixes`` on every customer document that lacks it (written before the field existed,
    restored from an older export or imported by other tools); returns how many lacked it. A step of
    ``frontdesk db upgrade`` (core.db.UPGRADE_STEPS), run again after ``frontdesk import``.

    Idempotent and safe next to other writers: each update only applies while the field is still
    missing, so it never overwrites what a concurrent save computed from newer names."""
    collection = Customer._get_collection()
    missing = {"search_prefixes": {"$exists": False}}
    found = list(collection.find(missing, {"last_name": 1, "first_name": 1, "email": 1}))
    for doc in found:  # one-off per document (a plain update: mongomock has no pymongo 4 bulk_write)
        prefixes = search_prefixes(doc.get("last_name"), doc.get("first_name"), doc.get("email"))
        collection.update_one({"_id": doc["_id"], **missing}, {"$set": {"search_prefixes": prefixes}})
    return len(found)
