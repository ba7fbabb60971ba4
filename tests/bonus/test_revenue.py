"""Revenue: a visit marked done opens its sale; staff confirm it; sales without appointment; corrections."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from core.errors import Conflict, FeatureDisabled, InvalidInput
from core.models import Appointment, Sale
from core.services import bonus, revenue
from core.signals import announce, appointment_state

TODAY = date(2026, 12, 7)


def _mark_done(appointment, actor=None):
    before = appointment_state(appointment)
    appointment.status = "done"
    appointment.save()
    announce(appointment, before, actor=actor)


def test_a_done_visit_opens_one_sale_with_the_price(app, programme, make_appointment, staff_actor):
    appt = make_appointment()
    with app.app_context():
        appt = Appointment.objects.get(pk=appt.pk)
        appt.price = Decimal("45.50")  # the appointment's price field (read with getattr)
        _mark_done(appt, staff_actor)
        sale = Sale.objects.get(appointment=appt)
        assert (sale.status, sale.suggested_cents, sale.amount_cents) == ("open", 4550, None)
        before = appointment_state(appt)
        appt.status = "planned"
        appt.save()
        announce(appt, before)
        _mark_done(appt)
        assert Sale.objects(appointment=appt).count() == 1


def test_without_a_price_nothing_is_suggested_and_without_the_features_nothing_opens(app, unit, make_appointment):
    appt = make_appointment()
    with app.app_context():
        _mark_done(Appointment.objects.get(pk=appt.pk))
        assert Sale.objects.count() == 0  # neither bonus nor referral switched on
        unit.update(add_to_set__features="bonus")
        appt2 = Appointment.objects.get(pk=make_appointment().pk)
        _mark_done(appt2)
        assert Sale.objects.get(appointment=appt2).suggested_cents is None


def test_confirming_books_the_points_once(app, programme, make_appointment, staff_actor):
    appt = make_appointment()
    with app.app_context():
        appt = Appointment.objects.get(pk=appt.pk)
        _mark_done(appt)
        sale = Sale.objects.get(appointment=appt)
        done = revenue.confirm(staff_actor, sale, "1.234,56")
        assert (done.status, done.original_cents, done.amount_cents) == ("confirmed", 123456, 123456)
        assert bonus.balance(bonus.card_for(appt.customer)) == 1234
        with pytest.raises(Conflict):
            revenue.confirm(staff_actor, sale, "10")
        assert bonus.balance(bonus.card_for(appt.customer)) == 1234


@pytest.mark.parametrize("raw", ["-5", "abc", "100.000,01", "", "1e9"])
def test_bad_amounts_change_nothing(app, programme, make_customer, staff_actor, raw):
    customer = make_customer()
    with app.app_context():
        with pytest.raises(InvalidInput):
            revenue.record_sale(staff_actor, customer, raw, "2026-12-01", today=TODAY)
        assert Sale.objects.count() == 0


@pytest.mark.parametrize("raw_date", ["2026-12-08", "2001-01-01", "gestern", ""])
def test_bad_dates_change_nothing(app, programme, make_customer, staff_actor, raw_date):
    customer = make_customer()
    with app.app_context():
        with pytest.raises(InvalidInput):
            revenue.record_sale(staff_actor, customer, "20", raw_date, today=TODAY)
        assert Sale.objects.count() == 0


def test_a_sale_without_appointment(app, programme, make_customer, staff_actor):
    customer = make_customer()
    with app.app_context():
        sale = revenue.record_sale(staff_actor, customer, "89,90", "2026-12-01", "Shampoo", today=TODAY)
        assert (sale.amount_cents, sale.note, sale.appointment, sale.status) == (8990, "Shampoo", None, "confirmed")
        assert sale.sold_at.date() == date(2026, 12, 1)
        assert bonus.balance(bonus.card_for(customer)) == 89
        assert revenue.revenue_cents(customer) == 8990


def test_corrections_keep_the_original_and_the_points_follow(app, programme, make_customer, staff_actor):
    customer = make_customer()
    with app.app_context():
        sale = revenue.record_sale(staff_actor, customer, "100", "2026-12-01", today=TODAY)
        with pytest.raises(InvalidInput):
            revenue.correct(staff_actor, sale, "80", "")
        fixed = revenue.correct(staff_actor, sale, "80", "Rabatt vergessen")
        assert (fixed.original_cents, fixed.amount_cents) == (10000, 8000)
        (c,) = fixed.corrections
        assert (c.old_cents, c.new_cents, c.reason, c.by) == (10000, 8000, "Rabatt vergessen", staff_actor.label)
        card = bonus.card_for(customer)
        assert bonus.balance(card) == 80 and bonus.ledger(card)[0].kind == "sale_correction"


def test_a_correction_that_would_take_back_spent_points_is_refused(app, programme, make_customer, staff_actor):
    customer = make_customer()
    with app.app_context():
        sale = revenue.record_sale(staff_actor, customer, "600", "2026-12-01", today=TODAY)
        bonus.redeem(staff_actor, customer)
        with pytest.raises(InvalidInput):
            revenue.correct(staff_actor, sale, "50", "Storno")
        sale.reload()
        assert (sale.amount_cents, len(sale.corrections)) == (60000, 0)
        assert bonus.balance(bonus.card_for(customer)) == 100


def test_switched_off(app, unit, make_customer, staff_actor):
    customer = make_customer()
    with app.app_context(), pytest.raises(FeatureDisabled):
        revenue.record_sale(staff_actor, customer, "10", "2026-12-01", today=TODAY)
