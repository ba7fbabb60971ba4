"""Bonus cards: the unit's programme, the customer's card, its points ledger and the vouchers.

The ledger is append-only: a :class:`PointsEntry` is inserted, never updated or deleted (except when
the customer is deleted). Entries of a card are numbered ``seq`` 1, 2, 3 … under a unique index, and
each carries the balance after it; the card's balance is that of its last entry. Two writers that read
the same last entry both try to insert the next number and exactly one succeeds (the unique index is
checked in the same step as the insert on MongoDB and on the embedded store), so no points are spent twice.
"""

from __future__ import annotations

import mongoengine as me

from core.models._base import N_, UnitQuerySet

ENTRY_KINDS = ("earned", "redeemed", "expired", "correction", "referral", "sale_correction")
#: kinds whose positive points count as earned at the entry's time (they can expire)
CREDIT_KINDS = ("earned", "referral", "correction", "sale_correction")
VOUCHER_STATUSES = ("open", "used", "cancelled")
REFERRAL_REWARDS = ("points", "voucher")


class BonusProgramme(me.Document):
    """The unit's bonus and referral settings (one per unit)."""

    business_unit = me.ReferenceField("BusinessUnit", required=True)
    #: points = amount times points_per_euro, rounded down (34,90 € at 1 point per euro → 34 points)
    points_per_euro = me.IntField(min_value=0, max_value=100, default=1)
    threshold = me.IntField(min_value=1, max_value=1_000_000, default=500)
    reward = me.StringField(max_length=300, default="")
    #: points expire this many months after they were earned (0: never)
    expiry_months = me.IntField(min_value=0, max_value=120, default=0)
    voucher_valid_months = me.IntField(min_value=1, max_value=60, default=6)
    referral_reward = me.StringField(choices=REFERRAL_REWARDS, default="points")
    referrer_points = me.IntField(min_value=0, max_value=100_000, default=100)
    referrer_voucher = me.StringField(max_length=300, default="")
    #: points for the referred customer too (0: none)
    referred_points = me.IntField(min_value=0, max_value=100_000, default=0)
    updated_at = me.DateTimeField()

    meta = {
        "queryset_class": UnitQuerySet,
        "collection": "bonus_programmes",
        "indexes": [{"fields": ["business_unit"], "unique": True, "name": "one_programme_per_unit"}],
    }

    def clean(self):
        if self.referral_reward == "voucher" and not (self.referrer_voucher or "").strip():
            raise me.ValidationError(errors={"referrer_voucher": me.ValidationError(
                N_("Describe the voucher the referring customer gets."))})


class BonusCard(me.Document):
    """The customer's card: its printed number and personal referral code. The balance lives in the ledger."""

    business_unit = me.ReferenceField("BusinessUnit", required=True)
    customer = me.ReferenceField("Customer", required=True)
    number = me.StringField(required=True, max_length=20)
    referral_code = me.StringField(required=True, max_length=20)
    created_at = me.DateTimeField(required=True)

    meta = {
        "queryset_class": UnitQuerySet,
        "collection": "bonus_cards",
        "indexes": [
            {"fields": ["customer"], "unique": True, "name": "one_card_per_customer"},
            {"fields": ["business_unit", "number"], "unique": True, "name": "unique_number_per_unit"},
            {"fields": ["business_unit", "referral_code"], "unique": True, "name": "unique_code_per_unit"},
        ],
    }


class PointsEntry(me.Document):
    """One line of a card's ledger (append-only)."""

    business_unit = me.ReferenceField("BusinessUnit", required=True)
    customer = me.ReferenceField("Customer", required=True)
    card = me.ReferenceField("BonusCard", required=True)
    seq = me.IntField(required=True, min_value=1)
    kind = me.StringField(choices=ENTRY_KINDS, required=True)
    points = me.IntField(required=True)
    balance_after = me.IntField(required=True, min_value=0)
    at = me.DateTimeField(required=True)
    by = me.StringField(max_length=300)
    reason = me.StringField(max_length=500)
    sale = me.ReferenceField("Sale")
    voucher_code = me.StringField(max_length=32)
    #: what the entry is for, once ("sale:<id>", "referral:<id>:referrer"; unique across the collection): a
    #: retry never books twice
    key = me.StringField(max_length=100)

    meta = {
        "queryset_class": UnitQuerySet,
        "collection": "points_entries",
        "indexes": [
            {"fields": ["card", "seq"], "unique": True, "name": "card_seq"},
            {"fields": ["key"], "unique": True, "sparse": True, "name": "unique_key"},
            {"fields": ["customer"], "name": "customer"},
        ],
        "ordering": ["-seq"],
    }


class Voucher(me.Document):
    """A reward to apply at a visit, found by its code within the unit."""

    business_unit = me.ReferenceField("BusinessUnit", required=True)
    customer = me.ReferenceField("Customer", required=True)
    code = me.StringField(required=True, max_length=32)
    reward = me.StringField(required=True, max_length=300)
    points = me.IntField(min_value=0, default=0)
    #: "redeemed" (points), "referral"
    source = me.StringField(max_length=20, default="redeemed")
    status = me.StringField(choices=VOUCHER_STATUSES, default="open", required=True)
    created_at = me.DateTimeField(required=True)
    created_by = me.StringField(max_length=300)
    expires_at = me.DateTimeField(required=True)
    used_at = me.DateTimeField()
    used_by = me.StringField(max_length=300)
    #: what the voucher is for, once ("referral:<id>:referrer"): a retry never issues a second one
    key = me.StringField(max_length=100)

    meta = {
        "queryset_class": UnitQuerySet,
        "collection": "vouchers",
        "indexes": [
            {"fields": ["business_unit", "code"], "unique": True, "name": "unique_code_per_unit"},
            {"fields": ["key"], "unique": True, "sparse": True, "name": "unique_key"},
            {"fields": ["customer", "-created_at"], "name": "customer_created"},
        ],
        "ordering": ["-created_at"],
    }
