"""Actions on an appointment in the portal: questionnaire and survey (through the portal task machinery),
upload; conditions checked when drawn and again on every POST; other customers' ids are 404."""

from __future__ import annotations

import io
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
from core.services import portal_actions, portal_appointments
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
        assert portal_service.open_tasks(viewer) == []  # shown with the appointment, not as a request
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


# --- every condition kind, through the pages: drawn or not, POST accepted or 403 ------------------------

def _page(client, appointment):
    return client.get(f"/portal/appointments/{appointment.pk}").get_data(as_text=True)


def _upload(client, appointment, action):
    return client.post(f"/portal/appointments/{appointment.pk}/upload/{action.pk}",
                       data={"csrf_token": csrf_token(client, "/portal/"), "file": (io.BytesIO(PDF_BYTES), "a.pdf")},
                       content_type="multipart/form-data")


CONDITIONS = {
    # condition: (action fields, change that makes it fail, change that makes it hold)
    "status": ({"statuses": ["running"]}, {}, {"set__status": "running"}),
    "earliest": ({"earliest_hours_before": 24}, {}, "start_in_12_hours"),
    "latest": ({"latest_hours_before": 48}, "start_in_12_hours", "start_in_4_days"),
    "days_after_done": ({"days_after_done": 7, "statuses": ["done"]},
                        {"set__status": "done", "set__done_at": "9_days_ago"},
                        {"set__status": "done", "set__done_at": "2_days_ago"}),
    "tag": ({"required_tag": "fotos"}, {}, "tag"),
}


def _apply(app, appointment, customer, change):
    now = utcnow()
    with app.app_context():
        if change == "start_in_12_hours":
            appointment.update(set__start=now + timedelta(hours=12), set__end=now + timedelta(hours=13))
        elif change == "start_in_4_days":
            appointment.update(set__start=now + timedelta(days=4), set__end=now + timedelta(days=4, hours=1))
        elif change == "tag":
            Customer.objects(pk=customer.pk).update_one(add_to_set__tags="fotos")
        elif change:
            days = {"9_days_ago": 9, "2_days_ago": 2}
            appointment.update(**{k: now - timedelta(days=days[v]) if v in days else v for k, v in change.items()})


@pytest.mark.parametrize("condition", list(CONDITIONS))
def test_each_condition_decides_drawing_and_post(app, portal_client, visit, make_action, condition):
    client, customer = portal_client
    fields, fail, hold = CONDITIONS[condition]
    action = make_action("upload", label="Foto hochladen", **fields)
    _apply(app, visit, customer, fail)
    assert 'data-testid="action-upload"' not in _page(client, visit), condition
    assert _upload(client, visit, action).status_code == 403, condition
    _apply(app, visit, customer, hold)
    assert 'data-testid="action-upload"' in _page(client, visit), condition
    r = _upload(client, visit, action)
    assert r.status_code == 303, (condition, r.get_data(as_text=True)[:300])
    with app.app_context():
        assert Document.objects(appointment=visit.pk).count() == 1


def test_once_through_the_pages(app, portal_client, visit, make_action):
    client, _customer = portal_client
    action = make_action("upload", label="Foto hochladen", once=True)
    assert _upload(client, visit, action).status_code == 303
    assert 'data-testid="action-upload"' not in _page(client, visit)
    assert _upload(client, visit, action).status_code == 403


def test_survey_after_the_job_in_the_portal(app, portal_client, visit, make_action, master_data):
    from core.signals import announce, appointment_state

    client, _customer = portal_client
    action = make_action("survey", label="Wie war's?", questionnaire=master_data.questionnaire, days_after_done=14,
                         once=True)
    assert "Wie war's?" not in client.get("/portal/").get_data(as_text=True)
    with app.app_context():
        from core.models import Appointment

        appt = Appointment.objects.get(pk=visit.pk)
        before = appointment_state(appt)
        appt.status = "done"
        appt.start, appt.end = utcnow() - timedelta(hours=2), utcnow() - timedelta(hours=1)
        appt.save()
        announce(appt, before, source="admin")
    home = client.get("/portal/").get_data(as_text=True)
    assert 'data-testid="recent"' in home and "Wie war" in home
    r = client.post(f"/portal/appointments/{visit.pk}/fill/{action.pk}",
                    data={"csrf_token": csrf_token(client, "/portal/")})
    assert r.status_code == 303 and "/portal/tasks/" in r.headers["Location"]
    assert client.get(r.headers["Location"]).status_code == 200


