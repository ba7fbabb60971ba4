"""Questionnaires with JavaScript: published and filled (the server's sandbox decides on submit), refused
only where the code does not compile or sits outside the places the engine runs; flagged accordingly by
``frontdesk db upgrade``; listed for designers in the builder."""

from __future__ import annotations

import time
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from core.errors import InvalidInput
from core.models import Questionnaire, QuestionnaireVersion, Submission
from core.services import questionnaires as qs
from core.services.audit import Actor
from tests.conftest import login

WITH_JS = {"display": "form", "components": [
    {"type": "textfield", "key": "code", "label": "Kundennummer", "input": True,
     "validate": {"custom": "valid = /^K\\d{4}$/.test(input || '') ? true : 'Bitte K und vier Ziffern eingeben';"}},
    {"type": "checkbox", "key": "more", "label": "Mehr", "input": True},
    {"type": "textfield", "key": "detail", "label": "Details", "input": True, "validate": {"required": True},
     "customConditional": "show = data.more === true;"},
    {"type": "number", "key": "twice", "label": "Doppelt", "input": True, "calculateServer": True,
     "calculateValue": "value = (data.count || 0) * 2;"},
    {"type": "number", "key": "count", "label": "Anzahl", "input": True},
]}
HOSTILE_JS = {"display": "form", "components": [
    {"type": "textfield", "key": "a", "label": "Feld A", "input": True, "validate": {"custom": "while (true) {}"}},
]}
BROKEN_JS = {"display": "form", "components": [
    {"type": "textfield", "key": "a", "label": "A", "input": True, "customConditional": "show = (data.a"},
]}


def _publish(unit, definition, name="Mit Code"):
    q = qs.create(Actor.system(), unit, name=name, kind="custom", definition=definition)
    return q, qs.publish(Actor.system(), q)


def test_javascript_is_published_and_runs_on_submit(app, unit, make_customer):
    customer = make_customer()
    with app.app_context():
        _q, version = _publish(unit, WITH_JS)
        assert qs.unsafe_reason(version) is None
        qs.ensure_renderable(version)
        assert [q.name for q, _v in qs.published_for_unit(unit)] == ["Mit Code"]
        with pytest.raises(qs.SubmissionInvalid) as exc:
            qs.submit(Actor.system(), customer=customer, version=version, source="staff",
                      data={"code": "x", "more": True})
        assert exc.value.errors == {"code": ["Bitte K und vier Ziffern eingeben"],
                                    "detail": ["Details ist ein Pflichtfeld"]}
        out = qs.submit(Actor.system(), customer=customer, version=version, source="staff",
                        data={"code": "K1234", "more": False, "detail": "dropped", "count": 3, "twice": 99})
        # hidden by the custom condition: cleared; calculated on the server: the client's 99 is replaced
        assert out.submission.data == {"code": "K1234", "more": False, "count": 3, "twice": 6}


def test_a_hostile_snippet_ends_as_a_german_validation_error(app, unit, make_customer):
    customer = make_customer()
    with app.app_context():
        _q, version = _publish(unit, HOSTILE_JS)
        started = time.monotonic()
        with pytest.raises(qs.SubmissionInvalid) as exc:
            qs.submit(Actor.system(), customer=customer, version=version, source="staff", data={"a": "x"})
        assert time.monotonic() - started < 2
        assert "Feld A konnte nicht geprüft werden" in exc.value.errors["a"][0]
        assert Submission.objects.count() == 0


def test_javascript_that_does_not_compile_is_refused_with_a_reason(app, unit):
    with app.app_context(), pytest.raises(InvalidInput) as exc:
        qs.create(Actor.system(), unit, name="Kaputt", kind="custom", definition=BROKEN_JS)
    assert "components[0].customConditional" in exc.value.message
    assert "lässt sich nicht übersetzen" in exc.value.message


