"""Texts per activity type: the type's own text wins over the unit's, which wins over the built-in one, for
every kind, language and text (e-mail subject, e-mail body, SMS); the customer's language chooses; bad texts
are refused with nothing stored; a sent message really uses the type's text."""

from __future__ import annotations

import email
from datetime import datetime
from email import policy as email_policy

import pytest

from core.errors import InvalidInput, NotFound
from core.models import ActivityType, OutboxMessage, ReminderPolicy
from core.models.reminder import KINDS, LANGUAGES
from core.services import reminders as service
from core.services.audit import Actor

T0 = datetime(2030, 1, 7, 8, 0)
START = datetime(2030, 1, 9, 9, 0)  # Wednesday 10:00 in Berlin


def actor(unit):
    return Actor("staff", None, "Test", str(unit.pk))


def save(unit, *, overrides=(), templates=None, channel="email"):
    rule = service.RuleInput(confirmation=True, cancellation_notice=True, lead_minutes=[24 * 60], channel=channel,
                             reminder_default=True)
    return service.save_policy(actor(unit), unit, default=rule, overrides=list(overrides),
                               templates=templates or {}, quiet_start=0, quiet_end=0)


def own_rule(activity, templates, channel="email"):
    return service.RuleInput(confirmation=True, cancellation_notice=True, lead_minutes=[24 * 60], channel=channel,
                             reminder_default=True, activity_type=activity, templates=templates)


@pytest.fixture
def cut(unit):
    return ActivityType(business_unit=unit, name="Schnitt").save()


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("kind", KINDS)
def test_the_type_wins_over_the_unit_which_wins_over_the_built_in_text(app, unit, cut, kind, lang):
    other = ActivityType(business_unit=unit, name="Farbe").save()
    with app.app_context():
        with service.force_locale(lang):
            built_subject, built_body = service.default_texts(kind)
            built_sms = service.default_sms(kind)
        # the unit sets subject and SMS; the type sets only the body; the other type has a rule, no texts
        policy = save(unit, templates={(kind, lang): (f"U-subject {lang}", "", f"U-sms {lang}")},
                      overrides=[own_rule(cut, {(kind, lang): ("", f"T-body {kind} {lang}", "")}),
                                 own_rule(other, {})])
        texts = service.texts_for(policy, cut, kind, lang)
        assert (texts.subject, texts.body, texts.sms_body) == (f"U-subject {lang}", f"T-body {kind} {lang}",
                                                              f"U-sms {lang}")
        assert texts.sources == {"subject": "unit", "body": "type", "sms_body": "unit"}
        assert service.texts_for(policy, other, kind, lang).body == built_body  # nothing of its own or the unit's
        unit_texts = service.texts_for(policy, None, kind, lang)
        assert unit_texts.sources == {"subject": "unit", "body": "default", "sms_body": "unit"}
        # the other language and the other kinds are untouched: built-in
        other_lang = next(x for x in LANGUAGES if x != lang)
        with service.force_locale(other_lang):
            assert service.texts_for(policy, cut, kind, other_lang).subject == service.default_texts(kind)[0]
        for other_kind in set(KINDS) - {kind}:
            assert service.texts_for(policy, cut, other_kind, lang).sources == dict.fromkeys(
                ("subject", "body", "sms_body"), "default")
        # the type's own texts everywhere: they win over the unit's
        policy = save(unit, templates={(kind, lang): ("U", "U", "U")},
                      overrides=[own_rule(cut, {(kind, lang): ("T", "T", "T")})])
        texts = service.texts_for(policy, cut, kind, lang)
        assert (texts.subject, texts.body, texts.sms_body) == ("T", "T", "T")
        assert (built_subject, built_body, built_sms) != ("T", "T", "T")
        # a type without an own rule takes the unit's texts
        assert service.texts_for(policy, other, kind, lang).body == "U"


@pytest.mark.parametrize(("customer_language", "unit_language", "expected"),
                         [("en", "de", "en"), ("de", "en", "de"), ("", "en", "en"), ("", "de", "de")])
def test_the_customers_language_picks_the_text(app, unit, cut, make_customer, make_appointment,
                                              customer_language, unit_language, expected):
    with app.app_context():
        unit.update(set__language=unit_language)
        unit.reload()
        save(unit, overrides=[own_rule(cut, {("reminder", "de"): ("Erinnerung {{ customer.first_name }}", "Bis bald"),
                                             ("reminder", "en"): ("Reminder {{ customer.first_name }}", "See you")})])
        customer = make_customer(email="k@example.com", language=customer_language)
        appointment = make_appointment(customer=customer, activity_type=cut, reminder_wanted=True, start=START)
        service.sync(appointment, now=T0)
        service.sweep(now=datetime(2030, 1, 8, 9, 0))
        msg = OutboxMessage.objects.get(subject__startswith="Erinnerung" if expected == "de" else "Reminder")
        assert msg.body == ("Bis bald" if expected == "de" else "See you")


