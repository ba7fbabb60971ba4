"""Definitions with code the browser renderer would run: refused when stored, flagged when found stored,
never rendered interactively (forms/expressions.py has the rule)."""

from __future__ import annotations

import json
import re

import pytest

from core.errors import InvalidInput
from core.models import Questionnaire, QuestionnaireVersion, Submission
from core.services import questionnaires as qs
from core.services.audit import Actor
from tests.conftest import csrf_token, login

HOSTILE = {"display": "form", "components": [
    {"type": "textfield", "key": "name", "label": "Name", "tooltip": "{{ fetch('/admin/customer/export/csv/') }}"},
]}
CLEAN = {"display": "form", "components": [{"type": "textfield", "key": "name", "label": "Name"}]}


def store_hostile(unit, name="Alt", schema=HOSTILE) -> tuple[Questionnaire, QuestionnaireVersion]:
    """What an old version looks like: written to the database directly, around the lint."""
    q = Questionnaire(business_unit=unit, name=name, kind="custom", draft=schema, latest_version=1).save()
    v = QuestionnaireVersion(questionnaire=q, business_unit=unit, number=1, name=name, kind="custom", schema=schema,
                             sha256=qs.sha256(schema), renderer_version="5.6.0").save()
    return q, v


def test_create_import_save_and_publish_refuse_code(app, unit):
    with app.app_context():
        with pytest.raises(InvalidInput) as exc:
            qs.create(Actor.system(), unit, name="Neu", kind="custom", definition=HOSTILE)
        assert "components[0].tooltip" in exc.value.message and "Vorlagen-Code" in exc.value.message
        assert Questionnaire.objects.count() == 0
        q = qs.create(Actor.system(), unit, name="Neu", kind="custom", definition=CLEAN)
        with pytest.raises(InvalidInput):
            qs.save_draft(Actor.system(), q, json.dumps(HOSTILE))
        assert Questionnaire.objects.get(pk=q.pk).draft == CLEAN  # nothing stored
        Questionnaire.objects(pk=q.pk).update_one(set__draft=HOSTILE)  # stored around the service
        q.reload()
        with pytest.raises(InvalidInput) as exc:
            qs.publish(Actor.system(), q)
        assert "components[0].tooltip" in exc.value.message
        assert QuestionnaireVersion.objects.count() == 0


def test_lint_message_follows_the_language(app, unit):
    with app.test_request_context("/?lang=en"):
        from flask_babel import refresh

        refresh()
        with pytest.raises(InvalidInput) as exc:
            qs.lint(HOSTILE)
        assert "template code" in exc.value.message


def test_flagging_is_idempotent_and_counts(app, unit):
    with app.app_context():
        q_bad, v_bad = store_hostile(unit)
        q_ok = qs.create(Actor.system(), unit, name="Gut", kind="custom", definition=CLEAN)
        v_ok = qs.publish(Actor.system(), q_ok)
        assert qs.flag_unsafe_definitions() == 2  # the draft and the version of "Alt"
        assert qs.flag_unsafe_definitions() == 0  # a re-run changes nothing
        assert Questionnaire.objects.get(pk=q_bad.pk).unsafe_reason == "components[0].tooltip: template"
        assert QuestionnaireVersion.objects.get(pk=v_bad.pk).unsafe_reason == "components[0].tooltip: template"
        assert Questionnaire.objects.get(pk=q_ok.pk).unsafe_reason is None
        assert QuestionnaireVersion.objects.get(pk=v_ok.pk).unsafe_reason is None
        # the version stays as it was published (only the flag is written)
        assert QuestionnaireVersion.objects.get(pk=v_bad.pk).schema == HOSTILE
        # fixing the draft clears its flag; the old version stays blocked
        q_bad.reload()
        qs.save_draft(Actor.system(), q_bad, CLEAN)
        assert Questionnaire.objects.get(pk=q_bad.pk).unsafe_reason is None
        assert qs.flag_unsafe_definitions() == 0
        assert QuestionnaireVersion.objects.get(pk=v_bad.pk).unsafe_reason


def test_flagged_versions_are_not_offered_rendered_or_submitted(app, unit, make_customer):
    customer = make_customer()
    with app.app_context():
        _q, v_bad = store_hostile(unit)
        q_ok = qs.create(Actor.system(), unit, name="Gut", kind="custom", definition=CLEAN)
        qs.publish(Actor.system(), q_ok)
        assert [q.name for q, _v in qs.published_for_unit(unit)] == ["Gut"]  # even before flagging
        with pytest.raises(qs.UnsafeDefinition):
            qs.ensure_renderable(v_bad)
        with pytest.raises(qs.UnsafeDefinition):
            qs.submit(Actor.system(), customer=customer, version=v_bad, data={"name": "x"}, source="staff")
        assert Submission.objects.count() == 0
        # old submissions of such a version still show (escaped, server-side)
        assert "fetch" not in str(qs.form_for(v_bad).render_answers({"name": "<b>x</b>"}))


def test_staff_fill_in_refuses_a_flagged_version(app, unit, owner, make_customer):
    customer = make_customer()
    with app.app_context():
        _q, v_bad = store_hostile(unit)
        qs.flag_unsafe_definitions()
    client = app.test_client()
    login(client, owner.email)
    url = f"/admin/customer/fill/?id={customer.pk}&version={v_bad.pk}"
    r = client.get(url)
    page = r.get_data(as_text=True)
    assert r.status_code == 409 and "kann derzeit nicht angezeigt werden" in page
    assert "fetch(" not in page and "formio.full.min.js" not in page
    assert "'unsafe-eval'" not in r.headers["Content-Security-Policy"]
    token = csrf_token(client, "/admin/")
    r = client.post(url, json={"data": {"name": "x"}}, headers={"X-CSRFToken": token})
    assert r.status_code == 409
    with app.app_context():
        assert Submission.objects.count() == 0


