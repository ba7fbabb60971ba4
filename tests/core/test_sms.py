"""SMS through a provider (core/services/sms.py): a fake provider class selected by SMS_PROVIDER, sent through
the outbox's tracked delivery: claimed, sent once, transient errors retried with the backoff, permanent
ones failed with the reason staff see. No network: the provider is a class in this file."""

from __future__ import annotations

from datetime import datetime, timedelta

import mongoengine
import pytest

from core.models import Customer, OutboxMessage, ReminderDelivery
from core.models._base import utcnow
from core.services import mail, reminders, sms
from core.services.audit import Actor
from tests.conftest import login, make_app

T0 = datetime(2030, 1, 7, 8, 0)  # Monday, 09:00 in Berlin
START = datetime(2030, 1, 9, 9, 0)  # Wednesday 10:00 in Berlin
DUE = datetime(2030, 1, 8, 9, 0)  # the reminder one day before: 10:00, outside the quiet hours


class FakeProvider:
    """Records every call; ``script`` says what each next call does: an exception to raise, else success."""

    calls: list[tuple[str, str]] = []
    script: list = []
    config = None

    def __init__(self, config):
        type(self).config = config

    def send(self, to: str, body: str) -> str:
        type(self).calls.append((to, body))
        outcome = type(self).script.pop(0) if type(self).script else None
        if isinstance(outcome, Exception):
            raise outcome
        return f"fake-{len(type(self).calls)}"


class NotAProvider:
    pass


@pytest.fixture
def app(tmp_path):
    FakeProvider.calls, FakeProvider.script = [], []
    app = make_app(tmp_path, SMS_PROVIDER="tests.core.test_sms:FakeProvider")
    yield app
    mongoengine.disconnect()


@pytest.fixture
def texting(make_customer):
    return make_customer(phone="0170 7654321", reminder_channel="sms")


def arm(unit, make_appointment, customer, *, quiet=(21 * 60, 8 * 60)):
    rule = reminders.RuleInput(confirmation=False, cancellation_notice=False, lead_minutes=[24 * 60], channel="email",
                               reminder_default=True)
    reminders.save_policy(Actor("staff", None, "t", str(unit.pk)), unit, default=rule, overrides=[], templates={},
                          quiet_start=quiet[0], quiet_end=quiet[1])
    appointment = make_appointment(customer=customer, reminder_wanted=True, start=START)
    reminders.sync(appointment, now=T0)
    return appointment


def test_the_configured_class_sends_the_reminder_once_in_e164(app, unit, make_appointment, texting):
    with app.app_context():
        appointment = arm(unit, make_appointment, texting)
        Customer.objects(pk=texting.pk).update_one(set__phone="0170 7654321")  # imported, not normalised
        assert reminders.sweep(now=DUE) == 1
        assert reminders.sweep(now=DUE + timedelta(minutes=1)) == 0
        assert [to for to, _body in FakeProvider.calls] == ["+491707654321"]
        assert "Salon Sonnenschein" in FakeProvider.calls[0][1] and "/portal/appointment/" in FakeProvider.calls[0][1]
        msg = OutboxMessage.objects.get(channel="sms")
        assert msg.status == "sent" and msg.provider_id == "fake-1" and msg.to == "+491707654321"
        assert mail.deliver_message(str(msg.pk)) == "sent"  # a repeated task sends nothing
        assert ReminderDelivery.objects.get(appointment=appointment.pk).status == "sent"
        assert len(FakeProvider.calls) == 1 and FakeProvider.config["SMS_PROVIDER"].endswith("FakeProvider")


def test_a_transient_error_is_retried_with_the_backoff_and_sent_exactly_once(app, unit, make_appointment, texting):
    from tasks.mail import retry_queued

    FakeProvider.script = [sms.TransientSmsError("gateway timeout")]
    with app.app_context():
        appointment = arm(unit, make_appointment, texting)
        assert reminders.sweep(now=DUE) == 1
        msg = OutboxMessage.objects.get(channel="sms")
        assert msg.status == "queued" and msg.error == "SMS: gateway timeout" and msg.next_attempt_at > utcnow()
        assert ReminderDelivery.objects.get(appointment=appointment.pk).status == "queued"
        assert retry_queued.delay().get(timeout=10) == 0  # the backoff is not over: nothing is tried
        assert mail.retry_due(now=utcnow() + mail.backoff(1) + timedelta(seconds=1)) == [str(msg.pk)]
        OutboxMessage.objects(pk=msg.pk).update_one(set__next_attempt_at=utcnow() - timedelta(seconds=1))
        assert retry_queued.delay().get(timeout=10) == 1
        assert retry_queued.delay().get(timeout=10) == 0  # sent: never again
        assert mail.deliver_message(str(msg.pk)) == "sent"
        assert reminders.sweep(now=DUE + timedelta(minutes=5)) == 0
    assert len(FakeProvider.calls) == 2  # one failed attempt, one send
    with app.app_context():
        msg.reload()
        assert msg.status == "sent" and msg.attempts == 2 and msg.provider_id == "fake-2" and msg.error is None
        assert ReminderDelivery.objects.get(appointment=appointment.pk).status == "sent"


