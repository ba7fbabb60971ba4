"""A customer of a business unit, with master data ("Stammdaten")."""

from __future__ import annotations

import re
import unicodedata

import mongoengine as me

from core.models._base import N_, TimestampedMixin, UnitQuerySet
from core.models.geo import GeoPoint
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


#: DIN 5007-2 ("phone book") spellings: a search for "Mueller" finds "Müller"
_DIN_SPELLING = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue",
                               "ẞ": "SS"})
_PARTS = re.compile(r"[\s\-]+")
_EMAIL_PARTS = re.compile(r"[._+\-@]+")
#: a search term that is a phone number as people type it: "0171 2345678", "+49 (30) 12 34-56"
PHONE_TERM = re.compile(r"[+(]?\d[\d\s()/.\-]*")


def collation_key(text: str | None) -> str:
    """The sort key of a name in German dictionary order (DIN 5007-1: ä as a, ß as ss, case ignored):
    "Bäcker" sorts before "Braun"."""
    return search_fold(text or "") if isinstance(text, str) else ""


def _name_words(value) -> set[str]:
    """A name's folded search words: the whole name and each part of a double name ("Müßig-Öztürk":
    "mussig-ozturk", "mussig", "ozturk"), also in the DIN 5007-2 spelling ("muessig")."""
    if not isinstance(value, str) or not value.strip():
        return set()
    words = set()
    for spelling in {value, value.translate(_DIN_SPELLING)}:
        folded = " ".join(search_fold(spelling).split())
        if folded:
            words.add(folded)
            words.update(p for p in _PARTS.split(folded) if p)
    return words


def search_words(last_name: str | None, first_name: str | None, email: str | None,
                 phone: str | None = None) -> list[str]:
    """Everything a customer is found by, folded: surname and first name with their parts, the e-mail
    address and its parts, the phone number's digits (E.164 without "+"). A search term matches the
    customer when each of its words is the beginning of one of these (:func:`search_terms`)."""
    words = _name_words(last_name) | _name_words(first_name)
    if isinstance(email, str) and email.strip():
        folded = search_fold(email.strip())
        words.add(folded)
        words.update(p for p in _EMAIL_PARTS.split(folded) if p)
    if isinstance(phone, str) and phone.startswith("+"):
        words.add(phone[1:])
    return sorted(words)


def phone_digits(term: str, country: str = "DE") -> str:
    """A phone number as typed (or its beginning) as the digits of its E.164 form: "0171 23" → "4917123"
    in Germany, "+49 171" and "0049 171" → "49171"."""
    import phonenumbers

    digits = re.sub(r"\D", "", term)
    if term.strip().startswith("+"):
        return digits
    if digits.startswith("00"):
        return digits[2:]
    if digits.startswith("0"):
        return f"{phonenumbers.country_code_for_region(country or 'DE') or 49}{digits[1:]}"
    return digits


def search_terms(term: str, country: str = "DE") -> list[str]:
    """What a search for ``term`` asks of a customer: every returned word must begin one of their
    :func:`search_words`. A term that looks like a phone number is one word (its E.164 digits);
    otherwise each word of the term, folded ("Müß" → "muss", "Öz" → "oz")."""
    term = (term or "").strip()[:100]
    if PHONE_TERM.fullmatch(term) and len(re.sub(r"\D", "", term)) >= 3:
        return [phone_digits(term, country)]
    return [w for w in (" ".join(search_fold(t).split()) for t in term.split()) if w]


def matching(query, term: str, country: str = "DE"):
    """The customers of ``query`` a search for ``term`` finds: the one search rule of the list, the
    customer picker and every other customer search (:func:`search_terms` against :func:`search_words`).
    The equality on the indexed ``search_prefixes`` narrows the documents the patterns look at."""
    words = search_terms(term, country)
    if not words:
        return query
    criteria = None
    for word in words:
        q = me.Q(search_words=re.compile("^" + re.escape(word)))
        criteria = q if criteria is None else criteria & q
    return query.filter(search_prefixes=words[0][:SEARCH_PREFIX_LENGTH]).filter(criteria)


