"""One rule for what a person sees in the portal: permissions belong to the person's access, whatever
the login (password, one-time code) and also when staff view the portal as that customer. Every portal
route is checked against it; "view as customer" can be started again while one is open."""

from __future__ import annotations

import io

import pytest

from core.models import Message, PortalSession, PortalTask, Questionnaire
from core.services import documents as docs
from core.services import portal as service
from core.services.audit import Actor
from core.services.questionnaires import latest_version
from tests.conftest import csrf_token
from tests.portal.conftest import PDF_BYTES, code_login, enter_code, last_code, page_csrf, password_login, request_code


@pytest.fixture
def setup(app, make_portal_customer, make_project, make_task, portal_unit):
    customer = make_portal_customer(email="mara@example.com")
    project = make_project(customer, "Dach")
    with app.app_context():
        anamnese = latest_version(Questionnaire.objects.get(business_unit=portal_unit, name="Anamnesebogen"))
        doc = docs.store(Actor.system(), customer, PDF_BYTES, "plan.pdf", project=project, uploaded_by="staff")
    return {
        "customer": customer,
        "project": project,
        "doc": doc,
        "master_task": make_task(customer),
        "task": make_task(customer, anamnese),
    }


def _status(client, method, url, payload=None):
    if method == "get":
        return client.get(url).status_code
    token = page_csrf(client, "/portal/")
    if payload and "json" in payload:
        return client.post(
            url, json=payload["json"], headers={"X-CSRFToken": token, "Accept": "application/json"}
        ).status_code
    return client.post(url, data=dict(payload or {}, csrf_token=token), content_type="multipart/form-data").status_code


def _routes(s):
    """(permission, method, url, payload): every portal route that needs a permission."""
    p, d, m, t = s["project"].pk, s["doc"].pk, s["master_task"].pk, s["task"].pk
    return [
        ("master_data", "get", "/portal/me", None),
        ("master_data", "post", "/portal/me/update", {}),
        ("master_data", "get", f"/portal/tasks/{m}", None),
        ("master_data", "post", f"/portal/tasks/{m}/draft", {"json": {"data": {"city": "X"}}}),
        ("questionnaires", "get", f"/portal/tasks/{t}", None),
        ("questionnaires", "post", f"/portal/tasks/{t}/draft", {"json": {"data": {}}}),
        ("questionnaires", "post", f"/portal/tasks/{t}", {"json": {"data": {}}}),
        ("messages", "post", f"/portal/projects/{p}/messages", {"body": "Hallo"}),
        ("documents", "post", f"/portal/projects/{p}/documents", {"file": (io.BytesIO(PDF_BYTES), "x.pdf")}),
        ("documents", "get", f"/portal/documents/{d}", None),
    ]


def _home_and_project(client, s):
    home = client.get("/portal/").get_data(as_text=True)
    project = client.get(f"/portal/projects/{s['project'].pk}").get_data(as_text=True)
    return {
        "planning": 'id="planning"' in home,
        "master_data": 'href="/portal/me"' in home,
        "questionnaires": f"/portal/tasks/{s['task'].pk}" in home,
        "messages": 'id="messages"' in project,
        "documents": 'id="documents"' in project,
        "work_times": 'id="work-times"' in project,
    }


@pytest.mark.parametrize("login", ["code", "password"])
def test_the_accounts_permissions_hold_whatever_the_login(app, setup, make_account, portal_unit, login):
    """The customer's own account allows documents and planning only: logging in with a one-time code
    gives exactly that too, on the pages and on every route."""
    customer = setup["customer"]
    make_account(customer, username="mara", permissions=("documents", "planning"))
    client = app.test_client()
    if login == "code":
        code_login(app, client, customer)
    else:
        assert password_login(client, portal_unit.slug, "mara").status_code == 302
    shown = _home_and_project(client, setup)
    assert shown == {
        "planning": True,
        "master_data": False,
        "questionnaires": False,
        "messages": False,
        "documents": True,
        "work_times": False,
    }
    with app.app_context():
        before = (Message.objects.count(), [(t.status, t.partial) for t in PortalTask.objects.order_by("id")])
    for permission, method, url, payload in _routes(setup):
        status = _status(client, method, url, payload)
        if permission == "documents":
            assert status in (200, 303), (url, status)
        else:
            assert status == 403, (url, status)
    with app.app_context():
        assert (Message.objects.count(), [(t.status, t.partial) for t in PortalTask.objects.order_by("id")]) == before


