"""Kiosk fixtures: a unit with the feature on and the sample questionnaires, tablets as separate clients."""

from __future__ import annotations

import pytest

from core.models import Questionnaire
from core.services import kiosk as service
from core.services.audit import Actor
from tests.conftest import csrf_token


@pytest.fixture
def kiosk_unit(app, unit):
    from seed.questionnaires import load_samples

    with app.app_context():
        unit.update(add_to_set__features="kiosk")
        unit.reload()
        load_samples(unit)
    return unit


@pytest.fixture
def make_code(app, kiosk_unit):
    def factory(name="Tablet 1", unit=None):
        with app.app_context():
            return service.create_device(Actor.system(), unit or kiosk_unit, name)

    return factory


def pair(tablet, code, **kw):
    token = csrf_token(tablet, "/kiosk/display")
    return tablet.post("/kiosk/pair", data={"code": code, "csrf_token": token}, **kw)


@pytest.fixture
def make_tablet(app, make_code):
    """A paired tablet: (test client holding the device cookie, device)."""

    def factory(name="Tablet 1", unit=None):
        device, code = make_code(name, unit)
        tablet = app.test_client()
        response = pair(tablet, code)
        assert response.status_code == 302, response.get_data(as_text=True)
        with app.app_context():
            device.reload()
        return tablet, device

    return factory


@pytest.fixture
def master_data(app, kiosk_unit):
    """The published version of "Stammdatenpflege"."""
    from core.services.questionnaires import latest_version

    with app.app_context():
        return latest_version(Questionnaire.objects.get(business_unit=kiosk_unit, name="Stammdatenpflege"))


@pytest.fixture
def start(app, master_data):
    def factory(device, customer, version=None, appointment=None):
        with app.app_context():
            return service.start_run(Actor.system(), device=device, customer=customer,
                                     version=version or master_data, appointment=appointment)

    return factory


def open_run(tablet) -> str:
    """Poll like the idle screen; return the run URL."""
    body = tablet.get("/kiosk/poll", headers={"Accept": "application/json"}).get_json()
    assert body["state"] == "run", body
    return body["url"]
