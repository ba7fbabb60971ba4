"""The admin forms people fill in: an appointment opened from the customer file has the customer
chosen, the activity form offers a colour picker, the questionnaire's edit page leads to the builder
(which keeps the admin menu)."""

from __future__ import annotations

import re

from core.models import ActivityType, Questionnaire
from core.services import questionnaires as qs
from core.services.audit import Actor


def test_new_appointment_from_the_customer_file_has_the_customer(app, owner_client, make_customer, make_unit):
    customer = make_customer(first_name="Käthe", last_name="Kühn")
    file_page = owner_client.get(f"/admin/customer/file/?id={customer.pk}").get_data(as_text=True)
    link = re.search(r'href="([^"]+)" data-testid="new-appointment"', file_page).group(1).replace("&amp;", "&")
    assert f"customer={customer.pk}" in link
    form = owner_client.get(link).get_data(as_text=True)
    assert re.search(rf'id="customer"[^>]*value="{customer.pk}"', form) or \
        re.search(rf'value="{customer.pk}"[^>]*id="customer"', form), "the customer is chosen"
    assert "K\\u00e4the K\\u00fchn" in form  # the picker's label (JSON in data-json)
    assert 'data-placeholder="Name, E-Mail oder Telefonnummer eingeben"' in form
    stranger = make_customer(business_unit=make_unit(), first_name="Fremd", last_name="Kunde")
    form = owner_client.get(f"/admin/appointment/new/?customer={stranger.pk}").get_data(as_text=True)
    assert str(stranger.pk) not in form and "Fremd" not in form  # another unit's customer is not offered


def test_the_activity_durations_reach_the_form(app, owner_client, unit):
    with app.app_context():
        activity = ActivityType(business_unit=unit, name="Färben", duration_minutes=75).save()
    form = owner_client.get("/admin/appointment/new/").get_data(as_text=True)
    assert "data-fd-durations=" in form and f"&#34;{activity.pk}&#34;: 75" in form


def test_the_activity_colour_is_a_colour_picker(owner_client):
    form = owner_client.get("/admin/activitytype/new/").get_data(as_text=True)
    assert re.search(r'<input[^>]*id="colour"[^>]*type="color"|<input[^>]*type="color"[^>]*id="colour"', form)
    assert "<textarea" not in form


def test_the_edit_page_leads_to_the_builder_which_keeps_the_menu(app, owner_client, unit, owner):
    with app.app_context():
        q = qs.create(Actor.staff(owner), unit, name="Hautcheck", kind="custom")
    edit = owner_client.get(f"/admin/questionnaire/edit/?id={q.pk}").get_data(as_text=True)
    assert f'href="/admin/questionnaire/builder/?id={q.pk}"' in edit and "Baukasten öffnen" in edit
    builder = owner_client.get(f"/admin/questionnaire/builder/?id={q.pk}").get_data(as_text=True)
    menu = builder.split('data-testid="admin-menu"', 1)[1].split("</ul>\n", 1)[0]
    assert "Kunden" in menu and "/admin/customer/" in menu and "Abmelden" in builder
    with app.app_context():
        assert Questionnaire.objects.get(pk=q.pk).name == "Hautcheck"


def test_pages_with_their_own_heading_have_it_once(owner_client, make_customer):
    customer = make_customer(first_name="Käthe", last_name="Kühn")
    page = owner_client.get(f"/admin/customer/file/?id={customer.pk}").get_data(as_text=True)
    assert re.findall(r"<h[14][^>]*>\s*([^<]*?)\s*</h[14]>", page) == ["Käthe Kühn"]
    assert 'class="fd-file"' in page and page.count('class="fd-section fd-file-card"') >= 2  # cards
    calendar = owner_client.get("/admin/calendar/").get_data(as_text=True)
    assert len(re.findall(r"<h[14][^>]*>", calendar)) == 1
    listing = owner_client.get("/admin/customer/").get_data(as_text=True)
    assert re.search(r"<h4[^>]*>\s*Kunden\s*</h4>", listing)  # list pages keep the view's name
