"""Real headless Chromium: staff mark a visit done, confirm the amount paid, see the points on the bonus card,
redeem the reward and apply the voucher; the printable card shows the QR code."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

import mongoengine
import pytest
from werkzeug.serving import make_server

from tests.browser.support import csp_violations, staff_login
from tests.conftest import DEFAULT_PASSWORD, make_app

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

SHOTS = "/tmp/wt3"


@pytest.fixture
def live_bonus(tmp_path):
    from tests.browser.support import require_chromium

    require_chromium()
    app = make_app(tmp_path, SERVER_NAME=None)
    from core.models import ActivityType, Appointment, BusinessUnit, Customer, StaffUser
    from core.passwords import hash_password
    from core.services import bonus
    from core.services.audit import Actor

    with app.app_context():
        unit = BusinessUnit(name="Salon Sonnenschein", slug="salon", features=["bonus", "referral"]).save()
        owner = StaffUser(email="inhaberin@example.com", name="Olivia Sommer", role="owner", business_unit=unit,
                          password_hash=hash_password(DEFAULT_PASSWORD)).save()
        bonus.save_programme(Actor.staff(owner), unit, {"points_per_euro": 2, "threshold": 100,
                                                        "reward": "Gratis-Pflegekur"})
        customer = Customer(business_unit=unit, first_name="Bärbel", last_name="Größmann",
                            email="baerbel@example.com").save()
        kind = ActivityType(business_unit=unit, name="Schnitt", duration_minutes=45).save()
        start = datetime(2026, 12, 1, 9, 0)
        appt = Appointment(business_unit=unit, customer=customer, staff=owner, activity_type=kind, start=start,
                           end=start + timedelta(minutes=45)).save()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield app, f"http://127.0.0.1:{server.server_port}", customer, appt
    server.shutdown()
    mongoengine.disconnect()


def _logged_in(browser, base: str, problems: list[str]):
    """A German page, watched for errors and CSP violations, with the owner logged in."""
    from tests.browser.support import watched_page

    context, page = watched_page(browser, base, problems)
    staff_login(page, base)
    return context, page


def test_paid_visit_points_and_reward(live_bonus, chromium):
    from core.models import Voucher

    app, base, customer, appt = live_bonus
    problems: list[str] = []
    context, page = _logged_in(chromium, base, problems)
    # the visit is marked done in the appointment form: its sale waits in the customer file
    page.goto(f"{base}/admin/appointment/edit/?id={appt.pk}")
    page.select_option("#status", "done")
    page.click("input[type=submit][value]:not([name])")
    page.wait_for_url("**/admin/appointment/**")
    page.goto(f"{base}/admin/customer/file/?id={customer.pk}")
    assert page.locator("[data-testid=open-sale]").count() == 1
    page.fill("[data-testid=confirm-amount]", "1.234,50")
    page.click("[data-testid=confirm-sale]")
    page.wait_for_url("**#section-bonus")
    assert page.locator("[data-testid=points-balance]").inner_text() == "2469 Punkte"
    assert "1.234,50\u00a0€" in page.locator("[data-testid=sales]").inner_text()
    assert page.locator("[data-testid=points-progress]").inner_text().strip() == "100 %"
    page.locator("#section-bonus").screenshot(path=f"{SHOTS}/bonus-before-redeem.png")
    page.click("[data-testid=redeem]")
    page.wait_for_url("**#section-bonus")
    assert page.locator("[data-testid=points-balance]").inner_text() == "2369 Punkte"
    with app.app_context():
        voucher = Voucher.objects.get(customer=customer.pk)
    assert voucher.code in page.locator(".alert-success").inner_text()
    assert page.locator("[data-testid=ledger-redeemed]").count() == 1
    # at the next visit staff type the code
    page.fill("[data-testid=voucher-code]", voucher.code.lower().replace("-", " "))
    page.click("[data-testid=apply-voucher]")
    page.wait_for_url("**#section-bonus")
    assert "Gratis-Pflegekur" in page.locator(".alert-success").inner_text()
    assert "eingelöst" in page.locator("[data-testid=vouchers]").inner_text()
    page.locator("#section-bonus").screenshot(path=f"{SHOTS}/bonus-after-redeem.png")
    page.click("[data-testid=print-card]")
    page.wait_for_selector("[data-testid=card-qr]")
    assert page.locator("[data-testid=card-qr]").evaluate("img => img.naturalWidth") > 0
    page.screenshot(path=f"{SHOTS}/bonus-card.png")
    problems += csp_violations(page)
    context.close()
    assert problems == []


def test_referred_by_search_and_the_reward(live_bonus, chromium):
    """The "referred by" search finds the referrer by their code; the new customer's first paid sale rewards them."""
    from core.models import Customer
    from core.services import bonus

    app, base, referrer, _ = live_bonus
    with app.app_context():
        code = bonus.card_for(referrer).referral_code
    problems: list[str] = []
    context, page = _logged_in(chromium, base, problems)
    page.goto(base + "/admin/customer/new/")
    page.fill("#first_name", "Nele")
    page.fill("#last_name", "Neumann")
    page.fill("#email", "nele@example.com")
    page.click("#s2id_referred_by a")
    page.keyboard.type(code.lower())
    page.wait_for_selector(".select2-result-label:has-text('Größmann')")
    page.keyboard.press("Enter")
    page.screenshot(path=f"{SHOTS}/bonus-referred-by.png")
    page.click("input[type=submit][value]:not([name])")
    page.wait_for_url("**/admin/customer/**")
    with app.app_context():
        new = Customer.objects.get(email="nele@example.com")
    page.goto(f"{base}/admin/customer/file/?id={new.pk}")
    assert "Bärbel Größmann" in page.locator("[data-testid=referral-of]").inner_text()
    page.click("#section-bonus summary")
    page.fill("#sale-amount", "45,00")
    page.click("[data-testid=sale-form] button[type=submit]")
    page.wait_for_url("**#section-bonus")
    page.goto(f"{base}/admin/customer/file/?id={referrer.pk}")
    assert page.locator("[data-testid=points-balance]").inner_text() == "100 Punkte"
    assert "belohnt" in page.locator("[data-testid=referred-list]").inner_text()
    page.goto(f"{base}/admin/referrals/")
    assert "Neumann" in page.inner_text("body")
    problems += csp_violations(page)
    context.close()
    assert problems == []
