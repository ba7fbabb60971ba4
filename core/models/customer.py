"""A customer of a business unit, with master data ("Stammdaten")."""

from __future__ import annotations

import mongoengine as me

from core.models._base import TimestampedMixin
from core.phone import PhoneError, to_e164

SALUTATIONS = ("", "ms", "mr", "mx")


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
    birthday = me.DateField()
    email = me.EmailField(max_length=254)
    phone = me.StringField(max_length=20)  # E.164
    address = me.EmbeddedDocumentField(Address, default=Address)
    notes = me.StringField(max_length=10000)
    tags = me.ListField(me.StringField(max_length=50), max_length=50)
    custom_fields = me.DictField()
    portal_enabled = me.BooleanField(default=False)  # portal (issue 5): may log in to the customer portal
    created_at = me.DateTimeField()
    updated_at = me.DateTimeField()

    meta = {
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
                errors[field] = me.ValidationError("This field is required.")
        if self.email is not None:
            self.email = self.email.strip().lower() or None
        if self.phone:
            country = "DE"
            if self.business_unit and getattr(self.business_unit, "settings", None):
                country = self.business_unit.settings.default_country or "DE"
            try:
                self.phone = to_e164(self.phone, country)
            except PhoneError as exc:
                errors["phone"] = me.ValidationError(str(exc))
        else:
            self.phone = None
        self.tags = sorted({t.strip() for t in (self.tags or []) if t and t.strip()})
        self.last_name_key = (self.last_name or "").casefold()
        if errors:
            raise me.ValidationError("Invalid customer", errors=errors)

    def __str__(self) -> str:
        return self.full_name
