"""Real headless Chromium on a customer's personal dialog link: answers are saved as the
customer goes ("Running", autosave), come back when the link is opened again, and the questionnaire
is completed ("Done", results computed, link dead). Every page runs under the production CSP; any
violation, console error, failed request or outside request fails the test.

The database is the witness: the test polls it for the autosaved draft instead of trusting the page.
"""

from __future__ import annotations

import copy
import threading
import time

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
    watch,
)
from tests.conftest import make_app
from tests.dialogs.conftest import DEFINITION, SCORING

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

#: the dialogs test questionnaire plus a free-text field (typing is what autosave debounces)
REMARK = {"type": "textfield", "key": "remark", "label": "Anmerkung", "input": True,
          "validate": {"maxLength": 200}}


# Form.io names a radio group "data[key][<instance id>]" and a selectboxes group "data[key][]"
NIGHTS = "input[type=radio][name^='data[nights]'][value='{}']"
STRESSORS = "input[type=checkbox][name='data[stressors][]'][value='{}']"


def _definition() -> dict:
    definition = copy.deepcopy(DEFINITION)
    definition["components"].insert(-1, copy.deepcopy(REMARK))  # before the submit button
    return definition


@pytest.fixture
def live_dialog(tmp_path):
    require_chromium()
    app = make_app(tmp_path, SERVER_NAME=None)
    from core.models import BusinessUnit, Customer, Questionnaire
    from core.services import dialogs as service
    from core.services import questionnaires as qs
    from core.services.audit import Actor

    with app.app_context():
        unit = BusinessUnit(name="Praxis Sonnenschein", slug="praxis").save()
        customer = Customer(business_unit=unit, first_name="Jürgen", last_name="Weiß",
                            email="juergen@example.com").save()
        q = qs.create(Actor.system(), unit, name="Schlaf-Check", kind="survey", definition=_definition())
        Questionnaire.objects(pk=q.pk).update_one(set__scoring=copy.deepcopy(SCORING))
        q.reload()
        version = qs.publish(Actor.system(), q)
        dialog = service.start(Actor.system(), customer, version, invite=False)
        link = service.LINK_PATH.format(id=dialog.pk, token=service.link_token(dialog))
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield app, f"http://127.0.0.1:{server.server_port}", link, str(dialog.pk)
    server.shutdown()
    thread.join(5)
    mongoengine.disconnect()


def _dialog(app, dialog_id):
    from core.models import Dialog

    with app.app_context():
        return Dialog.objects.get(pk=dialog_id)


def _wait_for_saved(app, dialog_id, expected: dict, timeout: float = 15.0):
    """Poll the database until the autosaved draft holds ``expected`` (a subset of the answers)."""
    deadline = time.monotonic() + timeout
    while True:
        dialog = _dialog(app, dialog_id)
        answers = dialog.answers or {}
        if all(answers.get(k) == v for k, v in expected.items()):
            return dialog
        if time.monotonic() > deadline:
            pytest.fail(f"autosave did not store {expected!r}; the database holds {answers!r}")
        time.sleep(0.1)


def _ready(page, expect):
    expect(page.locator("[data-frontdesk-form][data-frontdesk-ready=true]")).to_have_count(1, timeout=15000)


