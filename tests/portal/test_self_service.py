"""Customers change their own master data through the master-data questionnaire; planning per project."""

from __future__ import annotations

from datetime import timedelta

from core.models import AuditEvent, Customer, PortalTask
from core.models._base import utcnow
from tests.conftest import csrf_token


def test_change_my_data_through_the_master_data_questionnaire(app, portal_client, master_data):
    client, customer = portal_client
    page = client.get("/portal/me").get_data(as_text=True)
    assert 'data-testid="update-master-data"' in page
    token = csrf_token(client, "/portal/me")
    r = client.post("/portal/me/update", data={"csrf_token": token})
    assert r.status_code == 302 and "/portal/tasks/" in r.headers["Location"]
    again = client.post("/portal/me/update", data={"csrf_token": token})
    assert again.headers["Location"] == r.headers["Location"]  # the open task is reused
    task_url = r.headers["Location"]
    form = client.get(task_url)
    assert form.status_code == 200 and "data-frontdesk-form" in form.get_data(as_text=True)
    with app.app_context():
        from core.services import questionnaires as qs

        task = PortalTask.objects.get()
        prefill = qs.prefill_for(task.version, Customer.objects.get(pk=customer.pk))
    r = client.post(task_url, json={"data": {**prefill, "city": "Lübeck"}},
                    headers={"X-CSRFToken": csrf_token(client, task_url)})
    assert r.status_code == 200, r.get_data(as_text=True)
    with app.app_context():
        assert Customer.objects.get(pk=customer.pk).address.city == "Lübeck"
        assert AuditEvent.objects(object_type="customers", action="update").count() == 1
    assert client.post("/portal/me/update").status_code == 400  # CSRF


def test_no_button_without_a_published_master_data_questionnaire(portal_client):
    client, _customer = portal_client
    assert 'data-testid="update-master-data"' not in client.get("/portal/me").get_data(as_text=True)
    token = csrf_token(client, "/portal/me")
    assert client.post("/portal/me/update", data={"csrf_token": token}).status_code == 404


def test_planning_of_a_project_bound_account(app, make_portal_customer, make_project, make_account,
                                             make_appointment, portal_unit):
    from tests.portal.conftest import password_login

    customer = make_portal_customer(email="bau@example.com")
    bath, roof = make_project(customer, "Badsanierung"), make_project(customer, "Dach")
    soon = utcnow() + timedelta(days=2)
    make_appointment(customer=customer, project=bath, start=soon, end=soon + timedelta(hours=1),
                     location="Badezimmer EG")
    make_appointment(customer=customer, project=roof, start=soon, end=soon + timedelta(hours=1),
                     location="Dach oben")
    account = make_account(customer, project=bath)
    client = app.test_client()
    assert password_login(client, portal_unit.slug, account.username).status_code == 302
    home = client.get("/portal/").get_data(as_text=True)
    assert "Badezimmer EG" in home and "Dach oben" not in home
