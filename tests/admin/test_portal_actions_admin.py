"""Settings > Kundenportal-Aktionen and the portal section of an activity type: German, owners only,
feature "portal", other units' ids are 404, unknown placeholders are refused on save."""

from __future__ import annotations

import pytest

from core.models import ActivityType, AuditEvent, PortalAction
from tests.conftest import csrf_token, login


@pytest.fixture
def portal_on(app, unit):
    with app.app_context():
        unit.update(add_to_set__features="portal")
        unit.reload()
    return unit


@pytest.fixture
def activity(app, portal_on):
    with app.app_context():
        return ActivityType(business_unit=portal_on, name="Hausbesuch", portal_visible=True).save()


def _post(client, url, data):
    token = csrf_token(client, "/admin/settings/")
    return client.post(url, data={"csrf_token": token, **data})


def test_owner_adds_edits_and_deletes_an_action_in_german(app, owner_client, activity):
    page = owner_client.get(f"/admin/portal-actions/?type={activity.pk}").get_data(as_text=True)
    assert "Kundenportal-Aktionen" in page and "Noch keine Kundenportal-Aktionen." in page
    url = f"/admin/portal-actions/edit?type={activity.pk}"
    form = owner_client.get(url).get_data(as_text=True)
    for german in ("Was der Kunde tun kann", "Termin absagen", "Höchstens einmal pro Termin", "geplant"):
        assert german in form, german
    r = _post(owner_client, url, {"kind": "cancel", "label": "Termin absagen", "latest_hours_before": "24",
                                  "statuses": ["planned"], "position": "1", "active": "y"})
    assert r.status_code == 302, r.get_data(as_text=True)
    with app.app_context():
        action = PortalAction.objects.get()
        assert (action.kind, action.latest_hours_before, action.statuses, action.once) == \
            ("cancel", 24, ["planned"], False)
        assert AuditEvent.objects(object_type="portal_actions", action="create").count() == 1
    listing = owner_client.get(f"/admin/portal-actions/?type={activity.pk}").get_data(as_text=True)
    assert "Termin absagen" in listing and "bis 24 h vor Beginn" in listing
    r = _post(owner_client, url + f"&id={action.pk}", {"kind": "cancel", "label": "Absagen", "once": "y",
                                                       "active": "y"})
    assert r.status_code == 302
    with app.app_context():
        action.reload()
        assert (action.label, action.latest_hours_before, action.once) == ("Absagen", None, True)
    r = _post(owner_client, f"/admin/portal-actions/delete?type={activity.pk}", {"id": str(action.pk)})
    assert r.status_code == 302
    with app.app_context():
        assert PortalAction.objects.count() == 0


def test_refusals_show_next_to_the_field(app, owner_client, activity):
    url = f"/admin/portal-actions/edit?type={activity.pk}"
    r = _post(owner_client, url, {"kind": "survey", "label": "Umfrage", "active": "y"})
    assert r.status_code == 200
    assert "Bitte wählen Sie einen Fragebogen." in r.get_data(as_text=True)
    r = _post(owner_client, url, {"kind": "book", "label": "Buchen", "once": "y"})
    assert "nur die Bedingung" in r.get_data(as_text=True)
    with app.app_context():
        assert PortalAction.objects.count() == 0


