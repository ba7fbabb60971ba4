"""Documents in the customer file: upload (several, JSON for the page's script), categories, sharing,
safe previews, versions, delete, requests the customer answers in the portal (with one reminder), the
project documents, the feature switch, unit isolation, the delete cascade and export/import."""

from __future__ import annotations

import contextlib
import io
from datetime import date, datetime, timedelta

import pytest

from core import files
from core.models import AuditEvent, Document, DocumentRequest, OutboxMessage
from core.services import document_requests as requests_service
from core.services import documents as docs
from core.services.audit import Actor
from tests.conftest import csrf_token, login

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JSON = {"Accept": "application/json"}


@pytest.fixture
def docs_unit(app, unit):
    with app.app_context():
        unit.update(add_to_set__features=["documents", "portal"])
        unit.reload()
    return unit


@pytest.fixture
def customer(docs_unit, make_customer):
    return make_customer(email="kunde@example.com", portal_enabled=True)


def _file_url(customer) -> str:
    return f"/admin/customer/file/?id={customer.pk}"


def _token(client, customer) -> str:
    return csrf_token(client, _file_url(customer))


def _upload(client, customer, files_, token, *, share="staff", category="", note="", headers=None):
    data = {"csrf_token": token, "share": share, "category": category, "note": note,
            "file": [(io.BytesIO(body), name) for body, name in files_]}
    return client.post(f"/admin/documents/upload?customer={customer.pk}", data=data,
                       content_type="multipart/form-data", headers=headers or {})


def test_upload_several_with_category_note_and_sharing(app, owner_client, customer):
    token = _token(owner_client, customer)
    page = owner_client.get(_file_url(customer)).get_data(as_text=True)
    assert 'id="section-documents"' in page and "documents.js" in page
    assert "Befund" in page  # the default categories, in the unit's language
    r = _upload(owner_client, customer, [(PDF, "Befund Müller.pdf"), (PNG, "foto.png")], token,
                category="Befund", note="vom Hausarzt", share="portal")
    assert r.status_code == 302 and r.headers["Location"].endswith("#section-documents")
    with app.app_context():
        stored = {d.filename: d for d in Document.objects(customer=customer)}
        assert set(stored) == {"Befund Müller.pdf", "foto.png"}
        assert all(d.category == "Befund" and d.note == "vom Hausarzt" and d.staff_only is False
                   for d in stored.values())
        assert stored["foto.png"].content_type == "image/png"
        assert AuditEvent.objects(object_type="documents", action="create").count() == 2
    page = owner_client.get(_file_url(customer)).get_data(as_text=True)
    assert page.count('data-testid="document-row"') == 2


def test_json_upload_for_the_script_and_refusals_change_nothing(app, owner_client, customer):
    token = _token(owner_client, customer)
    r = _upload(owner_client, customer, [(PDF, "a.pdf")], token, headers=JSON)
    assert r.status_code == 200 and r.get_json()["stored"][0]["filename"] == "a.pdf"
    with app.app_context():
        assert Document.objects.get(customer=customer).staff_only is True  # "only staff" is the default
    # wrong type, too large, unknown category, one bad file among good ones: a message, nothing stored
    cases = [([(b"<html><script>alert(1)</script></html>", "x.pdf")], "", "x: Dieser Dateityp ist nicht erlaubt"),
             ([(b"MZ\x90\x00\x03", "tool.exe")], "", "nicht erlaubt"),
             ([(PDF + b"0" * (10 * 1024 * 1024), "big.pdf")], "", "zu groß"),
             ([(PDF, "b.pdf")], "Geheimakte", "Kategorien"),
             ([(PDF, "c.pdf"), (b"\x00\x01binary", "d.bin")], "", "d: ")]
    for files_, category, fragment in cases:
        r = _upload(owner_client, customer, files_, token, category=category, headers=JSON)
        assert r.status_code == 422 and fragment in r.get_json()["error"], (files_[0][1], r.get_json())
    with app.app_context():
        assert Document.objects(customer=customer).count() == 1
        assert files.files_collection("documents").count_documents({}) == 1
    # the plain form: a flash, back to the file
    r = _upload(owner_client, customer, [(b"MZ\x90\x00", "tool.exe")], token)
    assert r.status_code == 302
    assert "nicht erlaubt" in owner_client.get(r.headers["Location"]).get_data(as_text=True)


