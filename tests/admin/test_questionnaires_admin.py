"""Questionnaires in the admin: designers build, publish, archive, import/export; others may not."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from core.models import Questionnaire, QuestionnaireVersion
from tests.conftest import csrf_token, login

SAMPLE = Path(__file__).resolve().parents[2] / "seed" / "questionnaires" / "zufriedenheitsumfrage.json"


@pytest.fixture
def designer_client(app, make_user):
    client = app.test_client()
    assert login(client, make_user("designer").email).status_code == 302
    return client


@pytest.fixture
def survey(app, unit):
    from core.services import questionnaires as qs
    from core.services.audit import Actor

    sample = json.loads(SAMPLE.read_text(encoding="utf-8"))
    with app.app_context():
        return qs.create(Actor.system(), unit, name=sample["name"], kind=sample["kind"], definition=sample["schema"])


def test_designer_creates_and_publishes(app, designer_client, survey):
    token = csrf_token(designer_client, "/admin/questionnaire/new/")
    r = designer_client.post("/admin/questionnaire/new/", data={"csrf_token": token, "name": "Neu", "kind": "custom",
                                                                "description": ""})
    assert r.status_code == 302 and "/admin/questionnaire/builder/" in r.headers["Location"]
    assert designer_client.get(f"/admin/questionnaire/builder/?id={survey.pk}").status_code == 200
    r = designer_client.post("/admin/questionnaire/publish/", data={"csrf_token": token, "id": str(survey.pk)})
    assert r.status_code == 302
    with app.app_context():
        assert QuestionnaireVersion.objects(questionnaire=survey.pk).count() == 1
    r = designer_client.get(f"/admin/questionnaire/export/?id={survey.pk}&version=1")
    exported = json.loads(r.get_data(as_text=True))
    assert exported["version"] == 1 and exported["schema"]["components"][0]["type"] == "survey"
    assert "attachment" in r.headers["Content-Disposition"]
    assert designer_client.get(f"/admin/questionnaire/export/?id={survey.pk}&version=9").status_code == 404
    assert designer_client.get(f"/admin/questionnaire/export/?id={survey.pk}&version=x").status_code == 404


def test_save_draft_and_lint_messages(app, designer_client, survey):
    token = csrf_token(designer_client, f"/admin/questionnaire/builder/?id={survey.pk}")
    # JavaScript that does not compile is never stored (JavaScript that does is: test_questionnaire_js.py)
    code = {"components": [{"type": "textfield", "key": "a", "customConditional": "show = (false"}]}
    r = designer_client.post("/admin/questionnaire/builder/", data={"csrf_token": token, "id": str(survey.pk),
                                                                    "definition": json.dumps(code)},
                             follow_redirects=True)
    page = r.get_data(as_text=True)
    assert "customConditional" in page and "nicht gespeichert" in page
    bad = {"components": [{"type": "nosuchwidget", "key": "a"}]}  # kept as a draft, refused on publish
    r = designer_client.post("/admin/questionnaire/builder/", data={"csrf_token": token, "id": str(survey.pk),
                                                                    "definition": json.dumps(bad)},
                             follow_redirects=True)
    assert "nosuchwidget" in r.get_data(as_text=True)
    r = designer_client.post("/admin/questionnaire/publish/", data={"csrf_token": token, "id": str(survey.pk)},
                             follow_redirects=True)
    assert "nosuchwidget" in r.get_data(as_text=True)
    r = designer_client.post("/admin/questionnaire/builder/", data={"csrf_token": token, "id": str(survey.pk),
                                                                    "definition": "{kaputt"}, follow_redirects=True)
    assert r.status_code == 200
    with app.app_context():
        assert QuestionnaireVersion.objects.count() == 0
        assert Questionnaire.objects.get(pk=survey.pk).draft == bad
    assert designer_client.post("/admin/questionnaire/builder/", data={"id": str(survey.pk),
                                                                       "definition": "{}"}).status_code == 400


def test_preview_check_validates_without_storing(app, designer_client, survey):
    token = csrf_token(designer_client, f"/admin/questionnaire/preview/?id={survey.pk}")
    headers = {"X-CSRFToken": token}
    r = designer_client.post(f"/admin/questionnaire/preview-check/?id={survey.pk}", json={"data": {}},
                             headers=headers)
    assert r.status_code == 422
    errors = r.get_json()["errors"]
    assert errors[0]["context"]["path"] == "satisfaction" and errors[0]["path"] == ["satisfaction"]
    answers = {"satisfaction": {"advice": "5", "result": "4", "waiting": "3", "friendliness": "5"}}
    r = designer_client.post(f"/admin/questionnaire/preview-check/?id={survey.pk}", json={"data": answers},
                             headers=headers)
    assert r.status_code == 200 and r.get_json()["ok"] is True
    assert designer_client.post(f"/admin/questionnaire/preview-check/?id={survey.pk}",
                                json={"data": {}}).status_code == 400  # no CSRF token


def test_archive_duplicate_import(app, designer_client, survey):
    token = csrf_token(designer_client, "/admin/questionnaire/")
    r = designer_client.post("/admin/questionnaire/duplicate/", data={"csrf_token": token, "id": str(survey.pk)})
    assert r.status_code == 302
    r = designer_client.post("/admin/questionnaire/archive/", data={"csrf_token": token, "id": str(survey.pk),
                                                                    "archived": "1"})
    with app.app_context():
        assert Questionnaire.objects.get(pk=survey.pk).status == "archived"
        assert Questionnaire.objects(name="Zufriedenheitsumfrage (Kopie)").count() == 1
    upload = SAMPLE.read_bytes()
    token = csrf_token(designer_client, "/admin/questionnaire/import/")
    r = designer_client.post("/admin/questionnaire/import/", data={
        "csrf_token": token, "name": "Importiert", "kind": "", "file": (io.BytesIO(upload), "umfrage.json")},
        content_type="multipart/form-data")
    assert r.status_code == 302
    r = designer_client.post("/admin/questionnaire/import/", data={
        "csrf_token": token, "name": "Kaputt", "kind": "", "file": (io.BytesIO(b"\x89PNG..."), "bild.png")},
        content_type="multipart/form-data")
    assert r.status_code == 200 and "invalid-feedback" in r.get_data(as_text=True)
    with app.app_context():
        assert Questionnaire.objects(name="Importiert").count() == 1
        assert Questionnaire.objects(name="Kaputt").count() == 0


def test_staff_and_other_units_cannot_touch_questionnaires(app, make_user, make_unit, survey):
    staff = app.test_client()
    login(staff, make_user("staff").email)
    assert staff.get(f"/admin/questionnaire/builder/?id={survey.pk}").status_code == 403
    other_unit = make_unit()
    foreign = app.test_client()
    login(foreign, make_user("designer", business_unit=other_unit).email)
    assert foreign.get(f"/admin/questionnaire/builder/?id={survey.pk}").status_code == 404
    assert foreign.get(f"/admin/questionnaire/export/?id={survey.pk}").status_code == 404
    token = csrf_token(foreign, "/admin/questionnaire/")
    assert foreign.post("/admin/questionnaire/publish/", data={"csrf_token": token,
                                                              "id": str(survey.pk)}).status_code == 404
    with app.app_context():
        assert QuestionnaireVersion.objects.count() == 0


def test_customer_file_shows_submissions(app, owner_client, make_customer, survey):
    from core.services import questionnaires as qs
    from core.services.audit import Actor

    customer = make_customer()
    with app.app_context():
        version = qs.publish(Actor.system(), survey)
        qs.submit(Actor.system(), customer=customer, version=version, source="staff",
                  data={"satisfaction": {"advice": "5", "result": "4", "waiting": "3", "friendliness": "5"},
                        "comment": "<script>alert(1)</script> Toll!"})
    page = owner_client.get(f"/admin/customer/file/?id={customer.pk}").get_data(as_text=True)
    assert 'data-testid="submission"' in page and "sehr zufrieden" in page
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page


def test_staff_fill_in_with_the_customer(app, owner_client, make_customer, survey, make_unit):
    from core.models import Submission
    from core.services import questionnaires as qs
    from core.services.audit import Actor

    customer = make_customer()
    with app.app_context():
        version = qs.publish(Actor.system(), survey)
        foreign = qs.publish(Actor.system(), qs.create(Actor.system(), make_unit(), name="Fremd", kind="survey",
                                                       definition=survey.draft))
    url = f"/admin/customer/fill/?id={customer.pk}&version={version.pk}"
    page = owner_client.get(url)
    assert page.status_code == 200 and "data-frontdesk-form" in page.get_data(as_text=True)
    # the form is drawn in the isolated renderer frame: the page itself needs no 'unsafe-eval'
    assert "'unsafe-eval'" not in page.headers["Content-Security-Policy"]
    assert "data-frame-url=\"/formio/frame?mode=staff" in page.get_data(as_text=True)
    token = csrf_token(owner_client, url)
    r = owner_client.post(url, json={"data": {"satisfaction": {"advice": "9"}}}, headers={"X-CSRFToken": token})
    assert r.status_code == 422 and {e["context"]["path"] for e in r.get_json()["errors"]} >= {"satisfaction"}
    answers = {"satisfaction": {"advice": "5", "result": "4", "waiting": "3", "friendliness": "5"}}
    r = owner_client.post(url, json={"data": answers}, headers={"X-CSRFToken": token})
    assert r.status_code == 200 and r.get_json()["redirect"].endswith(f"/admin/customer/file/?id={customer.pk}")
    assert owner_client.post(url, json={"data": answers}).status_code == 400  # CSRF
    assert owner_client.get(f"/admin/customer/fill/?id={customer.pk}&version={foreign.pk}").status_code == 404
    assert owner_client.get(f"/admin/customer/fill/?id={customer.pk}&version=nope").status_code == 404
    with app.app_context():
        sub = Submission.objects.get()
        assert sub.source == "staff" and sub.customer.pk == customer.pk


def test_preview_shows_kiosk_and_portal_side_by_side(designer_client, survey):
    r = designer_client.get(f"/admin/questionnaire/preview/?id={survey.pk}")
    page = r.get_data(as_text=True)
    assert r.status_code == 200 and "'unsafe-eval'" not in r.headers["Content-Security-Policy"]
    assert 'data-testid="preview-kiosk"' in page and 'data-testid="preview-portal"' in page
    assert page.count("data-frontdesk-form") == 2 and 'data-mode="kiosk"' in page and 'data-mode="portal"' in page
    assert f"/admin/questionnaire/preview-check/?id={survey.pk}" in page
    assert designer_client.get("/admin/questionnaire/preview/?id=nope").status_code == 404


@pytest.mark.parametrize("name", ["Schlaf\nCheck", "Schlaf\r\nCheck", "Tab\there", "Nul\x00", "Zeile\u2028zwei"])
def test_questionnaire_names_refuse_control_characters(app, designer_client, unit, name):
    """A name ends up in e-mail subjects: a line break there made every invitation fail."""
    from core.errors import InvalidInput
    from core.services import questionnaires as qs
    from core.services.audit import Actor

    token = csrf_token(designer_client, "/admin/questionnaire/new/")
    r = designer_client.post("/admin/questionnaire/new/", data={"csrf_token": token, "name": name, "kind": "custom",
                                                                "description": ""})
    assert r.status_code == 200
    assert "Zeilenumbrüche und andere Steuerzeichen sind hier nicht erlaubt." in r.get_data(as_text=True)
    with app.app_context():
        with pytest.raises(InvalidInput) as exc:
            qs.create(Actor.system(), unit, name=name, kind="custom")
        assert "name" in exc.value.field_errors
        assert Questionnaire.objects(name=name).count() == 0
