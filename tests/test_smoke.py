from tests.conftest import csrf_token


def test_landing_and_placeholders(client):
    for url in ("/", "/kiosk/display", "/portal/login", "/admin/login"):
        assert client.get(url).status_code == 200, url


def test_admin_pages_render(owner_client, make_appointment):
    appt = make_appointment()
    for url in ("/admin/", "/admin/customer/", "/admin/appointment/", "/admin/calendar/",
                "/admin/calendar/?view=week", "/admin/settings/", "/admin/settings/features/",
                "/admin/activitytype/", "/admin/staffuser/", "/admin/audit/", "/admin/outbox/",
                f"/admin/customer/file/?id={appt.customer.pk}", f"/admin/appointment/details/?id={appt.pk}",
                "/admin/customer/new/", "/admin/appointment/new/", "/admin/staffuser/new/"):
        r = owner_client.get(url)
        assert r.status_code == 200, (url, r.status_code, r.get_data(as_text=True)[:2000])
    assert csrf_token(owner_client, "/admin/customer/new/")
