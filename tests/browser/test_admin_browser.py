"""Real headless Chromium: a staff member logs in and creates a customer."""

from __future__ import annotations

import threading

import mongoengine
import pytest
from werkzeug.serving import make_server

from tests.browser.support import CHROMIUM, CHROMIUM_ARGS, require_chromium
from tests.conftest import DEFAULT_PASSWORD, make_app

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


@pytest.fixture
def live_admin(tmp_path):
    require_chromium()
    app = make_app(tmp_path, SERVER_NAME=None)
    from core.models import BusinessUnit, StaffUser
    from core.passwords import hash_password

    with app.app_context():
        unit = BusinessUnit(name="Salon Sonnenschein", slug="salon").save()
        StaffUser(email="inhaberin@example.com", name="Olivia Sommer", role="owner", business_unit=unit,
                  password_hash=hash_password(DEFAULT_PASSWORD)).save()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield app, f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    mongoengine.disconnect()


def test_login_and_create_customer(live_admin):
    from playwright.sync_api import sync_playwright

    app, base = live_admin
    problems: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(locale="de-DE")
        page.on("console", lambda m: problems.append(f"{m.text} @ {m.location}") if m.type == "error" else None)
        page.on("response", lambda r: problems.append(f"{r.status} {r.url}") if r.status >= 400 else None)
        # a navigation cancels requests still loading (net::ERR_ABORTED): not a problem
        page.on("requestfailed", lambda r: None if "ERR_ABORTED" in (r.failure or "")
                else problems.append(f"failed {r.url} {r.failure}"))
        page.on("request", lambda r: None if r.url.startswith(base) or r.url.startswith("data:")
                else problems.append(f"outside request {r.url}"))
        page.goto(base + "/admin/")
        assert "/admin/login" in page.url
        page.fill("input[name=email]", "inhaberin@example.com")
        page.fill("input[name=password]", DEFAULT_PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(base + "/admin/")
        page.goto(base + "/admin/customer/new/")
        page.fill("#first_name", "Bärbel")
        page.fill("#last_name", "Größmann")
        page.fill("#email", "baerbel@example.com")
        page.fill("#phone", "0151 23456789")
        page.click("input[type=submit][value]:not([name])")
        page.wait_for_url("**/admin/customer/**")
        page.goto(base + "/admin/customer/?search=gröss")
        assert page.locator("text=baerbel@example.com").count() == 1
        page.click("text=Größmann")
        assert page.locator("[data-testid=customer-name]").inner_text().strip() == "Bärbel Größmann"
        with app.app_context():
            from core.models import Customer

            customer = Customer.objects.get(email="baerbel@example.com")
            assert customer.phone == "+4915123456789"
        # bulk action ("With selected" > Delete) works under the CSP, with its confirmation
        page.goto(base + "/admin/customer/")
        page.on("dialog", lambda dialog: dialog.accept())
        page.check("input.action-checkbox")
        page.click("[data-testid=bulk-actions]")
        page.click("[data-fd-action=delete]")
        page.wait_for_load_state("networkidle")
        browser.close()
    with app.app_context():
        assert Customer.objects.count() == 0
    # CSP violations would show up as console errors
    assert problems == []
