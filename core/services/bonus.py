"""Bonus cards: the unit's programme, the customer's card, the points ledger, rewards and vouchers.

Ledger rules (see core/models/bonus.py): entries are appended with the next sequence number under a
unique index, each with the balance after it, so the balance is derived from the ledger and two
writers racing for the same points cannot both win: the loser reads the new last entry and is
refused if the points are gone. No read-then-write decides anything: the insert does.

Points expire ``expiry_months`` after they were earned, oldest first (every debit consumes the oldest
points first). What is due is derived at read time (:func:`due_to_expire`) and booked as an "expired"
entry by :func:`expire_card`: before a redemption, and by the daily sweep (:func:`expire_all`).
"""

from __future__ import annotations

import calendar
import secrets
from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from mongoengine import NotUniqueError

from core.errors import Conflict, FeatureDisabled, InvalidInput, NotFound
from core.models import BonusCard, BonusProgramme, BusinessUnit, Customer, PointsEntry, Voucher
from core.models._base import utcnow
from core.services.audit import Actor, record, same_unit

#: attempts to append under contention before giving up with a "try again" message
APPEND_ATTEMPTS = 50
#: the largest single correction an owner may book
MAX_ADJUST = 100_000
#: what the admin and the portal call each kind of ledger entry
ENTRY_LABELS = {"earned": _l("earned"), "redeemed": _l("redeemed"), "expired": _l("expired"),
                "correction": _l("correction"), "referral": _l("referral bonus"),
                "sale_correction": _l("sale corrected")}
_CODE_ALPHABET = "BCDFGHJKLMNPQRSTVWXZ23456789"  # no vowels (no words), no 0/O, 1/I