def test_preview_is_safe(app, owner_client, customer):
    with app.app_context():
        actor = Actor.system()
        pdf, png, txt = docs.upload_many(actor, customer, [(PDF, "Vertrag Müßig.pdf"), (PNG, "foto.png"),
                                                           (b"hello <b>there</b>\n", "notiz.html")],
                                         category=None)
    r = owner_client.get(f"/admin/documents/file?document={pdf.pk}&inline=1")
    assert r.status_code == 200 and r.data == PDF and r.mimetype == "application/pdf"
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["Content-Disposition"].startswith("inline;") and "filename*=UTF-8''Vertrag%20M%C3%BC%C3%9Fig.pdf" \
        in r.headers["Content-Disposition"]
    assert "script-src" not in r.headers["Content-Security-Policy"]
    assert owner_client.get(f"/admin/documents/file?document={png.pk}&inline=1").headers[
        "Content-Disposition"].startswith("inline;")
    # text (and anything else) is never shown inline, even when asked
    r = owner_client.get(f"/admin/documents/file?document={txt.pk}&inline=1")
    assert r.mimetype == "text/plain" and r.headers["Content-Disposition"] == 'attachment; filename=notiz.txt'
    assert "sandbox" in r.headers["Content-Security-Policy"]
    assert owner_client.get(f"/admin/documents/file?document={pdf.pk}").headers[
        "Content-Disposition"].startswith("attachment;")


def test_change_replace_keeps_old_version_and_delete_is_audited(app, owner_client, customer):
    with app.app_context():
        doc = docs.upload_many(Actor.system(), customer, [(PDF, "plan.pdf")], category="Vertrag")[0]
    token = _token(owner_client, customer)
    r = owner_client.post("/admin/documents/update", data={"csrf_token": token, "document": str(doc.pk),
                                                           "category": "Rechnung", "note": "neu", "share": "portal"})
    assert r.status_code == 302
    r = owner_client.post("/admin/documents/replace", data={
        "csrf_token": token, "document": str(doc.pk), "file": (io.BytesIO(PDF + b"% v2\n"), "plan-v2.pdf")},
        content_type="multipart/form-data")
    assert r.status_code == 302
    with app.app_context():
        old = Document.objects.get(pk=doc.pk)
        new = Document.objects.get(pk=old.replaced_by)
        assert (new.version, new.previous, new.category, new.note, new.staff_only) == (2, old.pk, "Rechnung", "neu",
                                                                                        False)
        assert [d.pk for d in docs.file_documents(customer)] == [new.pk]
        assert [d.pk for d in docs.versions(new)] == [old.pk]
    page = owner_client.get(_file_url(customer)).get_data(as_text=True)
    assert "plan-v2.pdf" in page and "Frühere Versionen" in page and f"document={old.pk}" in page
    # the old version can be downloaded, not replaced again, changed or deleted on its own
    assert owner_client.get(f"/admin/documents/file?document={old.pk}").data == PDF
    r = owner_client.post("/admin/documents/replace", data={
        "csrf_token": token, "document": str(old.pk), "file": (io.BytesIO(PDF), "x.pdf")},
        content_type="multipart/form-data", follow_redirects=True)
    assert "bereits ersetzt" in r.get_data(as_text=True)
    with app.app_context():
        assert Document.objects(customer=customer).count() == 2
    r = owner_client.post("/admin/documents/delete", data={"csrf_token": token, "document": str(new.pk)})
    assert r.status_code == 302
    with app.app_context():
        assert Document.objects(customer=customer).count() == 0
        assert files.files_collection("documents").count_documents({}) == 0
        event = AuditEvent.objects.get(object_type="documents", action="delete")
        assert event.before == {"filename": "plan-v2.pdf", "versions": 2}


def test_replace_race_one_wins(app, customer):
    with app.app_context():
        doc = docs.upload_many(Actor.system(), customer, [(PDF, "a.pdf")], category=None)[0]
        first = docs.replace_document(Actor.system(), doc, PDF + b"%1", "b.pdf")
        with pytest.raises(docs.Conflict):
            docs.replace_document(Actor.system(), doc, PDF + b"%2", "c.pdf")  # a stale copy of the same version
        assert Document.objects(customer=customer).count() == 2
        assert files.files_collection("documents").count_documents({}) == 2
        assert Document.objects.get(pk=doc.pk).replaced_by == first.pk


