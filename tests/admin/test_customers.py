"""Customer CRUD through the admin: good input is saved with an audit event; bad input changes nothing."""

from __future__ import annotations

import csv
import io

import pytest

from core.models import AuditEvent, Customer
from tests.conftest import csrf_token

GOOD = {"salutation": "ms", "title": "", "first_name": "Käthe", "last_name": "Größer", "birthday": "1980-02-29",
        "email": "Kaethe.Groesser@Example.com", "phone": "030 1234567", "address-street": "Schloßallee 1",
        "address-postal_code": "10115", "address-city": "Berlin", "address-country": "DE", "tags": "VIP, Neukunde",
        "notes": "mag Tee"}


def post_new(client, **changes):
    data = {**GOOD, **changes, "csrf_token": csrf_token(client, "/admin/customer/new/")}
    return client.post("/admin/customer/new/", data=data)


def test_create_customer(app, owner_client, unit):
    r = post_new(owner_client)
    assert r.status_code == 302, r.get_data(as_text=True)
    with app.app_context():
        c = Customer.objects.get(last_name="Größer")
        assert c.email == "kaethe.groesser@example.com"
        assert c.phone == "+49301234567"
        assert c.tags == ["Neukunde", "VIP"]
        assert c.address.city == "Berlin" and c.business_unit.pk == unit.pk
        assert c.created_at and c.updated_at
        event = AuditEvent.objects.get(object_type="customers", object_id=str(c.pk))
        assert event.action == "create" and event.after["last_name"] == "Größer" and event.actor_kind == "staff"


@pytest.mark.parametrize(("field", "value", "needle"), [
    ("email", "not-an-email", "email"),
    ("phone", "12", "phone"),
    ("phone", "+49 30 12345678901234567890", "phone"),
    ("first_name", "", "first_name"),
    ("last_name", "x" * 101, "last_name"),
    ("birthday", "1980-02-30", "birthday"),
    ("address-country", "Deutschland", "address"),
    ("notes", "x" * 10001, "notes"),
    ("salutation", "king", "salutation"),
])
def test_bad_input_is_shown_next_to_the_field_and_nothing_is_saved(app, owner_client, field, value, needle):
    r = post_new(owner_client, **{field: value})
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert "is-invalid" in html or "invalid-feedback" in html or "help-block" in html, field
    with app.app_context():
        assert Customer.objects.count() == 0
        assert AuditEvent.objects(object_type="customers").count() == 0


def test_duplicate_email_in_the_same_unit(app, owner_client, make_customer, make_unit):
    make_customer(email="kaethe.groesser@example.com")
    r = post_new(owner_client)
    assert r.status_code == 200
    assert "is-invalid" in r.get_data(as_text=True) or "bereits" in r.get_data(as_text=True)
    with app.app_context():
        assert Customer.objects(email="kaethe.groesser@example.com").count() == 1
    # another business unit may have a customer with the same address
    other = make_unit()
    make_customer(business_unit=other, email="kaethe.groesser@example.com")


def test_customers_without_email_do_not_collide(app, owner_client):
    assert post_new(owner_client, email="").status_code == 302
    assert post_new(owner_client, email="", first_name="Bärbel").status_code == 302
    with app.app_context():
        assert Customer.objects.count() == 2


def test_edit_records_only_changes(app, owner_client, make_customer):
    c = make_customer(email="a@example.com")
    token = csrf_token(owner_client, f"/admin/customer/edit/?id={c.pk}")
    r = owner_client.post(f"/admin/customer/edit/?id={c.pk}", data={
        "csrf_token": token, "salutation": "", "first_name": c.first_name, "last_name": c.last_name,
        "email": "neu@example.com", "phone": "", "address-country": "DE", "tags": "", "notes": ""})
    assert r.status_code == 302
    with app.app_context():
        event = AuditEvent.objects.get(object_type="customers", action="update")
        assert event.before == {"email": "a@example.com"} and event.after == {"email": "neu@example.com"}


def test_bad_edit_changes_nothing(app, owner_client, make_customer):
    c = make_customer(email="a@example.com", phone="+49301234567")
    token = csrf_token(owner_client, f"/admin/customer/edit/?id={c.pk}")
    r = owner_client.post(f"/admin/customer/edit/?id={c.pk}", data={
        "csrf_token": token, "first_name": "Neu", "last_name": c.last_name, "email": "a@example.com",
        "phone": "kein Telefon", "address-country": "DE"})
    assert r.status_code == 200
    with app.app_context():
        again = Customer.objects.get(pk=c.pk)
        assert again.first_name == "Jürgen" and again.phone == "+49301234567"


@pytest.mark.parametrize("bad_id", ["nope", "000000000000000000000000", "'; drop", "x" * 500])
def test_unknown_ids(owner_client, bad_id):
    assert owner_client.get(f"/admin/customer/edit/?id={bad_id}").status_code == 302
    assert owner_client.get(f"/admin/customer/details/?id={bad_id}").status_code == 302
    assert owner_client.get(f"/admin/customer/file/?id={bad_id}").status_code == 404
    assert owner_client.get(f"/admin/customer/delete-confirm/?id={bad_id}").status_code == 404


