"""Who may open what: a role × view matrix, unit isolation, feature switches."""

from __future__ import annotations

import pytest

from tests.conftest import csrf_token, login

VIEWS = {
    "/admin/": {"owner", "staff", "designer"},
    "/admin/calendar/": {"owner", "staff"},
    "/admin/customer/": {"owner", "staff"},
    "/admin/customer/new/": {"owner", "staff"},
    "/admin/appointment/": {"owner", "staff"},
    "/admin/appointment/new/": {"owner", "staff"},
    "/admin/reminders/": {"owner", "staff"},
    "/admin/outbox/": {"owner", "staff"},
    "/admin/audit/": {"owner"},
    "/admin/settings/": {"owner"},
    "/admin/settings/features/": {"owner"},
    "/admin/activitytype/": {"owner"},
    "/admin/staffuser/": {"owner"},
    "/admin/staffuser/new/": {"owner"},
}


@pytest.mark.parametrize("role", ["owner", "staff", "designer", None])
def test_role_view_matrix(app, make_user, role):
    client = app.test_client()
    if role:
        user = make_user(role)
        assert login(client, user.email).status_code == 302
    for url, allowed in VIEWS.items():
        r = client.get(url)
        if role is None:
            assert r.status_code == 302 and "/admin/login" in r.headers["Location"], url
        elif role in allowed:
            assert r.status_code == 200, (role, url)
        else:
            assert r.status_code == 403, (role, url, r.status_code)


def test_menu_shows_only_what_the_role_may_open(app, make_user):
    client = app.test_client()
    login(client, make_user("designer").email)
    page = client.get("/admin/").get_data(as_text=True)
    assert "/admin/customer/" not in page and "/admin/staffuser/" not in page
    client = app.test_client()
    login(client, make_user("staff").email)
    page = client.get("/admin/").get_data(as_text=True)
    assert "/admin/customer/" in page and "/admin/staffuser/" not in page and "/admin/settings/" not in page


def test_designer_cannot_delete_customers(app, make_user, make_customer):
    from core.models import Customer

    customer = make_customer()
    client = app.test_client()
    login(client, make_user("designer").email)
    token = csrf_token(client, "/admin/")
    r = client.post("/admin/customer/delete/", data={"id": str(customer.pk), "csrf_token": token})
    assert r.status_code == 403
    r = client.post("/admin/customer/delete-confirm/", data={"id": str(customer.pk), "csrf_token": token})
    assert r.status_code == 403
    with app.app_context():
        assert Customer.objects(pk=customer.pk).count() == 1


def test_staff_cannot_manage_accounts_or_settings(app, make_user, unit):
    from core.models import BusinessUnit, StaffUser

    client = app.test_client()
    login(client, make_user("staff").email)
    token = csrf_token(client, "/admin/")
    r = client.post("/admin/staffuser/new/", data={"csrf_token": token, "name": "Evil", "email": "evil@example.com",
                                                  "role": "owner", "new_password": "korrekt-Pferd-Batterie-42",
                                                  "active": "y", "language": "de"})
    assert r.status_code == 403
    r = client.post("/admin/settings/features/toggle", data={"csrf_token": token, "feature": "portal",
                                                            "enabled": "1"})
    assert r.status_code == 403
    with app.app_context():
        assert StaffUser.objects(email="evil@example.com").count() == 0
        assert not BusinessUnit.objects.get(pk=unit.pk).has_feature("portal")


def test_other_units_records_are_invisible(app, make_unit, make_user, make_customer, make_appointment):
    other = make_unit(name="Anderer Salon")
    foreign = make_customer(business_unit=other, last_name="Fremd", email="fremd@example.com")
    foreign_staff = make_user("staff", business_unit=other)
    foreign_appt = make_appointment(business_unit=other, customer=foreign, staff=foreign_staff)
    client = app.test_client()
    login(client, make_user("owner").email)
    assert "fremd@example.com" not in client.get("/admin/customer/").get_data(as_text=True)
    assert "fremd@example.com" not in client.get("/admin/customer/?search=Fremd").get_data(as_text=True)
    for url in (f"/admin/customer/edit/?id={foreign.pk}", f"/admin/customer/details/?id={foreign.pk}",
                f"/admin/appointment/details/?id={foreign_appt.pk}", f"/admin/staffuser/edit/?id={foreign_staff.pk}"):
        r = client.get(url)
        assert r.status_code == 302, url  # Flask-Admin: "record does not exist" → back to the list
    assert client.get(f"/admin/customer/file/?id={foreign.pk}").status_code == 404
    assert client.get(f"/admin/customer/delete-confirm/?id={foreign.pk}").status_code == 404
    token = csrf_token(client, "/admin/customer/")
    client.post("/admin/customer/delete/", data={"id": str(foreign.pk), "csrf_token": token})
    client.post("/admin/customer/delete-confirm/", data={"id": str(foreign.pk), "csrf_token": token})
    client.post("/admin/customer/action/", data={"action": "delete", "rowid": [str(foreign.pk)],
                                                 "csrf_token": token})
    client.post(f"/admin/customer/edit/?id={foreign.pk}", data={"csrf_token": token, "first_name": "X",
                                                                "last_name": "Y"})
    with app.app_context():
        from core.models import Customer

        again = Customer.objects.get(pk=foreign.pk)
        assert again.last_name == "Fremd"
    ajax = client.get("/admin/appointment/ajax/lookup/?name=customer&query=Fre").get_data(as_text=True)
    assert "fremd@example.com" not in ajax and str(foreign.pk) not in ajax


def test_feature_switch_hides_menu_and_refuses_route(app, owner_client, unit):
    assert "/admin/reminders/" in owner_client.get("/admin/").get_data(as_text=True)
    token = csrf_token(owner_client, "/admin/settings/features/")
    r = owner_client.post("/admin/settings/features/toggle", data={"csrf_token": token, "feature": "reminders",
                                                                   "enabled": "0"})
    assert r.status_code == 302
    assert "/admin/reminders/" not in owner_client.get("/admin/").get_data(as_text=True)
    assert owner_client.get("/admin/reminders/").status_code == 403
    r = owner_client.post("/admin/settings/features/toggle", data={"csrf_token": token, "feature": "reminders",
                                                                   "enabled": "1"})
    assert owner_client.get("/admin/reminders/").status_code == 200
    with app.app_context():
        from core.models import AuditEvent

        assert AuditEvent.objects(action="feature_off").count() == 1
        assert AuditEvent.objects(action="feature_on").count() == 1


def test_feature_toggle_bad_input(app, owner_client, unit):
    token = csrf_token(owner_client, "/admin/settings/features/")
    r = owner_client.post("/admin/settings/features/toggle", data={"csrf_token": token, "feature": "nope",
                                                                   "enabled": "1"})
    assert r.status_code in (302, 303)
    assert owner_client.post("/admin/settings/features/toggle", data={"feature": "portal",
                                                                      "enabled": "1"}).status_code == 400
    with app.app_context():
        from core.models import BusinessUnit

        assert BusinessUnit.objects.get(pk=unit.pk).features == ["reminders"]
