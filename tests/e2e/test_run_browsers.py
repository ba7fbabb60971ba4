"""``frontdesk run`` as people start it, with several browsers at once.

A staff login in one browser must never make another browser that staff member: under the old
server every request ran in one long-lived app context, so a cookieless second browser was served the
customer list as the owner, a second login failed with "the form has expired", and every page got the
same CSP nonce. These tests start the real command (embedded store, worker and beat on) on a free port.
"""

from __future__ import annotations

import re

import pytest

from tests.browser.support import watched_page
from tests.e2e.conftest import Browser, start_product, stop_product

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("run_command")]


@pytest.fixture(scope="module")
def product(tmp_path_factory):
    running = start_product(tmp_path_factory.mktemp("run") / "instance")
    yield running
    stop_product(running)


def test_a_login_never_makes_another_browser_that_user(product):
    owner, stranger, staff = Browser(product.base), Browser(product.base), Browser(product.base)
    assert owner.login(*product.logins["owner"]) == 302
    status, _, page = owner.request("/admin/customer/")
    assert status == 200 and "Olivia Sommer" in page

    status, _, page = stranger.request("/admin/customer/")
    assert status in (302, 401, 403), page[:500]
    assert "Olivia Sommer" not in page and "@example.com" not in page

    # a second staff member's login works (it failed with "the form has expired" under the leak)
    assert staff.login(*product.logins["staff"]) == 302
    status, _, page = staff.request("/admin/customer/")
    assert status == 200 and "Jörg Weiß" in page and "Olivia Sommer" not in page
    status, _, page = owner.request("/admin/customer/")
    assert status == 200 and "Olivia Sommer" in page and "Jörg Weiß" not in page

    # every answer has its own CSP nonce
    nonces = {re.search(r"'nonce-([^']+)'", stranger.request("/admin/login")[1]["Content-Security-Policy"]).group(1)
              for _ in range(3)}
    assert len(nonces) == 3


def _login(page, base: str, email: str, password: str) -> None:
    page.goto(base + "/admin/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url(base + "/admin/")


def test_staff_stranger_second_staff_and_tablet_in_chromium(product, chromium):
    from playwright.sync_api import expect

    base = product.base
    problems: list[str] = []
    expect.set_options(timeout=20_000)  # a loaded CI machine serves slower; nothing here is a timing claim
    contexts = []

    def new_page(name, problems_of, **kw):
        """A browser of its own (a fresh context: no cookies shared with the others)."""
        context, page = watched_page(chromium, base, problems_of, name, **kw)
        contexts.append(context)
        page.set_default_timeout(30_000)
        return page

    try:
        owner = new_page("owner", problems)
        stranger = new_page("stranger", [])  # its redirects to the login are the point
        staff = new_page("staff", problems)
        tablet = new_page("tablet", problems, viewport={"width": 1024, "height": 1366}, has_touch=True)

        owner_email, owner_password = product.logins["owner"]
        _login(owner, base, owner_email, owner_password)
        expect(owner.locator(".navbar-text")).to_contain_text("Olivia Sommer")

        # the stranger is sent to the login, from the panel and from the customer list
        for path in ("/admin/", "/admin/customer/"):
            stranger.goto(base + path)
            expect(stranger).to_have_url(re.compile(r"/admin/login"))
            assert "Olivia Sommer" not in stranger.content()

        # a second staff member logs in from a third browser and is that staff member
        _login(staff, base, *product.logins["staff"])
        expect(staff.locator(".navbar-text")).to_contain_text("Jörg Weiß")
        owner.reload()
        expect(owner.locator(".navbar-text")).to_contain_text("Olivia Sommer")

        # the owner opens a page with the form renderer: nobody else's page gets its CSP
        owner.goto(base + "/admin/questionnaire/")
        builder = owner.locator("a[href*='/admin/questionnaire/builder/']").first
        owner.goto(base + builder.get_attribute("href"))
        response = stranger.goto(base + "/admin/login")
        assert "'unsafe-eval'" not in response.headers["content-security-policy"]

        # the owner switches the tablet function on and pairs a tablet
        owner.goto(base + "/admin/settings/features/")
        toggle = owner.locator("[data-testid=toggle-kiosk]")
        if "btn-primary" in (toggle.get_attribute("class") or ""):  # off: switch it on
            toggle.click()
            owner.wait_for_load_state()
        owner.goto(base + "/admin/devices/")
        owner.fill("#name", "Tablet am Empfang")
        owner.click("[data-testid=create-device]")
        code = owner.locator("[data-testid=activation-code]").inner_text().strip()
        tablet.goto(base + "/kiosk/display")
        tablet.fill("#code", code)
        tablet.click("[data-testid=kiosk-pair-submit]")
        expect(tablet.locator("[data-testid=kiosk-idle]")).to_be_visible()

        # while staff work, the tablet keeps showing its idle screen and nothing of the panel
        staff.goto(base + "/admin/customer/")
        owner.goto(base + "/admin/customer/")
        tablet.reload()
        expect(tablet.locator("[data-testid=kiosk-idle]")).to_be_visible()
        assert "Olivia Sommer" not in tablet.content() and "Jörg Weiß" not in tablet.content()
        tablet.goto(base + "/admin/customer/")
        expect(tablet).to_have_url(re.compile(r"/admin/login"))
        assert "frontdesk_device" not in {c["name"] for c in owner.context.cookies()}
        assert {c["name"] for c in tablet.context.cookies()} >= {"frontdesk_device"}

        # and the stranger is still a stranger
        stranger.goto(base + "/admin/customer/")
        expect(stranger).to_have_url(re.compile(r"/admin/login"))
    finally:
        for context in contexts:
            context.close()
    assert problems == []
