"""The bonus card and revenue in the admin: customer-file section, actions, isolation, switches, settings,
the "referred by" field, the referral list and the printable card."""

from __future__ import annotations

import pytest

from core.models import BonusProgramme, Customer, Referral, Sale, Voucher
from core.services import bonus, referrals, revenue
from tests.admin.test_customers import GOOD as GOOD_CUSTOMER
from tests.conftest import csrf_token, login


def _file(customer) -> str:
    return f"/admin/customer/file/?id={customer.pk}"


def _post(client, url, page_of, **data):
    token = csrf_token(client, _file(page_of))
    return client.post(url, data={"csrf_token": token, **data})


def test_section_shows_the_card_and_a_sale_earns_points(app, owner_client, programme, make_customer):
    customer = make_customer()
    page = owner_client.get(_file(customer)).get_data(as_text=True)
    assert 'id="section-bonus"' in page and 'data-testid="points-balance"' in page
    r = _post(owner_client, "/admin/bonus/sale", customer, customer=str(customer.pk), amount="123,45",
              date="2026-01-02", note="Pflegeset")
    assert r.status_code == 303 and r.headers["Location"].endswith("#section-bonus")
    page = owner_client.get(_file(customer)).get_data(as_text=True)
    assert "123 Punkte" in page and "123,45\u00a0€" in page and "Pflegeset" in page


@pytest.mark.parametrize(("amount", "date", "message"), [
    ("-10", "2026-01-02", "Betrag"), ("1000000", "2026-01-02", "zu hoch"), ("12", "3000-01-01", "Datum"),
    ("", "", "Betrag"),
])
def test_bad_input_is_a_message_and_changes_nothing(app, owner_client, programme, make_customer, amount, date,
                                                    message):
    customer = make_customer()
    r = _post(owner_client, "/admin/bonus/sale", customer, customer=str(customer.pk), amount=amount, date=date)
    assert r.status_code == 303
    page = owner_client.get(r.headers["Location"]).get_data(as_text=True)
    assert message in page
    with app.app_context():
        assert Sale.objects.count() == 0


def test_confirm_redeem_and_apply_a_voucher(app, owner_client, programme, make_appointment, owner):
    appt = make_appointment()
    customer = appt.customer
    with app.app_context():
        sale = revenue.open_for_appointment(appt)
    page = owner_client.get(_file(customer)).get_data(as_text=True)
    assert 'data-testid="open-sale"' in page
    r = _post(owner_client, "/admin/bonus/sale/confirm", customer, sale=str(sale.pk), amount="600")
    assert r.status_code == 303
    r = _post(owner_client, "/admin/bonus/redeem", customer, customer=str(customer.pk))
    page = owner_client.get(r.headers["Location"]).get_data(as_text=True)
    with app.app_context():
        voucher = Voucher.objects.get(customer=customer)
        assert bonus.balance(bonus.card_for(customer)) == 100
    assert voucher.code in page
    r = _post(owner_client, "/admin/bonus/voucher", customer, customer=str(customer.pk), code=voucher.code.lower())
    page = owner_client.get(r.headers["Location"]).get_data(as_text=True)
    assert "eingelöst" in page
    r = _post(owner_client, "/admin/bonus/voucher", customer, customer=str(customer.pk), code=voucher.code)
    assert "bereits eingelöst" in owner_client.get(r.headers["Location"]).get_data(as_text=True)


def test_not_enough_points_is_a_clear_message(app, owner_client, programme, make_customer):
    customer = make_customer()
    r = _post(owner_client, "/admin/bonus/redeem", customer, customer=str(customer.pk))
    assert "Nicht genug Punkte" in owner_client.get(r.headers["Location"]).get_data(as_text=True)


def test_other_units_ids_are_not_found(app, owner_client, programme, make_customer, make_unit, staff_actor):
    other = make_unit(features=["bonus", "referral"])
    stranger = make_customer(business_unit=other)
    mine = make_customer()
    with app.app_context():
        sale = Sale(business_unit=other, customer=stranger, sold_at=stranger.created_at,
                    created_at=stranger.created_at).save()
        their_voucher = bonus.issue_voucher(stranger, "Fremd", by="x")
    for url, data in [("/admin/bonus/sale", {"customer": str(stranger.pk), "amount": "5", "date": "2026-01-01"}),
                      ("/admin/bonus/sale/confirm", {"sale": str(sale.pk), "amount": "5"}),
                      ("/admin/bonus/sale/correct", {"sale": str(sale.pk), "amount": "5", "reason": "x"}),
                      ("/admin/bonus/redeem", {"customer": str(stranger.pk)}),
                      ("/admin/bonus/adjust", {"customer": str(stranger.pk), "points": "5", "reason": "x"}),
                      ("/admin/bonus/voucher", {"customer": "not-an-id", "code": "x"})]:
        assert _post(owner_client, url, mine, **data).status_code == 404, url
    assert owner_client.get(f"/admin/bonus/card?customer={stranger.pk}").status_code == 404
    r = _post(owner_client, "/admin/bonus/voucher", mine, customer=str(mine.pk), code=their_voucher.code)
    assert "Kein Gutschein" in owner_client.get(r.headers["Location"]).get_data(as_text=True)
    with app.app_context():
        assert Voucher.objects.get(pk=their_voucher.pk).status == "open"


