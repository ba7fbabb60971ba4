"""Portal fixtures: a unit with the portal on, customers who may log in, logged-in portal clients."""

from __future__ import annotations

import re

import pytest

from core.models import OutboxMessage
from core.services import portal as service
from core.services import projects as projects_service
from core.services.audit import Actor
from tests.conftest import csrf_token, make_app

PORTAL_PASSWORD = "Sonnen-Blumen-Wiese-77"


@pytest.fixture
def app(tmp_path):
    import mongoengine

    app = make_app(tmp_path, PORTAL_CODE_MIN_RESPONSE_SECONDS=0.0)
    yield app
    mongoengine.disconnect()


@pytest.fixture
def portal_unit(app, unit):
    with app.app_context():
        unit.update(add_to_set__features="portal")
        unit.reload()
    return unit


@pytest.fixture
def make_portal_customer(app, portal_unit, make_customer):
    def factory(**kw):
        kw.setdefault("portal_enabled", True)
        kw.setdefault("business_unit", portal_unit)
        return make_customer(**kw)

    return factory


@pytest.fixture
def make_project(app):
    def factory(customer, name="Badsanierung"):
        with app.app_context():
            return projects_service.create_project(Actor.system(), customer, name)

    return factory


@pytest.fixture
def make_account(app):
    def factory(customer, username=None, permissions=("documents", "work_times", "planning", "messages"),
                project=None, password=PORTAL_PASSWORD):
        with app.app_context():
            account, _ = service.create_account(Actor.system(), customer, name="Kai Kunde",
                                                username=username or f"kunde{customer.pk}", password=password,
                                                permissions=list(permissions), project=project)
            return account

    return factory


def request_code(client, slug, email, **kw):
    token = csrf_token(client, f"/portal/{slug}/login")
    return client.post(f"/portal/{slug}/code", data={"email": email, "csrf_token": token}, **kw)


def last_code(app, email) -> str:
    with app.app_context():
        msg = OutboxMessage.objects(to=email).order_by("-created_at").first()
        assert msg is not None, "no code e-mail"
        return re.search(r"\b(\d{6})\b", msg.body).group(1)


def enter_code(client, slug, code, **kw):
    token = csrf_token(client, f"/portal/{slug}/login")
    return client.post(f"/portal/{slug}/verify", data={"code": code, "csrf_token": token}, **kw)


def code_login(app, client, customer):
    """Log ``client`` in with an e-mail code; returns the client."""
    slug = customer.business_unit.slug
    assert request_code(client, slug, customer.email).status_code == 200
    response = enter_code(client, slug, last_code(app, customer.email))
    assert response.status_code == 302 and response.headers["Location"].endswith("/portal/"), response.status_code
    return client


def password_login(client, slug, username, password=PORTAL_PASSWORD, **kw):
    token = csrf_token(client, f"/portal/{slug}/login")
    return client.post(f"/portal/{slug}/password", data={"username": username, "password": password,
                                                        "csrf_token": token}, **kw)


@pytest.fixture
def portal_client(app, make_portal_customer):
    """(client logged in by code, customer)."""
    customer = make_portal_customer(email="kunde@example.com")
    client = app.test_client()
    code_login(app, client, customer)
    return client, customer


@pytest.fixture
def master_data(app, portal_unit):
    """The published version of the sample "Stammdatenpflege"."""
    from core.models import Questionnaire
    from core.services.questionnaires import latest_version
    from seed.questionnaires import load_samples

    with app.app_context():
        load_samples(portal_unit)
        return latest_version(Questionnaire.objects.get(business_unit=portal_unit, name="Stammdatenpflege"))


@pytest.fixture
def make_task(app, master_data):
    def factory(customer, version=None):
        with app.app_context():
            return service.request_questionnaire(Actor.system(), customer, version or master_data)

    return factory


def page_csrf(client, url: str) -> str:
    html = client.get(url, follow_redirects=True).get_data(as_text=True)
    match = re.search(r'data-csrf-token="([^"]+)"|name="csrf_token" value="([^"]+)"', html)
    assert match, f"no CSRF token on {url}"
    return match.group(1) or match.group(2)


PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
