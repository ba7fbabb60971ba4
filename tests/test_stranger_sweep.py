"""Every POST route, hostile JSON bodies: objects, arrays, scalars, deep nesting, huge numbers, NaN.

Each route is called by a stranger and by the person it is meant for (owner, portal customer, paired
tablet, dialog link holder), with real ids in the URL so the JSON endpoints get as far as reading
the body. Nothing may answer 500 (in tests an unhandled exception propagates and fails the test).
"""

from __future__ import annotations

import re

import pytest

from core.services.audit import Actor
from tests.conftest import DEFAULT_PASSWORD, csrf_token, login

DEEP = 1000
BODIES = [
    "[" * DEEP + "]" * DEEP,
    '{"data": ' + '{"a": ' * 500 + "1" + "}" * 500 + "}",
    '{"data": ' + "[" * 500 + "]" * 500 + "}",
    '{"data": {"n": 123456789012345678901234567890}, "active": 99999999999999999999}',
    '{"data": {"x": NaN, "y": Infinity, "z": -Infinity}}',
    '{"data": {"x": 1e400}}',
    '{"data": {"__proto__": {"polluted": 1}, "constructor": {"prototype": 1}}}',
    '{"email": {"$ne": ""}, "password": {"a": 1}, "code": ["x"], "data": [1, 2]}',
    "[1, 2, 3]",
    '"just a string"',
    "42",
    "null",
    "{not json",
    '{"data": "text", "active": "yes"}',
    '{"data": {"a": 1}, "active": true}',
]


@pytest.fixture
def world(app, unit, owner, make_customer):
    from core.models import Questionnaire
    from core.services import dialogs, kiosk, portal, projects
    from core.services import questionnaires as qs
    from seed.questionnaires import load_samples

    with app.app_context():
        unit.update(add_to_set__features=["kiosk", "portal", "documents", "call_link", "bonus", "referral",
                                          "reminders", "dialogs"])
        unit.reload()
        load_samples(unit)
        q = Questionnaire.objects.get(business_unit=unit, name="Stammdatenpflege")
        version = qs.latest_version(q)
    customer = make_customer(email="kunde@example.com", portal_enabled=True)
    with app.app_context():
        customer.reload()
        staff = Actor.staff(owner)
        portal.create_account(staff, customer, name="Kai", username="kai.kunde", password=DEFAULT_PASSWORD,
                              permissions=["documents", "work_times", "planning", "messages", "master_data"])
        task = portal.request_questionnaire(staff, customer, version)
        project = projects.create_project(staff, customer, "Badsanierung")
        dialog = dialogs.start(staff, customer, version, invite=False)
        dialog_token = dialogs.link_token(dialog)
        device, code = kiosk.create_device(staff, unit, "Tablet")

    tablet = app.test_client()
    token = csrf_token(tablet, "/kiosk/display")
    assert tablet.post("/kiosk/pair", data={"code": code, "csrf_token": token}).status_code == 302
    with app.app_context():
        device.reload()
        kiosk.start_run(staff, device=device, customer=customer, version=version)
    run_url = tablet.get("/kiosk/poll", headers={"Accept": "application/json"}).get_json()["url"]

    customer_client = app.test_client()
    token = csrf_token(customer_client, f"/portal/{unit.slug}/login")
    r = customer_client.post(f"/portal/{unit.slug}/password",
                             data={"username": "kai.kunde", "password": DEFAULT_PASSWORD, "csrf_token": token})
    assert r.status_code == 302, r.status_code

    owner_client = app.test_client()
    assert login(owner_client, owner.email).status_code == 302
    return {
        "unit": unit, "customer": customer, "questionnaire": q, "version": version, "task": task,
        "project": project, "dialog": dialog, "dialog_token": dialog_token, "run_token": run_url.rsplit("/", 1)[1],
        "clients": {"admin": owner_client, "portal": customer_client, "kiosk": tablet},
    }


def _url(rule, w) -> str:
    endpoint = rule.endpoint
    surface = endpoint.split(".")[0]
    token = {"dialogs": w["dialog_token"], "kiosk": w["run_token"]}.get(surface, "x" * 43)
    values = {"dialog_id": str(w["dialog"].pk), "token": token, "slug": w["unit"].slug, "code": "de",
              "project_id": str(w["project"].pk), "task_id": str(w["task"].pk),
              # portal booking: form views (a JSON body is refused before they run), any well-formed id
              "appointment_id": "6" * 24, "action_id": "7" * 24, "entry_id": "8" * 24}
    path = re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", lambda m: values[m.group(1)], rule.rule)
    if path.startswith("/admin/"):
        target = w["questionnaire"] if endpoint.startswith(("questionnaire.", "scoring.")) else w["customer"]
        path += f"?id={target.pk}&version={w['version'].pk}&customer={w['customer'].pk}"
    return path


def _csrf(client) -> str:
    html = client.get("/admin/login").get_data(as_text=True)
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)


def _post_routes(app):
    return sorted((r for r in app.url_map.iter_rules() if "POST" in r.methods), key=lambda r: r.rule)


def test_every_post_route_survives_hostile_json(app, world):
    rules = _post_routes(app)
    assert len(rules) > 80
    stranger = app.test_client()
    callers = {name: (client, _csrf(client)) for name, client in {**world["clients"], "stranger": stranger}.items()}
    statuses: dict[str, set[int]] = {}
    for rule in rules:
        url = _url(rule, world)
        surface = {"staff_auth": "stranger", "dialogs": "stranger"}.get(rule.endpoint.split(".")[0])
        insider = surface or ("portal" if url.startswith("/portal/") else "kiosk" if url.startswith("/kiosk/")
                              else "admin" if url.startswith("/admin/") else "stranger")
        for who in {"stranger", insider}:
            client, token = callers[who]
            for body in BODIES:
                response = client.post(url, data=body, content_type="application/json",
                                       headers={"X-CSRFToken": token, "Accept": "application/json"})
                assert response.status_code < 500, (who, url, body[:60], response.status_code)
                statuses.setdefault(rule.endpoint, set()).add(response.status_code)
    # the JSON endpoints were reached (not refused for the URL or the login): they refused the body
    for endpoint in ("dialogs.progress", "dialogs.fill", "kiosk.run", "kiosk.heartbeat", "portal.task",
                     "portal.task_draft", "customer.fill_view", "questionnaire.preview_check"):
        assert {400} <= statuses[endpoint], (endpoint, statuses[endpoint])
    # and the form views refused JSON bodies before reading them
    assert statuses["staff_auth.login"] == {415}
    assert statuses["customer.create_view"] <= {403, 415, 302}
