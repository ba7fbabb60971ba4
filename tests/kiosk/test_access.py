"""Feature switch, no-store headers and surface isolation of the kiosk."""

from __future__ import annotations

from core.models import BusinessUnit
from tests.conftest import csrf_token, login
from tests.kiosk.conftest import open_run


def test_feature_off_hides_menu_and_refuses_routes(app, owner_client, unit, make_appointment):
    assert "Devices" not in owner_client.get("/admin/").get_data(as_text=True)
    assert owner_client.get("/admin/devices/").status_code == 403
    appt = make_appointment()
    assert owner_client.get(f"/admin/kiosk/start?appointment={appt.pk}").status_code == 403
    details = owner_client.get(f"/admin/appointment/details/?id={appt.pk}").get_data(as_text=True)
    assert "kiosk_start" not in details
    token = csrf_token(owner_client, "/admin/settings/features/")
    owner_client.post("/admin/settings/features/toggle", data={"csrf_token": token, "feature": "kiosk",
                                                               "enabled": "1"})
    with app.app_context():
        assert BusinessUnit.objects.get(pk=unit.pk).has_feature("kiosk")
    assert "/admin/devices/" in owner_client.get("/admin/").get_data(as_text=True)
    assert owner_client.get("/admin/devices/").status_code == 200
    details = owner_client.get(f"/admin/appointment/details/?id={appt.pk}").get_data(as_text=True)
    assert 'data-option="kiosk_start"' in details


def test_paired_tablet_refused_when_feature_switched_off(app, kiosk_unit, make_tablet, make_customer, start,
                                                        make_code):
    tablet, device = make_tablet()
    run = start(device, make_customer())
    url = open_run(tablet)
    _pending, code = make_code("Tablet 2")
    with app.app_context():
        kiosk_unit.update(pull__features="kiosk")
    for path in ("/kiosk/display", "/kiosk/poll", url, "/kiosk/thanks"):
        assert tablet.get(path).status_code == 404, path
    # pairing with a code of a unit that switched the function off does not work either
    from tests.kiosk.conftest import pair

    assert pair(app.test_client(), code).status_code == 400
    with app.app_context():
        from tasks.kiosk import expire_runs

        expire_runs.delay().get()
        run.reload()
        assert run.status == "expired" and run.prefill == {}


def test_every_kiosk_response_is_no_store(app, make_tablet, make_customer, start):
    stranger = app.test_client()
    tablet, device = make_tablet()
    responses = [stranger.get("/kiosk/display"), stranger.get("/kiosk/poll"), stranger.get("/kiosk/run/abc"),
                 stranger.post("/kiosk/pair", data={}), tablet.get("/kiosk/display"), tablet.get("/kiosk/poll"),
                 tablet.get("/kiosk/thanks"), tablet.get("/kiosk/static/kiosk.js")]
    start(device, make_customer())
    url = open_run(tablet)
    responses += [tablet.get(url), tablet.get("/kiosk/nowhere")]
    for r in responses:
        assert r.headers.get("Cache-Control") == "no-store", (r.status_code, r.request.path)
    assert responses[-2].status_code == 200


def test_idle_and_pairing_pages_have_no_inline_script(app, make_tablet):
    tablet, _device = make_tablet()
    for page in (app.test_client().get("/kiosk/display"), tablet.get("/kiosk/display"), tablet.get("/kiosk/thanks")):
        html = page.get_data(as_text=True)
        assert "<script>" not in html and "onclick" not in html and "<nav" not in html
        assert "'unsafe-eval'" not in page.headers["Content-Security-Policy"]


def test_staff_member_can_start_but_not_pair(app, make_user, kiosk_unit, make_customer, make_tablet):
    _tablet, _device = make_tablet()
    staff = app.test_client()
    assert login(staff, make_user("staff").email).status_code == 302
    customer = make_customer()
    assert staff.get(f"/admin/kiosk/start?customer={customer.pk}").status_code == 200
    assert staff.get("/admin/devices/").status_code == 403
    file_page = staff.get(f"/admin/customer/file/?id={customer.pk}").get_data(as_text=True)
    assert 'data-testid="kiosk-start-link"' in file_page


def test_kiosk_does_not_import_other_surfaces():
    from tests.test_architecture import imports_of, modules, top

    for _name, path in modules("kiosk"):
        assert not {top(i) for i in imports_of(path)} & {"admin", "portal", "tasks", "seed"}, path