@pytest.mark.parametrize("permission", ["master_data", "questionnaires", "messages", "documents"])
def test_each_route_opens_with_its_permission_only(app, setup, make_account, permission):
    customer = setup["customer"]
    make_account(customer, username="nur-eins", permissions=(permission,))
    client = code_login(app, app.test_client(), customer)
    for needed, method, url, payload in _routes(setup):
        status = _status(client, method, url, payload)
        if needed == permission:  # open (a questionnaire sent empty is refused for its answers, not access)
            assert status in (200, 302, 303, 422), (permission, url, status)
        else:
            assert status == 403, (permission, url, status)


def test_without_an_own_account_the_customer_sees_everything(app, setup, make_account):
    """Accounts bound to a project are other people's access: the customer's code login keeps every section."""
    make_account(setup["customer"], username="dachdecker", permissions=("messages",), project=setup["project"])
    client = code_login(app, app.test_client(), setup["customer"])
    assert all(_home_and_project(client, setup).values())


def test_the_narrowest_own_account_counts_and_deactivation_ends_code_logins(app, setup, make_account, portal_unit):
    customer = setup["customer"]
    wide = make_account(customer, username="weit", permissions=("documents", "planning", "messages"))
    narrow = make_account(customer, username="eng", permissions=("documents",))
    client = code_login(app, app.test_client(), customer)
    assert _home_and_project(client, setup) == {
        "planning": False,
        "master_data": False,
        "questionnaires": False,
        "messages": False,
        "documents": True,
        "work_times": False,
    }
    with app.app_context():
        service.set_account_active(Actor.system(), narrow, False)
        service.set_account_active(Actor.system(), wide, False)
    assert client.get("/portal/").status_code == 302  # the open code session ends with the access
    other = app.test_client()
    app.config["PORTAL_CODE_RESEND_SECONDS"] = 0
    assert request_code(other, portal_unit.slug, customer.email).status_code == 200
    assert enter_code(other, portal_unit.slug, last_code(app, customer.email)).status_code == 400


def test_staff_view_as_shows_the_customers_access(app, setup, make_account, owner_client):
    make_account(setup["customer"], username="mara", permissions=("planning",))
    token = csrf_token(owner_client, f"/admin/customer/file/?id={setup['customer'].pk}")
    assert (
        owner_client.post(
            "/portal/view-as", data={"customer": str(setup["customer"].pk), "csrf_token": token}
        ).status_code
        == 302
    )
    assert _home_and_project(owner_client, setup) == {
        "planning": True,
        "master_data": False,
        "questionnaires": False,
        "messages": False,
        "documents": False,
        "work_times": False,
    }
    assert owner_client.get("/portal/me").status_code == 403


def test_view_as_again_while_one_is_open(app, setup, make_portal_customer, owner_client):
    """A second "view as customer" (same or another customer) replaces the open one instead of a 403."""
    other = make_portal_customer(email="otto@example.com", first_name="Otto")
    for customer in (setup["customer"], setup["customer"], other):
        token = csrf_token(owner_client, f"/admin/customer/file/?id={customer.pk}")
        response = owner_client.post("/portal/view-as", data={"customer": str(customer.pk), "csrf_token": token})
        assert response.status_code == 302, response.status_code
        home = owner_client.get("/portal/").get_data(as_text=True)
        assert customer.full_name in home and 'data-testid="view-as-banner"' in home
    with app.app_context():
        assert PortalSession.objects(staff__ne=None).count() == 1
    # still read-only after switching
    token = page_csrf(owner_client, "/portal/")
    assert (
        owner_client.post(
            f"/portal/projects/{setup['project'].pk}/messages", data={"body": "x", "csrf_token": token}
        ).status_code
        == 403
    )


def test_the_upgrade_keeps_what_older_accounts_could_see(app, setup, make_account):
    """Accounts from before master data and questionnaires were permissions get both (not bound to a
    project) once; a permission staff take away afterwards stays away when the upgrade runs again."""
    from core.db import upgrade_database
    from core.models import PortalAccount

    own = make_account(setup["customer"], username="alt", permissions=("documents",))
    bound = make_account(setup["customer"], username="alt-dach", permissions=("messages",), project=setup["project"])
    with app.app_context():
        PortalAccount._get_collection().update_many({}, {"$unset": {"permissions_version": ""}})
        steps = upgrade_database()
        assert steps["portal accounts given the master-data and questionnaire permissions"] == 1
        assert sorted(PortalAccount.objects.get(pk=own.pk).permissions) == ["documents", "master_data",
                                                                            "questionnaires"]
        assert PortalAccount.objects.get(pk=bound.pk).permissions == ["messages"]
        PortalAccount.objects(pk=own.pk).update_one(set__permissions=["documents"])
        assert upgrade_database()["portal accounts given the master-data and questionnaire permissions"] == 0
        assert PortalAccount.objects.get(pk=own.pk).permissions == ["documents"]