def test_categories_are_unit_settings(app, owner_client, customer, make_user):
    r = owner_client.get("/admin/settings/documents/")
    assert r.status_code == 200 and "Befund" in r.get_data(as_text=True)
    token = csrf_token(owner_client, "/admin/settings/documents/")
    owner_client.post("/admin/settings/documents/", data={"csrf_token": token,
                                                          "categories": "Röntgenbild\n\n  Vertrag \nvertrag"})
    with app.app_context():
        customer.business_unit.reload()
        assert docs.categories(customer.business_unit) == ["Röntgenbild", "Vertrag"]
    too_long = owner_client.post("/admin/settings/documents/", data={"csrf_token": token, "categories": "x" * 61},
                                 follow_redirects=True)
    assert "höchstens 60 Zeichen" in too_long.get_data(as_text=True)
    with app.app_context():
        customer.business_unit.reload()
        assert docs.categories(customer.business_unit) == ["Röntgenbild", "Vertrag"]
    staff = make_user("staff")
    staff_client = app.test_client()
    login(staff_client, staff.email)
    assert staff_client.get("/admin/settings/documents/").status_code == 403


def test_feature_off_hides_section_and_refuses_routes(app, owner_client, unit, make_customer):
    customer = make_customer()
    with app.app_context():
        doc = docs.store(Actor.system(), customer, PDF, "a.pdf", project=None, uploaded_by="staff")
    page = owner_client.get(_file_url(customer)).get_data(as_text=True)
    assert 'id="section-documents"' not in page and "/admin/settings/documents/" not in page
    token = csrf_token(owner_client, _file_url(customer))
    assert owner_client.get(f"/admin/documents/file?document={doc.pk}").status_code == 403
    assert _upload(owner_client, customer, [(PDF, "b.pdf")], token).status_code == 403
    assert owner_client.post("/admin/documents/delete", data={"csrf_token": token,
                                                              "document": str(doc.pk)}).status_code == 403
    assert owner_client.get("/admin/settings/documents/").status_code == 403


def test_other_units_ids_are_404_and_csrf_is_required(app, owner_client, customer, make_unit, make_customer):
    other_unit = make_unit(features=["documents", "portal"])
    stranger = make_customer(business_unit=other_unit, portal_enabled=True)
    with app.app_context():
        theirs = docs.store(Actor.system(), stranger, PDF, "theirs.pdf", project=None, uploaded_by="staff")
        their_request = requests_service.request_document(Actor.system(), stranger, title="Ausweis",
                                                          due=date.today() + timedelta(days=30))
    token = _token(owner_client, customer)
    assert owner_client.get(f"/admin/documents/file?document={theirs.pk}").status_code == 404
    assert owner_client.get("/admin/documents/file?document=nonsense").status_code == 404
    assert _upload(owner_client, stranger, [(PDF, "x.pdf")], token).status_code == 404
    for url, field, value in (("/admin/documents/update", "document", theirs.pk),
                              ("/admin/documents/replace", "document", theirs.pk),
                              ("/admin/documents/delete", "document", theirs.pk),
                              ("/admin/documents/request", "customer", stranger.pk),
                              ("/admin/documents/request/cancel", "request", their_request.pk)):
        assert owner_client.post(url, data={"csrf_token": token, field: str(value)}).status_code == 404, url
    assert owner_client.post("/admin/documents/delete", data={"document": str(theirs.pk)}).status_code == 400
    with app.app_context():
        assert Document.objects(pk=theirs.pk).count() == 1
        assert DocumentRequest.objects.get(pk=their_request.pk).status == "open"


def test_project_documents_appear_in_the_file_and_portal_sees_only_shared(app, owner_client, customer):
    from core.services import projects
    from tests.portal.conftest import code_login

    with app.app_context():
        project = projects.create_project(Actor.system(), customer, "Badsanierung")
        offer = docs.store(Actor.system(), customer, PDF, "angebot.pdf", project=project, uploaded_by="staff")
        internal = docs.store(Actor.system(), customer, PDF, "kalkulation.pdf", project=project, uploaded_by="staff")
        docs.update_document(Actor.system(), internal, category=None, note="", staff_only=True)
        shared, private = docs.upload_many(Actor.system(), customer, [(PDF, "shared.pdf")], category=None,
                                           staff_only=False) + \
            docs.upload_many(Actor.system(), customer, [(PDF, "private.pdf")], category=None)
    page = owner_client.get(_file_url(customer)).get_data(as_text=True)
    assert "angebot.pdf" in page and "Badsanierung" in page
    portal = app.test_client()
    code_login(app, portal, customer)
    home = portal.get("/portal/").get_data(as_text=True)
    assert "shared.pdf" in home and "private.pdf" not in home and "angebot.pdf" not in home
    assert portal.get(f"/portal/documents/{shared.pk}").data == PDF
    assert portal.get(f"/portal/documents/{private.pk}").status_code == 404
    # a project's document that staff keep to themselves is not on the project page, nor downloadable
    project_page = portal.get(f"/portal/projects/{project.pk}").get_data(as_text=True)
    assert "angebot.pdf" in project_page and "kalkulation.pdf" not in project_page
    assert portal.get(f"/portal/documents/{internal.pk}").status_code == 404
    assert portal.get(f"/portal/documents/{offer.pk}").data == PDF
    # an old version is not shown to the customer either
    with app.app_context():
        docs.replace_document(Actor.system(), shared, PDF + b"%new", "shared-v2.pdf")
    assert portal.get(f"/portal/documents/{shared.pk}").status_code == 404
    assert "shared-v2.pdf" in portal.get("/portal/").get_data(as_text=True)