@dataclass(frozen=True)
class CardState:
    """What the customer file and the portal show about a card."""

    card: BonusCard
    balance: int
    #: points that expire at the next sweep (already past their date), not yet booked
    expiring: int
    threshold: int
    reward: str
    entries: list[PointsEntry]

    @property
    def available(self) -> int:
        return max(self.balance - self.expiring, 0)

    @property
    def progress_percent(self) -> int:
        return min(100, self.available * 100 // self.threshold) if self.threshold else 0

    @property
    def can_redeem(self) -> bool:
        return bool(self.reward) and self.available >= self.threshold


def months_before(moment: datetime, months: int) -> datetime:
    """The same day and time ``months`` calendar months earlier (negative: later); the 31st becomes the
    month's last day."""
    month_index = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(month_index, 12)
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


# --- programme ------------------------------------------------------------------------------------

def programme_for(unit: BusinessUnit) -> BonusProgramme:
    """The unit's programme; an unsaved default one until the owner saves the settings."""
    return BonusProgramme.objects(business_unit=unit).first() or BonusProgramme(business_unit=unit)


def save_programme(actor: Actor, unit: BusinessUnit, values: dict) -> BonusProgramme:
    """Validate and store the unit's programme settings (a ValidationError leaves the stored one as it was)."""
    same_unit(actor, unit)
    programme = programme_for(unit)
    before = {k: getattr(programme, k) for k in values}
    for key, value in values.items():
        setattr(programme, key, value)
    programme.business_unit = unit
    programme.updated_at = utcnow()
    programme.validate()
    try:
        programme.save()
    except NotUniqueError:  # two owners saved the first programme at once: update the stored one
        stored = BonusProgramme.objects.get(business_unit=unit)
        for key, value in values.items():
            setattr(stored, key, value)
        programme = stored.save()
    record(actor, "update", object_type="bonus_programmes", object_id=programme.pk, summary="bonus programme",
           before=before, after=dict(values), business_unit=unit)
    return programme


def points_for(programme: BonusProgramme, cents: int) -> int:
    """Whole points for an amount: amount times ``points_per_euro``, rounded down to whole points."""
    return max(cents, 0) * programme.points_per_euro // 100


# --- cards ----------------------------------------------------------------------------------------

def _code(length: int) -> str:
    return "".join(secrets.choice(_CODE_ALPHABET) for _ in range(length))


def _card_number() -> str:
    """12 digits, the last a Luhn check digit (a mistyped number is caught before it is looked up)."""
    body = "".join(secrets.choice("0123456789") for _ in range(11))
    return body + str(luhn_digit(body))


def luhn_digit(body: str) -> int:
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch) * (2 if i % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    return (10 - total % 10) % 10


def card_for(customer: Customer) -> BonusCard:
    """The customer's card, created on first use (one per customer under a unique index)."""
    card = BonusCard.objects(customer=customer).first()
    for _ in range(10):
        if card is not None:
            return card
        try:
            return BonusCard(business_unit=customer.business_unit, customer=customer, number=_card_number(),
                             referral_code=_code(8), created_at=utcnow()).save(force_insert=True)
        except NotUniqueError:  # another request created it, or (rarely) a number was taken: look again
            card = BonusCard.objects(customer=customer).first()
    raise Conflict(_l("Please try again."))


def existing_card(customer: Customer) -> BonusCard | None:
    return BonusCard.objects(customer=customer).first()


def card_by_number(unit: BusinessUnit, number: str) -> BonusCard | None:
    digits = "".join(ch for ch in (number or "")[:40] if ch.isdigit())
    return BonusCard.objects.of_unit(unit).get_or_none(number=digits) if len(digits) == 12 else None


# --- ledger ---------------------------------------------------------------------------------------

def head(card: BonusCard) -> PointsEntry | None:
    return PointsEntry.objects(card=card).order_by("-seq").first()


def balance(card: BonusCard) -> int:
    last = head(card)
    return last.balance_after if last is not None else 0


def ledger(card: BonusCard, limit: int | None = None) -> list[PointsEntry]:
    query = PointsEntry.objects(card=card).order_by("-seq")
    return list(query.limit(limit) if limit else query)


def append(card: BonusCard, kind: str, points: int, *, by: str, reason: str | None = None, sale=None,
           voucher_code: str | None = None, key: str | None = None, at: datetime | None = None) -> PointsEntry:
    """Append one entry; refused (InvalidInput, nothing written) if the balance would go below zero.

    With ``key``, the entry is booked once: a second call with the same key returns the first entry.
    """
    for _ in range(APPEND_ATTEMPTS):
        if key is not None and (done := PointsEntry.objects(card=card, key=key).first()) is not None:
            return done
        last = head(card)
        current = last.balance_after if last is not None else 0
        if current + points < 0:
            raise InvalidInput(_l("Not enough points: the card holds %(balance)d points.", balance=current))
        entry = PointsEntry(business_unit=card.business_unit, customer=card.customer, card=card,
                            seq=(last.seq if last is not None else 0) + 1, kind=kind, points=points,
                            balance_after=current + points, at=at or utcnow(), by=by[:300],
                            reason=(reason or None) and reason[:500], sale=sale, voucher_code=voucher_code, key=key)
        try:
            return entry.save(force_insert=True)
        except NotUniqueError:  # another writer took this number (or this key): read the ledger again
            continue
    raise Conflict(_l("The card is busy. Please try again."))


def due_to_expire(card: BonusCard, programme: BonusProgramme, now: datetime | None = None,
                  entries: list[PointsEntry] | None = None) -> int:
    """Points past their expiry date and not yet spent: credits older than the cut-off minus every debit
    so far (debits consume the oldest points first; booked expiries are debits too)."""
    if not programme.expiry_months:
        return 0
    cutoff = months_before(now or utcnow(), programme.expiry_months)
    entries = ledger(card) if entries is None else entries
    old_credits = sum(e.points for e in entries if e.points > 0 and e.at <= cutoff)
    debits = -sum(e.points for e in entries if e.points < 0)
    return max(old_credits - debits, 0)


def expire_card(card: BonusCard, programme: BonusProgramme, now: datetime | None = None) -> int:
    """Book what is due to expire as one "expired" entry; returns the points expired (0: nothing due)."""
    now = now or utcnow()
    for _ in range(APPEND_ATTEMPTS):
        entries = ledger(card)
        due = min(due_to_expire(card, programme, now, entries), entries[0].balance_after if entries else 0)
        if due <= 0:
            return 0
        # keyed by the ledger position: two sweeps racing book it once, a later debit changes the key
        try:
            append(card, "expired", -due, by="system", key=f"expired:{card.pk}:{entries[0].seq}", at=now)
            return due
        except InvalidInput:  # spent in the meantime: look again
            continue
    return 0


def expire_all(now: datetime | None = None) -> int:
    """The daily sweep: book due expiries on every card of every unit whose points expire; idempotent."""
    total = 0
    for programme in BonusProgramme.objects(expiry_months__gt=0):
        for card in BonusCard.objects(business_unit=programme.business_unit):
            total += expire_card(card, programme, now)
    return total


def state(customer: Customer, now: datetime | None = None, history: int = 50) -> CardState:
    card = card_for(customer)
    programme = programme_for(customer.business_unit)
    entries = ledger(card)
    current = entries[0].balance_after if entries else 0
    expiring = min(due_to_expire(card, programme, now, entries), current)
    return CardState(card=card, balance=current, expiring=expiring, threshold=programme.threshold,
                     reward=programme.reward or "", entries=entries[:history])


def earn_for_sale(sale, *, by: str) -> PointsEntry | None:
    """Book the points of a confirmed sale, once (keyed by the sale). None when it earns nothing."""
    unit = sale.business_unit
    if not unit.has_feature("bonus"):
        return None
    points = points_for(programme_for(unit), sale.original_cents or 0)
    if points <= 0:
        return None
    return append(card_for(sale.customer), "earned", points, by=by, sale=sale, key=f"sale:{sale.pk}",
                  at=sale.confirmed_at)


def adjust(actor: Actor, customer: Customer, points: int, reason: str) -> PointsEntry:
    """An owner's correction with a reason (the view allows owners only); never below zero."""
    same_unit(actor, customer)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(_l("Please give a reason for the correction."))
    if points == 0 or abs(points) > MAX_ADJUST:
        raise InvalidInput(_l("Enter a number of points between -%(max)d and %(max)d (not 0).", max=MAX_ADJUST))
    entry = append(card_for(customer), "correction", points, by=actor.label, reason=reason)
    record(actor, "create", object_type="points_entries", object_id=entry.pk, customer=customer,
           summary=f"points corrected by {points}", after={"points": points, "reason": reason[:500]})
    return entry


# --- rewards and vouchers -------------------------------------------------------------------------

def _require(unit: BusinessUnit, feature: str) -> None:
    if not unit.has_feature(feature):
        raise FeatureDisabled(_l("This function is switched off."))


def _voucher_code() -> str:
    return f"GS-{_code(4)}-{_code(4)}"


def issue_voucher(customer: Customer, reward: str, *, by: str, points: int = 0, source: str = "redeemed",
                  code: str | None = None, key: str | None = None, now: datetime | None = None) -> Voucher:
    """A voucher for ``customer`` valid for the programme's ``voucher_valid_months``; with ``key`` once."""
    now = now or utcnow()
    if key is not None and (done := Voucher.objects(key=key).first()) is not None:
        return done
    expires = months_before(now, -programme_for(customer.business_unit).voucher_valid_months)
    for _ in range(10):
        try:
            return Voucher(business_unit=customer.business_unit, customer=customer, code=code or _voucher_code(),
                           reward=reward[:300], points=points, source=source, created_at=now, created_by=by[:300],
                           expires_at=expires, key=key).save(force_insert=True)
        except NotUniqueError:
            if key is not None and (done := Voucher.objects(key=key).first()) is not None:
                return done
            code = None  # the code was taken: draw another
    raise Conflict(_l("Please try again."))


def redeem(actor: Actor, customer: Customer, now: datetime | None = None) -> Voucher:
    """Exchange the threshold's points for the reward: one "redeemed" entry, then the voucher.

    Two staff pressing at once: both try to append the next entry, one wins, the other is refused
    with "not enough points" if the card no longer holds them (the points are never spent twice).
    """
    same_unit(actor, customer)
    unit = customer.business_unit
    _require(unit, "bonus")
    programme = programme_for(unit)
    if not (programme.reward or "").strip():
        raise InvalidInput(_l("The bonus programme has no reward yet (Settings › Bonus programme)."))
    card = card_for(customer)
    expire_card(card, programme, now)
    code = _voucher_code()
    entry = append(card, "redeemed", -programme.threshold, by=actor.label, voucher_code=code,
                   reason=programme.reward, at=now)
    voucher = issue_voucher(customer, programme.reward, by=actor.label, points=programme.threshold, code=code,
                            key=f"redeemed:{entry.pk}", now=now)
    record(actor, "create", object_type="vouchers", object_id=voucher.pk, customer=customer,
           summary=f"{programme.threshold} points redeemed for voucher {voucher.code}")
    return voucher


def normalise_code(raw: str | None) -> str:
    """What staff type (``gs bcdf ghjk``, ``GSBCDFGHJK``) → ``GS-BCDF-GHJK``."""
    text = "".join(ch for ch in (raw or "")[:64].upper() if ch.isalnum())
    if text.startswith("GS") and len(text) == 10:
        return f"GS-{text[2:6]}-{text[6:]}"
    return text


def vouchers_of(customer: Customer, limit: int = 50) -> list[Voucher]:
    return list(Voucher.objects(customer=customer).order_by("-created_at").limit(limit))


def apply_voucher(actor: Actor, unit: BusinessUnit, raw_code: str, now: datetime | None = None) -> Voucher:
    """Mark the unit's voucher with this code as used, once; another unit's code is not found."""
    same_unit(actor, unit)
    now = now or utcnow()
    code = normalise_code(raw_code)
    voucher = Voucher.objects.of_unit(unit).get_or_none(code=code) if code else None
    if voucher is None:
        raise NotFound(_l("There is no voucher with this code."))
    used = Voucher.objects(pk=voucher.pk, status="open", expires_at__gt=now).modify(
        set__status="used", set__used_at=now, set__used_by=actor.label[:300], new=True)
    if used is None:
        voucher.reload()
        if voucher.status == "used":
            raise InvalidInput(_l("This voucher was already used."))
        if voucher.status == "cancelled":
            raise InvalidInput(_l("This voucher was cancelled."))
        raise InvalidInput(_l("This voucher has expired."))
    record(actor, "update", object_type="vouchers", object_id=used.pk, customer=used.customer,
           summary=f"voucher {used.code} applied", before={"status": "open"}, after={"status": "used"})
    return used


def delete_customer_bonus(customer: Customer) -> int:
    """Delete cascade: the customer's ledger, vouchers and card."""
    from core.services.audit import erase_object

    cards = [str(pk) for pk in BonusCard.objects(customer=customer).scalar("pk")]
    vouchers = [str(pk) for pk in Voucher.objects(customer=customer).scalar("pk")]
    entries = [str(pk) for pk in PointsEntry.objects(customer=customer).scalar("pk")]
    erase_object("vouchers", vouchers)
    erase_object("points_entries", entries)
    n = PointsEntry.objects(customer=customer).delete()
    n += Voucher.objects(customer=customer).delete()
    n += BonusCard.objects(customer=customer).delete()
    erase_object("bonus_cards", cards)
    return n
