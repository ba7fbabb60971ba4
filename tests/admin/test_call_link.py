"""Call links: template validation, rendering on the customer list, the customer file and the appointment
detail, the feature switch, noting a call in one step (shown in the file's history), the delete cascade."""

from __future__ import annotations

import html as html_lib
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from core.errors import InvalidInput
from core.features import get_feature
from core.models import AuditEvent, BusinessUnit, CallNote
from core.models._base import utcnow
from core.services import calls
from core.services.audit import Actor
from tests.conftest import csrf_token, login

NUMBER = "+493012345678"


@pytest.fixture
def call_unit(app, unit):
    with app.app_context():
        unit.update(add_to_set__features="call_link")
        unit.reload()
    return unit


@pytest.mark.parametrize("template", ["https://pbx.example/call?to={phone_e164}", "sip:{phone_e164}@pbx.example",
                                      "tel:{phone_e164}", "HTTPS://pbx.example/dial/{phone_e164}", ""])
def test_good_templates(template):
    assert calls.check_template(f"  {template} ") == template


@pytest.mark.parametrize("template", [
    "javascript:alert({phone_e164})", "JaVaScRiPt:alert(1)//{phone_e164}", "data:text/html,{phone_e164}",
    "http://pbx.example/call?to={phone_e164}", "https://pbx.example/call", "https://pbx.example/{phone_e164}/{x}",
    "https://{phone_e164}.pbx.example/", "https://user:pw@pbx.example/{phone_e164}", "//pbx.example/{phone_e164}",
    "https://pbx.example/call?to={phone_e164}&again={phone_e164}", "https://pbx.example/\n{phone_e164}",
    'https://pbx.example/"onmouseover=x/{phone_e164}', "{phone_e164}:sip", "vbscript:{phone_e164}",
    "https://pbx.example/" + "a" * 500 + "{phone_e164}",
])
def test_bad_templates_are_refused(template):
    with pytest.raises(InvalidInput):
        calls.check_template(template)


def test_urls_encode_the_number(app, call_unit):
    with app.app_context():
        assert calls.call_url(call_unit, NUMBER) == "tel:+493012345678"
        for template, expected in (("https://pbx.example/call?to={phone_e164}", "https://pbx.example/call?to=%2B493012345678"),
                                   ("sip:{phone_e164}@pbx.example", "sip:+493012345678@pbx.example")):
            calls.set_template(Actor.system(), call_unit, template)
            assert calls.call_url(call_unit, NUMBER) == expected
        assert calls.call_url(call_unit, None) is None and calls.call_url(call_unit, "0301234") is None
        # a template written around the check (another tool, an old release) never becomes a link
        BusinessUnit.objects(pk=call_unit.pk).update_one(set__settings__call_link_template="javascript:alert(1)")
        call_unit.reload()
        assert calls.call_url(call_unit, NUMBER) == "tel:+493012345678"
        call_unit.update(pull__features="call_link")
        call_unit.reload()
        assert calls.call_url(call_unit, NUMBER) is None


def test_links_on_list_file_and_appointment(app, owner_client, call_unit, make_customer, make_appointment):
    customer = make_customer(phone=NUMBER, last_name="Anrufer")
    appt = make_appointment(customer=customer)
    pages = [owner_client.get("/admin/customer/").get_data(as_text=True),
             owner_client.get(f"/admin/customer/file/?id={customer.pk}").get_data(as_text=True),
             owner_client.get(f"/admin/appointment/details/?id={appt.pk}").get_data(as_text=True),
             owner_client.get("/admin/calendar/?view=week&date=2030-01-07").get_data(as_text=True)]
    for page in pages:
        assert re.search(r'<a class="fd-call-link" href="tel:\+493012345678"[^>]*>\+49 30 12345678</a>', page), page
    assert "calls.js" in pages[1] and 'data-testid="call-note-form"' in pages[1]
    assert 'data-testid="appointment-popup"' in pages[3] and "calendar.js" in pages[3]


def test_feature_off_plain_text_and_routes_refused(app, owner_client, unit, make_customer):
    customer = make_customer(phone=NUMBER)
    page = owner_client.get(f"/admin/customer/file/?id={customer.pk}").get_data(as_text=True)
    assert "+49 30 12345678" in page and "fd-call-link" not in page and "call-note-form" not in page
    assert "/admin/settings/call-link/" not in page  # the menu entry is gone too
    token = csrf_token(owner_client, f"/admin/customer/file/?id={customer.pk}")
    assert owner_client.post("/admin/calls/note", data={"csrf_token": token, "customer": str(customer.pk),
                                                        "at": "2030-01-01T10:00"}).status_code == 403
    assert owner_client.get("/admin/settings/call-link/").status_code == 403


def test_catalogue_entry():
    feature = get_feature("call_link")
    assert feature.available and "video" not in str(feature.description).lower()
    assert str(feature.name) == "Call link"


