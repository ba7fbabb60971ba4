"""Accessibility of the customer-facing pages in Chromium, checked with axe-core (vendored from npm,
tests/browser/vendor/axe-core with its licence): no "serious" or "critical" violation on the kiosk,
portal, dialog and login pages (the renderer frame included); a questionnaire completed with the
keyboard only, with a visible focus on every stop; screenshots of the main pages at 1366 and 390 px
saved under tests/artifacts/ (not committed) for people to look at."""

from __future__ import annotations

import copy
import re
import threading
from pathlib import Path

import mongoengine
import pytest
from werkzeug.serving import make_server

from tests.browser.support import CHROMIUM, CHROMIUM_ARGS, FRAME, require_chromium
from tests.conftest import DEFAULT_PASSWORD, make_app
from tests.dialogs.conftest import DEFINITION, SCORING

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

AXE = (Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js").read_text(encoding="utf-8")
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
RUN_AXE = """async () => {
  const result = await axe.run(document, {resultTypes: ['violations']});
  return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                      nodes: v.nodes.slice(0, 4).map(n => n.target.join(' '))}));
}"""


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """One unit with portal, tablets and dialogs: a portal customer, a dialog link, a tablet code."""
    require_chromium()
    app = make_app(tmp_path_factory.mktemp("a11y"), SERVER_NAME=None, PORTAL_CODE_MIN_RESPONSE_SECONDS=0.0,
                   PORTAL_CODE_RESEND_SECONDS=0, PORTAL_CODE_SENDS_PER_HOUR=100)  # one customer logs in often
    from core.models import Address, BusinessUnit, Customer, Questionnaire, StaffUser
    from core.passwords import hash_password
    from core.services import dialogs, portal, projects
    from core.services import questionnaires as qs
    from core.services.audit import Actor
    from seed.questionnaires import load_samples

    with app.app_context():
        unit = BusinessUnit(name="Salon Sonnenschein", slug="salon", features=["portal", "kiosk", "dialogs"]).save()
        StaffUser(email="inhaberin@example.com", name="Olivia Sommer", role="owner", business_unit=unit,
                  password_hash=hash_password(DEFAULT_PASSWORD)).save()
        customer = Customer(business_unit=unit, first_name="Bärbel", last_name="Größmann-Öztürk",
                            email="baerbel@example.com", phone="0171 2345678", portal_enabled=True,
                            address=Address(street="Hauptstr. 1", postal_code="10115", city="Berlin")).save()
        load_samples(unit)
        master = qs.latest_version(Questionnaire.objects.get(business_unit=unit, name="Stammdatenpflege"))
        task = portal.request_questionnaire(Actor.system(), customer, master)
        projects.create_project(Actor.system(), customer, "Badsanierung")
        q = qs.create(Actor.system(), unit, name="Schlaf-Check", kind="survey", definition=copy.deepcopy(DEFINITION))
        Questionnaire.objects(pk=q.pk).update_one(set__scoring=copy.deepcopy(SCORING))
        q.reload()
        dialog = dialogs.start(Actor.system(), customer, qs.publish(Actor.system(), q), invite=False)
        links = [dialogs.LINK_PATH.format(id=dialog.pk, token=dialogs.link_token(dialog))]
        second = dialogs.start(Actor.system(), customer, dialog.version, invite=False)
        links.append(dialogs.LINK_PATH.format(id=second.pk, token=dialogs.link_token(second)))
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield {"app": app, "base": f"http://127.0.0.1:{server.server_port}", "customer": customer, "links": links,
           "dialogs": [str(dialog.pk), str(second.pk)], "version": master,
           "task": str(task.pk), "unit": unit}
    server.shutdown()
    thread.join(5)
    mongoengine.disconnect()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def violations(page) -> list[str]:
    """Serious and critical axe violations of the page and of each renderer frame in it."""
    found = []
    targets = [("page", page.main_frame)]
    for i, handle in enumerate(page.locator(FRAME).element_handles()):
        targets.append((f"frame {i}", handle.content_frame()))
    for name, frame in targets:
        frame.add_script_tag(content=AXE)
        for v in frame.evaluate(RUN_AXE):
            if v["impact"] in ("serious", "critical"):
                found.append(f"{page.url} {name}: {v['id']} ({v['impact']}) {v['help']} {v['nodes']}")
    return found


def wait_for_form(page) -> None:
    page.wait_for_selector(FRAME, state="attached")
    frame = page.locator(FRAME).first.element_handle().content_frame()
    frame.wait_for_selector("[data-frontdesk-target] .formio-component", timeout=15000)


def portal_login(site, page) -> None:
    from core.models import OutboxMessage

    page.goto(site["base"] + "/portal/salon/login")
    page.fill("#email", "baerbel@example.com")
    page.click("[data-testid=request-code]")
    with site["app"].app_context():
        body = OutboxMessage.objects(to="baerbel@example.com").order_by("-created_at").first().body
    page.fill("#code", re.search(r"\b(\d{6})\b", body).group(1))
    page.click("[data-testid=verify-code]")
    page.wait_for_url(site["base"] + "/portal/")


def pair_tablet(site, page, name: str = "Tablet") -> None:
    """Pair the page as a new tablet and start the master-data questionnaire on it."""
    from core.services import kiosk
    from core.services.audit import Actor

    with site["app"].app_context():
        device, code = kiosk.create_device(Actor.system(), site["unit"], name)
    page.goto(site["base"] + "/kiosk/display")
    page.fill("#code", code)
    page.click("[data-testid=kiosk-pair-submit]")
    page.wait_for_load_state("load")
    with site["app"].app_context():
        device.reload()
        kiosk.start_run(Actor.system(), device=device, customer=site["customer"], version=site["version"])
    page.wait_for_url(re.compile(r".*/kiosk/run/.*"), timeout=15000)
    wait_for_form(page)


def test_customer_facing_pages_have_no_serious_violations(site, browser):
    base = site["base"]
    context = browser.new_context(locale="de-DE", bypass_csp=True)  # to inject axe; the pages are unchanged
    page = context.new_page()
    problems: list[str] = []
    for url in ("/admin/login", "/portal/login", "/portal/salon/login", "/kiosk/display"):
        page.goto(base + url)
        problems += violations(page)
    page.goto(base + "/portal/salon/login")
    page.fill("#email", "unbekannt@example.com")
    page.click("[data-testid=request-code]")  # the code page
    problems += violations(page)
    portal_login(site, page)
    problems += violations(page)
    page.goto(f"{base}/portal/tasks/{site['task']}")
    wait_for_form(page)
    problems += violations(page)
    page.goto(base + "/portal/me")
    problems += violations(page)
    page.goto(base + site["links"][0])
    wait_for_form(page)
    problems += violations(page)
    tablet = browser.new_context(locale="de-DE", bypass_csp=True, viewport={"width": 1024, "height": 768}).new_page()
    pair_tablet(site, tablet, "Tablet axe")
    problems += violations(tablet)
    assert not problems, "\n".join(problems)


def test_the_checker_sees_violations(browser):
    """A page with a button without a name and an image without text: axe reports both as critical."""
    page = browser.new_context(bypass_csp=True).new_page()
    page.set_content("<html lang='de'><body><main><img src='data:,'><button></button></main></body></html>")
    found = violations(page)
    assert any("image-alt" in f for f in found) and any("button-name" in f for f in found), found


FOCUSED = """() => {
  const el = document.activeElement;
  if (!el || el === document.body || el.tagName === 'IFRAME') { return null; }
  const style = getComputedStyle(el);
  const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0;
  return {tag: el.tagName, type: el.type || '', name: el.name || '', value: el.value || '',
          label: (el.innerText || el.getAttribute('aria-label') || '').trim().slice(0, 40),
          visible: outline || (style.boxShadow && style.boxShadow !== 'none')};
}"""


def _focus(page) -> dict | None:
    """Where the keyboard focus is: in the page, or inside the renderer frame."""
    here = page.evaluate(FOCUSED)
    if here is not None:
        return here
    frame = page.locator(FRAME).first.element_handle().content_frame()
    return frame.evaluate(FOCUSED)


def test_a_questionnaire_is_completed_with_the_keyboard_only(site, browser):
    """Tab to each answer, Space to choose, Enter to send: the dialog is done; every focus stop shows it."""
    from core.models import Dialog

    page = browser.new_context(locale="de-DE").new_page()
    page.goto(site["base"] + site["links"][1])
    wait_for_form(page)
    stops, wanted = [], [("radio", "data[nights]"), ("checkbox", "data[coffee]"), ("checkbox", "data[stressors][]")]
    for _ in range(40):
        page.keyboard.press("Tab")
        focus = _focus(page)
        if focus is None:
            continue
        stops.append(focus)
        assert focus["visible"], f"no visible focus on {focus}"
        if wanted and focus["type"] == wanted[0][0] and focus["name"].startswith(wanted[0][1]):
            page.keyboard.press("Space")
            wanted.pop(0)
        elif not wanted and focus["tag"] == "BUTTON" and "Senden" in focus["label"]:
            page.keyboard.press("Enter")
            break
    else:
        raise AssertionError(f"the submit button was not reached: {stops}")
    with site["app"].app_context():
        for _ in range(50):
            dialog = Dialog.objects.get(pk=site["dialogs"][1])
            if dialog.status == "done":
                break
            page.wait_for_timeout(100)
        assert dialog.status == "done", dialog.status
        assert dialog.submission.data["nights"] == "bad" and dialog.submission.data["coffee"] is True
        assert dialog.submission.data["stressors"]["work"] is True


WIDTHS = {1366: 768, 390: 844}


def _shoot(page, name: str, width: int) -> int:
    """Save a full-page screenshot; returns how far the page scrolls sideways (0 = it fits)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}-{width}.png"), full_page=True)
    return page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")


def test_screenshots_of_the_main_pages(site, browser):
    """Admin home, customer file, calendar week, portal home and the kiosk form at 1366 and 390 px
    (tests/artifacts/<page>-<width>.png); the customer-facing pages and the customer file never
    scroll sideways on a phone."""
    from tests.browser.support import staff_login

    base, overflow = site["base"], {}
    for width, height in WIDTHS.items():
        staff = browser.new_context(locale="de-DE", viewport={"width": width, "height": height}).new_page()
        staff_login(staff, base)
        pages = (("admin-home", "/admin/"), ("customer-file", f"/admin/customer/file/?id={site['customer'].pk}"),
                 ("calendar-week", "/admin/calendar/?view=week"))
        for name, url in pages:
            staff.goto(base + url)
            overflow[(name, width)] = _shoot(staff, name, width)
        customer = browser.new_context(locale="de-DE", viewport={"width": width, "height": height}).new_page()
        portal_login(site, customer)
        overflow[("portal-home", width)] = _shoot(customer, "portal-home", width)
        tablet = browser.new_context(locale="de-DE", viewport={"width": width, "height": height}).new_page()
        pair_tablet(site, tablet, f"Tablet {width}")
        overflow[("kiosk-form", width)] = _shoot(tablet, "kiosk-form", width)
    overflow = {k: v for k, v in overflow.items() if v > 0}
    assert not {k: v for k, v in overflow.items() if k[0] in ("portal-home", "kiosk-form", "customer-file")}, overflow
