"""Referral bonus: exactly once on the first paid visit, and the guards."""

from __future__ import annotations

from datetime import date

import pytest

from core.errors import InvalidInput
from core.models import Referral, Voucher
from core.services import bonus, referrals, revenue
from core.services.deletion import delete_customer

TODAY = date(2026, 12, 7)


def _pay(actor, customer, amount="50"):
    return revenue.record_sale(actor, customer, amount, "2026-12-01", today=TODAY)


def test_reward_exactly_once_on_the_first_paid_visit(app, programme, make_customer, staff_actor):
    anna, ben = make_customer(first_name="Anna"), make_customer(first_name="Ben")
    with app.app_context():
        referral = referrals.set_referrer(staff_actor, ben, anna)
        assert referral.status == "pending"
        _pay(staff_actor, ben, "0")  # a free visit is not a paid one
        assert bonus.balance(bonus.card_for(anna)) == 0
        _pay(staff_actor, ben)
        _pay(staff_actor, ben)
        assert bonus.balance(bonus.card_for(anna)) == 100
        referral.reload()
        assert referral.status == "rewarded" and referral.rewarded_at is not None
        # running the reward again (a retry) books nothing more
        assert referrals.reward_first_visit(revenue.sales_of(ben)[0]) is None
        assert bonus.balance(bonus.card_for(anna)) == 100
        with pytest.raises(InvalidInput):
            referrals.set_referrer(staff_actor, ben, make_customer(first_name="Cleo"))


def test_reward_as_voucher_and_points_for_the_new_customer(app, programme, make_customer, staff_actor):
    anna, ben = make_customer(), make_customer()
    with app.app_context():
        bonus.save_programme(staff_actor, anna.business_unit, {"referral_reward": "voucher",
                                                               "referrer_voucher": "Gratis-Kaffee",
                                                               "referred_points": 25})
        referrals.set_referrer(staff_actor, ben, anna)
        _pay(staff_actor, ben, "10")
        (voucher,) = Voucher.objects(customer=anna)
        assert (voucher.reward, voucher.source) == ("Gratis-Kaffee", "referral")
        assert bonus.balance(bonus.card_for(ben)) == 10 + 25


def _refused(call) -> str:
    with pytest.raises(InvalidInput) as info:
        call()
    return info.value.field_errors["referred_by"]


def test_guards(app, programme, make_customer, staff_actor):
    anna = make_customer(email="anna@example.com", phone="030 1234567")
    with app.app_context():
        assert _refused(lambda: referrals.set_referrer(staff_actor, anna, anna)) == "self"
        twin_mail = make_customer(email="other@example.com")
        twin_mail.email = "ANNA@example.com"
        assert _refused(lambda: referrals.check(anna, twin_mail)) == "email"
        twin_phone = make_customer(phone="+49301234567")
        assert _refused(lambda: referrals.set_referrer(staff_actor, twin_phone, anna)) == "phone"
        ben, cleo = make_customer(), make_customer()
        referrals.set_referrer(staff_actor, ben, anna)
        referrals.set_referrer(staff_actor, cleo, ben)
        assert _refused(lambda: referrals.set_referrer(staff_actor, anna, cleo)) == "loop"
        paid = make_customer()
        _pay(staff_actor, paid)
        assert _refused(lambda: referrals.set_referrer(staff_actor, paid, anna)) == "paid"
        assert Referral.objects.count() == 2


def test_another_units_customer_is_not_a_choice(app, programme, make_customer, make_unit, staff_actor):
    other = make_unit(features=["referral"])
    stranger = make_customer(business_unit=other)
    ben = make_customer()
    with app.app_context(), pytest.raises(Exception) as info:
        referrals.set_referrer(staff_actor, ben, stranger)
    assert getattr(info.value, "status", None) == 404


def test_referred_customer_deleted_before_the_first_visit(app, programme, make_customer, staff_actor):
    anna, ben = make_customer(), make_customer()
    with app.app_context():
        referrals.set_referrer(staff_actor, ben, anna)
        delete_customer(staff_actor, ben)
        assert Referral.objects.count() == 0
        assert bonus.balance(bonus.card_for(anna)) == 0


def test_code_finds_the_referrer(app, programme, make_customer):
    anna = make_customer()
    with app.app_context():
        card = bonus.card_for(anna)
        code = card.referral_code
        assert referrals.referrer_by_code(anna.business_unit, code.lower()).pk == anna.pk
        assert referrals.referrer_by_code(anna.business_unit, "XXXXXXXX") is None
