"""Questionnaires in real headless Chromium, on the product's own pages.

* a designer builds a small form in the builder, saves the draft and publishes it;
* one definition renders the same DOM in the kiosk and the portal templates;
* a server-side validation error appears next to its field (staff fill-in page).
"""

from __future__ import annotations

import json
import re
import threading
from pathlib import Path

import mongoengine
import pytest
from flask import Blueprint, render_template
from werkzeug.serving import make_server

from tests.browser.support import CHROMIUM, CHROMIUM_ARGS, form_frame, renderer_frame, require_chromium, staff_login
from tests.conftest import DEFAULT_PASSWORD, make_app

SEED = Path(__file__).resolve().parents[2] / "seed" / "questionnaires"
READY = ("document.addEventListener('frontdesk:ready', function () { window.__fdReady = true; });"
         "document.addEventListener('frontdesk:builder-ready', function () { window.__fdBuilder = true; });")

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


@pytest.fixture
def live(tmp_path):
    require_chromium()
    app = make_app(tmp_path, SERVER_NAME=None)
    pages = Blueprint("test_pages", __name__)

    @pages.route("/test/<surface>/<name>")
    def surface_page(surface: str, name: str):
        definition = json.loads((SEED / f"{name}.json").read_text(encoding="utf-8"))["schema"]
        template = {"kiosk": "kiosk/questionnaire.html", "portal": "portal/questionnaire.html"}[surface]
        return render_template(template, definition=definition, submit_url="/test/submit", lang="de",
                               prefill={"firstName": "Jürgen"}, title="Test")

    app.register_blueprint(pages)
    from core.models import BusinessUnit, Customer, StaffUser
    from core.passwords import hash_password

    with app.app_context():
        unit = BusinessUnit(name="Salon", slug="salon", features=["kiosk", "portal"]).save()
        hashed = hash_password(DEFAULT_PASSWORD)
        for email, role in (("designerin@example.com", "designer"), ("inhaberin@example.com", "owner")):
            StaffUser(email=email, name=role.title(), role=role, business_unit=unit, password_hash=hashed).save()
        Customer(business_unit=unit, first_name="Käthe", last_name="Kühn", email="kaethe@example.com").save()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield app, f"http://127.0.0.1:{server.server_port}", unit
    server.shutdown()
    mongoengine.disconnect()


@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def new_page(browser, base, problems):
    context = browser.new_context(locale="de-DE")
    context.add_init_script(READY)
    page = context.new_page()
    page.on("console", lambda m: problems.append(f"console: {m.text}") if m.type == "error" else None)
    page.on("request", lambda r: None if r.url.startswith((base, "data:", "blob:")) else problems.append(r.url))
    return page


def open_builder(live, browser, name: str, kind: str):
    """A new questionnaire opened in the builder by the designer: (questionnaire, page, builder frame,
    the page's problems list)."""
    app, base, unit = live
    from core.services import questionnaires as qs
    from core.services.audit import Actor

    with app.app_context():
        q = qs.create(Actor.system(), unit, name=name, kind=kind)
    problems: list[str] = []
    page = new_page(browser, base, problems)
    staff_login(page, base, "designerin@example.com")
    page.goto(f"{base}/admin/questionnaire/builder/?id={q.pk}")
    page.wait_for_function("() => window.__fdBuilder === true")
    return q, page, form_frame(page), problems


def test_designer_builds_and_publishes(live, browser):
    app = live[0]
    # the builder, too, runs in the isolated renderer
    q, page, builder, problems = open_builder(live, browser, "Kurzumfrage", "survey")
    assert builder.locator("text=Logik").count() == 0 and builder.locator("text=Logic").count() == 0
    source = builder.locator(".formcomponent[data-type=textfield]").first
    target = builder.locator(".formio-builder-form .drag-container, .formarea .drag-container").first
    source.drag_to(target)
    builder.locator(".formio-dialog .component-edit-container, .component-edit-container").first.wait_for()
    label = builder.locator(".component-edit-container input[name='data[label]']").first
    label.fill("Lieblingsfarbe")
    builder.locator(".component-edit-container [ref=saveButton]").first.click()
    page.wait_for_function("() => document.getElementById('fd-definition').value.indexOf('Lieblingsfarbe') >= 0")
    page.click("[data-testid=save-draft]")
    page.wait_for_load_state("networkidle")
    page.on("dialog", lambda dialog: dialog.accept())
    page.click("[data-testid=publish]")
    page.wait_for_selector("[data-testid=version]")
    with app.app_context():
        from core.models import QuestionnaireVersion

        version = QuestionnaireVersion.objects.get(questionnaire=q.pk)
        labels = [c.get("label") for c in version.schema["components"]]
        assert "Lieblingsfarbe" in labels
    assert problems == []