def test_a_project_bound_account_without_documents_cannot_upload(app, visit, make_action, make_account, portal_unit,
                                                       master_data, portal_client):
    from tests.portal.conftest import password_login

    _client, customer = portal_client
    upload = make_action("upload", label="Foto hochladen")
    fill = make_action("questionnaire", label="Infos", questionnaire=master_data.questionnaire)
    account = make_account(customer, permissions=("planning",))
    client = app.test_client()
    assert password_login(client, portal_unit.slug, account.username).status_code == 302
    page = _page(client, visit)
    assert 'data-testid="action-upload"' not in page and 'data-testid="action-questionnaire"' in page
    assert _upload(client, visit, upload).status_code == 403
    token = csrf_token(client, "/portal/")
    assert client.post(f"/portal/appointments/{visit.pk}/fill/{fill.pk}", data={"csrf_token": token}).status_code \
        == 303


def test_action_posts_are_rate_limited(app, portal_client, visit, make_action):
    client, _customer = portal_client
    action = make_action("upload", label="Foto hochladen", required_tag="nie")
    token = csrf_token(client, "/portal/")
    statuses = [client.post(f"/portal/appointments/{visit.pk}/upload/{action.pk}", data={"csrf_token": token}
                            ).status_code for _ in range(31)]
    assert statuses[:30] == [403] * 30 and statuses[30] == 429


def test_staff_viewing_as_the_customer_see_the_actions_but_change_nothing(app, portal_client, visit, make_action,
                                                                         owner_client):
    _client, customer = portal_client
    action = make_action("upload", label="Foto hochladen")
    token = csrf_token(owner_client, "/admin/")
    assert owner_client.post("/portal/view-as", data={"customer": str(customer.pk), "csrf_token": token}
                             ).status_code == 302
    page = _page(owner_client, visit)
    assert "Foto hochladen" in page and 'data-testid="action-upload"' not in page
    assert _upload(owner_client, visit, action).status_code == 403
    with app.app_context():
        assert Document.objects.count() == 0
        from core.errors import Forbidden

        with pytest.raises(Forbidden):  # the service refuses too, not only the portal's POST guard
            portal_appointments.upload(
                portal_service.Viewer(PortalSession.objects.get(customer=customer, method="staff"),
                                      Customer.objects.get(pk=customer.pk), None, True),
                visit, str(action.pk), PDF_BYTES, "a.pdf")


def test_a_task_whose_appointment_or_action_is_gone_is_not_found(app, portal_client, visit, make_action, master_data,
                                                                 owner):
    from core.models import Appointment
    from core.services.audit import Actor

    client, customer = portal_client
    first = make_action("questionnaire", questionnaire=master_data.questionnaire, label="Infos")
    second = make_action("questionnaire", questionnaire=master_data.questionnaire, label="Mehr Infos")
    with app.app_context():
        viewer = _viewer(app, customer)
        kept = portal_appointments.open_questionnaire(viewer, visit, str(first.pk))
        dropped = portal_appointments.open_questionnaire(viewer, visit, str(second.pk))
        portal_actions.delete_action(Actor.staff(owner), PortalAction.objects.get(pk=second.pk))
        assert PortalTask.objects.get(pk=dropped.pk).status == "cancelled"
    assert client.get(f"/portal/tasks/{dropped.pk}").status_code == 404
    assert client.get(f"/portal/tasks/{kept.pk}").status_code == 200
    with app.app_context():
        Appointment.objects(pk=visit.pk).delete()
    assert client.get(f"/portal/tasks/{kept.pk}").status_code == 404
