"""Real headless Chromium, two browser contexts: the staff's main device and a tablet.

The owner switches the function on and pairs the tablet; staff start "Stammdatenpflege" from an
appointment's Options menu; the tablet shows it prefilled within 2 seconds; the customer changes
the city and submits; the tablet thanks and returns to idle; the admin shows the new city.
"""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

import mongoengine
import pytest
from werkzeug.serving import make_server

from tests.browser.support import CHROMIUM, CHROMIUM_ARGS, CSP_WATCH, form_frame, require_chromium
from tests.conftest import DEFAULT_PASSWORD, make_app

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


@pytest.fixture
def live_kiosk(tmp_path):
    require_chromium()
    app = make_app(tmp_path, SERVER_NAME=None)
    from core.models import Address, Appointment, BusinessUnit, Customer, StaffUser
    from core.passwords import hash_password
    from seed.questionnaires import load_samples

    with app.app_context():
        unit = BusinessUnit(name="Salon Sonnenschein", slug="salon").save()
        owner = StaffUser(email="inhaberin@example.com", name="Olivia Sommer", role="owner", business_unit=unit,
                          password_hash=hash_password(DEFAULT_PASSWORD)).save()
        customer = Customer(business_unit=unit, first_name="Bärbel", last_name="Größmann",
                            email="baerbel@example.com",
                            address=Address(street="Hauptstr. 1", postal_code="10115", city="Berlin")).save()
        start = datetime(2030, 1, 7, 9, 0)
        appt = Appointment(business_unit=unit, customer=customer, staff=owner, start=start,
                           end=start + timedelta(minutes=45)).save()
        load_samples(unit)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield app, f"http://127.0.0.1:{server.server_port}", str(customer.pk), str(appt.pk)
    server.shutdown()
    thread.join(5)
    mongoengine.disconnect()


def _watch(page, base, problems, name):
    # the browser logs the (intended) 410 of an ended run as a console error
    page.on("console", lambda m: problems.append(f"{name} console: {m.text} @ {m.location}")
            if m.type == "error" and "status of 410" not in m.text else None)
    page.on("pageerror", lambda e: problems.append(f"{name} page error: {e}"))
    # 410 is how an ended run answers; everything else >= 400 is a problem
    page.on("response", lambda r: problems.append(f"{name} {r.status} {r.url}")
            if r.status >= 400 and r.status != 410 else None)
    page.on("requestfailed", lambda r: None if "ERR_ABORTED" in (r.failure or "")
            else problems.append(f"{name} failed {r.url} {r.failure}"))
    page.on("request", lambda r: None if r.url.startswith(base) or r.url.startswith("data:")
            else problems.append(f"{name} outside request {r.url}"))


def test_pair_start_fill_submit(live_kiosk):
    from playwright.sync_api import expect, sync_playwright

    app, base, customer_id, appt_id = live_kiosk
    problems: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        staff_ctx = browser.new_context(locale="de-DE")
        tablet_ctx = browser.new_context(locale="de-DE", viewport={"width": 1024, "height": 1366}, has_touch=True)
        for ctx in (staff_ctx, tablet_ctx):
            ctx.add_init_script(CSP_WATCH)
        staff, tablet = staff_ctx.new_page(), tablet_ctx.new_page()
        _watch(staff, base, problems, "staff")
        _watch(tablet, base, problems, "tablet")

        # the owner logs in and switches the function on
        staff.goto(base + "/admin/login")
        staff.fill("input[name=email]", "inhaberin@example.com")
        staff.fill("input[name=password]", DEFAULT_PASSWORD)
        staff.click("button[type=submit]")
        staff.wait_for_url(base + "/admin/")
        staff.goto(base + "/admin/settings/features/")
        staff.click("[data-testid=toggle-kiosk]")
        staff.wait_for_load_state()

        # + Device: the code is shown once
        staff.goto(base + "/admin/devices/")
        staff.fill("#name", "Tablet 1")
        staff.click("[data-testid=create-device]")
        code = staff.locator("[data-testid=activation-code]").inner_text().strip()
        assert len(code) == 14 and code[4] == code[9] == "-"

        # the tablet enters it
        tablet.goto(base + "/kiosk/display")
        tablet.fill("#code", code.lower())
        tablet.click("[data-testid=kiosk-pair-submit]")
        expect(tablet.locator("[data-testid=kiosk-idle]")).to_be_visible()
        cookies = {c["name"]: c for c in tablet_ctx.cookies()}
        device_cookie = cookies["frontdesk_device"]
        assert device_cookie["httpOnly"] and device_cookie["sameSite"] == "Strict" and device_cookie["path"] == "/kiosk"
        assert "frontdesk_device" not in {c["name"] for c in staff_ctx.cookies()}

        # staff start the master-data questionnaire from the appointment's Options menu
        staff.goto(base + f"/admin/appointment/details/?id={appt_id}")
        staff.click("#fd-options")
        staff.click("[data-option=kiosk_start]")
        staff.locator("label[data-kind=master_data]").click()
        staff.click("[data-testid=kiosk-start-submit]")
        # the tablet polls once a second; the 2-second target is measured by bench/kiosk.py, not here
        # (a timed assertion would fail on a loaded CI machine for reasons that are not bugs)
        tablet.wait_for_url("**/kiosk/run/**", timeout=15000)
        form = form_frame(tablet)  # the questionnaire is drawn in the isolated renderer
        city = form.locator("input[name='data[city]']")
        expect(city).to_have_value("Berlin", timeout=10000)
        expect(form.locator("input[name='data[lastName]']")).to_have_value("Größmann")
        expect(staff.locator("[data-testid=kiosk-run-status]")).to_be_visible()

        # the customer changes the city and submits
        run_url = tablet.url
        city.fill("Potsdam")
        form.locator("button[name='data[submit]']").click()
        expect(tablet.locator("[data-testid=kiosk-thanks]")).to_be_visible(timeout=10000)
        assert "Größmann" not in tablet.content()
        expect(tablet.locator("[data-testid=kiosk-idle]")).to_be_visible(timeout=10000)

        # nothing of the customer is reachable again: Back, the old URL
        tablet.go_back()
        tablet.wait_for_load_state()
        assert "Größmann" not in tablet.content() and "Potsdam" not in tablet.content()
        response = tablet.goto(run_url)
        assert response.status == 410 and response.headers["cache-control"] == "no-store"
        assert "Größmann" not in tablet.content()
        expect(tablet.locator("[data-testid=kiosk-idle]")).to_be_visible(timeout=10000)

        # staff find the updated record in the customer file
        staff.goto(base + f"/admin/customer/file/?id={customer_id}")
        expect(staff.locator("#master-data")).to_contain_text("Potsdam")
        expect(staff.locator("#section-kiosk")).to_be_visible()

        for page in (staff, tablet):
            problems.extend(f"CSP {v}" for v in page.evaluate("window.__cspViolations || []"))
        browser.close()
    with app.app_context():
        from core.models import Customer, KioskRun, Submission

        assert Customer.objects.get(pk=customer_id).address.city == "Potsdam"
        assert Submission.objects.get().source_label == "Tablet 1"
        assert KioskRun.objects.get().status == "done"
    assert problems == []