def test_list_search_sort_filter_paginate(app, owner_client, make_customer):
    for i in range(30):
        make_customer(last_name=f"Zahn{i:02d}", first_name="Paul", tags=["VIP"] if i % 2 else [])
    make_customer(last_name="Öztürk", first_name="Ömer", email="oemer@example.com")
    page = owner_client.get("/admin/customer/").get_data(as_text=True)
    assert "Liste (31)" in page or "List (31)" in page
    page = owner_client.get("/admin/customer/?search=öz").get_data(as_text=True)
    assert "oemer@example.com" in page and "Zahn00" not in page
    page = owner_client.get("/admin/customer/?search=ÖZT").get_data(as_text=True)
    assert "oemer@example.com" in page
    assert owner_client.get("/admin/customer/?page=1").status_code == 200
    assert owner_client.get("/admin/customer/?sort=0&desc=1").status_code == 200
    assert owner_client.get("/admin/customer/?flt0_0=VIP").status_code == 200
    assert owner_client.get("/admin/customer/?page=abc").status_code in (200, 400)
    assert owner_client.get("/admin/customer/?search=" + "(" * 50).status_code == 200


def test_csv_export_escapes_formulas(app, owner_client, make_customer):
    make_customer(last_name="=HYPERLINK(\"http://evil\")", first_name="+cmd", notes="@SUM(A1)")
    r = owner_client.get("/admin/customer/export/csv/")
    assert r.status_code == 200
    rows = list(csv.reader(io.StringIO(r.get_data(as_text=True))))
    cells = [cell for row in rows[1:] for cell in row]
    assert "'=HYPERLINK(\"http://evil\")" in cells and "'+cmd" in cells and "'@SUM(A1)" in cells
    assert not any(cell.startswith(("=", "+", "@")) for cell in cells)


def test_customer_file_shows_sections(owner_client, make_appointment):
    appt = make_appointment()
    page = owner_client.get(f"/admin/customer/file/?id={appt.customer.pk}").get_data(as_text=True)
    assert appt.customer.last_name in page
    assert "section-appointments" in page and "section-history" in page
    assert f"/admin/appointment/details/?id={appt.pk}" in page


def test_delete_needs_confirmation_and_removes_everything(app, owner_client, make_appointment):
    appt = make_appointment()
    customer = appt.customer
    page = owner_client.get(f"/admin/customer/delete-confirm/?id={customer.pk}").get_data(as_text=True)
    assert "rückgängig" in page or "cannot be undone" in page
    with app.app_context():
        assert Customer.objects(pk=customer.pk).count() == 1  # GET changes nothing
    token = csrf_token(owner_client, f"/admin/customer/delete-confirm/?id={customer.pk}")
    assert owner_client.post("/admin/customer/delete-confirm/", data={"id": str(customer.pk)}).status_code == 400
    r = owner_client.post("/admin/customer/delete-confirm/", data={"id": str(customer.pk), "csrf_token": token})
    assert r.status_code == 302
    with app.app_context():
        from core.models import Appointment

        assert Customer.objects(pk=customer.pk).count() == 0
        assert Appointment.objects(customer=customer.pk).count() == 0
        event = AuditEvent.objects.get(action="delete", object_type="customers")
        assert customer.last_name not in str(event.to_mongo())


def test_delete_and_bulk_forms_need_csrf(app, owner_client, make_customer):
    c = make_customer()
    r = owner_client.post("/admin/customer/delete/", data={"id": str(c.pk)})
    assert r.status_code == 400
    r = owner_client.post("/admin/customer/action/", data={"action": "delete", "rowid": [str(c.pk)]})
    assert r.status_code == 400
    with app.app_context():
        assert Customer.objects(pk=c.pk).count() == 1
    list_page = owner_client.get("/admin/customer/").get_data(as_text=True)
    assert list_page.count('name="csrf_token"') >= 1


def test_bulk_delete_goes_through_the_service(app, owner_client, make_appointment):
    a, b = make_appointment(), make_appointment()
    token = csrf_token(owner_client, "/admin/customer/")
    r = owner_client.post("/admin/customer/action/", data={"action": "delete", "csrf_token": token,
                                                           "rowid": [str(a.customer.pk), str(b.customer.pk), "bad"]})
    assert r.status_code == 302
    with app.app_context():
        from core.models import Appointment

        assert Customer.objects.count() == 0 and Appointment.objects.count() == 0


def test_csv_export_name_keeps_its_umlauts(app, owner_client, make_customer):
    """The export is named after the view; a name with umlauts arrives intact (RFC 6266 ``filename*``)."""
    from urllib.parse import unquote

    make_customer()
    view = next(v for v in app.extensions["frontdesk_admin"]._views if v.endpoint == "customer")
    view.name = "Kundenübersicht"
    r = owner_client.get("/admin/customer/export/csv/")
    assert r.status_code == 200
    header = r.headers["Content-Disposition"]
    header.encode("ascii")
    assert header.startswith("attachment; filename=Kundenubersicht_")
    assert unquote(header.split("filename*=UTF-8''")[1]).startswith("Kundenübersicht_")
