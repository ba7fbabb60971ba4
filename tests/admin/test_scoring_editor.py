"""The scoring model editor: found from the questionnaire, in German, refusing invalid models (nothing
stored, no "gespeichert"), a template from the questionnaire's fields; the seeded samples bring models."""

from __future__ import annotations

import copy
import json

import pytest

from core.models import Questionnaire
from core.services import dialogs
from core.services import questionnaires as qs
from core.services.audit import Actor
from tests.conftest import csrf_token
from tests.dialogs.conftest import DEFINITION, SCORING


@pytest.fixture
def questionnaire(app, unit, owner):
    with app.app_context():
        return qs.create(Actor.staff(owner), unit, name="Schlaf-Check", kind="survey",
                         definition=copy.deepcopy(DEFINITION))


def _editor(q) -> str:
    return f"/admin/scoring/?questionnaire={q.pk}"


def test_the_editor_is_linked_from_the_questionnaire(owner_client, questionnaire):
    page = owner_client.get(f"/admin/questionnaire/builder/?id={questionnaire.pk}").get_data(as_text=True)
    assert f'href="/admin/scoring/?questionnaire={questionnaire.pk}"' in page and "Auswertungsmodell" in page
    editor = owner_client.get(_editor(questionnaire)).get_data(as_text=True)
    assert 'data-testid="scorable-fields"' in editor and "Wie schlafen Sie?" in editor and "<code>bad</code>" in editor
    assert "Zurück zum Fragebogen" in editor


@pytest.mark.parametrize(("change", "german"), [
    (lambda m: m["levels"].pop(), "Es gibt keine Stufe „high“"),
    (lambda m: m["points"][0].update(path="nope"), "Der Fragebogen hat kein Feld „nope“"),
    (lambda m: m["categories"][0]["thresholds"].reverse(), "Kategorie 1 › Schwelle"),
    (lambda m: m["categories"][0].pop("label"), "„label“ fehlt"),
    (lambda m: m.update(extra=1), "ist hier nicht erlaubt"),
])
def test_invalid_models_are_refused_in_german(app, owner_client, questionnaire, change, german):
    model = copy.deepcopy(SCORING)
    change(model)
    token = csrf_token(owner_client, _editor(questionnaire))
    response = owner_client.post(_editor(questionnaire), data={"csrf_token": token, "scoring": json.dumps(model)})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert german in html, html[html.find("scoring-problems"):][:600]
    assert "gespeichert." not in html.replace("nicht gespeichert", "")  # only "… wurde nicht gespeichert"
    assert json.dumps(model)[:20] in html.replace("&#34;", '"')  # the designer's text stays in the editor
    with app.app_context():
        assert Questionnaire.objects.get(pk=questionnaire.pk).scoring == {}


def test_broken_json_is_refused_with_its_place(app, owner_client, questionnaire):
    token = csrf_token(owner_client, _editor(questionnaire))
    response = owner_client.post(_editor(questionnaire), data={"csrf_token": token, "scoring": '{"levels": [,]}'})
    assert response.status_code == 422 and "kein gültiges JSON (Zeile 1, Spalte 13)" in response.get_data(as_text=True)


def test_a_valid_model_is_saved_and_the_template_is_valid(app, owner_client, questionnaire, owner):
    token = csrf_token(owner_client, _editor(questionnaire))
    response = owner_client.post(_editor(questionnaire), data={"csrf_token": token, "action": "starter"})
    html = response.get_data(as_text=True)
    starter = html.split('name="scoring"', 1)[1].split(">", 1)[1].split("</textarea>", 1)[0]
    starter = starter.replace("&#34;", '"').replace("&quot;", '"').replace("&amp;", "&")
    with app.app_context():
        assert Questionnaire.objects.get(pk=questionnaire.pk).scoring == {}  # a template is not saved
    response = owner_client.post(_editor(questionnaire), data={"csrf_token": token, "scoring": starter})
    assert response.status_code == 303
    assert "gespeichert" in owner_client.get(response.headers["Location"]).get_data(as_text=True)
    with app.app_context():
        model = Questionnaire.objects.get(pk=questionnaire.pk).scoring
        assert {p["path"] for p in model["points"]} == {"nights", "coffee", "stressors"}
        assert qs.publish(Actor.staff(owner), Questionnaire.objects.get(pk=questionnaire.pk)).scoring == model


@pytest.mark.parametrize(("name", "answers", "expected"), [
    ("Anamnesebogen", {"allergies": "yes", "allergyDetails": "Nickel", "hairType": "curly", "scalpSensitive": True,
                       "conditions": {"skin": True, "pregnancy": False, "diabetes": False, "anticoagulants": False},
                       "truthful": True},
     {"Verträglichkeit": "Hoch", "Pflegebedarf": "Hoch"}),
    ("Zufriedenheitsumfrage", {"satisfaction": {"advice": "5", "result": "4", "waiting": "3", "friendliness": "5"},
                               "recommend": "yes"},
     {"Service": "Sehr zufrieden", "Ergebnis": "Sehr zufrieden"}),
])
def test_seeded_samples_have_scoring_models(app, unit, owner, make_customer, name, answers, expected):
    from seed.questionnaires import load_samples

    customer = make_customer(email="probe@example.com")
    with app.app_context():
        load_samples(unit)
        version = qs.latest_version(Questionnaire.objects.get(business_unit=unit, name=name))
        assert version.scoring
        dialog = dialogs.start(Actor.staff(owner), customer, version, invite=False)
        if name == "Anamnesebogen":
            answers = {**answers, "signature": "data:image/png;base64,iVBORw0KGgo="}
        done = dialogs.complete(dialog, answers)
        assert {c["label"]: c["level_label"] for c in done.results["categories"]} == expected


def test_the_editor_shows_what_each_category_can_reach(app, owner_client, questionnaire):
    model = copy.deepcopy(SCORING)
    model["categories"][2]["thresholds"][1]["min"] = 9  # habits can reach 2 points at most
    with app.app_context():
        Questionnaire.objects(pk=questionnaire.pk).update_one(set__scoring=model)
    page = owner_client.get(_editor(questionnaire)).get_data(as_text=True)
    table = page.split('data-testid="scoring-ranges"', 1)[1].split("</table>", 1)[0]
    assert "Schlafqualität" in table and "6 Punkte" in table and "Hoch ab 9 Punkten" in table
    assert table.count('data-testid="unreachable"') == 1