def test_transient_errors_give_up_after_the_last_attempt(app, unit, make_appointment, texting):
    FakeProvider.script = [ConnectionResetError("reset")] * mail.MAX_ATTEMPTS
    with app.app_context():
        appointment = arm(unit, make_appointment, texting)
        reminders.sweep(now=DUE)
        msg = OutboxMessage.objects.get(channel="sms")
        for _ in range(mail.MAX_ATTEMPTS - 2):  # the sweep made the first attempt
            assert mail.deliver_message(str(msg.pk)) == "queued"
        assert mail.deliver_message(str(msg.pk)) == "failed"
        assert len(FakeProvider.calls) == mail.MAX_ATTEMPTS
        delivery = ReminderDelivery.objects.get(appointment=appointment.pk)
        assert delivery.status == "failed" and "ConnectionResetError: reset" in delivery.error


def test_a_permanent_error_fails_at_once_with_the_reason_shown_to_staff(app, unit, make_appointment, texting,
                                                                          make_user):
    FakeProvider.script = [sms.PermanentSmsError("number blocked by the carrier")]
    with app.app_context():
        appointment = arm(unit, make_appointment, texting)
        reminders.sweep(now=DUE)
        msg = OutboxMessage.objects.get(channel="sms")
        assert msg.status == "failed" and msg.error == "SMS: number blocked by the carrier"
        assert mail.retry_due(now=utcnow() + timedelta(days=1)) == []
        assert mail.deliver_message(str(msg.pk)) == "failed"
        delivery = ReminderDelivery.objects.get(appointment=appointment.pk)
        assert delivery.status == "failed" and reminders.failed_deliveries(unit) == [delivery]
    assert len(FakeProvider.calls) == 1
    client = app.test_client()
    login(client, make_user("staff").email)
    page = client.get("/admin/reminders/overview/").get_data(as_text=True)
    assert "SMS: number blocked by the carrier" in page


def test_a_provider_that_raises_its_own_error_fails_the_message_without_a_retry(app, unit, make_appointment,
                                                                                   texting):
    FakeProvider.script = [ValueError("HTTP 400: invalid sender")]
    with app.app_context():
        arm(unit, make_appointment, texting)
        reminders.sweep(now=DUE)
        msg = OutboxMessage.objects.get(channel="sms")
        assert msg.status == "failed" and "invalid sender" in msg.error
    assert len(FakeProvider.calls) == 1


def test_without_a_mobile_number_nothing_is_sent_and_staff_see_why(app, unit, make_appointment, make_customer):
    with app.app_context():
        nobody = make_customer(email="k@example.com", reminder_channel="sms")
        appointment = arm(unit, make_appointment, nobody)
        reminders.sweep(now=DUE)
        delivery = ReminderDelivery.objects.get(appointment=appointment.pk)
        assert delivery.status == "failed" and delivery.error == reminders.NO_MOBILE
        assert OutboxMessage.objects.count() == 0
    assert FakeProvider.calls == []


def test_a_landline_number_gets_no_sms_and_staff_see_why(app, unit, make_appointment, make_customer):
    with app.app_context():
        landline = make_customer(phone="030 1234567", reminder_channel="sms")
        assert landline.phone == "+49301234567"
        appointment = arm(unit, make_appointment, landline)
        reminders.sweep(now=DUE)
        delivery = ReminderDelivery.objects.get(appointment=appointment.pk)
        assert delivery.status == "failed" and delivery.error == reminders.NOT_MOBILE
        assert OutboxMessage.objects.count() == 0
        refused = reminders.switch_on(Actor("staff", None, "t", str(unit.pk)), unit, [str(appointment.pk)], now=T0)
        assert refused[0] == 0 and refused[1][0].startswith(landline.full_name)
    assert FakeProvider.calls == []
    assert reminders.can_receive_sms("+491701234567") and reminders.can_receive_sms("+12015550123")


def test_a_number_that_does_not_parse_is_never_handed_to_the_provider(app, unit, make_appointment, texting):
    with app.app_context():
        appointment = arm(unit, make_appointment, texting)
        Customer.objects(pk=texting.pk).update_one(set__phone="12")
        reminders.sweep(now=DUE)
        msg = OutboxMessage.objects.get(channel="sms")
        assert msg.status == "failed" and msg.error == "SMS: Invalid phone number: 12"
        assert ReminderDelivery.objects.get(appointment=appointment.pk).status == "failed"
    assert FakeProvider.calls == []


