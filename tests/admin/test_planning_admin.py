"""\"Termin vorschlagen\" in the admin: ranked slots with rating text, booking by POST (CSRF, audited, in the
calendar at once), refusals, and isolation of the new routes."""

from __future__ import annotations

from datetime import datetime

import pytest

from core.models import ActivityType, Appointment, AuditEvent
from tests.conftest import csrf_token, login

DAY = "2030-01-07"  # a Monday


@pytest.fixture
def kind(app, unit):
    with app.app_context():
        return ActivityType(business_unit=unit, name="Schnitt", duration_minutes=60).save()


def _page(client, customer, kind, **args):
    query = {"customer": str(customer.pk), "activity_type": str(kind.pk), "date": DAY, "days": "1", **args}
    return client.get("/admin/planning/", query_string=query)


def _tokens(html: str) -> list[str]:
    import re

    return re.findall(r'name="token" value="([^"]+)"', html)


def test_ranked_slots_and_booking(app, owner_client, owner, make_customer, kind):
    customer = make_customer()
    page = _page(owner_client, customer, kind).get_data(as_text=True)
    assert 'data-testid="planning-slot"' in page and "Passt gut" in page and "09:00–10:00" in page
    assert owner.name in page and "07.01.2030" in page
    token = _tokens(page)[0]
    r = owner_client.post("/admin/planning/book", data={
        "csrf_token": csrf_token(owner_client, "/admin/planning/"), "customer": str(customer.pk),
        "activity_type": str(kind.pk), "token": token, "date": DAY, "days": "1"})
    assert r.status_code == 302 and "/admin/calendar/" in r.headers["Location"] and DAY in r.headers["Location"]
    with app.app_context():
        appt = Appointment.objects.get()
        assert appt.start == datetime(2030, 1, 7, 8, 0) and appt.customer.pk == customer.pk
        assert AuditEvent.objects(object_id=str(appt.pk), action="create").get().summary == "booked (admin)"
    calendar = owner_client.get(r.headers["Location"]).get_data(as_text=True)
    assert f"/admin/appointment/details/?id={appt.pk}" in calendar and "09:00–10:00" in calendar
    again = _page(owner_client, customer, kind).get_data(as_text=True)
    assert token not in _tokens(again)  # taken now
    # the same slot once more: refused with the message, nothing booked, back to fresh suggestions
    r = owner_client.post("/admin/planning/book", data={
        "csrf_token": csrf_token(owner_client, "/admin/planning/"), "customer": str(customer.pk),
        "activity_type": str(kind.pk), "token": token, "date": DAY, "days": "1"}, follow_redirects=True)
    assert "gerade vergeben" in r.get_data(as_text=True)
    with app.app_context():
        assert Appointment.objects.count() == 1


def test_links_from_the_customer_file_and_the_calendar(owner_client, make_customer):
    customer = make_customer(last_name="Zander")
    file_page = owner_client.get(f"/admin/customer/file/?id={customer.pk}").get_data(as_text=True)
    assert f"/admin/planning/?customer={customer.pk}" in file_page
    calendar = owner_client.get(f"/admin/calendar/?date={DAY}").get_data(as_text=True)
    assert f"/admin/planning/?date={DAY}" in calendar
    search = owner_client.get("/admin/planning/", query_string={"q": "Zan", "date": DAY}).get_data(as_text=True)
    assert f"/admin/planning/?customer={customer.pk}" in search


@pytest.mark.parametrize("token", ["", "kaputt", "x" * 3000])
def test_bad_tokens_book_nothing(app, owner_client, make_customer, kind, token):
    customer = make_customer()
    r = owner_client.post("/admin/planning/book", data={
        "csrf_token": csrf_token(owner_client, "/admin/planning/"), "customer": str(customer.pk),
        "activity_type": str(kind.pk), "token": token}, follow_redirects=True)
    assert r.status_code == 200 and "ungültig" in r.get_data(as_text=True)
    with app.app_context():
        assert Appointment.objects.count() == 0


def test_isolation(app, client, owner_client, make_customer, make_unit, make_user, kind):
    customer = make_customer()
    other = make_unit()
    foreign_customer = make_customer(business_unit=other)
    with app.app_context():
        foreign_kind = ActivityType(business_unit=other, name="Fremd", duration_minutes=30).save()
    assert owner_client.get("/admin/planning/", query_string={"customer": str(foreign_customer.pk)}).status_code == 404
    assert owner_client.get("/admin/planning/", query_string={"customer": "nope"}).status_code == 404
    page = _page(owner_client, customer, foreign_kind).get_data(as_text=True)
    assert 'data-testid="planning-slot"' not in page
    token = csrf_token(owner_client, "/admin/planning/")
    for data in ({"customer": str(foreign_customer.pk), "activity_type": str(kind.pk)},
                 {"customer": str(customer.pk), "activity_type": str(foreign_kind.pk)}):
        assert owner_client.post("/admin/planning/book", data={"csrf_token": token, "token": "t", **data}
                                 ).status_code == 404
    assert owner_client.post("/admin/planning/book", data={"customer": str(customer.pk),
                                                           "activity_type": str(kind.pk)}).status_code == 400
    designer = make_user("designer")
    other_client = app.test_client()
    login(other_client, designer.email)
    assert other_client.get("/admin/planning/").status_code == 403
    assert app.test_client().get("/admin/planning/").status_code == 302  # to the login
    with app.app_context():
        assert Appointment.objects.count() == 0
