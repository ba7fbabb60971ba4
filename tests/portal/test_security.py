"""Every portal route that takes an id: another customer's id, another project's id, a deactivated
account, an account without the permission and a logged-out client get 403/404 and change nothing.
Read-only "view as customer" changes nothing. Deleting a customer removes all portal data."""

from __future__ import annotations

import io

import pytest

from core import files
from core.models import (
    Document,
    Message,
    OutboxMessage,
    PortalAccount,
    PortalLoginCode,
    PortalSession,
    PortalTask,
    Project,
    Submission,
    TimeEntry,
)
from core.services import documents as docs
from core.services import portal as service
from core.services import projects as projects_service
from core.services.audit import Actor
from core.services.deletion import delete_customer
from tests.conftest import csrf_token, login
from tests.portal.conftest import PDF_BYTES, code_login, page_csrf, password_login

SLUG: list[str] = []


@pytest.fixture
def world(app, make_portal_customer, make_project, make_account, make_task, portal_unit):
    """Alice (logged in by code) and Bob, each with a project, a task and a document."""
    SLUG[:] = [portal_unit.slug]
    alice = make_portal_customer(email="alice@example.com")
    bob = make_portal_customer(email="bob@example.com")
    a_project, a_other, b_project = make_project(alice, "A1"), make_project(alice, "A2"), make_project(bob, "B1")
    with app.app_context():
        b_doc = docs.store(Actor.system(), bob, PDF_BYTES, "b.pdf", project=b_project, uploaded_by="staff")
        a_other_doc = docs.store(Actor.system(), alice, PDF_BYTES, "a2.pdf", project=a_other, uploaded_by="staff")
    return {"alice": alice, "bob": bob, "a_project": a_project, "a_other": a_other, "b_project": b_project,
            "b_task": make_task(bob), "a_task": make_task(alice), "b_doc": b_doc, "a_other_doc": a_other_doc}


def _routes(w, project_key: str, task_key: str, doc_key: str):
    p, t, d = w[project_key].pk, w[task_key].pk, w[doc_key].pk
    return [
        ("get", f"/portal/projects/{p}", None),
        ("post", f"/portal/projects/{p}/messages", {"body": "hallo"}),
        ("post", f"/portal/projects/{p}/documents", {"file": (io.BytesIO(PDF_BYTES), "x.pdf")}),
        ("get", f"/portal/tasks/{t}", None),
        ("post", f"/portal/tasks/{t}", {"json": {"data": {}}}),
        ("post", f"/portal/tasks/{t}/draft", {"json": {"data": {"city": "X"}}}),
        ("get", f"/portal/documents/{d}", None),
    ]


def _call(client, method, url, payload, token):
    if method == "get":
        return client.get(url)
    if payload and "json" in payload:
        return client.post(url, json=payload["json"], headers={"X-CSRFToken": token, "Accept": "application/json"})
    data = dict(payload or {}, csrf_token=token)
    return client.post(url, data=data, content_type="multipart/form-data")


def _state(app):
    with app.app_context():
        return (Message.objects.count(), Document.objects.count(),
                files.chunks_collection("documents").count_documents({}), Submission.objects.count(),
                [(t.status, t.partial) for t in PortalTask.objects.order_by("id")])


def _assert_refused(app, client, routes, allowed=(401, 403, 404), token=None):
    token = token or page_csrf(client, f"/portal/{SLUG[0]}/login")
    before = _state(app)
    for method, url, payload in routes:
        response = _call(client, method, url, payload, token)
        assert response.status_code in allowed or (response.status_code == 302 and method == "get"
                                                    and response.headers["Location"].endswith("/portal/login")), \
            (method, url, response.status_code)
    assert _state(app) == before


def test_other_customers_ids(app, world):
    client = code_login(app, app.test_client(), world["alice"])
    _assert_refused(app, client, _routes(world, "b_project", "b_task", "b_doc"), allowed=(404,))


def test_malformed_ids(app, world):
    client = code_login(app, app.test_client(), world["alice"])
    token = page_csrf(client, "/portal/")
    for url in ("/portal/projects/nope", "/portal/tasks/nope", "/portal/documents/nope", "/portal/projects/%24ne",
                "/portal/documents/000000000000000000000000"):
        assert client.get(url).status_code == 404
    assert client.post("/portal/tasks/nope/draft", json={"data": {}}, headers={"X-CSRFToken": token}).status_code \
        == 404


def test_project_bound_account_sees_only_its_project(app, world, make_account, portal_unit):
    make_account(world["alice"], username="bound", project=world["a_project"])
    client = app.test_client()
    assert password_login(client, portal_unit.slug, "bound").status_code == 302
    home = client.get("/portal/").get_data(as_text=True)
    assert ">A1<" in home and ">A2<" not in home and "/portal/tasks/" not in home
    assert client.get(f"/portal/projects/{world['a_project'].pk}").status_code == 200
    assert client.get("/portal/me").status_code == 403
    _assert_refused(app, client, _routes(world, "a_other", "a_task", "a_other_doc"))


def test_account_without_permissions(app, world, make_account, portal_unit):
    make_account(world["alice"], username="nothing", permissions=())
    client = app.test_client()
    assert password_login(client, portal_unit.slug, "nothing").status_code == 302
    routes = [r for r in _routes(world, "a_project", "a_task", "a_other_doc") if "/tasks/" not in r[1]]
    routes = [r for r in routes if r[0] == "post" or "/documents/" in r[1]]
    _assert_refused(app, client, routes, allowed=(403,))
    html = client.get(f"/portal/projects/{world['a_project'].pk}").get_data(as_text=True)
    assert "a2.pdf" not in html and 'id="messages"' not in html