def test_flagging_follows_the_engine(app, unit):
    with app.app_context():
        stored = {}
        for name, schema in (("js", WITH_JS), ("broken", BROKEN_JS)):
            q = Questionnaire(business_unit=unit, name=name, kind="custom", draft=schema, latest_version=1,
                              unsafe_reason="components[0].validate.custom: script").save()  # an old flag
            v = QuestionnaireVersion(questionnaire=q, business_unit=unit, number=1, name=name, kind="custom",
                                     schema=schema, sha256=qs.sha256(schema), renderer_version="5.6.0",
                                     unsafe_reason="components[0].validate.custom: script").save()
            stored[name] = (q, v)
        assert qs.flag_unsafe_definitions() == 2  # the broken draft and version, with their new reason
        assert qs.flag_unsafe_definitions() == 0
        q_js, v_js = stored["js"]
        assert Questionnaire.objects.get(pk=q_js.pk).unsafe_reason is None
        assert QuestionnaireVersion.objects.get(pk=v_js.pk).unsafe_reason is None
        q_bad, v_bad = stored["broken"]
        reason = "components[0].customConditional: jsSyntax"
        assert QuestionnaireVersion.objects.get(pk=v_bad.pk).unsafe_reason == reason
        assert Questionnaire.objects.get(pk=q_bad.pk).unsafe_reason == reason
        assert "lässt sich nicht übersetzen" in qs.describe_problem(reason, "de")


def test_the_builder_names_every_place_the_engine_runs():
    from admin.views.questionnaires import SCRIPT_PLACES
    from forms.js import PLACES

    assert set(SCRIPT_PLACES) == set(PLACES)


def test_builder_lists_the_javascript_per_component(app, unit, owner):
    with app.app_context():
        definition = {"components": [*WITH_JS["components"], {
            "type": "textfield", "key": "lodash", "label": "Mit <b>Lodash</b>", "input": True,
            "customConditional": "show = _.get(data, 'more') === true;"}]}
        q = qs.create(Actor.system(), unit, name="Liste", kind="custom", definition=definition)
    client = app.test_client()
    login(client, owner.email)
    page = client.get(f"/admin/questionnaire/builder/?id={q.pk}").get_data(as_text=True)
    assert page.count('data-testid="script"') == 4
    assert "Eigene Prüfung" in page and "Eigene Bedingung (anzeigen)" in page and "Berechneter Wert" in page
    assert "show = data.more === true;" in page
    assert "Mit &lt;b&gt;Lodash&lt;/b&gt;" in page  # labels and code are escaped
    assert page.count('data-testid="browser-only"') == 1 and "verwendet _" in page
    assert "data-frontdesk-builder" in page  # JavaScript does not close the builder


EDITGRID_ROW = {"display": "form", "components": [
    {"type": "editgrid", "key": "kinder", "label": "Kinder", "input": True,
     "validate": {"row": "valid = (row.alter || 0) < 18 ? true : 'Nur Kinder unter 18';"},
     "components": [{"type": "textfield", "key": "name", "label": "Name", "input": True, "row": "0-0"},
                    {"type": "number", "key": "alter", "label": "Alter", "input": True, "row": "0-1"}]},
    {"type": "datetime", "key": "termin", "label": "Termin", "input": True, "enableTime": False,
     "widget": {"type": "calendar", "enableTime": False, "minDate": "moment().startOf('day')"}},
]}


def test_row_validation_is_listed_runs_on_submit_and_date_limits_use_the_unit_zone(app, unit, owner,
                                                                                  make_customer):
    customer = make_customer()
    with app.app_context():
        q, version = _publish(unit, EDITGRID_ROW, name="Kinder")
        with pytest.raises(qs.SubmissionInvalid) as exc:
            qs.submit(Actor.system(), customer=customer, version=version, source="staff",
                      data={"kinder": [{"name": "A", "alter": 7}, {"name": "B", "alter": 30}],
                            "termin": "2001-01-01T00:00:00+01:00"})
        today = datetime.now(ZoneInfo(unit.timezone)).strftime("%Y-%m-%d")  # today where the unit is
        assert exc.value.errors == {"kinder[1]": ["Nur Kinder unter 18"],
                                    "termin": [f"Termin darf kein Datum vor dem {today} enthalten"]}
    client = app.test_client()
    login(client, owner.email)
    page = client.get(f"/admin/questionnaire/builder/?id={q.pk}").get_data(as_text=True)
    assert page.count('data-testid="script"') == 1 and "Zeilenprüfung (Bearbeitungstabelle)" in page
