"""Open dialogs appear in the customer's portal with their personal link (issues 5 and 6)."""

from __future__ import annotations

import copy

from core.services.audit import Actor
from tests.dialogs.conftest import DEFINITION


def _dialog(app, unit, customer):
    from core.models import Questionnaire
    from core.services import dialogs
    from core.services import questionnaires as qs

    with app.app_context():
        q = Questionnaire.objects(business_unit=unit, name="Schlaf-Check").first()
        if q is None:
            q = qs.create(Actor.system(), unit, name="Schlaf-Check", kind="survey",
                          definition=copy.deepcopy(DEFINITION))
            qs.publish(Actor.system(), q)
        return dialogs.start(Actor.system(), customer, qs.latest_version(q), invite=False)


def test_open_dialog_is_linked_from_the_portal_home(app, portal_client, portal_unit, make_portal_customer):
    client, customer = portal_client
    with app.app_context():
        portal_unit.update(add_to_set__features="dialogs")
    dialog = _dialog(app, portal_unit, customer)
    other = make_portal_customer(email="andere@example.com")
    foreign = _dialog(app, portal_unit, other)
    home = client.get("/portal/").get_data(as_text=True)
    assert 'data-testid="open-dialogs"' in home and "Schlaf-Check" in home
    assert f"/d/{dialog.pk}/" in home and f"/d/{foreign.pk}/" not in home
    link = home.split(f"/d/{dialog.pk}/", 1)[1].split('"', 1)[0]
    assert client.get(f"/d/{dialog.pk}/{link}").status_code == 200


def test_no_dialogs_without_the_feature(app, portal_client, portal_unit):
    client, customer = portal_client
    _dialog(app, portal_unit, customer)
    assert 'data-testid="open-dialogs"' not in client.get("/portal/").get_data(as_text=True)