def test_quiet_hours_still_hold_with_a_provider(app, unit, make_appointment, texting):
    with app.app_context():
        appointment = arm(unit, make_appointment, texting, quiet=(9 * 60, 12 * 60))  # 10:00 lies inside
        delivery = ReminderDelivery.objects.get(appointment=appointment.pk)
        assert delivery.due_at == datetime(2030, 1, 8, 11, 0)  # armed for 12:00 Berlin
        ReminderDelivery.objects(pk=delivery.pk).update_one(set__status="claimed")  # a worker took it at 10:00
        assert reminders.send(str(delivery.pk), now=DUE) == "scheduled"
        delivery.reload()
        assert delivery.status == "scheduled" and delivery.due_at == datetime(2030, 1, 8, 11, 0)
        assert FakeProvider.calls == [] and OutboxMessage.objects.count() == 0
        ReminderDelivery.objects(pk=delivery.pk).update_one(set__status="claimed")
        assert reminders.send(str(delivery.pk), now=datetime(2030, 1, 8, 11, 0)) == "sent"
    assert len(FakeProvider.calls) == 1


def test_a_retry_that_falls_into_the_quiet_hours_waits_for_their_end(app, unit, make_appointment, texting,
                                                                      monkeypatch):
    from zoneinfo import ZoneInfo

    real_now = utcnow()
    local = real_now.replace(tzinfo=ZoneInfo("UTC")).astimezone(ZoneInfo("Europe/Berlin"))
    minute = local.hour * 60 + local.minute
    quiet = ((minute + 5) % 1440, (minute + 180) % 1440)  # from in 5 minutes for 3 hours
    FakeProvider.script = [sms.TransientSmsError("busy")]
    with app.app_context():
        appointment = arm(unit, make_appointment, texting, quiet=quiet)
        delivery = ReminderDelivery.objects.get(appointment=appointment.pk)
        ReminderDelivery.objects(pk=delivery.pk).update_one(set__status="claimed", set__due_at=DUE)
        assert reminders.send(str(delivery.pk), now=DUE) == "queued"  # the first try, before the quiet hours
        msg = OutboxMessage.objects.get(channel="sms")
        assert (msg.quiet_start, msg.quiet_end, msg.quiet_zone) == (*quiet, "Europe/Berlin") and msg.attempts == 1
        monkeypatch.setattr(mail, "utcnow", lambda: real_now + timedelta(minutes=30))  # the retry: inside
        assert mail.deliver_message(str(msg.pk)) == "queued"
        msg.reload()
        assert len(FakeProvider.calls) == 1 and msg.attempts == 1  # not tried, not counted
        quiet_end = (real_now + timedelta(minutes=180)).replace(second=0, microsecond=0)
        assert msg.next_attempt_at == quiet_end  # the end of the quiet hours
        monkeypatch.setattr(mail, "utcnow", lambda: real_now + timedelta(minutes=181))
        assert mail.deliver_message(str(msg.pk)) == "sent"
        assert ReminderDelivery.objects.get(pk=delivery.pk).status == "sent"
    assert len(FakeProvider.calls) == 2


def test_portal_login_codes_go_through_the_provider(app, make_unit):
    from core.services.mail import queue_sms

    with app.app_context():
        unit = make_unit()
        msg = queue_sms(to="0151 11122233", body="Ihr Code: 123456", business_unit=unit, idempotency_key="code-1")
        msg.reload()
        assert msg.status == "sent" and msg.to == "+4915111122233"
        assert queue_sms(to="0151 11122233", body="Ihr Code: 123456", idempotency_key="code-1").pk == msg.pk
    assert FakeProvider.calls == [("+4915111122233", "Ihr Code: 123456")]


@pytest.mark.parametrize("path", ["tests.core.test_sms:Missing", "no_such_module.Provider", "Provider",
                                  "tests.core.test_sms:NotAProvider"])
def test_a_wrong_provider_setting_stops_the_start(tmp_path, path):
    with pytest.raises(RuntimeError, match="SMS_PROVIDER"):
        make_app(tmp_path, SMS_PROVIDER=path)
    mongoengine.disconnect()


def test_the_embedded_default_keeps_sms_in_the_outbox(tmp_path):
    app = make_app(tmp_path)
    try:
        with app.app_context():
            assert sms.provider() is None
            msg = mail.queue_sms(to="+4915111122233", body="x")
            assert msg.status == "stored"
    finally:
        mongoengine.disconnect()
