"""Settings, activity types and staff accounts (owners only)."""

from __future__ import annotations

from core.models import AuditEvent, BusinessUnit, StaffUser
from tests.conftest import csrf_token, login

SETTINGS = {"name": "Salon Mondschein", "timezone": "Europe/Vienna", "language": "de", "email": "info@example.com",
            "phone": "+43 1 234567", "address": "Ring 1, Wien", "default_country": "AT", "reminder_hours_before": "48",
            "kiosk_timeout_minutes": "20", "imprint": "Impressum"}


def test_settings_save_with_audit(app, owner_client, unit):
    data = {**SETTINGS, "csrf_token": csrf_token(owner_client, "/admin/settings/")}
    r = owner_client.post("/admin/settings/", data=data)
    assert r.status_code == 302
    with app.app_context():
        again = BusinessUnit.objects.get(pk=unit.pk)
        assert again.name == "Salon Mondschein" and again.timezone == "Europe/Vienna"
        assert again.settings.reminder_hours_before == 48 and again.settings.default_country == "AT"
        event = AuditEvent.objects.get(object_type="business_units", action="update")
        assert event.before["name"] == "Salon Sonnenschein" and event.after["name"] == "Salon Mondschein"


def test_settings_bad_input(app, owner_client, unit):
    for changes in ({"timezone": "Mars/Olympus"}, {"reminder_hours_before": "0"}, {"email": "kaputt"},
                    {"default_country": "Deutschland"}, {"name": ""}, {"kiosk_timeout_minutes": "abc"}):
        data = {**SETTINGS, **changes, "csrf_token": csrf_token(owner_client, "/admin/settings/")}
        r = owner_client.post("/admin/settings/", data=data)
        assert r.status_code == 200, changes
        assert "invalid-feedback" in r.get_data(as_text=True), changes
    with app.app_context():
        assert BusinessUnit.objects.get(pk=unit.pk).name == "Salon Sonnenschein"


def test_create_staff_account_checks_password(app, owner_client):
    base = {"name": "Neue Kollegin", "email": "neu@example.com", "role": "staff", "active": "y", "language": "de"}
    for bad in ("", "zu-kurz", "password1234", "neu@example.com1"):
        data = {**base, "new_password": bad, "csrf_token": csrf_token(owner_client, "/admin/staffuser/new/")}
        r = owner_client.post("/admin/staffuser/new/", data=data)
        assert r.status_code == 200, bad
        assert "invalid-feedback" in r.get_data(as_text=True)
    with app.app_context():
        assert StaffUser.objects(email="neu@example.com").count() == 0
    data = {**base, "new_password": "Sonnenblumen-im-Mai-7", "csrf_token": csrf_token(owner_client,
                                                                                      "/admin/staffuser/new/")}
    assert owner_client.post("/admin/staffuser/new/", data=data).status_code == 302
    with app.app_context():
        user = StaffUser.objects.get(email="neu@example.com")
        assert user.password_hash.startswith("$argon2id$")
        event = AuditEvent.objects.get(object_type="staff_users", action="create")
        assert "password_hash" not in event.after
    assert login(app.test_client(), "neu@example.com", "Sonnenblumen-im-Mai-7").status_code == 302


def test_duplicate_staff_email(app, owner_client, owner):
    data = {"name": "X", "email": owner.email, "role": "staff", "active": "y", "language": "de",
            "new_password": "Sonnenblumen-im-Mai-7", "csrf_token": csrf_token(owner_client, "/admin/staffuser/new/")}
    r = owner_client.post("/admin/staffuser/new/", data=data)
    assert r.status_code == 200
    with app.app_context():
        assert StaffUser.objects(email=owner.email).count() == 1


def test_owner_cannot_demote_self(app, owner_client, owner):
    data = {"name": owner.name, "email": owner.email, "role": "staff", "active": "y", "language": "de",
            "new_password": "", "csrf_token": csrf_token(owner_client, f"/admin/staffuser/edit/?id={owner.pk}")}
    r = owner_client.post(f"/admin/staffuser/edit/?id={owner.pk}", data=data)
    assert r.status_code == 200
    with app.app_context():
        assert StaffUser.objects.get(pk=owner.pk).role == "owner"


def test_deactivating_staff_ends_their_session(app, owner_client, make_user):
    staff = make_user("staff")
    other = app.test_client()
    login(other, staff.email)
    assert other.get("/admin/customer/").status_code == 200
    data = {"name": staff.name, "email": staff.email, "role": "staff", "language": "de", "new_password": "",
            "csrf_token": csrf_token(owner_client, f"/admin/staffuser/edit/?id={staff.pk}")}
    assert owner_client.post(f"/admin/staffuser/edit/?id={staff.pk}", data=data).status_code == 302
    assert other.get("/admin/customer/").status_code == 302


def test_language_switch(app, owner_client, owner):
    assert "Kunden" in owner_client.get("/admin/").get_data(as_text=True)
    token = csrf_token(owner_client, "/admin/")
    owner_client.post("/lang/en", data={"csrf_token": token})
    assert "Customers" in owner_client.get("/admin/").get_data(as_text=True)
    with app.app_context():
        assert StaffUser.objects.get(pk=owner.pk).language == "en"
    assert owner_client.post("/lang/xx", data={"csrf_token": token}).status_code == 400


def test_activity_types(app, owner_client, unit):
    token = csrf_token(owner_client, "/admin/activitytype/new/")
    r = owner_client.post("/admin/activitytype/new/", data={"csrf_token": token, "name": "Waschen",
                                                            "duration_minutes": "15", "colour": "#112233",
                                                            "active": "y"})
    assert r.status_code == 302
    r = owner_client.post("/admin/activitytype/new/", data={"csrf_token": token, "name": "Föhnen",
                                                            "duration_minutes": "15", "colour": "rot",
                                                            "active": "y"})
    assert r.status_code == 200
    r = owner_client.post("/admin/activitytype/new/", data={"csrf_token": token, "name": "Waschen",
                                                            "duration_minutes": "20", "colour": "#112233"})
    assert r.status_code == 200
    with app.app_context():
        from core.models import ActivityType

        assert ActivityType.objects.count() == 1
