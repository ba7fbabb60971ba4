"""Reminders exactly once with real Celery workers on the real Redis and a real SMTP server (aiosmtpd).

* two workers and overlapping sweeps (beat, a second beat, a manual run) deliver each due reminder once;
* a worker SIGKILLed inside the SMTP conversation: the redelivered task sends nothing more, and the
  message whose fate is unknown ends "failed" with the reason, for staff to check.
"""

from __future__ import annotations

import signal
import time
import uuid
from datetime import timedelta

import mongoengine
import pytest

from core.app import create_app
from tests.conftest import running_smtp_server
from tests.core.test_celery_worker import start_worker, stop, worker_environment

pytestmark = [pytest.mark.redis, pytest.mark.slow, pytest.mark.xdist_group("redis")]
#: a Redis database of its own: the sweep's lease key does not meet other tests' keys
REDIS = "redis://127.0.0.1:6379/13"


def _env(tmp_path, smtp_port, monkeypatch, **celery):
    env, queue = worker_environment(tmp_path, smtp_port, **celery)
    env["FRONTDESK_REDIS_URL"] = REDIS
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    import redis

    redis.Redis.from_url(REDIS).delete("frontdesk:lock:appointment-reminders")
    return env, queue


def _due_reminders(count: int) -> list:
    """``count`` appointments in 3 hours whose 1-day reminder is due now (no confirmation)."""
    from core.models import Appointment, BusinessUnit, Customer, StaffUser
    from core.models._base import utcnow
    from core.services import reminders
    from core.services.audit import Actor

    unit = BusinessUnit(name="Salon Süd", slug=f"s-{uuid.uuid4().hex[:6]}", features=["reminders"]).save()
    rule = reminders.RuleInput(confirmation=False, cancellation_notice=False, lead_minutes=[24 * 60],
                               channel="email", reminder_default=True)
    reminders.save_policy(Actor.system(), unit, default=rule, overrides=[], templates={}, quiet_start=0, quiet_end=0)
    staff = StaffUser(business_unit=unit, email=f"st-{uuid.uuid4().hex[:6]}@example.com", name="Sina", role="staff",
                      password_hash="x").save()
    start = utcnow() + timedelta(hours=3)
    appointments = []
    for n in range(count):
        customer = Customer(business_unit=unit, first_name="Jürgen", last_name=f"Weiß{n}",
                            email=f"kunde{n}@example.com").save()
        appointment = Appointment(business_unit=unit, customer=customer, staff=staff, start=start,
                                  end=start + timedelta(hours=1), reminder_wanted=True).save()
        reminders.sync(appointment)
        appointments.append(appointment)
    return appointments


def _wait(predicate, seconds: float, log) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline and not predicate():
        time.sleep(0.3)
    assert predicate(), log.read_text()


def test_two_workers_and_overlapping_sweeps_send_each_reminder_once(tmp_path, monkeypatch):
    with running_smtp_server() as smtp:
        env, queue = _env(tmp_path, smtp.port, monkeypatch)
        env["FRONTDESK_REMINDER_TASK_BATCH"] = "2"  # six sending tasks: both workers get some
        monkeypatch.setenv("FRONTDESK_REMINDER_TASK_BATCH", "2")
        app = create_app({"TESTING": True})
        workers = []
        try:
            with app.app_context():
                from core.celery_app import enqueue
                from core.models import ReminderDelivery
                from core.services import reminders

                _due_reminders(12)
                for n in range(2):
                    (tmp_path / f"w{n}").mkdir()
                    workers.append(start_worker(env, queue, tmp_path / f"w{n}"))
                for _ in range(3):  # beat, a restarted beat, a second beat: sweeps that overlap
                    enqueue("tasks.reminders.sweep")
                reminders.sweep()  # and one from this process at the same time
                logs = tmp_path / "w0" / "worker.log"
                _wait(lambda: ReminderDelivery.objects(status="sent").count() == 12, 90, logs)
                for _ in range(2):
                    enqueue("tasks.reminders.sweep")
                time.sleep(3)  # later sweeps find nothing due
                assert ReminderDelivery.objects(status__ne="sent").count() == 0
            for n in range(2):  # both workers took part
                assert "tasks.reminders.send" in (tmp_path / f"w{n}" / "worker.log").read_text()
            recipients = [m.rcpt_tos[0] for m in smtp.messages]
            assert len(recipients) == 12 and len(set(recipients)) == 12
        finally:
            for worker in workers:
                stop(worker)
            mongoengine.disconnect()


def test_a_worker_killed_mid_send_sends_nothing_twice(tmp_path, slow_smtp, monkeypatch):
    env, queue = _env(tmp_path, slow_smtp.port, monkeypatch, broker_transport_options={
        "visibility_timeout": 2, "unacked_restore_interval": 1, "unacked_restore_throttle": 1})
    app = create_app({"TESTING": True})
    worker = start_worker(env, queue, tmp_path)
    second = None
    try:
        with app.app_context():
            from core.models import OutboxMessage, ReminderDelivery
            from core.models._base import utcnow
            from core.services import reminders
            from core.services.mail import fail_stale_claims

            (appointment,) = _due_reminders(1)
            assert reminders.sweep() == 1  # claimed here, sent by the worker
            assert slow_smtp.in_data.wait(60), (tmp_path / "worker.log").read_text()
            worker.send_signal(signal.SIGKILL)  # inside the SMTP conversation, task not acknowledged
            worker.wait(timeout=20)
            second = start_worker(env, queue, tmp_path)  # Redis redelivers the task to it
            delivery = ReminderDelivery.objects.get(appointment=appointment.pk)
            time.sleep(8)  # redelivery, the first conversation's end; nothing else arrives
            assert reminders.sweep() == 0  # a later sweep does not take it up again either
            assert len(slow_smtp.messages) == 1
            assert OutboxMessage.objects(idempotency_key=f"reminder-delivery:{delivery.pk}").count() == 1
            assert OutboxMessage.objects.count() == 1
            assert ReminderDelivery.objects.get(pk=delivery.pk).status == "queued"
            # after the lease the unknown fate is shown to staff instead of being re-sent
            assert fail_stale_claims(now=utcnow() + timedelta(minutes=11)) == 1
            failed = ReminderDelivery.objects.get(pk=delivery.pk)
            assert failed.status == "failed" and "may or may not have arrived" in failed.error
            assert len(slow_smtp.messages) == 1
    finally:
        if worker.poll() is None:
            stop(worker)
        if second is not None:
            stop(second)
        mongoengine.disconnect()
