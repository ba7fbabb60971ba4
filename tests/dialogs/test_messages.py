"""Error texts of the dialog, scoring and report services reach staff and customers in their language.

Services raise their messages marked for translation (``_l``); the admin's ``flash_error`` and the
app's ``domain_error`` show them. That every raised message has a German text is checked for all
services in tests/core/test_errors.py.
"""

from __future__ import annotations

import copy
import json

import pytest

from tests.dialogs.conftest import ANSWERS, DEFINITION

# --- what staff see --------------------------------------------------------------------------------------

@pytest.fixture
def english_client(app, client, make_user):
    from tests.conftest import login

    user = make_user("owner", name="Emma English", language="en")
    assert login(client, user.email).status_code == 302
    return client


def _dashboard_token(client, customer):
    from tests.conftest import csrf_token

    return csrf_token(client, f"/admin/dialogs/dashboard?customer={customer.pk}")


def _remind_done_dialog(app, client, staff_actor, customer, scored_version):
    from core.services import dialogs as service

    with app.app_context():
        dialog = service.start(staff_actor, customer, scored_version)
        service.complete(dialog, ANSWERS)
    form = {"csrf_token": _dashboard_token(client, customer), "id": str(dialog.pk)}
    return client.post("/admin/dialogs/remind", data=form, follow_redirects=True).get_data(as_text=True)


def test_german_staff_read_german_errors_reminder_on_a_done_dialog(app, owner_client, staff_actor, customer,
                                                                    scored_version):
    html = _remind_done_dialog(app, owner_client, staff_actor, customer, scored_version)
    assert "Dieser Dialog ist bereits abgeschlossen." in html
    assert "already complete" not in html and "This dialog is complete." not in html


def test_english_staff_read_english_errors(app, english_client, staff_actor, customer, scored_version):
    html = _remind_done_dialog(app, english_client, staff_actor, customer, scored_version)
    assert "This dialog is already complete." in html


def test_german_staff_read_german_errors_starting_a_dialog(app, owner_client, make_customer, scored_version):
    from tests.conftest import csrf_token

    no_mail = make_customer(email=None)
    url = f"/admin/dialogs/start?customer={no_mail.pk}"
    token = csrf_token(owner_client, url)
    response = owner_client.post("/admin/dialogs/start", data={"csrf_token": token, "customer": str(no_mail.pk),
                                                               "version": str(scored_version.pk)})
    assert response.status_code == 422
    assert "Die Kundin bzw. der Kunde hat keine E-Mail-Adresse." in response.get_data(as_text=True)
    # no questionnaire chosen (msgid shared with the tablet views, translated already)
    response = owner_client.post("/admin/dialogs/start", data={"csrf_token": token, "customer": str(no_mail.pk),
                                                               "version": "nope"})
    assert response.status_code == 404
    assert "Bitte wählen Sie einen Fragebogen." in response.get_data(as_text=True)


def test_german_staff_read_german_errors_on_the_scoring_model(app, unit, owner_client, staff_actor):
    from core.models import Questionnaire
    from core.services import questionnaires as qs
    from tests.conftest import csrf_token

    with app.app_context():
        q = qs.create(staff_actor, unit, name="Modell", kind="survey", definition=copy.deepcopy(DEFINITION))
    url = f"/admin/scoring/?questionnaire={q.pk}"
    token = csrf_token(owner_client, url)
    response = owner_client.post(url, data={"csrf_token": token, "scoring": "{kein json"})
    assert response.status_code == 422
    assert "Das Auswertungsmodell ist kein gültiges JSON (Zeile 1, Spalte 2)." in response.get_data(as_text=True)
    response = owner_client.post(url, data={"csrf_token": token, "scoring": json.dumps({"points": [{"$where": 1}]})})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Das Auswertungsmodell verwendet einen nicht erlaubten Eigenschaftsnamen." in html
    assert "points[0]" in html  # where, as the service found it
    with app.app_context():
        assert not Questionnaire.objects.get(pk=q.pk).scoring