def search_key(term: str) -> str:
    """The ``search_prefixes`` entry every customer matching the prefix search for ``term`` has ("" = none)."""
    return search_fold(term)[:SEARCH_PREFIX_LENGTH]


def search_prefixes(last_name: str | None, first_name: str | None, email: str | None,
                    phone: str | None = None) -> list[str]:
    """The 1..3 character prefixes of the customer's :func:`search_words`, sorted."""
    words = search_words(last_name, first_name, email, phone)
    return sorted({w[:n] for w in words for n in range(1, min(len(w), SEARCH_PREFIX_LENGTH) + 1)})


def search_fields(last_name: str | None, first_name: str | None, email: str | None, phone: str | None) -> dict:
    """The derived search and sort fields of a customer with these values (kept by every write)."""
    return {"last_name_key": collation_key(last_name),
            "search_words": search_words(last_name, first_name, email, phone),
            "search_prefixes": search_prefixes(last_name, first_name, email, phone)}


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
    #: the surname's German sort key (DIN 5007-1, :func:`collation_key`): lists sort by it
    last_name_key = me.StringField(max_length=100)
    #: derived: what the customer is found by (:func:`search_words`), matched by prefix
    search_words = me.ListField(me.StringField(max_length=300))
    #: derived, indexed: folded prefixes of surname, first name and e-mail (``search_prefixes()``); the admin
    #: search asks for one of them by equality before it applies its patterns. Kept by ``clean()`` (save),
    #: by services that update these fields atomically, and filled where missing by ``frontdesk db upgrade``.
    search_prefixes = me.ListField(me.StringField(max_length=SEARCH_PREFIX_LENGTH * 4))
    birthday = me.DateField()
    email = me.EmailField(max_length=254)
    phone = me.StringField(max_length=20)  # E.164
    address = me.EmbeddedDocumentField(Address, default=Address)
    #: where the address is (travel times); derived from it with its source, or set by hand ("manual")
    coordinates = me.EmbeddedDocumentField(GeoPoint)
    notes = me.StringField(max_length=10000)
    tags = me.ListField(me.StringField(max_length=50), max_length=50)
    custom_fields = me.DictField()
    portal_enabled = me.BooleanField(default=False)  # may log in to the customer portal
    #: appointment confirmations and reminders: opted out → none (an opt-out, so a form or import that does
    #: not know the field never opts anyone out); preferred channel ("" = the unit's)
    reminders_opt_out = me.BooleanField(default=False)
    reminder_channel = me.StringField(choices=("", "email", "sms"), default="")
    #: the language of confirmations and reminders ("" = the unit's)
    language = me.StringField(choices=("", "de", "en"), default="")
    created_at = me.DateTimeField()
    updated_at = me.DateTimeField()

    #: derived from other fields: not worth an audit entry of its own (core.services.audit.snapshot)
    audit_exclude = ("search_prefixes", "search_words")

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
        for field, value in search_fields(self.last_name, self.first_name, self.email, self.phone).items():
            setattr(self, field, value)
        if errors:
            raise me.ValidationError("Invalid customer", errors=errors)

    def __str__(self) -> str:
        return self.full_name


def backfill_search_prefixes() -> int:
    """Set the derived search fields (``search_words``, ``search_prefixes``, the ``last_name_key`` sort
    key) on every customer document that lacks ``search_words`` (written before the field existed,
    restored from an older export or imported by other tools); returns how many lacked it. A step of
    ``frontdesk db upgrade`` (core.db.UPGRADE_STEPS), run again after ``frontdesk import``.

    Idempotent and safe next to other writers: each update only applies while the field is still
    missing, so it never overwrites what a concurrent save computed from newer names."""
    collection = Customer._get_collection()
    missing = {"search_words": {"$exists": False}}
    found = list(collection.find(missing, {"last_name": 1, "first_name": 1, "email": 1, "phone": 1}))
    for doc in found:  # one-off per document (a plain update: mongomock has no pymongo 4 bulk_write)
        fields = search_fields(*(doc.get(f) for f in ("last_name", "first_name", "email", "phone")))
        collection.update_one({"_id": doc["_id"], **missing}, {"$set": fields})
    return len(found)
