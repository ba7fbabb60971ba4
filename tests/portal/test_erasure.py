"""After a customer is deleted, the audit log keeps nothing personal of them, also for what they did
themselves in the portal (code login, master-data change, message) and staff's "view as customer"."""

from __future__ import annotations

from core.models import AuditEvent
from tests.conftest import csrf_token
from tests.portal.conftest import code_login, page_csrf


def test_the_audit_log_forgets_an_erased_customer(app, make_portal_customer, make_project, make_task, owner_client):
    customer = make_portal_customer(first_name="Wendelin", last_name="Quastenflosser", email="wendelin@example.com")
    project = make_project(customer, "Wintergarten")
    task = make_task(customer)
    client = code_login(app, app.test_client(), customer)
    token = page_csrf(client, "/portal/")
    client.post(f"/portal/projects/{project.pk}/messages", data={"body": "Wann geht es los?", "csrf_token": token})
    response = client.post(
        f"/portal/tasks/{task.pk}",
        json={"data": {"firstName": "Wendelin", "lastName": "Quastenflosser", "city": "Quastenhausen"}},
        headers={"X-CSRFToken": token, "Accept": "application/json"},
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    token = csrf_token(owner_client, f"/admin/customer/file/?id={customer.pk}")
    assert (
        owner_client.post("/portal/view-as", data={"customer": str(customer.pk), "csrf_token": token}).status_code
        == 302
    )
    needles = ("Quastenflosser", "Wendelin", "wendelin@example.com", "Quastenhausen", "Wintergarten")
    with app.app_context():
        events = [repr(e.to_mongo()) for e in AuditEvent.objects]
    assert sum(any(n in e for n in needles) for e in events) >= 3  # the test sees what it looks for

    token = csrf_token(owner_client, f"/admin/customer/delete-confirm/?id={customer.pk}")
    owner_client.post("/admin/customer/delete-confirm/", data={"id": str(customer.pk), "csrf_token": token})
    with app.app_context():
        left = [repr(e.to_mongo()) for e in AuditEvent.objects]
        assert [e for e in left if any(n in e for n in needles)] == []
        assert AuditEvent.objects(action="delete", object_type="customers").count() == 1
    page = owner_client.get("/admin/audit/").get_data(as_text=True)
    assert not any(n in page for n in needles)
    # the deletion itself reads in German, with a number and no raw collection names
    assert "Kunde gelöscht, mit" in page and "Customer deleted with" not in page


def test_audit_summaries_show_in_the_viewers_language(app, make_portal_customer, owner_client):
    """Stored in English with a message id; the German audit log shows them in German."""
    customer = make_portal_customer(email="sprache@example.com")
    code_login(app, app.test_client(), customer)
    token = csrf_token(owner_client, f"/admin/customer/file/?id={customer.pk}")
    owner_client.post("/portal/view-as", data={"customer": str(customer.pk), "csrf_token": token})
    page = owner_client.get("/admin/audit/").get_data(as_text=True)
    assert "Portal-Anmeldung mit Einmalcode" in page and "Portal als Kunde angesehen" in page
    assert "Portal login with a one-time code" not in page and "Viewed the portal as customer" not in page
    with app.app_context():
        event = AuditEvent.objects.get(action="login", object_id=str(customer.pk))
        assert event.summary == "Portal login with a one-time code"  # English for operators and exports


def test_a_deleted_record_reads_in_german(app, owner_client, unit):
    from core.models import ActivityType

    with app.app_context():
        kind = ActivityType(business_unit=unit, name="Probeschnitt").save()
    token = csrf_token(owner_client, "/admin/activitytype/")
    owner_client.post("/admin/activitytype/delete/", data={"id": str(kind.pk), "csrf_token": token})
    page = owner_client.get("/admin/audit/").get_data(as_text=True)
    assert "Gelöscht: Probeschnitt" in page and "activity_types deleted" not in page
