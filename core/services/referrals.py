"""Referral bonus: a customer recommends the business to another; the reward comes with the new
customer's first paid visit, exactly once.

A referral is recorded by staff ("empfohlen von" on the customer form, or the referring customer's
personal code from the portal). Guards: nobody refers themselves, nor a customer with the same
e-mail address or phone number, nor someone up their own chain of referrals (a loop); a customer
who already paid for a visit cannot be referred any more. The reward (points into the ledger, or a
voucher, as the programme says; points for the new customer too if configured) is keyed by the
referral, so a retry or two confirmations at once book it once. A referred customer deleted before
the first visit takes the referral with them: there is nothing left to reward.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from mongoengine import NotUniqueError

from core.errors import Conflict, FeatureDisabled, InvalidInput
from core.models import BonusCard, BusinessUnit, Customer, Referral, Sale
from core.models._base import utcnow
from core.services import bonus
from core.services.audit import Actor, erase_object, record, same_unit

#: how far up a chain of referrals the loop guard looks
MAX_CHAIN = 100


def _require(unit: BusinessUnit) -> None:
    if not unit.has_feature("referral"):
        raise FeatureDisabled(_l("This function is switched off."))


def referral_of(customer: Customer) -> Referral | None:
    return Referral.objects(referred=customer).first()


def referrer_by_code(unit: BusinessUnit, raw: str | None) -> Customer | None:
    """The customer whose personal referral code this is, within the unit."""
    code = "".join(ch for ch in (raw or "")[:40].upper() if ch.isalnum())
    card = BonusCard.objects.of_unit(unit).get_or_none(referral_code=code) if len(code) == 8 else None
    return card.customer if card is not None else None


def check(referrer: Customer, referred: Customer) -> None:
    """The guards, for a new customer (unsaved) too; InvalidInput naming the reason."""
    if referred.pk is not None and referrer.pk == referred.pk:
        raise InvalidInput(_l("A customer cannot refer themselves."), {"referred_by": "self"})
    if str(referrer.business_unit.pk) != str(referred.business_unit.pk):
        raise InvalidInput(_l("This choice is not available."), {"referred_by": "unit"})
    if referrer.email and referred.email and referrer.email.strip().lower() == referred.email.strip().lower():
        raise InvalidInput(_l("The referring customer has the same e-mail address."), {"referred_by": "email"})
    if referrer.phone and referred.phone and referrer.phone == referred.phone:
        raise InvalidInput(_l("The referring customer has the same phone number."), {"referred_by": "phone"})
    if referred.pk is None:
        return
    step, seen = referrer, set()
    for _ in range(MAX_CHAIN):
        link = Referral.objects(referred=step).first()
        if link is None:
            break
        if link.referrer.pk == referred.pk:
            raise InvalidInput(_l("This would be a loop: the referring customer was referred by this customer "
                                  "(directly or through others)."), {"referred_by": "loop"})
        if link.referrer.pk in seen:
            break
        seen.add(link.referrer.pk)
        step = link.referrer
    if Sale.objects(customer=referred, status="confirmed", amount_cents__gt=0).count():
        raise InvalidInput(_l("This customer already paid for a visit: a referral counts only before the first one."),
                           {"referred_by": "paid"})


def validate_change(referred: Customer, referrer: Customer | None) -> None:
    """What :func:`set_referrer` would refuse, checked before anything is saved (the customer form)."""
    current = referral_of(referred) if referred.pk is not None else None
    if current is not None and referrer is not None and current.referrer.pk == referrer.pk:
        return
    if current is not None and current.status == "rewarded":
        raise InvalidInput(_l("The referral was already rewarded and can no longer be changed."),
                           {"referred_by": "done"})
    if referrer is not None:
        check(referrer, referred)


def set_referrer(actor: Actor, referred: Customer, referrer: Customer | None) -> Referral | None:
    """Record (or change, or with ``None`` remove) who referred ``referred``; a rewarded referral stays."""
    same_unit(actor, referred)
    _require(referred.business_unit)
    if referrer is not None:
        same_unit(actor, referrer)
    current = referral_of(referred)
    if current is not None and referrer is not None and current.referrer.pk == referrer.pk:
        return current
    validate_change(referred, referrer)
    if referrer is None:
        if current is not None and Referral.objects(pk=current.pk, status="pending").delete():
            record(actor, "delete", object_type="referrals", object_id=current.pk, customer=referred,
                   summary="referral removed")
        return None
    if current is not None:
        changed = Referral.objects(pk=current.pk, status="pending").modify(set__referrer=referrer, new=True)
        if changed is None:
            raise Conflict(_l("The referral was changed in the meantime. Please try again."))
        result = changed
    else:
        try:
            result = Referral(business_unit=referred.business_unit, referrer=referrer, referred=referred,
                              created_at=utcnow(), created_by=actor.label[:300]).save(force_insert=True)
        except NotUniqueError:
            raise Conflict(_l("The referral was changed in the meantime. Please try again.")) from None
    record(actor, "update", object_type="referrals", object_id=result.pk, customer=referred,
           summary="referred by another customer", after={"referrer": str(referrer.pk)})
    return result


def reward_first_visit(sale: Sale) -> Referral | None:
    """A confirmed, paid sale of a referred customer with a pending referral rewards it, once.

    The reward is booked first, keyed by the referral (a second caller finds it booked), and then the
    referral is marked rewarded, so a crash in between leaves it to the next confirmation, never twice.
    """
    unit = sale.business_unit
    if not unit.has_feature("referral") or not sale.amount_cents or sale.status != "confirmed":
        return None
    referral = Referral.objects(referred=sale.customer, status="pending").first()
    if referral is None:
        return None
    programme = bonus.programme_for(unit)
    by = "system"
    if programme.referral_reward == "voucher":
        text = programme.referrer_voucher
        bonus.issue_voucher(referral.referrer, text, by=by, source="referral", key=f"referral:{referral.pk}:referrer")
    else:
        text = f"{programme.referrer_points}"
        if programme.referrer_points:
            bonus.append(bonus.card_for(referral.referrer), "referral", programme.referrer_points, by=by,
                         key=f"referral:{referral.pk}:referrer")
    if programme.referred_points:
        bonus.append(bonus.card_for(sale.customer), "referral", programme.referred_points, by=by,
                     key=f"referral:{referral.pk}:referred")
    done = Referral.objects(pk=referral.pk, status="pending").modify(
        set__status="rewarded", set__rewarded_at=utcnow(), set__reward=text[:300], new=True)
    if done is not None:
        record(Actor.system(), "update", object_type="referrals", object_id=done.pk, business_unit=unit,
               customer=done.referred, summary="referral rewarded", after={"reward": text[:300]})
    return done


def referrals_of_unit(unit: BusinessUnit, limit: int = 500) -> list[Referral]:
    return list(Referral.objects(business_unit=unit).order_by("-created_at").limit(limit))


def referred_by(customer: Customer) -> list[Referral]:
    return list(Referral.objects(referrer=customer).order_by("-created_at"))


def delete_customer_referrals(customer: Customer) -> int:
    """Delete cascade: referrals naming the customer on either side (a deleted referred customer's
    referral is gone before any visit could reward it)."""
    ids = [str(pk) for pk in Referral.objects(referred=customer).scalar("pk")]
    ids += [str(pk) for pk in Referral.objects(referrer=customer).scalar("pk")]
    erase_object("referrals", ids)
    return Referral.objects(referred=customer).delete() + Referral.objects(referrer=customer).delete()
