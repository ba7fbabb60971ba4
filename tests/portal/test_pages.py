"""What the customer sees: welcome text, questionnaires (progress kept), master data, projects,
messages, documents, work times and planning."""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta

import pytest

from core import files
from core.errors import InvalidInput
from core.models import AuditEvent, Document, Message, OutboxMessage, PortalSettings, PortalTask, Submission
from core.models._base import utcnow
from core.services import documents as docs
from core.services import messages as msgs
from core.services import portal as service
from core.services import projects as projects_service
from core.services.audit import Actor
from tests.portal.conftest import PDF_BYTES as PDF
from tests.portal.conftest import page_csrf


def test_welcome_text_placeholders_are_escaped(app, portal_client, portal_unit):
    client, customer = portal_client
    with app.app_context():
        customer.update(set__first_name="<b>Eve</b>")
        hostile = ("Hallo {{ customer.first_name }} bei {{unit.name}}!\n<script>x</script> "
                   "{{ customer.__class__ }} {{ config.SECRET_KEY }} {% if 1 %}")
        with pytest.raises(InvalidInput):  # saving refuses unknown names and template syntax ...
            service.set_welcome_text(Actor.system(), portal_unit, hostile)
        # ... and a text stored before that check renders safely
        PortalSettings.objects(business_unit=portal_unit).update_one(upsert=True, set__welcome_text=hostile)
    html = client.get("/portal/").get_data(as_text=True)
    welcome = html.split('data-testid="welcome">')[1].split("</div>")[0]
    assert "Hallo &lt;b&gt;Eve&lt;/b&gt; bei Salon Sonnenschein!<br>" in welcome
    assert "<script>" not in welcome and "&lt;script&gt;" in welcome
    # no template engine: unknown placeholders are dropped or stay literal text, nothing is evaluated
    assert "test-secret-key" not in html and "__class__" not in welcome and "Customer" not in welcome
    assert "{{ config.SECRET_KEY }} {% if 1 %}" in welcome


