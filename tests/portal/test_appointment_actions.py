"""Actions on an appointment in the portal: questionnaire and survey (through the portal task machinery),
upload; conditions checked when drawn and again on every POST; other customers' ids are 404."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core.models import (
    ActivityType,
    Customer,
    Document,
    PortalAction,
    PortalActionRecord,
    PortalSession,
    PortalTask,
)
from core.models._base import utcnow
from core.services import portal as portal_service
from core.services import portal_appointments
from core.services import questionnaires as qs
from tests.conftest import csrf_token
from tests.portal.conftest import PDF_BYTES


@pytest.fixture
def activity(app, portal_unit):
    with app.app_context():
        return ActivityType(business_unit=portal_unit, name="Hausbesuch", duration_minutes=60,
                            portal_visible=True, portal_title="Hausbesuch bei {{ customer.first_name }}",
                            portal_description="Am {{ appointment.date }}").save()


@pytest.fixture
def make_action(app, portal_unit, activity):
    def factory(kind, **kw):
        kw.setdefault("label", f"Aktion {kind}")
        with app.app_context():
            return PortalAction(business_unit=portal_unit, activity_type=activity, kind=kind, **kw).save()

    return factory


@pytest.fixture
def visit(app, portal_client, activity, make_appointment, portal_unit):
    _client, customer = portal_client
    soon = utcnow() + timedelta(days=3)
    return make_appointment(business_unit=portal_unit, customer=customer, activity_type=activity, start=soon,
                            end=soon + timedelta(hours=1), location="Bei Ihnen zu Hause")


def _viewer(app, customer):
    """The viewer of the customer's portal session (logged in by code: the whole customer)."""
    with app.app_context():
        return portal_service.Viewer(PortalSession.objects.get(customer=customer), Customer.objects.get(pk=customer.pk),
                                     None, False)


def _answers(app, task):
    with app.app_context():
        task = PortalTask.objects.get(pk=task.pk)
        return qs.prefill_for(task.version, task.customer)


def test_questionnaire_action_opens_one_task_and_counts_once(app, portal_client, visit, make_action, master_data):
    client, customer = portal_client
    action = make_action("questionnaire", questionnaire=master_data.questionnaire, once=True, label="Infos zum Job")
    viewer = _viewer(app, customer)
    with app.app_context():
        task = portal_appointments.open_questionnaire(viewer, visit, str(action.pk))
        again = portal_appointments.open_questionnaire(viewer, visit, str(action.pk))
        assert again.pk == task.pk and task.title == "Infos zum Job"
        assert portal_service.open_tasks(viewer.customer) == []  # shown with the appointment, not as a request
    url = f"/portal/tasks/{task.pk}"
    r = client.post(url, json={"data": _answers(app, task)}, headers={"X-CSRFToken": csrf_token(client, url)})
    assert r.status_code == 200, r.get_data(as_text=True)
    with app.app_context():
        assert PortalTask.objects.get(pk=task.pk).status == "done"
        assert PortalActionRecord.objects(appointment=visit, action=action, what="used").count() == 1
        from core.errors import Forbidden

        with pytest.raises(Forbidden):  # at most once: gone
            portal_appointments.open_questionnaire(viewer, visit, str(action.pk))


def test_task_of_an_action_is_refused_once_its_conditions_fail(app, portal_client, visit, make_action, master_data):
    client, customer = portal_client
    action = make_action("questionnaire", questionnaire=master_data.questionnaire, latest_hours_before=24)
    with app.app_context():
        task = portal_appointments.open_questionnaire(_viewer(app, customer), visit, str(action.pk))
    url = f"/portal/tasks/{task.pk}"
    assert client.get(url).status_code == 200
    token = csrf_token(client, url)
    with app.app_context():  # the appointment moves closer: less than 24 hours before its start
        soon = utcnow() + timedelta(hours=5)
        visit.update(set__start=soon, set__end=soon + timedelta(hours=1))
    assert client.get(url).status_code == 403
    r = client.post(url, json={"data": _answers(app, task)}, headers={"X-CSRFToken": token})
    assert r.status_code == 403
    r = client.post(url + "/draft", json={"data": {}}, headers={"X-CSRFToken": token})
    assert r.status_code == 403
    with app.app_context():
        assert PortalTask.objects.get(pk=task.pk).status == "open"


def test_upload_action_once_and_stored_with_the_appointment(app, portal_client, visit, make_action):
    _client, customer = portal_client
    action = make_action("upload", once=True, label="Foto vom Schaden")
    viewer = _viewer(app, customer)
    from core.errors import Forbidden
    from core.services.documents import UploadRefused

    with app.app_context():
        with pytest.raises(UploadRefused):  # not an allowed file: the use is given back
            portal_appointments.upload(viewer, visit, str(action.pk), b"\x00\x01binary", "x.exe")
        doc = portal_appointments.upload(viewer, visit, str(action.pk), PDF_BYTES, "schaden.pdf")
        assert Document.objects.get(pk=doc.pk).appointment.pk == visit.pk
        with pytest.raises(Forbidden):
            portal_appointments.upload(viewer, visit, str(action.pk), PDF_BYTES, "noch-eins.pdf")
        assert Document.objects.count() == 1


def test_another_customers_appointment_is_not_found(app, portal_client, activity, make_appointment,
                                                    make_portal_customer, portal_unit):
    from core.errors import NotFound

    _client, customer = portal_client
    other = make_portal_customer(email="nachbar@example.com")
    theirs = make_appointment(business_unit=portal_unit, customer=other, activity_type=activity)
    with app.app_context():
        for bad in (str(theirs.pk), "x" * 24, "nonsense"):
            with pytest.raises(NotFound):
                portal_appointments.appointment_for(_viewer(app, customer), bad)