def test_other_units_ids_are_404_and_staff_and_feature_off_are_refused(app, owner_client, activity, make_unit,
                                                                       make_user, client):
    other_unit = make_unit(features=["portal"])
    with app.app_context():
        foreign = ActivityType(business_unit=other_unit, name="Fremd").save()
        foreign_action = PortalAction(business_unit=other_unit, activity_type=foreign, kind="cancel",
                                      label="Fremd").save()
    assert owner_client.get(f"/admin/portal-actions/edit?type={foreign.pk}").status_code == 404
    assert owner_client.get(f"/admin/portal-actions/edit?type={activity.pk}&id={foreign_action.pk}").status_code \
        == 404
    assert owner_client.get("/admin/portal-actions/edit?type=nonsense").status_code == 404
    r = _post(owner_client, f"/admin/portal-actions/delete?type={activity.pk}", {"id": str(foreign_action.pk)})
    assert r.status_code == 404
    with app.app_context():
        assert PortalAction.objects(pk=foreign_action.pk).count() == 1
    staff = make_user("staff")
    staff_client = app.test_client()
    login(staff_client, staff.email)
    assert staff_client.get("/admin/portal-actions/").status_code == 403
    stranger = app.test_client()
    assert stranger.get("/admin/portal-actions/").status_code == 302
    with app.app_context():
        activity.business_unit.update(pull__features="portal")
    assert owner_client.get("/admin/portal-actions/").status_code == 403


def test_activity_type_portal_texts_refuse_unknown_placeholders(app, owner_client, portal_on):
    url = "/admin/activitytype/new/"
    form = owner_client.get(url).get_data(as_text=True)
    assert "Im Kundenportal anzeigen" in form and "Titel im Portal" in form
    r = _post(owner_client, url, {"name": "Beratung", "duration_minutes": "30", "colour": "#3c78d8", "active": "y",
                                  "portal_visible": "y", "portal_title": "Beratung für {{ customer.passwort }}"})
    assert r.status_code == 200 and "Unbekannter Platzhalter" in r.get_data(as_text=True)
    with app.app_context():
        assert ActivityType.objects(name="Beratung").count() == 0
    r = _post(owner_client, url, {"name": "Beratung", "duration_minutes": "30", "colour": "#3c78d8", "active": "y",
                                  "portal_visible": "y", "portal_title": "Beratung für {{ customer.first_name }}",
                                  "portal_description": "Am {{ appointment.date }} bei {{ unit.name }}"})
    assert r.status_code == 302
    with app.app_context():
        assert ActivityType.objects.get(name="Beratung").portal_visible is True


def test_pages_are_german_and_staff_see_the_waitlist(app, make_user, portal_on, activity, make_customer, make_unit):
    from datetime import datetime

    from core.models import WaitlistEntry
    from tests.admin.test_german_pages import _problems

    customer = make_customer(first_name="Wilma", last_name="Warte", portal_enabled=True)
    with app.app_context():
        PortalAction(business_unit=portal_on, activity_type=activity, kind="cancel", label="Absagen",
                     statuses=["planned"], latest_hours_before=24, once=True, required_tag="VIP").save()
        WaitlistEntry(business_unit=portal_on, customer=customer, activity_type=activity,
                      date_from=datetime(2030, 1, 7), date_to=datetime(2030, 1, 9)).save()
    owner = make_user("owner")
    client = app.test_client()
    login(client, owner.email)
    problems = []
    for url in ("/admin/portal-actions/", f"/admin/portal-actions/?type={activity.pk}",
                f"/admin/portal-actions/edit?type={activity.pk}", "/admin/waitlist/", "/admin/waitlist/?all=1",
                "/admin/activitytype/"):
        r = client.get(url)
        assert r.status_code == 200, url
        problems += _problems(url, r.get_data(as_text=True))
    assert problems == []
    staff = make_user("staff")
    staff_client = app.test_client()
    login(staff_client, staff.email)
    page = staff_client.get("/admin/waitlist/").get_data(as_text=True)
    assert "Wilma Warte" in page and "07.01.2030 – 09.01.2030" in page and "wartend" in page
    other = make_customer(business_unit=make_unit(features=["portal"]), last_name="Fremdling")
    with app.app_context():
        WaitlistEntry(business_unit=other.business_unit, customer=other,
                      activity_type=ActivityType(business_unit=other.business_unit, name="X").save(),
                      date_from=datetime(2030, 1, 7), date_to=datetime(2030, 1, 9)).save()
    assert other.last_name not in staff_client.get("/admin/waitlist/").get_data(as_text=True)