def test_answers_are_autosaved_restored_and_submitted(live_dialog):
    from playwright.sync_api import expect, sync_playwright

    from core.models import Submission

    app, base, link, dialog_id = live_dialog
    assert _dialog(app, dialog_id).status == "not_opened"
    problems: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(locale="de-DE")
        context.add_init_script(CSP_WATCH)
        page = context.new_page()
        watch(page, base, problems, "first")

        # open the personal link: the dialog is running, nothing is saved yet
        page.goto(base + link)
        _ready(page, expect)
        expect(page.locator("h1")).to_have_text("Schlaf-Check")
        opened = _dialog(app, dialog_id)
        assert opened.status == "running" and opened.opened_at is not None and not opened.answers
        saved_note = page.locator("[data-autosave-saved]")
        expect(saved_note).to_be_hidden()

        # answer some questions (a radio, a checkbox, one of the boxes, typed text)
        form_frame(page).locator(NIGHTS.format("bad")).check()
        form_frame(page).locator("input[name='data[coffee]']").check()
        form_frame(page).locator(STRESSORS.format("work")).check()
        form_frame(page).locator("input[name='data[remark]']").press_sequentially("Schlafe schlecht", delay=20)

        # the autosave lands: draft answers in the database, status running, the page says so
        saved = _wait_for_saved(app, dialog_id, {"nights": "bad", "coffee": True, "remark": "Schlafe schlecht"})
        saved = _wait_for_saved(app, dialog_id, {"stressors": {"work": True, "family": False, "money": False}})
        assert saved.status == "running" and saved.last_saved_at is not None
        assert saved.submission is None and not saved.results
        expect(saved_note).to_be_visible()
        expect(saved_note).to_contain_text("gespeichert")

        # reload: the form shows the saved answers, and says they are stored
        page.reload()
        _ready(page, expect)
        expect(saved_note).to_be_visible()
        expect(form_frame(page).locator(NIGHTS.format("bad"))).to_be_checked()
        expect(form_frame(page).locator(NIGHTS.format("good"))).not_to_be_checked()
        expect(form_frame(page).locator("input[name='data[coffee]']")).to_be_checked()
        expect(form_frame(page).locator(STRESSORS.format("work"))).to_be_checked()
        expect(form_frame(page).locator(STRESSORS.format("money"))).not_to_be_checked()
        expect(form_frame(page).locator("input[name='data[remark]']")).to_have_value("Schlafe schlecht")
        problems.extend(csp_violations(page))
        context.close()

        # the link opened again in a fresh browser (another device: no cookies, no cache)
        context = browser.new_context(locale="de-DE")
        context.add_init_script(CSP_WATCH)
        page = context.new_page()
        watch(page, base, problems, "second")
        page.goto(base + link)
        _ready(page, expect)
        expect(form_frame(page).locator(NIGHTS.format("bad"))).to_be_checked()
        expect(form_frame(page).locator("input[name='data[coffee]']")).to_be_checked()
        expect(form_frame(page).locator(STRESSORS.format("work"))).to_be_checked()
        remark = form_frame(page).locator("input[name='data[remark]']")
        expect(remark).to_have_value("Schlafe schlecht")

        # change answers there; the draft follows
        form_frame(page).locator(STRESSORS.format("money")).check()
        remark.fill("Schlafe schlecht, seit Mai")
        _wait_for_saved(app, dialog_id, {"remark": "Schlafe schlecht, seit Mai",
                                         "stressors": {"work": True, "family": False, "money": True}})
        assert _dialog(app, dialog_id).status == "running"

        # a last change and an immediate submit (inside the autosave's debounce): the submit carries it,
        # and no autosave goes out once the submit has started (it would hit a closed link)
        saves_after_submit: list[str] = []
        form_frame(page).locator(NIGHTS.format("ok")).check()
        page.on("request", lambda r: saves_after_submit.append(r.url) if r.url.endswith("/progress") else None)
        form_frame(page).locator("button[name='data[submit]']").click()
        page.wait_for_url(base + "/d/thanks", timeout=15000)
        expect(page.locator("[data-testid=dialog-thanks]")).to_be_visible()
        page.wait_for_timeout(1500)  # longer than the debounce
        assert saves_after_submit == []
        problems.extend(csp_violations(page))
        context.close()

        # the link is dead now (a plain request: the browser would log the intended 410 as an error)
        response = browser.new_context().request.get(base + link)
        assert response.status == 410 and "Link" in response.text()
        browser.close()

    done = _dialog(app, dialog_id)
    assert done.status == "done" and done.completed_at is not None
    assert done.answers == {} and done.token_hash is None
    sleep, stress, habits = done.results["categories"]
    assert sleep["score"] == 3      # ok 1 + coffee 2
    assert stress["score"] == 6     # work 3 + money 3
    assert habits["score"] == 2
    with app.app_context():
        submission = Submission.objects.get(customer=done.customer, source="dialog")
        assert submission.pk == done.submission.pk
        assert submission.data["nights"] == "ok" and submission.data["remark"] == "Schlafe schlecht, seit Mai"
        assert submission.data["stressors"] == {"work": True, "family": False, "money": True}
    assert problems == []


def test_autosave_survives_a_late_script_a_refused_submit_and_leaving_the_page(live_dialog):
    """autosave.js arrives after the form is ready (slow connection), a submit is refused by the
    form's own validation, and the page is left inside the debounce: every answer still lands."""
    from playwright.sync_api import expect, sync_playwright

    app, base, link, dialog_id = live_dialog
    problems: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(locale="de-DE")
        context.add_init_script(CSP_WATCH)
        page = context.new_page()
        watch(page, base, problems, "page")

        # hold autosave.js back until the form has rendered, then let it through
        held = []
        page.route("**/static/formio/frontdesk/autosave.js", lambda route: held.append(route))
        page.goto(base + link, wait_until="commit")
        _ready(page, expect)
        assert len(held) == 1
        held[0].continue_()
        page.wait_for_load_state("load")
        form_frame(page).locator("input[name='data[coffee]']").check()
        _wait_for_saved(app, dialog_id, {"coffee": True})

        # submit without the required answer: refused in the browser, nothing completed, autosave goes on
        form_frame(page).locator("button[name='data[submit]']").click()
        expect(form_frame(page).locator(".formio-error-wrapper, .has-error").first).to_be_visible()
        form_frame(page).locator(STRESSORS.format("family")).check()
        _wait_for_saved(app, dialog_id, {"coffee": True, "stressors": {"work": False, "family": True, "money": False}})
        assert _dialog(app, dialog_id).status == "running"

        # type and leave at once (inside the debounce): the answers are sent on the way out
        form_frame(page).locator("input[name='data[remark]']").fill("Tschüss")
        page.goto(base + "/d/thanks")
        saved = _wait_for_saved(app, dialog_id, {"remark": "Tschüss", "coffee": True})
        assert saved.status == "running" and saved.submission is None
        problems.extend(csp_violations(page))
        browser.close()
    assert problems == []
