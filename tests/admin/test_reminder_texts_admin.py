"""The reminder settings page and the texts per activity type: own or inherited per text, a preview with
sample values, saving, refusals in German with nothing stored, and no way to reach another unit's types."""

from __future__ import annotations

import re

import pytest

from core.models import ActivityType, ReminderPolicy
from core.services import reminders as service
from tests.conftest import csrf_token

URL = "/admin/reminders/settings/"


@pytest.fixture
def cut(app, unit):
    with app.app_context():
        return ActivityType(business_unit=unit, name="Schnitt").save()


def form(client, **fields):
    data = {"csrf_token": csrf_token(client, URL), "default-leads": "1 d", "default-channel": "email",
            "quiet_start": "21:00", "quiet_end": "08:00"}
    data.update(fields)
    return data


def stored(app, unit):
    with app.app_context():
        policy = ReminderPolicy.objects(business_unit=unit).first()
        return policy.to_mongo().to_dict() if policy else None


def test_a_type_gets_its_own_texts_and_the_page_says_which_are_its_own(owner_client, app, unit, cut):
    at = f"at-{cut.pk}-"
    r = owner_client.post(URL, data=form(owner_client, **{
        "reminder-de-subject": "Unit: {{ appointment.date }}",
        f"{at}own": "1", f"{at}leads": "2 h", f"{at}channel": "email",
        f"{at}reminder-de-body": "{{ appointment.activity }} bei {{ unit.name }}, {{ customer.full_name }}",
        f"{at}reminder-en-sms": "{{ unit.name }}: see you at {{ appointment.time }}"}))
    assert r.status_code == 303
    with app.app_context():
        policy = ReminderPolicy.objects.get(business_unit=unit)
        texts = service.texts_for(policy, cut, "reminder", "de")
        assert texts.sources == {"subject": "unit", "body": "type", "sms_body": "default"}
        assert service.texts_for(policy, cut, "reminder", "en").sms_body.endswith("see you at {{ appointment.time }}")
    page = owner_client.get(URL).get_data(as_text=True)
    block = re.search(rf'data-texts="{cut.pk}-reminder-de">(.*?)data-testid="preview">(.*?)</details>', page, re.S)
    assert block, "the type's reminder texts in German"
    labels, preview = block.group(1), block.group(2)
    assert re.findall(r'data-source="(\w+)">([^<]+)<', labels) == [("unit", "von der Einheit"), ("type", "eigener"),
                                                                    ("default", "eingebaut")]
    assert "Schnitt bei Salon Sonnenschein, Erika Mustermann" in preview
    assert "Unit: Donnerstag, 14. März 2030" in preview
    assert "{{ appointment.activity }} bei" in labels  # the stored text is in its field
    assert 'placeholder="Unit: {{ appointment.date }}"' in labels  # the inherited subject is shown greyed out


@pytest.mark.parametrize(("field", "text", "expected"), [
    ("reminder-de-body", "Hallo {{ customer.shoe_size }}", "Unbekannter Platzhalter"),
    ("confirmation-en-subject", "<b>Hi</b>", "HTML ist nicht erlaubt"),
    ("cancellation-de-sms", "<script>alert(1)</script>", "HTML ist nicht erlaubt"),
])
def test_a_bad_text_of_a_type_is_refused_in_german_and_nothing_is_saved(owner_client, app, unit, cut, field, text,
                                                                       expected):
    at = f"at-{cut.pk}-"
    assert owner_client.post(URL, data=form(owner_client, **{f"{at}own": "1", f"{at}leads": "1 d",
                                                             f"{at}channel": "email"})).status_code == 303
    before = stored(app, unit)
    r = owner_client.post(URL, data=form(owner_client, **{f"{at}own": "1", f"{at}leads": "3 h",
                                                          f"{at}channel": "sms", f"{at}{field}": text}))
    page = r.get_data(as_text=True)
    assert r.status_code == 422 and expected in page and "Schnitt" in page
    assert stored(app, unit) == before  # neither the text nor the other changes of the same form


def test_texts_without_an_own_rule_are_refused(owner_client, app, unit, cut):
    r = owner_client.post(URL, data=form(owner_client, **{f"at-{cut.pk}-reminder-de-body": "Bis bald"}))
    assert r.status_code == 422 and "eigene Regel" in r.get_data(as_text=True)
    assert stored(app, unit) is None


def test_another_units_activity_type_cannot_be_targeted_by_a_tampered_form(owner_client, app, unit, cut, make_unit):
    with app.app_context():
        stranger = make_unit(features=["reminders"])
        foreign = ActivityType(business_unit=stranger, name="Fremd").save()
    at = f"at-{foreign.pk}-"
    tampered = {f"{at}own": "1", f"{at}leads": "1 h", f"{at}channel": "email", f"{at}reminder-de-body": "Gekapert"}
    r = owner_client.post(URL, data=form(owner_client, **tampered))
    assert r.status_code == 404
    assert stored(app, unit) is None
    with app.app_context():
        assert ReminderPolicy.objects.count() == 0


def test_an_inactive_type_keeps_its_rule_and_texts_when_the_page_is_saved(owner_client, app, unit, cut):
    with app.app_context():
        old = ActivityType(business_unit=unit, name="Alt").save()
        rule = service.RuleInput(confirmation=False, cancellation_notice=False, lead_minutes=[60], channel="sms",
                                 reminder_default=False, activity_type=old,
                                 templates={("reminder", "de"): ("", "", "Bis gleich")})
        default = service.RuleInput(confirmation=True, cancellation_notice=True, lead_minutes=[1440], channel="email",
                                    reminder_default=True)
        service.save_policy(service.Actor("staff", None, "t", str(unit.pk)), unit, default=default, overrides=[rule],
                            templates={}, quiet_start=0, quiet_end=0)
        old.update(set__active=False)
    assert owner_client.post(URL, data=form(owner_client)).status_code == 303
    with app.app_context():
        policy = ReminderPolicy.objects.get(business_unit=unit)
        kept = service.rule_for(policy, old)
        assert kept.lead_minutes == [60] and kept.channel == "sms"
        assert service.texts_for(policy, old, "reminder", "de").sms_body == "Bis gleich"


def test_the_customer_form_offers_the_language_of_the_messages(owner_client):
    page = owner_client.get("/admin/customer/new/").get_data(as_text=True)
    assert "Sprache der Bestätigungen und Erinnerungen" in page
    select = re.search(r'<select[^>]*name="language".*?</select>', page, re.S).group(0)
    assert re.findall(r'<option[^>]*value="(\w*)"', select) == ["", "de", "en"]
    assert "wie für den Betrieb eingestellt" in select and "English" in select
