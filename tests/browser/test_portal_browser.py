"""Real headless Chromium through the customer portal: ask for a code, read it from the outbox,
log in, fill an open questionnaire (partial answers kept), send a message, download a document,
log out. Every page runs under the production CSP; any violation, console error or outside
request fails the test."""

from __future__ import annotations

import re
import threading
from pathlib import Path

import mongoengine
import pytest
from werkzeug.serving import make_server

from tests.browser.support import (
    CHROMIUM,
    CHROMIUM_ARGS,
    CSP_WATCH,
    csp_violations,
    form_frame,
    require_chromium,
    watched_page,
)
from tests.conftest import make_app

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


@pytest.fixture
def live_portal(tmp_path):
    require_chromium()
    app = make_app(tmp_path, SERVER_NAME=None, PORTAL_CODE_MIN_RESPONSE_SECONDS=0.0)
    from core.models import Address, BusinessUnit, Customer, Questionnaire
    from core.services import documents, portal, projects
    from core.services.audit import Actor
    from core.services.questionnaires import latest_version
    from seed.questionnaires import load_samples

    with app.app_context():
        unit = BusinessUnit(name="Bau Sonnenschein", slug="bau", features=["portal"]).save()
        customer = Customer(business_unit=unit, first_name="Bärbel", last_name="Größmann",
                            email="baerbel@example.com", portal_enabled=True,
                            address=Address(street="Hauptstr. 1", postal_code="10115", city="Berlin")).save()
        load_samples(unit)
        version = latest_version(Questionnaire.objects.get(business_unit=unit, name="Stammdatenpflege"))
        portal.request_questionnaire(Actor.system(), customer, version)
        project = projects.create_project(Actor.system(), customer, "Badsanierung")
        documents.store(Actor.system(), customer, PDF, "Angebot.pdf", project=project, uploaded_by="staff")
    server = make_server("127.0.0.1", 0, app, threaded=True)  # a browser may hold an idle connection open
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield app, f"http://127.0.0.1:{server.server_port}", customer
    server.shutdown()
    thread.join(5)
    mongoengine.disconnect()


def _log_in_by_code(app, base, page, expect):
    """Ask for a code, read it from the outbox, log in with it."""
    from core.models import OutboxMessage

    page.goto(base + "/portal/bau/login")
    page.fill("#email", "baerbel@example.com")
    page.click("[data-testid=request-code]")
    expect(page.locator("[data-testid=code-sent]")).to_be_visible()
    with app.app_context():
        body = OutboxMessage.objects.get(to="baerbel@example.com").body
    code = re.search(r"\b(\d{6})\b", body).group(1)
    page.fill("#code", code)
    page.click("[data-testid=verify-code]")
    page.wait_for_url(base + "/portal/")
    expect(page.locator("h1")).to_contain_text("Bärbel")


def test_code_login_questionnaire_message_download_logout(live_portal):
    from playwright.sync_api import expect, sync_playwright

    from core.models import Message, PortalTask, Submission

    app, base, customer = live_portal
    problems: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(locale="de-DE", accept_downloads=True)
        context.add_init_script(CSP_WATCH)
        page = context.new_page()
        page.on("console", lambda m: problems.append(f"console: {m.text}") if m.type == "error" else None)
        page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
        page.on("request", lambda r: None if r.url.startswith(base) or r.url.startswith("data:")
                else problems.append(f"outside request {r.url}"))

        _log_in_by_code(app, base, page, expect)

        # fill the open questionnaire: a partial answer is kept when leaving and coming back
        page.click("[data-testid=open-tasks] a")
        city = form_frame(page).locator("input[name='data[city]']")  # inside the isolated renderer
        expect(city).to_have_value("Berlin", timeout=10000)
        city.fill("Pots")
        expect(page.locator("[data-autosave-state=saved]")).to_have_count(1, timeout=10000)
        page.goto(base + "/portal/")
        page.click("[data-testid=open-tasks] a")
        expect(city).to_have_value("Pots", timeout=10000)
        city.fill("Potsdam")
        form_frame(page).locator("button[name='data[submit]']").click()
        page.wait_for_url(base + "/portal/", timeout=10000)
        expect(page.locator("[data-testid=open-tasks]")).to_have_count(0)

        # send a message on the project
        page.click("[data-testid=projects] a")
        expect(page.locator("[data-testid=project-name]")).to_have_text("Badsanierung")
        page.fill("#body", "Wann geht es los?")
        page.click("[data-testid=send-message]")
        expect(page.locator("[data-testid=thread]")).to_contain_text("Wann geht es los?")

        # download the shared document
        with page.expect_download() as info:
            page.click("[data-testid=documents] a")
        download = info.value
        assert download.suggested_filename == "Angebot.pdf"
        assert Path(download.path()).read_bytes() == PDF

        # log out: the portal is closed again
        page.click("[data-testid=portal-logout]")
        page.wait_for_url(base + "/portal/login")
        page.goto(base + "/portal/")
        assert page.url == base + "/portal/login"

        problems.extend(f"CSP {v}" for v in page.evaluate("window.__cspViolations || []"))
        browser.close()
    with app.app_context():
        customer.reload()
        assert customer.address.city == "Potsdam"
        assert Submission.objects.get().source == "portal"
        assert PortalTask.objects.get().status == "done"
        assert Message.objects.get().body == "Wann geht es los?"
    assert problems == []