def test_deactivated_account_and_logged_out(app, world, make_account, portal_unit):
    account = make_account(world["alice"], username="gone")
    client = app.test_client()
    assert password_login(client, portal_unit.slug, "gone").status_code == 302
    token = page_csrf(client, "/portal/")
    with app.app_context():
        service.set_account_active(Actor.system(), account, False)
    _assert_refused(app, client, _routes(world, "a_project", "a_task", "a_other_doc"), token=token)
    _assert_refused(app, app.test_client(), _routes(world, "a_project", "a_task", "a_other_doc"))


def test_view_as_customer_is_read_only(app, world, owner_client, make_user, make_unit):
    alice = world["alice"]
    token = csrf_token(owner_client, f"/admin/customer/file/?id={alice.pk}")
    response = owner_client.post("/portal/view-as", data={"customer": str(alice.pk), "csrf_token": token})
    assert response.status_code == 302
    home = owner_client.get("/portal/").get_data(as_text=True)
    assert 'data-testid="view-as-banner"' in home and ">A1<" in home and ">A2<" in home
    assert owner_client.get(f"/portal/projects/{world['a_project'].pk}").status_code == 200
    _assert_refused(app, owner_client, _routes(world, "a_project", "a_task", "a_other_doc")[1:3], allowed=(403,),
                    token=page_csrf(owner_client, "/portal/"))
    # staff of another unit, a customer of another unit, logged-out: refused
    other_unit = make_unit(name="Fremd", slug="fremd", features=["portal"])
    stranger = app.test_client()
    login(stranger, make_user("owner", business_unit=other_unit).email)
    token = page_csrf(stranger, f"/portal/{SLUG[0]}/login")
    assert stranger.post("/portal/view-as", data={"customer": str(alice.pk), "csrf_token": token}).status_code == 404
    anon = app.test_client()
    anon_token = page_csrf(anon, f"/portal/{SLUG[0]}/login")
    assert anon.post("/portal/view-as", data={"customer": str(alice.pk), "csrf_token": anon_token}).status_code == 403
    with app.app_context():
        assert PortalSession.objects(staff__ne=None).count() == 1


def test_view_as_ends_with_the_staff_login(app, world, owner_client, owner):
    """A view-as session is part of the staff member's login: their logout ends it, also for a copied
    cookie, and it never works without that staff login in the same browser."""
    alice = world["alice"]

    def view_as(client):
        token = csrf_token(client, f"/admin/customer/file/?id={alice.pk}")
        assert client.post("/portal/view-as", data={"customer": str(alice.pk), "csrf_token": token}).status_code == 302
        assert client.get("/portal/").status_code == 200

    view_as(owner_client)
    thief = app.test_client()
    thief.set_cookie("frontdesk_session", owner_client.get_cookie("frontdesk_session").value, domain="localhost")
    assert thief.get("/portal/").status_code == 200
    owner_client.post("/admin/logout", data={"csrf_token": csrf_token(owner_client, "/admin/")})
    assert thief.get("/portal/").status_code == 302
    assert owner_client.get("/portal/").status_code == 302
    with app.app_context():
        assert PortalSession.objects(staff__ne=None).count() == 0
    # a view-as token carried into a browser without that staff login is ended on first use
    login(owner_client, owner.email)
    view_as(owner_client)
    with app.app_context():
        portal_token = next(iter(PortalSession.objects(staff__ne=None))).token_hash
    other = app.test_client()
    with owner_client.session_transaction() as theirs:
        carried = dict(theirs)
    with other.session_transaction() as mine:
        mine.update({k: v for k, v in carried.items() if not k.startswith("_")})  # no Flask-Login keys
    assert other.get("/portal/").status_code == 302
    with app.app_context():
        assert PortalSession.objects(token_hash=portal_token).count() == 0


def test_deleting_a_customer_removes_portal_data(app, world, make_account, owner):
    alice = world["alice"]
    client = code_login(app, app.test_client(), alice)
    make_account(alice, username="alice2")
    token = page_csrf(client, f"/portal/projects/{world['a_project'].pk}")
    client.post(f"/portal/projects/{world['a_project'].pk}/messages", data={"body": "hi", "csrf_token": token})
    with app.app_context():
        projects_service.book_time(Actor.system(), world["a_project"], day=__import__("datetime").date(2030, 1, 1),
                                   minutes=30)
        counts = delete_customer(Actor.staff(owner), alice)
        assert counts["portal"] >= 3 and counts["portal_messages"] == 1 and counts["portal_documents"] == 1
        for model in (PortalAccount, PortalSession, PortalTask, PortalLoginCode, Message, Document, Project,
                      TimeEntry):
            assert model.objects(customer=alice.pk).count() == 0, model.__name__
        gone = world["a_other_doc"].file_id
        assert files.files_collection("documents").count_documents({"_id": gone}) == 0
        assert files.chunks_collection("documents").count_documents({"files_id": gone}) == 0
        assert files.files_collection("documents").count_documents({"metadata.customer": alice.pk}) == 0
        assert OutboxMessage.objects(customer_id=str(alice.pk)).count() == 0
        # Bob keeps everything
        assert Project.objects(customer=world["bob"]).count() == 1 and Document.objects(customer=world["bob"]).count()
    assert client.get("/portal/").status_code == 302
