"""Staff side of the portal: the customer-file section, accounts (password shown once), projects,
work times, documents, requested questionnaires, welcome text; scoped to the staff member's unit."""

from __future__ import annotations

import io
import re

from core.models import Customer, Document, PortalAccount, PortalTask, Project, TimeEntry
from core.passwords import verify_password
from tests.conftest import csrf_token, login
from tests.portal.conftest import PDF_BYTES, page_csrf, password_login


def test_feature_off_hides_everything(app, owner_client, make_customer):
    customer = make_customer()
    assert owner_client.get("/admin/portal/").status_code == 403
    assert 'id="section-portal"' not in owner_client.get(f"/admin/customer/file/?id={customer.pk}").get_data(
        as_text=True)


def test_portal_switch_on_the_customer_form(app, owner_client, portal_unit, make_customer):
    customer = make_customer(email="switch@example.com")
    html = owner_client.get(f"/admin/customer/edit/?id={customer.pk}").get_data(as_text=True)
    assert 'name="portal_enabled"' in html
    token = csrf_token(owner_client, f"/admin/customer/edit/?id={customer.pk}")
    owner_client.post(f"/admin/customer/edit/?id={customer.pk}", data={
        "csrf_token": token, "first_name": customer.first_name, "last_name": customer.last_name,
        "email": "switch@example.com", "portal_enabled": "y", "address-country": "DE"})
    with app.app_context():
        assert Customer.objects.get(pk=customer.pk).portal_enabled is True


def test_accounts_projects_time_documents_and_tasks(app, owner_client, make_portal_customer, master_data,
                                                    portal_unit):
    customer = make_portal_customer()
    file_url = f"/admin/customer/file/?id={customer.pk}"
    page = owner_client.get(file_url).get_data(as_text=True)
    assert 'id="section-portal"' in page and f"/portal/{portal_unit.slug}/login" in page
    token = csrf_token(owner_client, file_url)
    owner_client.post("/admin/portal/project", data={"csrf_token": token, "customer": str(customer.pk),
                                                     "name": "Dach"})
    with app.app_context():
        project = Project.objects.get(customer=customer)
    sheet = owner_client.post("/admin/portal/account", data={
        "csrf_token": token, "customer": str(customer.pk), "name": "Kai", "username": "Kai.Dach",
        "project": str(project.pk), "permissions": ["messages", "documents", "bogus"]})
    html = sheet.get_data(as_text=True)
    assert sheet.status_code == 200 and 'data-testid="account-sheet"' in html and "data:image/svg+xml" in html
    assert "sheet-password" not in html  # never a password on the sheet
    link = re.search(r'data-testid="sheet-enrolment-url">([^<]+)<', html).group(1)
    assert link.startswith("http://127.0.0.1:5000/portal/enrol/")
    enrol_path = link.removeprefix("http://127.0.0.1:5000")
    with app.app_context():
        account = PortalAccount.objects.get(username="kai.dach")
        assert account.permissions == ["documents", "messages"] and account.project.pk == project.pk
        assert account.password_hash is None and enrol_path.rsplit("/", 1)[1] not in str(account.to_mongo())
    assert enrol_path not in owner_client.get(file_url).get_data(as_text=True)  # shown once only
    # a taken username is refused
    owner_client.post("/admin/portal/account", data={"csrf_token": token, "customer": str(customer.pk),
                                                     "name": "X", "username": "kai.dach"})
    with app.app_context():
        assert PortalAccount.objects.count() == 1
    # the customer sets their own password through the link, then logs in with it
    client = app.test_client()
    password = "Mein-eigenes-Dach-2030"
    customer_token = page_csrf(client, enrol_path)
    assert client.post(enrol_path, data={"csrf_token": customer_token, "password": password, "confirm": password}
                       ).status_code == 302
    with app.app_context():
        assert verify_password(PortalAccount.objects.get(pk=account.pk).password_hash, password)
    client = app.test_client()
    assert password_login(client, portal_unit.slug, "kai.dach", password).status_code == 302
    # deactivate from the file
    owner_client.post("/admin/portal/account/active", data={"csrf_token": token, "account": str(account.pk),
                                                            "active": "0"})
    assert client.get("/portal/").status_code == 302
    # work time and a document on the project, a questionnaire requested
    project_url = f"/admin/portal/project/view?project={project.pk}"
    token = csrf_token(owner_client, project_url)
    owner_client.post("/admin/portal/time", data={"csrf_token": token, "project": str(project.pk),
                                                  "day": "2030-01-02", "minutes": "45", "description": "Ziegel"})
    owner_client.post("/admin/portal/time", data={"csrf_token": token, "project": str(project.pk),
                                                  "day": "kaputt", "minutes": "45"})
    owner_client.post("/admin/portal/document", data={"csrf_token": token, "project": str(project.pk),
                                                      "file": (io.BytesIO(PDF_BYTES), "Plan.pdf")},
                      content_type="multipart/form-data")
    owner_client.post("/admin/portal/request", data={"csrf_token": token, "customer": str(customer.pk),
                                                     "version": str(master_data.pk)})
    with app.app_context():
        assert TimeEntry.objects.get().minutes == 45
        assert Document.objects.get().uploaded_by == "staff"
        assert PortalTask.objects.get().status == "open"
    assert "0:45" in owner_client.get(project_url).get_data(as_text=True)


def test_ids_of_another_unit_are_404(app, make_unit, make_user, make_portal_customer, make_project, master_data):
    customer = make_portal_customer()
    project = make_project(customer)
    other_unit = make_unit(name="Fremd", slug="fremd2", features=["portal"])
    stranger = app.test_client()
    login(stranger, make_user("owner", business_unit=other_unit).email)
    token = csrf_token(stranger, "/admin/portal/")
    for url, data in (("/admin/portal/project", {"customer": str(customer.pk), "name": "X"}),
                      ("/admin/portal/account", {"customer": str(customer.pk), "name": "X", "username": "xyz"}),
                      ("/admin/portal/message", {"project": str(project.pk), "body": "X"}),
                      ("/admin/portal/time", {"project": str(project.pk), "day": "2030-01-01", "minutes": "5"}),
                      ("/admin/portal/request", {"customer": str(customer.pk), "version": str(master_data.pk)})):
        assert stranger.post(url, data={**data, "csrf_token": token}).status_code == 404, url
    assert stranger.get(f"/admin/portal/project/view?project={project.pk}").status_code == 404
    with app.app_context():
        assert Project.objects.count() == 1 and PortalAccount.objects.count() == 0 and PortalTask.objects.count() == 0


def test_welcome_text_owner_only(app, owner_client, make_user, portal_unit):
    token = csrf_token(owner_client, "/admin/portal/")
    owner_client.post("/admin/portal/welcome", data={"csrf_token": token, "welcome_text": "Hallo {{ unit.name }}"})
    assert "Hallo {{ unit.name }}" in owner_client.get("/admin/portal/").get_data(as_text=True)
    staff = app.test_client()
    login(staff, make_user("staff").email)
    token = csrf_token(staff, "/admin/portal/")
    assert staff.post("/admin/portal/welcome", data={"csrf_token": token, "welcome_text": "x"}).status_code == 403