def test_csrf_is_required(app, owner_client, programme, make_customer):
    customer = make_customer()
    owner_client.get(_file(customer))
    assert owner_client.post("/admin/bonus/redeem", data={"customer": str(customer.pk)}).status_code == 400


def test_only_owners_correct_points(app, client, programme, make_customer, make_user):
    staff = make_user("staff")
    login(client, staff.email)
    customer = make_customer()
    page = client.get(_file(customer)).get_data(as_text=True)
    assert "/admin/bonus/adjust" not in page
    assert _post(client, "/admin/bonus/adjust", customer, customer=str(customer.pk), points="50",
                 reason="x").status_code == 403
    assert client.get("/admin/settings/bonus/").status_code == 403
    assert client.get("/admin/referrals/").status_code == 403


def test_owner_corrects_points_with_a_reason(app, owner_client, programme, make_customer):
    customer = make_customer()
    _post(owner_client, "/admin/bonus/adjust", customer, customer=str(customer.pk), points="-5", reason="Test")
    _post(owner_client, "/admin/bonus/adjust", customer, customer=str(customer.pk), points="40", reason="Kulanz")
    with app.app_context():
        assert bonus.balance(bonus.card_for(customer)) == 40
    assert "Kulanz" in owner_client.get(_file(customer)).get_data(as_text=True)


def test_switched_off_hides_and_refuses(app, owner_client, unit, make_customer):
    customer = make_customer()
    page = owner_client.get(_file(customer)).get_data(as_text=True)
    assert 'id="section-bonus"' not in page and 'id="section-referral"' not in page
    home = owner_client.get("/admin/").get_data(as_text=True)
    assert "/admin/settings/bonus/" not in home and "/admin/referrals/" not in home
    assert _post(owner_client, "/admin/bonus/redeem", customer, customer=str(customer.pk)).status_code == 403
    assert owner_client.get("/admin/settings/bonus/").status_code == 403
    assert owner_client.get("/admin/referrals/").status_code == 403
    assert owner_client.get(f"/admin/bonus/card?customer={customer.pk}").status_code == 403
    assert "referred_by" not in owner_client.get("/admin/customer/new/").get_data(as_text=True)


def test_printable_card_with_qr(app, owner_client, programme, make_customer):
    customer = make_customer()
    page = owner_client.get(f"/admin/bonus/card?customer={customer.pk}").get_data(as_text=True)
    with app.app_context():
        number = bonus.card_for(customer).number
    assert f"{number[:4]} {number[4:8]} {number[8:]}" in page and "data:image/svg+xml" in page
    assert bonus.luhn_digit(number[:11]) == int(number[11])


def test_programme_settings(app, owner_client, bonus_unit):
    url = "/admin/settings/bonus/"
    home = owner_client.get("/admin/").get_data(as_text=True)
    assert url in home and "/admin/referrals/" in home  # the menus show once the features are on
    page = owner_client.get(url).get_data(as_text=True)
    assert "Punkte pro Euro" in page
    good = {"points_per_euro": "2", "threshold": "300", "reward": "10 % Rabatt", "expiry_months": "24",
            "voucher_valid_months": "6", "referral_reward": "points", "referrer_points": "50",
            "referrer_voucher": "", "referred_points": "0"}
    bad = owner_client.post(url, data={**good, "points_per_euro": "-1", "csrf_token": csrf_token(owner_client, url)})
    assert bad.status_code == 422
    with app.app_context():
        assert BonusProgramme.objects.count() == 0
    voucher_without_text = {**good, "referral_reward": "voucher", "csrf_token": csrf_token(owner_client, url)}
    assert owner_client.post(url, data=voucher_without_text).status_code == 422
    r = owner_client.post(url, data={**good, "csrf_token": csrf_token(owner_client, url)})
    assert r.status_code == 303
    with app.app_context():
        p = BonusProgramme.objects.get(business_unit=bonus_unit)
        assert (p.points_per_euro, p.threshold, p.reward, p.expiry_months, p.referrer_points) == (
            2, 300, "10 % Rabatt", 24, 50)