def test_questionnaire_fill_with_progress_kept(app, portal_client, make_task):
    client, customer = portal_client
    task = make_task(customer)
    home = client.get("/portal/").get_data(as_text=True)
    assert f"/portal/tasks/{task.pk}" in home and "Stammdatenpflege" in home
    page = client.get(f"/portal/tasks/{task.pk}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "data-frontdesk-form" in html and "autosave.js" in html
    # drawn in the isolated renderer frame: the portal page itself needs no 'unsafe-eval'
    assert "'unsafe-eval'" not in page.headers["Content-Security-Policy"] and "<script>" not in html
    assert 'data-frame-url="/formio/frame?mode=portal' in html
    headers = {"X-CSRFToken": page_csrf(client, f"/portal/tasks/{task.pk}"), "Accept": "application/json"}
    with app.app_context():
        prefill = service.prefill_for_task(PortalTask.objects.get(pk=task.pk))
    partial = dict(prefill, city="Halb")
    assert client.post(f"/portal/tasks/{task.pk}/draft", json={"data": partial}, headers=headers).status_code == 200
    assert client.post(f"/portal/tasks/{task.pk}/draft", json={"data": {"$x": 1}},
                       headers=headers).status_code == 422
    assert "Halb" in client.get(f"/portal/tasks/{task.pk}").get_data(as_text=True)  # progress kept
    bad = client.post(f"/portal/tasks/{task.pk}", json={"data": dict(prefill, email="kaputt")}, headers=headers)
    assert bad.status_code == 422 and bad.get_json()["errors"]
    ok = client.post(f"/portal/tasks/{task.pk}", json={"data": dict(prefill, city="Potsdam")}, headers=headers)
    assert ok.status_code == 200 and ok.get_json() == {"redirect": "/portal/"}
    with app.app_context():
        customer.reload()
        assert customer.address.city == "Potsdam"
        sub = Submission.objects.get(customer=customer)
        assert sub.source == "portal"
        task.reload()
        assert task.status == "done" and task.partial == {} and task.submission.pk == sub.pk
        assert AuditEvent.objects(object_type="customers", object_id=str(customer.pk), action="update",
                                  actor_kind="customer").count() == 1
    assert client.get(f"/portal/tasks/{task.pk}").status_code == 404  # done: gone
    again = client.post(f"/portal/tasks/{task.pk}", json={"data": prefill}, headers=headers)
    assert again.status_code == 404


def test_master_data_page(app, portal_client):
    client, customer = portal_client
    html = client.get("/portal/me").get_data(as_text=True)
    assert customer.last_name in html and "kunde@example.com" in html


def test_messages_both_ways_with_unread_counts_and_mail(app, portal_client, make_project, owner_client, portal_unit):
    client, customer = portal_client
    with app.app_context():
        portal_unit.update(set__settings__email="team@salon.example")
    project = make_project(customer)
    url = f"/portal/projects/{project.pk}"
    token = page_csrf(client, url)
    assert client.post(f"{url}/messages", data={"body": "", "csrf_token": token}).status_code == 303
    r = client.post(f"{url}/messages", data={"body": "Wann kommt der Fliesenleger? <b>", "csrf_token": token})
    assert r.status_code == 303
    with app.app_context():
        message = Message.objects.get()
        assert message.sender == "customer" and message.notified_at is not None
        mail = OutboxMessage.objects.get(to="team@salon.example")
        assert "Fliesenleger" not in mail.body  # the content stays in the portal
        assert msgs.unread_for_staff(portal_unit) == 1
    index = owner_client.get("/admin/portal/").get_data(as_text=True)
    assert 'data-testid="unread-total">1<' in index
    staff_page = owner_client.get(f"/admin/portal/project/view?project={project.pk}").get_data(as_text=True)
    assert "Fliesenleger? &lt;b&gt;" in staff_page
    with app.app_context():
        assert msgs.unread_for_staff(portal_unit) == 0
    token = page_csrf(owner_client, f"/admin/portal/project/view?project={project.pk}")
    owner_client.post("/admin/portal/message", data={"project": str(project.pk), "body": "Dienstag.",
                                                      "csrf_token": token})
    home = client.get("/portal/").get_data(as_text=True)
    assert 'data-testid="unread"' in home
    with app.app_context():
        assert OutboxMessage.objects(to="kunde@example.com", subject__contains="Neue Nachricht").count() == 1
        # the task is idempotent: running it again sends nothing new
        staff_message = Message.objects.get(sender="staff")
        msgs.notify(str(staff_message.pk))
        assert OutboxMessage.objects(to="kunde@example.com", subject__contains="Neue Nachricht").count() == 1
    assert "Dienstag." in client.get(url).get_data(as_text=True)
    assert 'data-testid="unread"' not in client.get("/portal/").get_data(as_text=True)


def test_documents_upload_download_and_limits(app, portal_client, make_project):
    client, customer = portal_client
    project = make_project(customer)
    url = f"/portal/projects/{project.pk}"
    token = page_csrf(client, url)

    def upload(data: bytes, name: str):
        return client.post(f"{url}/documents", data={"csrf_token": token, "file": (io.BytesIO(data), name)},
                           content_type="multipart/form-data")

    assert upload(PDF, "../../Angebot<1>.pdf").status_code == 303
    html = upload(b"<html><script>alert(1)</script></html>", "x.pdf")
    assert html.status_code == 303
    assert "Dieser Dateityp ist nicht erlaubt" in client.get(url).get_data(as_text=True)
    upload(b"MZ\x90\x00\x03\x00\x00\x00", "tool.exe")
    app.config["PORTAL_UPLOAD_MAX_BYTES"] = 1024
    upload(PDF + b"0" * 2000, "big.pdf")
    assert "Die Datei ist zu groß (höchstens 0 MB)" in client.get(url).get_data(as_text=True)
    with app.app_context():
        doc = Document.objects.get()
        assert doc.filename == "Angebot_1_.pdf" and doc.content_type == "application/pdf"
        assert files.chunks_collection("documents").count_documents({"files_id": doc.file_id}) == 1
        stored = files.files_collection("documents").find_one({"_id": doc.file_id})
        assert stored["length"] == len(PDF) and stored["filename"] == "Angebot_1_.pdf"
        assert stored["metadata"]["customer"] == doc.customer.pk
    response = client.get(f"/portal/documents/{doc.pk}")
    assert response.status_code == 200 and response.data == PDF
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Type"] == "application/pdf"
    # a name with umlauts keeps them, as RFC 6266 asks (filename*), with an ASCII fallback
    assert upload(PDF, "Angebot Müßig.pdf").status_code == 303
    with app.app_context():
        umlaut = Document.objects.get(filename__startswith="Angebot M")
    header = client.get(f"/portal/documents/{umlaut.pk}").headers["Content-Disposition"]
    assert "filename*=UTF-8''Angebot%20M%C3%BC%C3%9Fig.pdf" in header and header.isascii()


def test_big_document_is_chunked(app, portal_client, make_project):
    client, customer = portal_client
    project = make_project(customer)
    data = PDF + bytes(range(256)) * 3000  # ~768 kB: 3 chunks of 255 KiB
    with app.app_context():
        doc = docs.store(Actor.system(), customer, data, "plan.pdf", project=project, uploaded_by="staff")
        assert files.chunks_collection("documents").count_documents({"files_id": doc.file_id}) == 3
    assert client.get(f"/portal/documents/{doc.pk}").data == data


def test_sniffing():
    assert docs.sniff(PDF) == ("application/pdf", "pdf")
    assert docs.sniff(b"\x89PNG\r\n\x1a\n....") == ("image/png", "png")
    assert docs.sniff("Grüße\n".encode()) == ("text/plain", "txt")
    assert docs.sniff(b"  <!DOCTYPE html><p>") is None
    assert docs.sniff(b"<svg onload=alert(1)>") is None
    assert docs.sniff(b"hello <script>") is None
    assert docs.sniff(b"PK\x03\x04zip") is None
    assert docs.sniff(b"\xff\xfe\x00\x00") is None


def test_work_times_and_planning(app, portal_client, make_project, make_appointment, portal_unit):
    client, customer = portal_client
    project = make_project(customer)
    with app.app_context():
        projects_service.book_time(Actor.system(), project, day=date(2030, 1, 2), minutes=90,
                                   description="Fliesen", staff_name="Tom")
    html = client.get(f"/portal/projects/{project.pk}").get_data(as_text=True)
    assert "1:30" in html and "Fliesen" in html
    start = utcnow() + timedelta(days=3)
    make_appointment(customer=customer, business_unit=portal_unit, start=start, end=start + timedelta(hours=1),
                     location="Baustelle 7")
    past = datetime(2020, 1, 1, 9)
    make_appointment(customer=customer, business_unit=portal_unit, start=past, end=past + timedelta(hours=1),
                     location="Damals")
    home = client.get("/portal/").get_data(as_text=True)
    assert "Baustelle 7" in home and "Damals" not in home


def test_permissions_hide_sections(app, make_portal_customer, make_account, make_project, portal_unit):
    from tests.portal.conftest import password_login

    customer = make_portal_customer()
    project = make_project(customer)
    make_account(customer, username="nurdoku", permissions=("documents",))
    client = app.test_client()
    assert password_login(client, portal_unit.slug, "nurdoku").status_code == 302
    html = client.get(f"/portal/projects/{project.pk}").get_data(as_text=True)
    assert 'id="documents"' in html and 'id="messages"' not in html and 'id="work-times"' not in html
    assert 'id="planning"' not in client.get("/portal/").get_data(as_text=True)


def test_portal_draft_keeps_only_the_forms_fields_with_storable_values(app, portal_client, make_task):
    """The portal's autosave is cleaned like a submission: unknown and reserved keys, NaN/Infinity and
    integers beyond 64 bits do not reach the task; a draft stored before that still opens."""
    import json

    client, customer = portal_client
    task = make_task(customer)
    with app.app_context():
        viewer = service.Viewer(session=None, customer=customer, account=None, read_only=False)
        service.save_partial(viewer, PortalTask.objects.get(pk=task.pk),
                             {"city": "Halb", "__proto__": {"x": 1}, "constructor": 1, "unknownField": "x",
                              "street": float("nan"), "big": 2**70, "inf": float("-inf")})
        partial = PortalTask.objects.get(pk=task.pk).partial
    text = json.dumps(partial, allow_nan=False)
    assert partial["city"] == "Halb"
    assert not {"__proto__", "constructor", "unknownField", "big", "inf"} & set(partial), partial
    assert "NaN" not in text
    with app.app_context():
        PortalTask.objects(pk=task.pk).update_one(set__partial={"city": "Alt", "street": float("nan")})
    page = client.get(f"/portal/tasks/{task.pk}").get_data(as_text=True)
    assert "NaN" not in page and "Alt" in page
