"""Nested forms in the admin: the unit-scoped list the builder offers, the builder's status table, the preview
with the included questionnaire, refusals on save (nothing stored)."""

from __future__ import annotations

import json

import pytest

from core.models import Questionnaire
from core.services import questionnaires as qs
from core.services.audit import Actor
from tests.conftest import csrf_token, login

INNER = {"components": [{"type": "textfield", "key": "allergie", "label": "Allergie", "validate": {"required": True}}]}


def nested(inner_id: str) -> dict:
    return {"components": [{"type": "textfield", "key": "anlass", "label": "Anlass"},
                           {"type": "form", "key": "anamnese", "label": "Anamnese", "form": inner_id}]}


@pytest.fixture
def designer_client(app, make_user):
    client = app.test_client()
    assert login(client, make_user("designer").email).status_code == 302
    return client


@pytest.fixture
def setup(app, unit, make_unit):
    """(outer draft including inner, inner published, foreign published in another unit)"""
    with app.app_context():
        inner = qs.create(Actor.system(), unit, name="Anamnese kurz", kind="anamnesis", definition=INNER)
        qs.publish(Actor.system(), inner)
        qs.create(Actor.system(), unit, name="Nie veröffentlicht", kind="custom", definition=INNER)
        other = make_unit(name="Fremder Salon")
        foreign = qs.create(Actor.system(), other, name="Fremder Bogen", kind="custom", definition=INNER)
        qs.publish(Actor.system(), foreign)
        outer = qs.create(Actor.system(), unit, name="Erstbesuch", kind="custom", definition=nested(str(inner.pk)))
        return outer, inner, foreign


def test_the_includable_list_is_the_units_published_questionnaires_only(app, designer_client, make_user, setup):
    outer, inner, foreign = setup
    r = designer_client.get(f"/admin/questionnaire/includable/?id={outer.pk}")
    assert r.status_code == 200 and r.headers["Cache-Control"] == "no-store"
    assert r.get_json() == {"questionnaires": [{"id": str(inner.pk), "name": "Anamnese kurz", "version": 1}]}
    # another unit's questionnaire: not found; staff (no designer): forbidden; anonymous: login
    assert designer_client.get(f"/admin/questionnaire/includable/?id={foreign.pk}").status_code == 404
    staff = app.test_client()
    login(staff, make_user("staff").email)
    assert staff.get(f"/admin/questionnaire/includable/?id={outer.pk}").status_code == 403
    assert app.test_client().get(f"/admin/questionnaire/includable/?id={outer.pk}").status_code in (302, 401, 403)


def test_builder_page_names_the_list_url_and_says_what_a_new_inner_version_does(app, designer_client, setup):
    outer, _inner, _foreign = setup
    page = designer_client.get(f"/admin/questionnaire/builder/?id={outer.pk}").get_data(as_text=True)
    assert f'data-includable-url="/admin/questionnaire/includable/?id={outer.pk}"' in page
    assert "Eingebundene Fragebögen" in page and "erneut veröffentlichen" in page
    assert 'data-testid="nested-row"' in page and "Anamnese kurz" in page


def test_preview_renders_the_included_fields_and_checks_them(app, designer_client, setup):
    outer, _inner, _foreign = setup
    page = designer_client.get(f"/admin/questionnaire/preview/?id={outer.pk}").get_data(as_text=True)
    assert '"allergie"' in page  # the included questionnaire's component, inline in the definition
    token = csrf_token(designer_client, f"/admin/questionnaire/preview/?id={outer.pk}")
    r = designer_client.post(f"/admin/questionnaire/preview-check/?id={outer.pk}", headers={"X-CSRFToken": token},
                             json={"data": {"anamnese": {"data": {}}}})
    assert r.status_code == 422 and r.get_json()["errors"][0]["context"]["path"] == "anamnese.data.allergie"


def test_saving_a_reference_to_another_units_questionnaire_is_refused(app, designer_client, setup):
    outer, _inner, foreign = setup
    token = csrf_token(designer_client, f"/admin/questionnaire/builder/?id={outer.pk}")
    r = designer_client.post("/admin/questionnaire/builder/", follow_redirects=True,
                             data={"csrf_token": token, "id": str(outer.pk),
                                   "definition": json.dumps(nested(str(foreign.pk)))})
    page = r.get_data(as_text=True)
    assert r.status_code == 200 and "nicht gespeichert" in page and "kein Fragebogen dieses Betriebs" in page
    assert "Fremder Bogen" not in page
    with app.app_context():
        assert Questionnaire.objects.get(pk=outer.pk).draft["components"][1]["form"] != str(foreign.pk)


def test_a_preview_of_a_draft_that_cannot_include_goes_back_to_the_builder(app, designer_client, setup):
    outer, inner, _foreign = setup
    with app.app_context():
        qs.set_archived(Actor.system(), inner, True)
    r = designer_client.get(f"/admin/questionnaire/preview/?id={outer.pk}", follow_redirects=True)
    page = r.get_data(as_text=True)
    assert "Die Vorschau kann nicht angezeigt werden" in page and "archiviert" in page
