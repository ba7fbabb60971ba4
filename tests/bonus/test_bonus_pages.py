"""The bonus pages in German with data (no raw values, no English), and hostile bodies on every bonus POST route."""

from __future__ import annotations

from datetime import date

import pytest

from core.services import bonus, referrals, revenue
from tests.admin.test_german_pages import _problems
from tests.conftest import csrf_token
from tests.test_stranger_sweep import BODIES

TODAY = date(2026, 12, 7)
POST_ROUTES = ("/admin/bonus/sale", "/admin/bonus/sale/confirm", "/admin/bonus/sale/correct", "/admin/bonus/redeem",
               "/admin/bonus/adjust", "/admin/bonus/voucher", "/admin/settings/bonus/")


@pytest.fixture
def history(app, programme, make_customer, make_appointment, staff_actor):
    anna = make_customer(first_name="Anna", email="anna@example.com")
    appt = make_appointment()
    ben = appt.customer
    with app.app_context():
        referrals.set_referrer(staff_actor, ben, anna)
        sale = revenue.open_for_appointment(appt)
        sale = revenue.confirm(staff_actor, sale, "650")
        revenue.correct(staff_actor, sale, "640", "Rabatt")
        revenue.open_for_appointment(make_appointment(customer=ben))
        voucher = bonus.redeem(staff_actor, ben)
        bonus.apply_voucher(staff_actor, ben.business_unit, voucher.code)
        bonus.adjust(staff_actor, ben, 5, "Kulanz")
    return anna, ben


def test_bonus_pages_are_german(app, owner_client, history):
    anna, ben = history
    problems = []
    for url in (f"/admin/customer/file/?id={ben.pk}", f"/admin/customer/file/?id={anna.pk}",
                "/admin/settings/bonus/", "/admin/referrals/", f"/admin/bonus/card?customer={ben.pk}",
                f"/admin/customer/edit/?id={ben.pk}"):
        response = owner_client.get(url)
        assert response.status_code == 200, url
        problems += _problems(url, response.get_data(as_text=True))
    assert problems == []
    page = owner_client.get(f"/admin/customer/file/?id={ben.pk}").get_data(as_text=True)
    for word in ("gesammelt", "eingelöst", "Korrektur", "Verkauf korrigiert", "Umsatz", "Empfohlen von"):
        assert word in page, word
    assert "640,00\u00a0€" in page and "650,00\u00a0€ → 640,00\u00a0€" in page


@pytest.mark.parametrize("url", POST_ROUTES)
def test_bonus_routes_survive_hostile_bodies(app, owner_client, history, url):
    _, ben = history
    token = csrf_token(owner_client, f"/admin/customer/file/?id={ben.pk}")
    target = f"{url}?customer={ben.pk}&sale=x"
    for body in BODIES:
        response = owner_client.post(target, data=body, content_type="application/json",
                                     headers={"X-CSRFToken": token})
        assert response.status_code == 415, (url, body[:40], response.status_code)
    for form in ({"customer": str(ben.pk), "points": "--5", "reason": "x"}, {"customer": str(ben.pk), "points": "1e3"},
                 {"customer": str(ben.pk), "amount": "9" * 500, "date": "x" * 500, "points": "9" * 40,
                  "reason": "r" * 5000, "code": "€" * 300, "sale": "{'$ne': 1}"},
                 {"customer": "[object Object]", "amount": ["1", "2"]}, {}):
        response = owner_client.post(target, data={**form, "csrf_token": token})
        assert response.status_code < 500, (url, form, response.status_code)
    with app.app_context():
        assert bonus.balance(bonus.card_for(ben)) == 145
