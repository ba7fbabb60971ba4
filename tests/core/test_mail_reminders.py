"""Mail delivery (outbox / SMTP) and the appointment-reminder sweep."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core.models import Appointment, OutboxMessage
from core.models._base import utcnow
from core.services import reminders as service
from core.services.mail import deliver_message, queue_email
from core.services.reminders import sweep
from tests.conftest import make_app


def test_without_smtp_messages_stay_in_the_outbox(app):
    with app.app_context():
        msg = queue_email(to="a@example.com", subject="Hallo", body="Grüße")
        msg.reload()
        assert msg.status == "stored" and msg.attempts == 1
        assert deliver_message(str(msg.pk)) == "stored"  # a second run sends nothing
        assert OutboxMessage.objects.get(pk=msg.pk).attempts == 1


def test_idempotency_key(app):
    with app.app_context():
        a = queue_email(to="a@example.com", subject="x", body="y", idempotency_key="k1")
        b = queue_email(to="a@example.com", subject="x", body="y", idempotency_key="k1")
        assert a.pk == b.pk and OutboxMessage.objects.count() == 1


def test_smtp_delivery_once(tmp_path, smtp_server):
    app = make_app(tmp_path, SMTP_HOST="127.0.0.1", SMTP_PORT=smtp_server.port)
    with app.app_context():
        msg = queue_email(to="käthe@example.com", subject="Erinnerung für Käthe", body="Grüße aus München – €")
        assert OutboxMessage.objects.get(pk=msg.pk).status == "sent"
        assert deliver_message(str(msg.pk)) == "sent"
    assert len(smtp_server.messages) == 1
    content = smtp_server.messages[0].content.decode()
    assert "Erinnerung" in content or "=?utf-8?" in content


def test_smtp_failure_is_retried_later(tmp_path):
    from tests.conftest import free_port

    app = make_app(tmp_path, SMTP_HOST="127.0.0.1", SMTP_PORT=free_port(), SMTP_TIMEOUT=2)
    with app.app_context():
        msg = queue_email(to="a@example.com", subject="x", body="y")
        again = OutboxMessage.objects.get(pk=msg.pk)
        assert again.status == "queued" and again.error


@pytest.fixture
def due(app, make_appointment, make_customer):
    customer = make_customer(email="kunde@example.com")
    soon = make_appointment(customer=customer, reminder_wanted=True, start=utcnow() + timedelta(hours=3),
                            end=utcnow() + timedelta(hours=4))
    later = make_appointment(customer=customer, reminder_wanted=True, start=utcnow() + timedelta(days=5),
                             end=utcnow() + timedelta(days=5, hours=1))
    unwanted = make_appointment(customer=customer, reminder_wanted=False, start=utcnow() + timedelta(hours=2),
                                end=utcnow() + timedelta(hours=3))
    return soon, later, unwanted


def test_reminder_sweep_sends_once(app, due):
    from core.models import ReminderDelivery

    soon, later, _unwanted = due
    with app.app_context():
        assert sweep() == 1
        assert sweep() == 0
        msg = OutboxMessage.objects.get()
        delivery = ReminderDelivery.objects.get(appointment=soon.pk, kind="reminder")
        assert msg.idempotency_key == f"reminder-delivery:{delivery.pk}" and msg.to == "kunde@example.com"
        assert delivery.status == "sent" and service.message_key(delivery) == msg.idempotency_key
        assert "Erinnerung" in msg.subject
        assert Appointment.objects.get(pk=soon.pk).reminder_sent_at is not None
        assert Appointment.objects.get(pk=later.pk).reminder_sent_at is None


def test_reminders_need_the_feature(app, due, unit):
    with app.app_context():
        unit.update(pull__features="reminders")
        assert sweep() == 0
        assert OutboxMessage.objects.count() == 0


def test_reminder_task_runs(app, due):
    from tasks.reminders import sweep

    with app.app_context():
        assert sweep.delay().get(timeout=10) == 1


def test_a_dead_senders_claim_is_flagged_not_resent(app):
    from datetime import timedelta

    from core.services.mail import fail_stale_claims
    from tasks.mail import retry_queued

    with app.app_context():
        msg = OutboxMessage(to="a@example.com", subject="x", body="y", status="sending", attempts=1,
                            claimed_at=utcnow() - timedelta(minutes=11)).save()
        fresh = OutboxMessage(to="b@example.com", subject="x", body="y", status="sending", attempts=1,
                              claimed_at=utcnow()).save()
        assert retry_queued.delay().get(timeout=10) == 0
        assert OutboxMessage.objects.get(pk=msg.pk).status == "failed"
        assert "may or may not have arrived" in OutboxMessage.objects.get(pk=msg.pk).error
        assert OutboxMessage.objects.get(pk=fresh.pk).status == "sending"
        assert fail_stale_claims() == 0


def test_a_message_that_cannot_be_sent_ends_failed_with_a_reason(tmp_path, smtp_server):
    """A header with a line break (a questionnaire name from before names were checked) makes the mail
    library raise ValueError: the message ends "failed" with the reason, at once, not "sending"."""
    app = make_app(tmp_path, SMTP_HOST="127.0.0.1", SMTP_PORT=smtp_server.port)
    with app.app_context():
        msg = queue_email(to="a@example.com", subject="Einladung: Schlaf\nCheck", body="Hallo")
        stored = OutboxMessage.objects.get(pk=msg.pk)
        assert stored.status == "failed" and stored.attempts == 1
        assert "ValueError" in stored.error and "linefeed" in stored.error
        assert deliver_message(str(msg.pk)) == "failed"  # nothing is retried or re-sent
    assert smtp_server.messages == []


def test_any_send_error_is_reported(tmp_path, smtp_server, monkeypatch):
    from core.services import mail

    app = make_app(tmp_path, SMTP_HOST="127.0.0.1", SMTP_PORT=smtp_server.port)

    def broken(msg):
        raise UnicodeEncodeError("ascii", "ä", 0, 1, "no 8-bit address support")

    monkeypatch.setattr(mail, "_smtp_send", broken)
    with app.app_context():
        msg = queue_email(to="ä@example.com", subject="x", body="y")
        stored = OutboxMessage.objects.get(pk=msg.pk)
        assert stored.status == "failed" and stored.error.startswith("UnicodeEncodeError")
