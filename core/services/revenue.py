"""Revenue: the amount paid for a visit (recorded when an appointment is marked done) or a sale without one.

An appointment marked done opens a sale with the suggested amount (the appointment's price, else its
activity type's); staff confirm or change it, and only then does it count (points, the referral
reward). A confirmed amount is never overwritten: a correction is appended with who, when, the old
and the new amount, and the reason, and the points follow the difference.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from mongoengine import NotUniqueError

from core.errors import Conflict, FeatureDisabled, InvalidInput
from core.models import Appointment, Customer, Sale
from core.models._base import utcnow
from core.models.sale import SaleCorrection
from core.money import MAX_CENTS, MoneyError, parse_cents, to_cents
from core.services import bonus
from core.services.audit import Actor, erase_object, record, same_unit
from core.signals import appointment_status_changed

#: sales may be dated this far back (older ones are a typing error)
MAX_AGE_DAYS = 366 * 10

FEATURES = ("bonus", "referral")


def records_revenue(unit) -> bool:
    """Revenue is recorded where the bonus programme or the referral bonus is switched on."""
    return any(unit.has_feature(key) for key in FEATURES)


def amount(raw: str | None) -> int:
    """Cents from what staff typed; a clear refusal for anything negative, malformed or absurd."""
    try:
        cents = parse_cents(raw)
    except MoneyError:
        raise InvalidInput(_l("Enter an amount in euros, e.g. 34,50."), {"amount": "invalid"}) from None
    if cents > MAX_CENTS:
        raise InvalidInput(_l("The amount is too large (at most 100.000,00 €)."), {"amount": "too_large"})
    return cents


def suggested_cents(appointment: Appointment) -> int | None:
    """The appointment's price, else its activity type's (None: neither has one)."""
    for holder in (appointment, appointment.activity_type):
        price = getattr(holder, "price", None) if holder is not None else None
        if price is not None:
            try:
                cents = to_cents(price)
            except MoneyError:
                continue
            if cents is not None and 0 <= cents <= MAX_CENTS:
                return cents
    return None


def open_for_appointment(appointment: Appointment, by: str = "system") -> Sale | None:
    """Open the sale of a visit marked done (once per appointment); None where revenue is not recorded."""
    if not records_revenue(appointment.business_unit):
        return None
    existing = Sale.objects(appointment=appointment).first()
    if existing is not None:
        return existing
    try:
        return Sale(business_unit=appointment.business_unit, customer=appointment.customer, appointment=appointment,
                    status="open", suggested_cents=suggested_cents(appointment), sold_at=appointment.start,
                    created_at=utcnow(), created_by=by[:300]).save(force_insert=True)
    except NotUniqueError:  # marked done twice at once: the other request opened it
        return Sale.objects(appointment=appointment).first()


@appointment_status_changed.connect
def _visit_done(appointment, *, new_status=None, actor=None, **_kw) -> None:
    """A visit marked done opens its sale for staff to confirm (a listener never raises for a business reason)."""
    if new_status == "done":
        open_for_appointment(appointment, actor.label if actor is not None else "system")


def _require(unit) -> None:
    if not records_revenue(unit):
        raise FeatureDisabled(_l("This function is switched off."))


def _counts(actor: Actor, sale: Sale) -> None:
    """What a confirmed sale sets off: its points, and the referral reward on a first paid visit."""
    from core.services import referrals

    bonus.earn_for_sale(sale, by=actor.label)
    referrals.reward_first_visit(sale)


def sale_day(raw: str | None, zone: ZoneInfo, today: date | None = None) -> datetime:
    """A sale's date (``YYYY-MM-DD`` from the date field) as naive UTC noon of that local day; refused if
    in the future or more than ten years back."""
    try:
        day = date.fromisoformat((raw or "").strip()[:10])
    except ValueError:
        raise InvalidInput(_l("Enter the date of the sale."), {"date": "invalid"}) from None
    today = today or datetime.now(zone).date()
    if day > today or day < today - timedelta(days=MAX_AGE_DAYS):
        raise InvalidInput(_l("The date must be today or in the past (at most ten years)."), {"date": "range"})
    local_noon = datetime.combine(day, time(12, 0), tzinfo=zone)
    return local_noon.astimezone(ZoneInfo("UTC")).replace(tzinfo=None)


def record_sale(actor: Actor, customer: Customer, raw_amount: str, raw_date: str, note: str = "",
                today: date | None = None) -> Sale:
    """A sale without an appointment (amount, date, note), confirmed at once."""
    same_unit(actor, customer)
    unit = customer.business_unit
    _require(unit)
    cents = amount(raw_amount)
    sold_at = sale_day(raw_date, ZoneInfo(unit.timezone), today)
    now = utcnow()
    sale = Sale(business_unit=unit, customer=customer, status="confirmed", original_cents=cents, amount_cents=cents,
                sold_at=sold_at, note=(note or "").strip()[:500] or None, created_at=now, created_by=actor.label[:300],
                confirmed_at=now, confirmed_by=actor.label[:300]).save(force_insert=True)
    record(actor, "create", object_type="sales", object_id=sale.pk, customer=customer,
           summary=f"sale recorded: {cents} cents", after={"amount_cents": cents, "note": sale.note})
    _counts(actor, sale)
    return sale


def confirm(actor: Actor, sale: Sale, raw_amount: str) -> Sale:
    """Confirm an open sale with the amount paid (the suggestion or what staff typed), once."""
    same_unit(actor, sale)
    _require(sale.business_unit)
    cents = amount(raw_amount)
    now = utcnow()
    done = Sale.objects(pk=sale.pk, status="open").modify(
        set__status="confirmed", set__original_cents=cents, set__amount_cents=cents, set__confirmed_at=now,
        set__confirmed_by=actor.label[:300], new=True)
    if done is None:
        raise Conflict(_l("This sale was already confirmed."))
    record(actor, "update", object_type="sales", object_id=done.pk, customer=done.customer,
           summary=f"sale confirmed: {cents} cents", before={"status": "open", "suggested_cents": sale.suggested_cents},
           after={"status": "confirmed", "amount_cents": cents})
    _counts(actor, done)
    return done


def correct(actor: Actor, sale: Sale, raw_amount: str, reason: str) -> Sale:
    """Change a confirmed sale's amount: the original stays, the correction (who, when, old → new, why) is
    appended and the points follow the difference. Refused, with nothing changed, when the card no
    longer holds the points the lower amount takes back."""
    same_unit(actor, sale)
    _require(sale.business_unit)
    if sale.status != "confirmed":
        raise InvalidInput(_l("Confirm the sale first."))
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(_l("Please give a reason for the correction."), {"reason": "missing"})
    cents = amount(raw_amount)
    old = sale.amount_cents
    if cents == old:
        raise InvalidInput(_l("The amount is unchanged."), {"amount": "unchanged"})
    step = len(sale.corrections) + 1
    entry = None
    if sale.business_unit.has_feature("bonus"):
        programme = bonus.programme_for(sale.business_unit)
        delta = bonus.points_for(programme, cents) - bonus.points_for(programme, old)
        if delta:  # booked first: a balance that cannot give the points back refuses the whole correction
            entry = bonus.append(bonus.card_for(sale.customer), "sale_correction", delta, by=actor.label,
                                 reason=reason, sale=sale, key=f"sale:{sale.pk}:{step}")
    correction = SaleCorrection(at=utcnow(), by=actor.label[:300], old_cents=old, new_cents=cents, reason=reason[:500])
    done = Sale.objects(pk=sale.pk, amount_cents=old, corrections__size=step - 1).modify(
        push__corrections=correction, set__amount_cents=cents, new=True)
    if done is None:
        if entry is not None:  # someone corrected it at the same moment: give the points back
            bonus.append(bonus.card_for(sale.customer), "sale_correction", -entry.points, by="system",
                         reason=reason, sale=sale, key=f"sale:{sale.pk}:{step}:undo")
        raise Conflict(_l("The sale was changed in the meantime. Please check it and try again."))
    record(actor, "update", object_type="sales", object_id=done.pk, customer=done.customer,
           summary=f"sale corrected: {old} → {cents} cents", before={"amount_cents": old},
           after={"amount_cents": cents, "reason": reason[:500]})
    return done


def sales_of(customer: Customer, limit: int = 50) -> list[Sale]:
    return list(Sale.objects(customer=customer).order_by("-sold_at").limit(limit))


def open_sales(customer: Customer) -> list[Sale]:
    return list(Sale.objects(customer=customer, status="open").order_by("-sold_at"))


def revenue_cents(customer: Customer) -> int:
    return sum(s.amount_cents or 0 for s in Sale.objects(customer=customer, status="confirmed").only("amount_cents"))


def delete_customer_sales(customer: Customer) -> int:
    """Delete cascade: the customer's sales (and the audit events about them)."""
    erase_object("sales", [str(pk) for pk in Sale.objects(customer=customer).scalar("pk")])
    return Sale.objects(customer=customer).delete()