def test_builder_and_preview_of_a_flagged_draft(app, unit, owner):
    with app.app_context():
        q, _v = store_hostile(unit)
        qs.flag_unsafe_definitions()
    client = app.test_client()
    login(client, owner.email)
    listing = client.get("/admin/questionnaire/").get_data(as_text=True)
    assert 'data-testid="unsafe"' in listing
    r = client.get(f"/admin/questionnaire/builder/?id={q.pk}")
    page = r.get_data(as_text=True)
    assert r.status_code == 200 and 'data-testid="unsafe-draft"' in page and 'data-testid="unsafe-version"' in page
    assert "components[0].tooltip" in page and "Vorlagen-Code" in page
    assert "formio.full.min.js" not in page and "data-frontdesk-builder" not in page
    assert "'unsafe-eval'" not in r.headers["Content-Security-Policy"]
    r = client.get(f"/admin/questionnaire/preview/?id={q.pk}")
    assert r.status_code == 409 and "formio.full.min.js" not in r.get_data(as_text=True)
    # the designer fixes the JSON in the plain editor and saves: the builder is back
    token = csrf_token(client, f"/admin/questionnaire/builder/?id={q.pk}")
    r = client.post("/admin/questionnaire/builder/", data={"csrf_token": token, "id": str(q.pk),
                                                           "definition": json.dumps(CLEAN)}, follow_redirects=True)
    assert "data-frontdesk-builder" in r.get_data(as_text=True)
    with app.app_context():
        assert Questionnaire.objects.get(pk=q.pk).unsafe_reason is None


def test_import_and_duplicate_refuse_code(app, unit, owner):
    import io

    client = app.test_client()
    login(client, owner.email)
    token = csrf_token(client, "/admin/questionnaire/import/")
    body = json.dumps({"name": "Fremd", "kind": "custom", "schema": HOSTILE}).encode()
    r = client.post("/admin/questionnaire/import/", data={"csrf_token": token, "name": "", "kind": "",
                                                          "file": (io.BytesIO(body), "q.json")},
                    content_type="multipart/form-data")
    assert r.status_code == 200 and "components[0].tooltip" in r.get_data(as_text=True)
    with app.app_context():
        assert Questionnaire.objects.count() == 0
        q, _v = store_hostile(unit)
    r = client.post("/admin/questionnaire/duplicate/", data={"csrf_token": token, "id": str(q.pk)},
                    follow_redirects=True)
    assert r.status_code == 200 and "components[0].tooltip" in r.get_data(as_text=True)
    with app.app_context():
        assert Questionnaire.objects.count() == 1


def test_dialog_link_and_portal_task_refuse_a_flagged_version(app, unit, make_customer, monkeypatch):
    """The customer-facing pages: a clean version is drawn in the isolated renderer (no 'unsafe-eval' on
    the page); a version holding code is refused with a German message and takes no answers."""
    from core.services import dialogs

    customer = make_customer()
    with app.app_context():
        _q, v_bad = store_hostile(unit)
        q_ok = qs.create(Actor.system(), unit, name="Gut", kind="custom", definition=CLEAN)
        v_ok = qs.publish(Actor.system(), q_ok)
        links = {}
        # a dialog started before the rule existed (starting one now is refused: see the test below)
        monkeypatch.setattr(qs, "ensure_renderable", lambda version: None)
        for name, version in (("bad", v_bad), ("ok", v_ok)):
            dialog = dialogs.start(Actor.system(), customer, version, invite=False)
            links[name] = dialogs.LINK_PATH.format(id=dialog.pk, token=dialogs.link_token(dialog))
        monkeypatch.undo()
    client = app.test_client()
    ok = client.get(links["ok"])
    assert ok.status_code == 200 and "'unsafe-eval'" not in ok.headers["Content-Security-Policy"]
    assert 'data-frame-url="/formio/frame?mode=portal' in ok.get_data(as_text=True)
    bad = client.get(links["bad"])
    page = bad.get_data(as_text=True)
    assert bad.status_code == 409 and "kann derzeit nicht angezeigt werden" in page and "fetch(" not in page
    token = re.search(r'data-csrf-token="([^"]+)"', ok.get_data(as_text=True)).group(1)
    r = client.post(links["bad"], json={"data": {"name": "x"}}, headers={"X-CSRFToken": token,
                                                                         "Accept": "application/json"})
    assert r.status_code == 409
    with app.app_context():
        assert Submission.objects.count() == 0


def test_a_version_holding_code_is_started_nowhere(app, unit, make_customer):
    """Dialog, portal request and tablet run: refused before anything is written or sent."""
    from core.errors import Conflict
    from core.models import BusinessUnit, Dialog, KioskRun, PortalTask
    from core.services import dialogs, kiosk, portal

    customer = make_customer()
    with app.app_context():
        BusinessUnit.objects(pk=unit.pk).update_one(set__features=["kiosk", "portal"])
        unit.reload()
        _q, v_bad = store_hostile(unit)
        device, code = kiosk.create_device(Actor.system(), unit, "Tablet")
        kiosk.pair(code)
        device.reload()
        with pytest.raises(qs.UnsafeDefinition):
            dialogs.start(Actor.system(), customer, v_bad, invite=True)
        with pytest.raises(qs.UnsafeDefinition):
            portal.request_questionnaire(Actor.system(), customer, v_bad)
        assert qs.published_for_unit(unit) == []  # staff are not offered it, and the tablet refuses it
        with pytest.raises(Conflict):
            kiosk.start_run(Actor.system(), device=device, customer=customer, version=v_bad)
        assert Dialog.objects.count() == PortalTask.objects.count() == KioskRun.objects.count() == 0
