"""Real headless Chromium: a staff member opens "Termin vorschlagen" from the customer file, sees ranked
slots, books the best one and finds it in the calendar."""

from __future__ import annotations

import threading

import mongoengine
import pytest
from werkzeug.serving import make_server

from tests.browser.support import require_chromium, staff_login
from tests.conftest import DEFAULT_PASSWORD, make_app

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


@pytest.fixture
def live_admin(tmp_path):
    require_chromium()
    app = make_app(tmp_path, SERVER_NAME=None)
    from core.models import ActivityType, BusinessUnit, Customer, StaffUser
    from core.models.customer import Address
    from core.passwords import hash_password

    with app.app_context():
        unit = BusinessUnit(name="Salon Sonnenschein", slug="salon").save()
        StaffUser(email="inhaberin@example.com", name="Olivia Sommer", role="owner", business_unit=unit,
                  password_hash=hash_password(DEFAULT_PASSWORD)).save()
        customer = Customer(business_unit=unit, first_name="Bärbel", last_name="Größmann",
                            address=Address(street="Hauptstraße 1", postal_code="10115", city="Berlin")).save()
        kind = ActivityType(business_unit=unit, name="Hausbesuch", duration_minutes=60, location_kind="customer").save()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield app, f"http://127.0.0.1:{server.server_port}", customer, str(kind.pk)
    server.shutdown()
    mongoengine.disconnect()


def test_suggest_book_and_see_it_in_the_calendar(live_admin, chromium, tmp_path):
    app, base, customer, kind_id = live_admin
    problems: list[str] = []
    page = chromium.new_page(locale="de-DE")
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("response", lambda r: problems.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    staff_login(page, base)
    page.goto(f"{base}/admin/customer/file/?id={customer.pk}")
    page.click("[data-testid=file-suggest]")
    page.select_option("#activity_type", label="Hausbesuch (60 min)")
    page.fill("#date", "2030-01-07")
    page.fill("#days", "2")
    page.click("[data-testid=planning-search]")
    rows = page.locator("[data-testid=planning-slot]")
    assert rows.count() > 5
    first = rows.first
    text = first.inner_text()
    assert "Olivia Sommer" in text and "Min." in text and "07.01.2030" in text
    assert any(label in text for label in ("Passt gut", "Mit Umweg", "Nur mit Überstunden"))
    page.screenshot(path=str(tmp_path / "planning.png"), full_page=True)
    when = first.locator("td").nth(2).inner_text().split("–")[0]
    first.locator("[data-testid=planning-book]").click()
    page.wait_for_url("**/admin/calendar/**")
    assert "Gebucht" in page.inner_text(".alert-success")
    block = page.locator("[data-testid=appointment]")
    assert block.count() == 1 and when in block.inner_text() and "Größmann" in block.inner_text()
    page.screenshot(path=str(tmp_path / "calendar.png"), full_page=True)
    # the owner narrows her Tuesday in the team schedules: the assistant follows
    page.goto(base + "/admin/schedules/")
    page.click("[data-testid=schedule-edit]")
    page.fill("#day1", "10:00-12:00")
    page.click("[data-testid=schedule-form] button[type=submit]")
    assert "gespeichert" in page.inner_text(".alert-success")
    page.screenshot(path=str(tmp_path / "schedule.png"), full_page=True)
    page.goto(f"{base}/admin/planning/?customer={customer.pk}&activity_type={kind_id}&date=2030-01-08&days=1")
    times = page.locator("[data-testid=planning-slot] td:nth-child(3)").all_inner_texts()
    assert times and all("10:" in t or "11:00" in t for t in times), times
    assert problems == []
    page.close()
    with app.app_context():
        from core.models import Appointment

        assert Appointment.objects.count() == 1