def test_enrolment_link_sets_own_password_then_password_login(live_portal):
    """The link from the printed sheet: the customer chooses a password (browser's own validation
    first, our policy second), is logged in, and later logs in with username and password."""
    from playwright.sync_api import expect, sync_playwright

    from core.services import portal
    from core.services.audit import Actor

    app, base, customer = live_portal
    with app.app_context():
        _, handover = portal.create_account(Actor.system(), customer, name="Bärbel Größmann", username="baerbel",
                                            permissions=["messages"])
    token = handover.enrolment_token
    password = "Blauer-Himmel-über-Bau-7"
    problems: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        # the refused form (400) and the used-up link (410) answer with those statuses on purpose
        _, page = watched_page(browser, base, problems, allowed_statuses=(400, 410))

        page.goto(f"{base}/portal/enrol/{token}")
        expect(page.locator("h1")).to_have_text("Passwort festlegen")
        page.fill("#password", password)
        page.fill("#confirm", password + "x")
        page.click("[data-testid=enrol-submit]")
        expect(page.locator("[data-testid=portal-error]")).to_contain_text("nicht gleich")
        page.fill("#password", password)
        page.fill("#confirm", password)
        page.click("[data-testid=enrol-submit]")
        page.wait_for_url(base + "/portal/")
        expect(page.locator("body")).to_contain_text("Ihr Passwort ist festgelegt")
        problems.extend(csp_violations(page))
        page.click("[data-testid=portal-logout]")

        page.goto(f"{base}/portal/enrol/{token}")  # used up
        expect(page.locator("[data-testid=enrol-invalid]")).to_be_visible()
        page.goto(base + "/portal/bau/login")
        page.fill("#username", "baerbel")
        page.fill("#password", password)
        page.click("[data-testid=password-login]")
        page.wait_for_url(base + "/portal/")
        problems.extend(csp_violations(page))
        browser.close()
    assert problems == []


def _wait_for_partial(app, expected: dict, timeout: float = 10.0) -> dict:
    """The database is the witness: poll the open task's draft until it holds ``expected``."""
    import time

    from core.models import PortalTask

    deadline = time.monotonic() + timeout
    while True:
        with app.app_context():
            partial = PortalTask.objects.get(status="open").partial or {}
        if all(partial.get(k) == v for k, v in expected.items()) or time.monotonic() > deadline:
            assert all(partial.get(k) == v for k, v in expected.items()), partial
            return partial
        time.sleep(0.1)


def test_portal_autosave_keeps_answers_across_a_reload(live_portal):
    """The portal's questionnaire saves as the customer types (the shared autosave.js): the answers
    are there after a reload, also when the page is reloaded inside the debounce (sent on the way out)."""
    from playwright.sync_api import expect, sync_playwright

    app, base, _customer = live_portal
    problems: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(locale="de-DE")
        context.add_init_script(CSP_WATCH)
        page = context.new_page()
        page.on("console", lambda m: problems.append(f"console: {m.text}") if m.type == "error" else None)
        page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
        page.on("request", lambda r: None if r.url.startswith(base) or r.url.startswith("data:")
                else problems.append(f"outside request {r.url}"))
        _log_in_by_code(app, base, page, expect)
        page.click("[data-testid=open-tasks] a")
        task_url = page.url
        city = form_frame(page).locator("input[name='data[city]']")
        expect(city).to_have_value("Berlin", timeout=10000)

        # typed, saved, reloaded: the answers come back
        city.fill("Potsdam")
        expect(page.locator("[data-autosave-state=saved]")).to_have_count(1, timeout=10000)
        _wait_for_partial(app, {"city": "Potsdam"})
        page.reload()
        expect(city).to_have_value("Potsdam", timeout=10000)

        # typed and reloaded at once (inside the debounce): sent on the way out, there on the next load
        city.fill("Cottbus")
        page.reload()
        _wait_for_partial(app, {"city": "Cottbus"})
        page.goto(task_url)
        expect(city).to_have_value("Cottbus", timeout=10000)
        problems.extend(csp_violations(page))
        browser.close()
    assert problems == []
