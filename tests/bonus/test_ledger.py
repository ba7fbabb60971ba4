"""The points ledger: arithmetic, append-only, never below zero, expiry, vouchers, and the double-redeem race."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

import mongoengine
import pytest

from core.errors import FrontdeskError, InvalidInput, NotFound
from core.models import PointsEntry, Voucher
from core.services import bonus
from core.services.audit import Actor

T0 = datetime(2026, 1, 15, 10, 0)


def _credit(customer, points, at=T0, key=None):
    return bonus.append(bonus.card_for(customer), "earned", points, by="test", at=at, key=key)


def test_balance_is_derived_from_the_ledger(app, programme, make_customer):
    customer = make_customer()
    with app.app_context():
        _credit(customer, 300)
        _credit(customer, 250)
        card = bonus.card_for(customer)
        bonus.append(card, "redeemed", -500, by="test")
        entries = bonus.ledger(card)
        assert [e.seq for e in entries] == [3, 2, 1]
        assert [e.balance_after for e in entries] == [50, 550, 300]
        assert sum(e.points for e in entries) == bonus.balance(card) == 50


def test_below_zero_is_refused_and_nothing_is_written(app, programme, make_customer):
    customer = make_customer()
    with app.app_context():
        _credit(customer, 120)
        with pytest.raises(InvalidInput, match="120"):
            bonus.append(bonus.card_for(customer), "redeemed", -500, by="test")
        assert PointsEntry.objects(customer=customer).count() == 1


def test_a_key_books_once(app, programme, make_customer):
    customer = make_customer()
    with app.app_context():
        first = _credit(customer, 40, key="sale:1")
        again = _credit(customer, 40, key="sale:1")
        assert first.pk == again.pk and bonus.balance(bonus.card_for(customer)) == 40


def test_points_per_euro_round_down(app, programme):
    assert bonus.points_for(programme, 3490) == 34
    programme.points_per_euro = 3
    assert bonus.points_for(programme, 99) == 2
    assert bonus.points_for(programme, -500) == 0


def test_months_before_keeps_the_month_end():
    assert bonus.months_before(datetime(2026, 3, 31, 8), 1) == datetime(2026, 2, 28, 8)
    assert bonus.months_before(datetime(2026, 1, 10), 13) == datetime(2024, 12, 10)
    assert bonus.months_before(datetime(2026, 11, 30), -3) == datetime(2027, 2, 28)


def test_points_expire_oldest_first(app, programme, make_customer, staff_actor):
    customer = make_customer()
    with app.app_context():
        programme.update(set__expiry_months=12)
        programme.reload()
        _credit(customer, 300, at=T0)
        _credit(customer, 200, at=T0 + timedelta(days=200))
        card = bonus.card_for(customer)
        bonus.append(card, "redeemed", -100, by="test", at=T0 + timedelta(days=250))
        before = T0 + timedelta(days=360)
        assert bonus.due_to_expire(card, programme, before) == 0
        later = datetime(2027, 1, 20)  # the first 300 are older than 12 months; 100 of them were spent
        assert bonus.due_to_expire(card, programme, later) == 200
        shown = bonus.state(customer, now=later)
        assert (shown.balance, shown.expiring, shown.available) == (400, 200, 200)
        assert bonus.expire_card(card, programme, later) == 200
        assert bonus.expire_card(card, programme, later) == 0  # idempotent
        assert bonus.ledger(card)[0].kind == "expired" and bonus.balance(card) == 200
        much_later = datetime(2027, 8, 10)  # the 200 of day 200 are past it too
        assert bonus.expire_all(much_later) == 200
        assert bonus.balance(card) == 0


def test_redeem_needs_enough_points_and_makes_a_voucher(app, programme, make_customer, staff_actor):
    customer = make_customer()
    with app.app_context():
        _credit(customer, 499)
        with pytest.raises(InvalidInput):
            bonus.redeem(staff_actor, customer)
        assert Voucher.objects.count() == 0
        _credit(customer, 51)
        voucher = bonus.redeem(staff_actor, customer)
        assert voucher.reward == "20 € Rabatt" and voucher.points == 500 and voucher.status == "open"
        assert voucher.code.startswith("GS-") and bonus.balance(bonus.card_for(customer)) == 50
        assert bonus.ledger(bonus.card_for(customer))[0].voucher_code == voucher.code


def test_vouchers_apply_once_within_the_unit(app, programme, make_customer, make_unit, staff_actor):
    customer = make_customer()
    with app.app_context():
        _credit(customer, 500)
        voucher = bonus.redeem(staff_actor, customer)
        other = make_unit(features=["bonus"])
        stranger = Actor("staff", "x", "Fremd", str(other.pk))
        with pytest.raises(NotFound):
            bonus.apply_voucher(stranger, other, voucher.code)
        with pytest.raises(NotFound):
            bonus.apply_voucher(staff_actor, customer.business_unit, "GS-XXXX-XXXX")
        typed = voucher.code.replace("-", " ").lower()
        assert bonus.apply_voucher(staff_actor, customer.business_unit, typed).status == "used"
        with pytest.raises(InvalidInput, match="bereits eingelöst"):
            bonus.apply_voucher(staff_actor, customer.business_unit, voucher.code)


def test_an_expired_voucher_is_refused_clearly(app, programme, make_customer, staff_actor):
    customer = make_customer()
    with app.app_context():
        voucher = bonus.issue_voucher(customer, "Kaffee", by="test", now=T0)
        assert voucher.expires_at == datetime(2026, 7, 15, 10, 0)
        with pytest.raises(InvalidInput, match="abgelaufen"):
            bonus.apply_voucher(staff_actor, customer.business_unit, voucher.code, now=T0 + timedelta(days=200))
        assert Voucher.objects.get(pk=voucher.pk).status == "open"


def test_owner_correction_needs_a_reason_and_stays_above_zero(app, programme, make_customer, staff_actor):
    customer = make_customer()
    with app.app_context():
        with pytest.raises(InvalidInput):
            bonus.adjust(staff_actor, customer, 50, "  ")
        with pytest.raises(InvalidInput):
            bonus.adjust(staff_actor, customer, -10, "Fehlbuchung")
        entry = bonus.adjust(staff_actor, customer, 80, "Kulanz")
        assert (entry.kind, entry.points, entry.reason, entry.by) == ("correction", 80, "Kulanz", staff_actor.label)


def test_double_redeem_race_on_mongomock(app, programme, make_customer, staff_actor):
    customer = make_customer()
    with app.app_context():
        _credit(customer, 700)
        outcomes = _race_in_context(app, customer, staff_actor)
        assert outcomes.count("won") == 1 and outcomes.count("InvalidInput") == 7, outcomes
        assert bonus.balance(bonus.card_for(customer)) == 200
        assert Voucher.objects(customer=customer).count() == 1


def _race_in_context(app, customer, actor):
    outcomes: list[str] = []
    barrier = threading.Barrier(8)

    def run():
        with app.app_context():
            barrier.wait()
            try:
                bonus.redeem(actor, customer)
                outcomes.append("won")
            except FrontdeskError as exc:
                outcomes.append(type(exc).__name__)

    workers = [threading.Thread(target=run) for _ in range(8)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=60)
    assert not any(w.is_alive() for w in workers)
    return outcomes


@pytest.fixture
def embedded_app(tmp_path):
    from core.app import create_app
    from core.db import upgrade_database

    app = create_app({"INSTANCE_PATH": str(tmp_path), "MONGODB_URI": "", "TESTING": True,
                      "SECRET_KEY": "test-secret-key", "CELERY_TASK_ALWAYS_EAGER": True})
    with app.app_context():
        upgrade_database()
    yield app
    mongoengine.disconnect()


def test_double_redeem_race_on_the_embedded_store(embedded_app):
    from core.models import BusinessUnit, Customer, StaffUser

    with embedded_app.app_context():
        unit = BusinessUnit(name="Salon", slug="salon", features=["bonus"]).save()
        owner = StaffUser(email="o@example.com", name="O", role="owner", business_unit=unit,
                          password_hash="x").save()
        actor = Actor.staff(owner)
        bonus.save_programme(actor, unit, {"threshold": 300, "reward": "Gratis-Pflege"})
        customer = Customer(business_unit=unit, first_name="Ada", last_name="Lovelace").save()
        _credit(customer, 1000)
        outcomes = _race_in_context(embedded_app, customer, actor)
        assert outcomes.count("won") == 3 and outcomes.count("InvalidInput") == 5, outcomes
        card = bonus.card_for(customer)
        assert bonus.balance(card) == 100
        entries = bonus.ledger(card)
        assert [e.seq for e in entries] == list(range(len(entries), 0, -1))
        assert sum(e.points for e in entries) == 100
        assert Voucher.objects(customer=customer).count() == 3


def test_two_confirmations_at_once_reward_a_referral_once_on_the_embedded_store(embedded_app):
    """Two staff confirm two visits of a referred customer at the same moment, and both confirm one sale twice:
    each sale counts once and the referrer is rewarded once."""
    from core.models import Appointment, BusinessUnit, Customer, Referral, Sale, StaffUser
    from core.services import referrals, revenue

    with embedded_app.app_context():
        unit = BusinessUnit(name="Salon", slug="salon", features=["bonus", "referral"]).save()
        owner = StaffUser(email="o@example.com", name="O", role="owner", business_unit=unit,
                          password_hash="x").save()
        actor = Actor.staff(owner)
        bonus.save_programme(actor, unit, {"threshold": 300, "reward": "x", "referrer_points": 100})
        anna = Customer(business_unit=unit, first_name="Anna", last_name="A").save()
        ben = Customer(business_unit=unit, first_name="Ben", last_name="B").save()
        referrals.set_referrer(actor, ben, anna)
        sales = []
        for day in (1, 2):
            start = datetime(2026, 11, day, 9)
            appt = Appointment(business_unit=unit, customer=ben, staff=owner, start=start,
                               end=start + timedelta(hours=1)).save()
            sales.append(revenue.open_for_appointment(appt))
        outcomes: list[str] = []
        barrier = threading.Barrier(4)

        def confirm(k):
            with embedded_app.app_context():
                barrier.wait()
                try:
                    revenue.confirm(actor, Sale.objects.get(pk=sales[k % 2].pk), "40")
                    outcomes.append("won")
                except FrontdeskError:
                    outcomes.append("refused")

        workers = [threading.Thread(target=confirm, args=(k,)) for k in range(4)]
        for w in workers:
            w.start()
        for w in workers:
            w.join(timeout=60)
        assert sorted(outcomes) == ["refused", "refused", "won", "won"]
        assert bonus.balance(bonus.card_for(anna)) == 100
        assert bonus.balance(bonus.card_for(ben)) == 80
        assert Referral.objects.get(referred=ben).status == "rewarded"