def test_request_answered_in_the_portal(app, owner_client, customer):
    from tests.portal.conftest import code_login

    token = _token(owner_client, customer)
    due = (date.today() + timedelta(days=7)).isoformat()
    for bad in ({"title": "", "due": due}, {"title": "Ausweis", "due": "2001-01-01"},
                {"title": "Ausweis", "due": "morgen"}, {"title": "Zeile\nZwei", "due": due}):
        owner_client.post("/admin/documents/request", data={"csrf_token": token, "customer": str(customer.pk), **bad})
    with app.app_context():
        assert DocumentRequest.objects.count() == 0
    owner_client.post("/admin/documents/request", data={"csrf_token": token, "customer": str(customer.pk),
                                                        "title": "Überweisung", "due": due, "category": "Befund",
                                                        "note": "bitte als PDF"})
    with app.app_context():
        item = DocumentRequest.objects.get()
    portal = app.test_client()
    code_login(app, portal, customer)
    home = portal.get("/portal/").get_data(as_text=True)
    assert "Überweisung" in home and 'data-testid="document-request"' in home
    ptoken = csrf_token(portal, "/portal/")
    r = portal.post("/portal/documents/requested", data={"csrf_token": ptoken, "request": str(item.pk),
                                                         "file": (io.BytesIO(b"MZ\x90"), "x.exe")},
                    content_type="multipart/form-data", follow_redirects=True)
    assert "nicht erlaubt" in r.get_data(as_text=True)
    with app.app_context():
        assert DocumentRequest.objects.get().status == "open" and Document.objects.count() == 0
    r = portal.post("/portal/documents/requested", data={"csrf_token": ptoken, "request": str(item.pk),
                                                         "file": (io.BytesIO(PDF), "ueberweisung.pdf")},
                    content_type="multipart/form-data")
    assert r.status_code == 303
    with app.app_context():
        item.reload()
        doc = Document.objects.get()
        assert item.status == "fulfilled" and item.document == doc.pk
        assert (doc.uploaded_by, doc.category, doc.staff_only, doc.request) == ("customer", "Befund", False, item.pk)
    # answered once: the second upload is a 404 (no open request of that id)
    r = portal.post("/portal/documents/requested", data={"csrf_token": ptoken, "request": str(item.pk),
                                                         "file": (io.BytesIO(PDF), "again.pdf")},
                    content_type="multipart/form-data")
    assert r.status_code == 404
    assert "erhalten" in owner_client.get(_file_url(customer)).get_data(as_text=True)


def test_request_needs_the_portal(app, owner_client, docs_unit, make_customer):
    customer = make_customer(portal_enabled=False)
    with app.app_context(), pytest.raises(docs.InvalidInput):
        requests_service.request_document(Actor.system(), customer, title="Ausweis",
                                          due=date.today() + timedelta(days=3))