def test_referred_by_on_the_customer_form(app, owner_client, programme, make_customer, make_unit):
    anna = make_customer(first_name="Anna", last_name="Anfang", email="anna@example.com")
    with app.app_context():
        code = bonus.card_for(anna).referral_code
    found = owner_client.get(f"/admin/customer/ajax/lookup/?name=referred_by&query={code}").get_json()
    assert [row[0] for row in found] == [str(anna.pk)]
    data = {**GOOD_CUSTOMER, "referred_by": str(anna.pk),
            "csrf_token": csrf_token(owner_client, "/admin/customer/new/")}
    assert owner_client.post("/admin/customer/new/", data=data).status_code == 302
    with app.app_context():
        ben = Customer.objects.get(email=GOOD_CUSTOMER["email"].lower())
        assert referrals.referral_of(ben).referrer.pk == anna.pk
    # the same e-mail address: refused next to the field, nothing saved
    twin = {**GOOD_CUSTOMER, "email": "ANNA@example.com", "first_name": "Zwilling", "referred_by": str(anna.pk),
            "csrf_token": csrf_token(owner_client, "/admin/customer/new/")}
    page = owner_client.post("/admin/customer/new/", data=twin).get_data(as_text=True)
    assert "dieselbe E-Mail-Adresse" in page
    # a loop: Anna referred by Ben, who was referred by Anna
    edit = f"/admin/customer/edit/?id={anna.pk}"
    form = {"first_name": "Anna", "last_name": "Anfang", "email": "anna@example.com", "referred_by": str(ben.pk),
            "csrf_token": csrf_token(owner_client, edit)}
    assert "Schleife" in owner_client.post(edit, data=form).get_data(as_text=True)
    # another unit's customer is no choice
    stranger = make_customer(business_unit=make_unit())
    form = {**form, "referred_by": str(stranger.pk), "csrf_token": csrf_token(owner_client, edit)}
    assert "nicht verfügbar" in owner_client.post(edit, data=form).get_data(as_text=True)
    with app.app_context():
        assert Referral.objects.count() == 1 and referrals.referral_of(anna) is None
    rows = owner_client.get("/admin/referrals/").get_data(as_text=True)
    assert "Anfang" in rows and "wartet auf den ersten bezahlten Besuch" in rows


def test_appointment_options_lead_to_the_card(app, owner_client, programme, make_appointment):
    appt = make_appointment()
    page = owner_client.get(f"/admin/appointment/details/?id={appt.pk}").get_data(as_text=True)
    assert f"/admin/customer/file/?id={appt.customer.pk}#section-bonus" in page


def test_the_expiry_sweep_runs_as_a_task(app, programme, make_customer):
    from datetime import datetime

    from core.celery_app import BEAT_SCHEDULE, enqueue

    customer = make_customer()
    with app.app_context():
        programme.update(set__expiry_months=1)
        bonus.append(bonus.card_for(customer), "earned", 70, by="t", at=datetime(2020, 1, 1))
        assert enqueue("tasks.bonus.expire_points").get() == 70
        assert enqueue("tasks.bonus.expire_points").get() == 0
        assert bonus.ledger(bonus.card_for(customer))[0].kind == "expired"
    assert BEAT_SCHEDULE["bonus-expire-points"]["task"] == "tasks.bonus.expire_points"


def test_referral_alone_records_revenue_without_a_card(app, owner_client, unit, make_customer):
    with app.app_context():
        unit.update(add_to_set__features="referral")
    customer = make_customer()
    page = owner_client.get(_file(customer)).get_data(as_text=True)
    assert 'id="section-referral"' in page and 'id="section-bonus"' not in page
    assert 'data-testid="sale-form"' in page and 'data-testid="points-balance"' not in page
    r = _post(owner_client, "/admin/bonus/sale", customer, customer=str(customer.pk), amount="12", date="2026-01-02")
    assert r.status_code == 303
    with app.app_context():
        assert Sale.objects.get(customer=customer).amount_cents == 1200
    assert _post(owner_client, "/admin/bonus/redeem", customer, customer=str(customer.pk)).status_code == 303
    assert owner_client.get(f"/admin/bonus/card?customer={customer.pk}").status_code == 404
