"""Real headless Chromium: a customer logs in to the portal, books a slot the planning assistant offers,
sees it, reschedules it; a staff member sees the moved appointment in the calendar. Production CSP; any
violation, console error or outside request fails the test."""

from __future__ import annotations

import re
import threading
from zoneinfo import ZoneInfo

import mongoengine
import pytest
from werkzeug.serving import make_server

from tests.browser.support import CHROMIUM, CHROMIUM_ARGS, csp_violations, require_chromium, staff_login, watched_page
from tests.conftest import DEFAULT_PASSWORD, make_app

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


@pytest.fixture
def live_booking(tmp_path):
    require_chromium()
    app = make_app(tmp_path, SERVER_NAME=None, PORTAL_CODE_MIN_RESPONSE_SECONDS=0.0)
    from core.models import ActivityType, Address, BusinessUnit, Customer, PortalAction, StaffUser
    from core.passwords import hash_password

    with app.app_context():
        unit = BusinessUnit(name="Hausdienst Sonnenschein", slug="haus", features=["portal"]).save()
        StaffUser(email="inhaberin@example.com", name="Olivia Sommer", role="owner", business_unit=unit,
                  password_hash=hash_password(DEFAULT_PASSWORD)).save()
        kai = StaffUser(email="kai@example.com", name="Kai Klempner", role="staff", business_unit=unit,
                        password_hash=hash_password(DEFAULT_PASSWORD)).save()
        customer = Customer(business_unit=unit, first_name="Bärbel", last_name="Größmann",
                            email="baerbel@example.com", portal_enabled=True,
                            address=Address(street="Hauptstr. 1", postal_code="10115", city="Berlin")).save()
        heating = ActivityType(business_unit=unit, name="Heizungswartung", duration_minutes=60, portal_visible=True,
                               portal_title="Heizungswartung bei {{ customer.first_name }}",
                               portal_description="Wir kommen zu Ihnen.", performers=[kai]).save()
        PortalAction(business_unit=unit, activity_type=heating, kind="book", label="Wartung buchen").save()
        PortalAction(business_unit=unit, activity_type=heating, kind="reschedule", label="Termin verschieben").save()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield app, f"http://127.0.0.1:{server.server_port}", customer
    server.shutdown()
    thread.join(5)
    mongoengine.disconnect()


def test_customer_books_sees_and_reschedules_staff_see_it_in_the_calendar(live_booking, tmp_path):
    from playwright.sync_api import expect, sync_playwright

    from core.models import Appointment, OutboxMessage

    app, base, customer = live_booking
    problems: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        _, page = watched_page(browser, base, problems)
        page.goto(base + "/portal/haus/login")
        page.fill("#email", "baerbel@example.com")
        page.click("[data-testid=request-code]")
        expect(page.locator("[data-testid=code-sent]")).to_be_visible()
        with app.app_context():
            code = re.search(r"\b(\d{6})\b", OutboxMessage.objects.get(to="baerbel@example.com").body).group(1)
        page.fill("#code", code)
        page.click("[data-testid=verify-code]")
        page.wait_for_url(base + "/portal/")

        page.click("[data-testid=book-start]")
        page.click("[data-testid='book-Heizungswartung']")
        expect(page.locator("[data-testid=slots-title]")).to_have_text("Heizungswartung bei Bärbel")
        first = page.locator("[data-testid=slots] li").first
        expect(first).to_contain_text("Kai Klempner")
        page.screenshot(path=str(tmp_path / "slots.png"), full_page=True)
        first.locator("[data-testid=take-slot]").click()
        expect(page.locator("body")).to_contain_text("Ihr Termin ist gebucht")
        with app.app_context():
            booked = Appointment.objects.get(customer=customer.pk)

        page.click("[data-testid=portal-home]")
        expect(page.locator("[data-testid=upcoming]")).to_contain_text("Heizungswartung")
        page.click("[data-testid=upcoming] a")
        page.click("[data-testid=action-reschedule]")
        page.locator("[data-testid=later]").click()  # a week later
        page.locator("[data-testid=slots] li").first.locator("[data-testid=take-slot]").click()
        expect(page.locator("body")).to_contain_text("Ihr Termin wurde verschoben")
        page.screenshot(path=str(tmp_path / "moved.png"), full_page=True)
        with app.app_context():
            moved = Appointment.objects.get(pk=booked.pk)
        assert moved.start > booked.start and moved.status == "planned"
        problems.extend(csp_violations(page))

        _, staff_page = watched_page(browser, base, problems, "staff", locale="de-DE")
        staff_login(staff_page, base)
        day = moved.start.replace(tzinfo=ZoneInfo("UTC")).astimezone(ZoneInfo("Europe/Berlin")).date()
        staff_page.goto(f"{base}/admin/calendar/?date={day.isoformat()}")
        expect(staff_page.locator("[data-testid=appointment]")).to_contain_text("Größmann")
        staff_page.screenshot(path=str(tmp_path / "calendar.png"), full_page=True)
        problems.extend(csp_violations(staff_page))
        browser.close()
    assert problems == []