def test_overdue_request_is_reminded_exactly_once(app, customer, make_customer):
    quiet = make_customer(email="ruhig@example.com", portal_enabled=True)
    with app.app_context():
        today = date(2030, 3, 10)
        now = datetime(2030, 3, 10, 8, 0)
        overdue = requests_service.request_document(Actor.system(), customer, title="Ausweis", due=today, now=now)
        requests_service.request_document(Actor.system(), quiet, title="Vertrag", due=today + timedelta(days=2),
                                          now=now)
        assert requests_service.send_overdue_reminders(now=now) == 0  # due today: not overdue yet
        later = now + timedelta(days=1)
        assert requests_service.send_overdue_reminders(now=later) == 1
        assert requests_service.send_overdue_reminders(now=later + timedelta(hours=1)) == 0
        mails = OutboxMessage.objects(idempotency_key=f"document-request:{overdue.pk}")
        assert mails.count() == 1 and mails[0].to == "kunde@example.com" and "Ausweis" in mails[0].body
        assert "/portal/" in mails[0].body and "Erinnerung" in mails[0].subject
        assert OutboxMessage.objects(to="ruhig@example.com").count() == 0
        # the Celery task runs the same sweep (registered by name, in the beat schedule)
        from core.celery_app import BEAT_SCHEDULE, enqueue

        assert BEAT_SCHEDULE["document-request-reminders"]["task"] == "tasks.documents.remind_overdue"
        assert enqueue("tasks.documents.remind_overdue").get() == 0


def test_delete_cascade_and_export_import(app, customer, make_customer, tmp_path):
    from core.services import exchange
    from core.services.deletion import customer_data_counts, delete_customer

    other = make_customer(email="bleibt@example.com", portal_enabled=True)
    with app.app_context():
        for who in (customer, other):
            doc = docs.upload_many(Actor.system(), who, [(PDF, "a.pdf")], category=None)[0]
            docs.replace_document(Actor.system(), doc, PDF + b"%2", "b.pdf")
            requests_service.request_document(Actor.system(), who, title="Ausweis",
                                              due=date.today() + timedelta(days=3))
        counts = customer_data_counts(customer)
        assert counts["documents"] == 2 and counts["document requests"] == 1
        exported = exchange.export_all(tmp_path / "export")
        assert exported["document_requests"] == 2 and exported["documents"] == 4
        delete_customer(Actor.system(), customer)
        assert Document.objects(customer=customer).count() == 0 and DocumentRequest.objects.count() == 1
        assert files.files_collection("documents").count_documents({"metadata.customer": customer.pk}) == 0
        assert Document.objects(customer=other).count() == 2
        exchange.import_all(tmp_path / "export", drop=True)
        assert DocumentRequest.objects.count() == 2
        restored = Document.objects(customer=customer.pk, replaced_by=None).get()
        assert restored.version == 2 and b"".join(docs.read(restored)) == PDF + b"%2"


def test_concurrent_replace_and_answer_win_once_on_the_embedded_store(tmp_path):
    """Eight threads replace the same version, eight upload the answer to the same request, on the store
    ``frontdesk run`` uses: one of each wins, the others are refused and leave no file behind."""
    import mongoengine

    from core.app import create_app
    from core.db import upgrade_database
    from core.models import BusinessUnit, Customer
    from tests.core.test_embedded_store_threads import run_threads

    app = create_app({"INSTANCE_PATH": str(tmp_path), "MONGODB_URI": "", "TESTING": True,
                      "SECRET_KEY": "test-secret-key", "CELERY_TASK_ALWAYS_EAGER": True})
    try:
        with app.app_context():
            upgrade_database()
            unit = BusinessUnit(name="Praxis", slug="praxis", features=["documents", "portal"]).save()
            customer = Customer(business_unit=unit, first_name="A", last_name="B", email="a@example.com",
                                portal_enabled=True).save()
            doc = docs.upload_many(Actor.system(), customer, [(PDF, "a.pdf")], category=None)[0]
            item = requests_service.request_document(Actor.system(), customer, title="Ausweis",
                                                     due=date.today() + timedelta(days=3))
        won = {"replace": [], "answer": []}

        def replace(k):
            with app.app_context(), contextlib.suppress(docs.Conflict):
                won["replace"].append(docs.replace_document(Actor.system(), doc, PDF + b"%" + bytes([65 + k]),
                                                            f"v{k}.pdf"))

        def answer(k):
            with app.app_context(), contextlib.suppress(docs.Conflict):
                won["answer"].append(requests_service.answer(Actor.system(), item, PDF, f"ausweis{k}.pdf"))

        assert run_threads(replace) == [] and run_threads(answer) == []
        assert len(won["replace"]) == 1 and len(won["answer"]) == 1
        with app.app_context():
            assert Document.objects(customer=customer).count() == 3  # original, one new version, one answer
            assert files.files_collection("documents").count_documents({}) == 3
            assert Document.objects.get(pk=doc.pk).replaced_by == won["replace"][0].pk
            assert DocumentRequest.objects.get(pk=item.pk).document == won["answer"][0].pk
    finally:
        mongoengine.disconnect()
