"""The reminder pages: overview with charts and counts, the list without reminders and its bulk switch,
the settings (and their refusals), the tracked messages, the customer's link pages, the no-show status."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from core.models import Appointment, ReminderDelivery, ReminderPolicy
from core.models._base import utcnow
from core.services import reminders as service
from tests.conftest import csrf_token, login


@pytest.fixture
def staff_client(app, make_user):
    client = app.test_client()
    login(client, make_user("staff").email)
    return client


def test_overview_shows_both_charts_with_numbers_and_links(owner_client, app, make_appointment, make_customer, unit):
    with app.app_context():
        customer = make_customer(email="k@example.com")
        now = utcnow()
        make_appointment(customer=customer, start=now + timedelta(days=1))
        make_appointment(customer=customer, start=now + timedelta(days=2))
        past = make_appointment(customer=customer, start=now - timedelta(days=1), reminder_wanted=True)
        ReminderDelivery(business_unit=unit, appointment=past, customer=customer, kind="reminder",
                         for_start=past.start, due_at=past.start, status="sent", key="x").save()
    page = owner_client.get("/admin/reminders/overview/").get_data(as_text=True)
    assert page.count("<svg role=\"img\"") >= 3  # two pies and the no-show bars
    assert re.search(r'data-testid="chart-next-3".*?<strong><a href="/admin/reminders/overview/missing"[^>]*>2</a>',
                     page, re.S)
    assert re.search(r'data-testid="chart-past-0".*?<strong>1</strong> \(100&nbsp;%\)', page, re.S)
    assert 'data-testid="without-next"' in page and "2 Termine ohne Erinnerung" in page


def test_tick_and_switch_on(staff_client, app, make_appointment, make_customer, unit, make_unit):
    with app.app_context():
        ok = make_appointment(customer=make_customer(email="a@example.com"), start=utcnow() + timedelta(days=3))
        foreign = make_appointment(business_unit=make_unit(), start=utcnow() + timedelta(days=3))
    page = staff_client.get("/admin/reminders/overview/missing").get_data(as_text=True)
    assert str(ok.pk) in page and str(foreign.pk) not in page and 'data-testid="select-all"' in page
    token = csrf_token(staff_client, "/admin/reminders/overview/missing")
    r = staff_client.post("/admin/reminders/overview/missing",
                          data={"csrf_token": token, "ids": [str(ok.pk), str(foreign.pk)]})
    assert r.status_code == 303
    with app.app_context():
        assert Appointment.objects.get(pk=ok.pk).reminder_wanted is True
        assert Appointment.objects.get(pk=foreign.pk).reminder_wanted is False
        assert ReminderDelivery.objects(appointment=ok.pk, kind="reminder").count() == 1
    page = staff_client.get("/admin/reminders/overview/missing").get_data(as_text=True)
    assert str(ok.pk) not in page
    r = staff_client.post("/admin/reminders/overview/missing", data={"csrf_token": token})
    assert r.status_code == 303  # nothing ticked: a message, no error page
    assert "mindestens einen Termin" in staff_client.get(r.headers["Location"]).get_data(as_text=True)


def test_the_filters_narrow_the_list(staff_client, app, make_appointment, make_customer, make_user):
    with app.app_context():
        anna = make_user("staff", name="Anna")
        mine = make_appointment(customer=make_customer(email="m@example.com"), staff=anna,
                                start=utcnow() + timedelta(days=2))
        other = make_appointment(customer=make_customer(email="o@example.com"), start=utcnow() + timedelta(days=2))
    page = staff_client.get(f"/admin/reminders/overview/missing?staff={anna.pk}").get_data(as_text=True)
    assert str(mine.pk) in page and str(other.pk) not in page
    day = (utcnow() + timedelta(days=5)).date().isoformat()
    page = staff_client.get(f"/admin/reminders/overview/missing?day={day}").get_data(as_text=True)
    assert str(mine.pk) not in page
    assert staff_client.get("/admin/reminders/overview/missing?day=kaputt&staff=x").status_code == 200


def test_settings_save_and_refuse(owner_client, app, unit):
    url = "/admin/reminders/settings/"
    token = csrf_token(owner_client, url)
    good = {"csrf_token": token, "default-leads": "1 d, 2 h", "default-channel": "email", "default-confirmation": "1",
            "default-wanted": "1", "quiet_start": "21:00", "quiet_end": "08:00",
            "reminder-de-subject": "Erinnerung an {{ appointment.date }}",
            "reminder-de-body": "Hallo {{ customer.first_name }}, bis {{ appointment.time }}. {{ links.confirm }}"}
    r = owner_client.post(url, data=good)
    assert r.status_code == 303
    with app.app_context():
        policy = ReminderPolicy.objects.get(business_unit=unit)
        assert policy.default.lead_minutes == [1440, 120] and policy.default.cancellation_notice is False
        assert policy.templates[0].subject == "Erinnerung an {{ appointment.date }}"
    page = owner_client.get(url).get_data(as_text=True)
    assert 'value="1 d, 2 h"' in page
    for bad, words in ((({"default-leads": "3 min"}), "zwischen 5 Minuten und 14 Tagen"),
                       ({"default-leads": "morgen"}, "Keine Vorlaufzeit"),
                       ({"reminder-en-body": "{{ customer.password }}"}, "Unbekannter Platzhalter"),
                       ({"reminder-en-body": "<a href='x'>hi</a>"}, "HTML"),
                       ({"quiet_start": "25:00"}, "Uhrzeit"),
                       ({"default-channel": "fax"}, "Kanal")):
        r = owner_client.post(url, data={**good, **bad})
        assert r.status_code == 422, bad
        assert words in r.get_data(as_text=True), bad
    with app.app_context():
        assert ReminderPolicy.objects.get(business_unit=unit).default.lead_minutes == [1440, 120]


def test_settings_are_for_owners_and_the_feature(staff_client, owner_client, app, unit):
    assert staff_client.get("/admin/reminders/settings/").status_code == 403
    with app.app_context():
        unit.update(pull__features="reminders")
    assert owner_client.get("/admin/reminders/settings/").status_code == 403
    assert owner_client.get("/admin/reminders/overview/").status_code == 403


def test_messages_list_shows_states_and_reasons_in_german(owner_client, app, make_appointment, make_customer, unit):
    with app.app_context():
        customer = make_customer()
        appt = make_appointment(customer=customer, start=utcnow() + timedelta(hours=3), reminder_wanted=True)
        service.sync(appt)
        service.sweep()
    page = owner_client.get("/admin/reminders/").get_data(as_text=True)
    assert "fehlgeschlagen" in page and "keine E-Mail-Adresse" in page
    assert "Nachrichten, die nicht zugestellt werden konnten" in owner_client.get(
        "/admin/reminders/overview/").get_data(as_text=True)


def test_the_link_page_shows_a_button_and_only_the_post_acts(client, app, make_appointment, make_customer):
    with app.app_context():
        appt = make_appointment(customer=make_customer(email="k@example.com"), start=utcnow() + timedelta(days=2))
        confirm, cancel = service.link_token(appt, "confirm"), service.link_token(appt, "cancel")
    page = client.get(f"/portal/appointment/{cancel}")
    assert page.status_code == 200 and 'data-testid="link-cancel"' in page.get_data(as_text=True)
    with app.app_context():
        assert Appointment.objects.get(pk=appt.pk).status == "planned"  # opening changed nothing
    assert client.post(f"/portal/appointment/{confirm}", data={}).status_code == 400  # no CSRF token
    token = csrf_token(client, f"/portal/appointment/{confirm}")
    done = client.post(f"/portal/appointment/{confirm}", data={"csrf_token": token})
    assert done.status_code == 200 and 'data-testid="link-done"' in done.get_data(as_text=True)
    again = client.get(f"/portal/appointment/{confirm}").get_data(as_text=True)
    assert "bereits bestätigt" in again
    with app.app_context():
        assert Appointment.objects.get(pk=appt.pk).confirmed_at is not None
    bad = client.get(f"/portal/appointment/{confirm[:-3]}xyz")
    assert bad.status_code == 410 and "ungültig" in bad.get_data(as_text=True)


def test_confirmed_appointments_show_in_the_calendar(staff_client, app, make_appointment, make_customer):
    with app.app_context():
        start = utcnow().replace(hour=9, minute=0, second=0, microsecond=0)
        appt = make_appointment(customer=make_customer(), start=start)
        Appointment.objects(pk=appt.pk).update_one(set__confirmed_at=utcnow())
    page = staff_client.get(f"/admin/calendar/?date={start.date().isoformat()}").get_data(as_text=True)
    assert 'data-testid="confirmed"' in page and "bestätigt" in page


def test_no_show_is_a_status_with_a_german_label(owner_client, app, make_appointment, make_customer):
    with app.app_context():
        appt = make_appointment(customer=make_customer(), status="no_show")
    page = owner_client.get(f"/admin/appointment/details/?id={appt.pk}").get_data(as_text=True)
    assert "nicht erschienen" in page


def test_a_new_appointment_wants_a_reminder_as_the_settings_say(owner_client, app, unit):
    page = owner_client.get("/admin/appointment/new/").get_data(as_text=True)
    assert re.search(r'<input[^>]*checked[^>]*id="reminder_wanted"|<input[^>]*id="reminder_wanted"[^>]*checked', page)
    with app.app_context():
        rule = service.RuleInput(confirmation=True, cancellation_notice=True, lead_minutes=[60], channel="email",
                                 reminder_default=False)
        service.save_policy(service.Actor("staff", None, "t", str(unit.pk)), unit, default=rule, overrides=[],
                            templates={}, quiet_start=0, quiet_end=0)
    page = owner_client.get("/admin/appointment/new/").get_data(as_text=True)
    assert not re.search(r'<input[^>]*id="reminder_wanted"[^>]*checked', page)


def test_an_activity_type_gets_its_own_rule_on_the_settings_page(owner_client, app, unit):
    from core.models import ActivityType

    with app.app_context():
        cut = ActivityType(business_unit=unit, name="Schnitt").save()
    url = "/admin/reminders/settings/"
    page = owner_client.get(url).get_data(as_text=True)
    assert f'name="at-{cut.pk}-own"' in page and "Schnitt" in page
    r = owner_client.post(url, data={"csrf_token": csrf_token(owner_client, url), "default-leads": "1 d",
                                     "default-channel": "email", "quiet_start": "21:00", "quiet_end": "08:00",
                                     f"at-{cut.pk}-own": "1", f"at-{cut.pk}-leads": "2 h, 30 min",
                                     f"at-{cut.pk}-channel": "sms"})
    assert r.status_code == 303
    with app.app_context():
        rule = service.rule_for(ReminderPolicy.objects.get(business_unit=unit), cut)
        assert rule.lead_minutes == [120, 30] and rule.channel == "sms" and rule.confirmation is False