def test_german_staff_read_german_errors_on_reports(app, owner_client, staff_actor, customer, scored_version):
    from core.services import dialogs as service

    with app.app_context():
        dialog = service.start(staff_actor, customer, scored_version)
    token = _dashboard_token(owner_client, customer)
    html = owner_client.post("/admin/dialogs/report", data={"csrf_token": token, "dialog": str(dialog.pk),
                                                            "kind": "customer"},
                             follow_redirects=True).get_data(as_text=True)
    assert "Berichte gibt es nur für abgeschlossene Dialoge mit Ergebnissen." in html
    html = owner_client.post("/admin/dialogs/report", data={"csrf_token": token, "dialog": str(dialog.pk),
                                                            "kind": "no-such-kind"},
                             follow_redirects=True).get_data(as_text=True)
    assert "Diesen Bericht gibt es nicht." in html


# --- what the customer sees ------------------------------------------------------------------------------

def test_customer_reads_german_autosave_errors(app, client, staff_actor, customer, scored_version):
    from core.models import Dialog
    from core.services import dialogs as service

    with app.app_context():
        dialog = service.start(staff_actor, customer, scored_version)
        url = service.LINK_PATH.format(id=dialog.pk, token=service.link_token(dialog))
    from tests.dialogs.test_dialogs import page_csrf

    csrf = page_csrf(client, url)
    from core.services.questionnaires import MAX_DRAFT_BYTES

    too_large = {"remark": "x" * (MAX_DRAFT_BYTES + 1)}
    response = client.post(url + "/progress", json={"data": too_large}, headers={"X-CSRFToken": csrf})
    assert response.status_code == 422
    assert response.get_json() == {"error": "Ihre Antworten sind zu lang, um gespeichert zu werden."}
    response = client.post(url + "/progress", json={"data": ["nicht", "ein", "Objekt"]},
                           headers={"X-CSRFToken": csrf})
    assert response.status_code == 422
    assert response.get_json() == {"error": "Ihre Antworten konnten nicht gespeichert werden."}
    with app.app_context():
        assert Dialog.objects.get(pk=dialog.pk).answers == {}


def test_customer_reads_english_autosave_errors_when_asked(app, client, staff_actor, customer, scored_version):
    from core.services import dialogs as service

    with app.app_context():
        dialog = service.start(staff_actor, customer, scored_version)
        url = service.LINK_PATH.format(id=dialog.pk, token=service.link_token(dialog))
    from tests.dialogs.test_dialogs import page_csrf

    csrf = page_csrf(client, url)
    response = client.post(url + "/progress?lang=en", json={"data": {"$bad": 1}}, headers={"X-CSRFToken": csrf})
    assert response.status_code == 422
    assert response.get_json() == {"error": "Your answers could not be saved."}


def test_a_broken_report_file_is_an_error_page_in_the_staff_language(app, english_client, staff_actor, customer,
                                                                     scored_version):
    """report_bytes refuses a file whose checksum does not match: 404 with the translated text."""
    from core.models import Report
    from core.services import dialogs as service

    with app.app_context():
        dialog = service.complete(service.start(staff_actor, customer, scored_version), ANSWERS)
    token = _dashboard_token(english_client, customer)
    english_client.post("/admin/dialogs/report", data={"csrf_token": token, "dialog": str(dialog.pk),
                                                       "kind": "customer"})
    with app.app_context():
        report = Report.objects.get(dialog=dialog, kind="customer")  # eager Celery in tests: ready
        assert report.status == "ready"
        Report.objects(pk=report.pk).update_one(set__sha256="0" * 64)
    response = english_client.get(f"/admin/dialogs/report/download?id={report.pk}")
    assert response.status_code == 404
    assert "The report file is incomplete. Please create the report again." in response.get_data(as_text=True)