def test_owner_sets_template_and_bad_one_changes_nothing(app, owner_client, call_unit, make_user):
    url = "/admin/settings/call-link/"
    token = csrf_token(owner_client, url)
    r = owner_client.post(url, data={"csrf_token": token, "call_link_template": "javascript:alert({phone_e164})"})
    assert r.status_code == 200 and "muss mit https:, sip: oder tel: beginnen" in r.get_data(as_text=True)
    with app.app_context():
        assert BusinessUnit.objects.get(pk=call_unit.pk).settings.call_link_template is None
    owner_client.post(url, data={"csrf_token": token, "call_link_template": "https://pbx.example/c?to={phone_e164}"})
    page = owner_client.get(url).get_data(as_text=True)
    assert "https://pbx.example/c?to=%2B493012345678" in html_lib.unescape(page)
    with app.app_context():
        assert AuditEvent.objects(summary="Call link template").count() == 1
    staff = make_user("staff")
    staff_client = app.test_client()
    login(staff_client, staff.email)
    assert staff_client.get(url).status_code == 403


def test_https_link_opens_a_new_tab(app, owner_client, call_unit, make_customer):
    with app.app_context():
        calls.set_template(Actor.system(), call_unit, "https://pbx.example/c?to={phone_e164}")
    customer = make_customer(phone=NUMBER)
    page = owner_client.get(f"/admin/customer/file/?id={customer.pk}").get_data(as_text=True)
    assert 'href="https://pbx.example/c?to=%2B493012345678" data-testid="call-link"' in page
    assert 'target="_blank" rel="noopener noreferrer"' in page


def test_note_the_call_in_one_step(app, owner_client, owner, call_unit, make_customer, make_unit, make_user):
    customer = make_customer(phone=NUMBER)
    file_url = f"/admin/customer/file/?id={customer.pk}"
    token = csrf_token(owner_client, file_url)
    page = owner_client.get(file_url).get_data(as_text=True)
    local_now = datetime.now(ZoneInfo(call_unit.timezone)).strftime("%Y-%m-%dT%H:%M")  # the unit's clock
    assert f'name="at" type="datetime-local" value="{local_now[:-2]}' in page
    r = owner_client.post("/admin/calls/note", data={"csrf_token": token, "customer": str(customer.pk),
                                                     "at": local_now, "note": "Termin verschoben <b>"})
    assert r.status_code == 302 and r.headers["Location"].endswith("#section-history")
    page = owner_client.get(file_url).get_data(as_text=True)
    history = page[page.index('id="section-history"'):]
    assert 'data-testid="call-notes"' in history and "Termin verschoben &lt;b&gt;" in history
    assert owner.name in history
    with app.app_context():
        note = CallNote.objects.get()
        assert note.phone == NUMBER and note.staff_label == owner.name
        assert abs(note.at - utcnow()) < timedelta(minutes=2)
    # bad input: a message, nothing noted; another unit's customer: 404
    for bad in ({"at": "gestern"}, {"at": "2001-01-01T10:00"}, {"at": local_now, "note": "x" * 2001}):
        r = owner_client.post("/admin/calls/note", data={"csrf_token": token, "customer": str(customer.pk), **bad},
                              follow_redirects=True)
        assert r.status_code == 200
    colleague = make_user("staff", name="Kai Kollege")
    r = owner_client.post("/admin/calls/note", data={"csrf_token": token, "customer": str(customer.pk),
                                                     "at": local_now, "staff": str(colleague.pk)})
    assert "Kai Kollege" in owner_client.get(file_url).get_data(as_text=True)
    stranger_unit = make_unit(features=["call_link"])
    outsider = make_user("staff", business_unit=stranger_unit)
    r = owner_client.post("/admin/calls/note", data={"csrf_token": token, "customer": str(customer.pk),
                                                     "at": local_now, "staff": str(outsider.pk)}, follow_redirects=True)
    assert "Bitte wählen Sie, wer" in r.get_data(as_text=True)
    other = make_customer(business_unit=stranger_unit)
    assert owner_client.post("/admin/calls/note", data={"csrf_token": token, "customer": str(other.pk),
                                                        "at": local_now}).status_code == 404
    assert owner_client.post("/admin/calls/note", data={"customer": str(customer.pk),
                                                        "at": local_now}).status_code == 400
    with app.app_context():
        assert CallNote.objects.count() == 2


def test_delete_cascade_and_export(app, call_unit, make_customer, tmp_path):
    from core.services import exchange
    from core.services.deletion import customer_data_counts, delete_customer

    customer = make_customer(phone=NUMBER, email="a@example.com")
    other = make_customer(phone=NUMBER, email="b@example.com")
    with app.app_context():
        now = datetime(2030, 1, 1, 12, 0)
        for who in (customer, other):
            calls.note_call(Actor.system(), who, at=now, note="Rückruf", staff_label="Olivia", now=now)
        assert customer_data_counts(customer)["noted calls"] == 1
        assert exchange.export_all(tmp_path / "x")["call_notes"] == 2
        delete_customer(Actor.system(), customer)
        assert CallNote.objects.count() == 1 and CallNote.objects.get().customer.pk == other.pk
        assert AuditEvent.objects(object_type="call_notes", customer_id=str(customer.pk)).count() == 0
        exchange.import_all(tmp_path / "x", drop=True)
        assert CallNote.objects.count() == 2