@pytest.mark.parametrize("texts", [
    ("Hallo {{ customer.shoe_size }}", "", ""),
    ("", "Bis {{ appointment.date }", ""),
    ("", "<a href='x'>hier</a>", ""),
    ("", "", "<script>alert(1)</script>"),
    ("", "", "{% for x in y %}"),
    ("", "", "x" * 1601),
    ("Zwei\nZeilen", "", ""),
])
def test_bad_texts_of_a_type_are_refused_and_nothing_is_stored(app, unit, cut, texts):
    with app.app_context():
        save(unit, templates={("reminder", "de"): ("Unverändert", "", "")})
        before = ReminderPolicy.objects.get(business_unit=unit).to_mongo().to_dict()
        with pytest.raises(InvalidInput) as refused:
            save(unit, overrides=[own_rule(cut, {("reminder", "de"): texts})])
        assert "Schnitt" in str(refused.value)
        assert any(key.startswith(f"at-{cut.pk}-reminder-de-") for key in refused.value.field_errors)
        assert ReminderPolicy.objects.get(business_unit=unit).to_mongo().to_dict() == before


def test_another_units_activity_type_cannot_be_targeted(app, unit, make_unit):
    with app.app_context():
        stranger = make_unit(features=["reminders"])
        foreign = ActivityType(business_unit=stranger, name="Fremd").save()
        with pytest.raises(NotFound):
            save(unit, overrides=[own_rule(foreign, {("reminder", "de"): ("x", "y", "z")})])
        assert ReminderPolicy.objects.count() == 0


def test_a_sent_reminder_uses_the_types_text_over_smtp(app, unit, cut, make_customer, make_appointment, smtp_server):
    """Over a real SMTP server (aiosmtpd): the mail that arrives carries the activity type's texts."""
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=smtp_server.port)
    with app.app_context():
        color = ActivityType(business_unit=unit, name="Farbe").save()
        save(unit, templates={("reminder", "de"): ("Unit-Betreff", "Unit-Text", "")},
             overrides=[own_rule(cut, {("reminder", "de"): (
                 "Schnitt am {{ appointment.date }}",
                 "Hallo {{ customer.first_name }}, {{ appointment.activity }} um {{ appointment.time }}. "
                 "Absagen: {{ links.cancel }}", "")})])
        customer = make_customer(first_name="Käthe", email="k@example.com")
        for activity in (cut, color):
            service.sync(make_appointment(customer=customer, activity_type=activity, start=START,
                                          reminder_wanted=True), now=T0)
        assert service.sweep(now=datetime(2030, 1, 8, 9, 0)) == 2
    mails = [email.message_from_bytes(m.content, policy=email_policy.default) for m in smtp_server.messages]
    by_subject = {str(m["Subject"]): m.get_body(("plain",)).get_content() for m in mails}
    assert set(by_subject) == {"Schnitt am Mittwoch, 9. Januar 2030", "Unit-Betreff"}
    cut_body = by_subject["Schnitt am Mittwoch, 9. Januar 2030"]
    assert cut_body.startswith("Hallo Käthe, Schnitt um 10:00. Absagen: http://127.0.0.1:5000/portal/appointment/")
    assert by_subject["Unit-Betreff"].strip() == "Unit-Text"


def test_an_sms_uses_the_types_sms_text(app, unit, cut, make_customer, make_appointment):
    with app.app_context():
        save(unit, channel="sms", overrides=[own_rule(cut, {("reminder", "de"): (
            "", "", "{{ unit.name }}: {{ appointment.activity }} morgen um {{ appointment.time }}")}, channel="sms")])
        customer = make_customer(phone="0170 7654321")
        appointment = make_appointment(customer=customer, activity_type=cut, reminder_wanted=True, start=START)
        service.sync(appointment, now=T0)
        service.sweep(now=datetime(2030, 1, 8, 9, 0))
        msg = OutboxMessage.objects.get(channel="sms")
        assert msg.body == "Salon Sonnenschein: Schnitt morgen um 10:00" and msg.subject is None


def test_the_preview_renders_sample_values_and_the_unit_data(app, unit, cut):
    with app.app_context():
        policy = save(unit, overrides=[own_rule(cut, {("confirmation", "en"): (
            "Booked: {{ appointment.activity }}", "Dear {{ customer.full_name }}, {{ unit.name }}", "")})])
        texts, (subject, body, sms_text) = service.preview(policy, cut, "confirmation", "en")
        assert texts.sources["subject"] == "type" and texts.sources["sms_body"] == "default"
        assert subject == "Booked: Schnitt" and body == "Dear Erika Mustermann, Salon Sonnenschein"
        assert sms_text.startswith("Salon Sonnenschein: your appointment on March 14, 2030 at 9:30")