def _settled_html(page) -> str:
    """The form's HTML once widgets that finish after "ready" (Choices.js selects) stopped changing."""
    script = "document.querySelector('[data-frontdesk-frame-root] [data-frontdesk-target]').innerHTML"
    # "load", not "networkidle": Playwright discourages the latter and it timed out (30 s) under a loaded
    # CI run; the loop below is what decides that the form has settled
    page.wait_for_load_state("load")
    frame = renderer_frame(page)  # the form is drawn inside the isolated renderer
    previous = frame.evaluate(script)
    for _ in range(40):
        page.wait_for_timeout(250)
        current = frame.evaluate(script)
        if current == previous:
            return current
        previous = current
    raise AssertionError("the form's DOM did not settle within 10 s")


def _normalised_form_dom(page) -> str:
    html = _settled_html(page)
    html = re.sub(r"\be[a-z0-9]{3,9}\b", "ID", html)  # Form.io's random component ids ("e" + base36)
    # layout the stylesheet computes (the kiosk differs only by CSS): the signature canvas is sized to
    # its box, and its blank image is drawn at that size
    html = re.sub(r'\s(style|width|height)="[^"]*"', "", html)
    html = re.sub(r'src="data:image/[^"]*"', 'src="DATA"', html)
    return re.sub(r"\s+", " ", html)


def test_same_dom_in_kiosk_and_portal(live, browser):
    _app, base, _unit = live
    problems: list[str] = []
    for name in ("anamnesebogen", "stammdatenpflege", "datenschutzeinwilligung", "zufriedenheitsumfrage"):
        doms = []
        for surface in ("kiosk", "portal"):
            page = new_page(browser, base, problems)
            page.goto(f"{base}/test/{surface}/{name}")
            page.wait_for_function("() => window.__fdReady === true")
            doms.append(_normalised_form_dom(page))
            page.context.close()
        assert doms[0] == doms[1], name
        assert len(doms[0]) > 500
    assert problems == []


def test_server_error_appears_next_to_its_field(live, browser):
    app, base, unit = live
    from core.models import Customer
    from core.services import questionnaires as qs
    from core.services.audit import Actor

    with app.app_context():
        sample = json.loads((SEED / "stammdatenpflege.json").read_text(encoding="utf-8"))
        q = qs.create(Actor.system(), unit, name=sample["name"], kind=sample["kind"], definition=sample["schema"])
        version = qs.publish(Actor.system(), q)
        Customer(business_unit=unit, first_name="Belegt", last_name="Schon", email="belegt@example.com").save()
        customer = Customer.objects.get(email="kaethe@example.com")
    problems: list[str] = []
    page = new_page(browser, base, problems)
    staff_login(page, base)
    page.goto(f"{base}/admin/customer/fill/?id={customer.pk}&version={version.pk}")
    page.wait_for_function("() => window.__fdReady === true")
    form = form_frame(page)
    assert form.locator("input[name='data[firstName]']").input_value() == "Käthe"  # prefilled from the record
    # the browser accepts this address; only the server knows it belongs to another customer
    form.locator("input[name='data[email]']").fill("belegt@example.com")
    form.locator("button[name='data[submit]']").click()
    error = form.locator(".formio-component-email .formio-errors, .formio-component-email .invalid-feedback")
    error.first.wait_for(timeout=10_000)
    assert "bereits" in error.first.inner_text()
    with app.app_context():
        assert Customer.objects.get(pk=customer.pk).email == "kaethe@example.com"
    form.locator("input[name='data[email]']").fill("kaethe.kuehn@example.com")
    form.locator("input[name='data[city]']").fill("Köln")
    form.locator("button[name='data[submit]']").click()
    page.wait_for_url(f"**/admin/customer/file/?id={customer.pk}")
    with app.app_context():
        again = Customer.objects.get(pk=customer.pk)
        assert again.email == "kaethe.kuehn@example.com" and again.address.city == "Köln"
    assert [p for p in problems if "console" not in p] == []


def test_builder_offers_the_new_components_and_an_address_in_manual_mode(live, browser, tmp_path):
    _, page, builder, problems = open_builder(live, browser, "Neu", "custom")
    for type_name in ("editgrid", "tabs", "table", "address", "currency", "tags", "time", "url", "password"):
        assert builder.locator(f".formcomponent[data-type={type_name}]").count() == 1, type_name
    target = builder.locator(".formio-builder-form .drag-container, .formarea .drag-container").first
    builder.locator(".formcomponent[data-type=address]").first.drag_to(target)
    builder.locator(".component-edit-container [ref=saveButton]").first.click()
    page.wait_for_function("() => document.getElementById('fd-definition').value.indexOf('address') >= 0")
    schema = json.loads(page.eval_on_selector("#fd-definition", "e => e.value"))
    address = next(c for c in schema["components"] if c.get("type") == "address")
    assert address.get("enableManualMode") is True and not address.get("provider")
    page.screenshot(path=str(tmp_path / "builder-new-components.png"), full_page=True)
    assert problems == []
