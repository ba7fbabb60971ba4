"""Exactly-once invitation under a killed worker: real Celery worker, real Redis, real SMTP (aiosmtpd).

The worker is SIGKILLed while the invitation task is inside the SMTP conversation (the server holds
the DATA reply). With ``acks_late`` Redis redelivers the task to a fresh worker; the task finds the
idempotency key ``dialog:<id>:invitation:1`` claimed and the message claimed, and sends nothing more.
"""

from __future__ import annotations

import copy
import signal
import time
import uuid

import mongoengine
import pytest

from core.app import create_app
from tests.core.test_celery_worker import start_worker, stop, worker_environment
from tests.dialogs.conftest import DEFINITION, SCORING

pytestmark = [pytest.mark.redis, pytest.mark.slow, pytest.mark.xdist_group("redis")]


def test_killed_worker_sends_the_invitation_exactly_once(tmp_path, slow_smtp, monkeypatch):
    env, queue = worker_environment(tmp_path, slow_smtp.port, broker_transport_options={
        "visibility_timeout": 2, "unacked_restore_interval": 1, "unacked_restore_throttle": 1})
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    app = create_app({"TESTING": True})
    worker = start_worker(env, queue, tmp_path)
    second = None
    try:
        with app.app_context():
            from core.models import BusinessUnit, Customer, Dialog, OutboxMessage, Questionnaire
            from core.services import dialogs as service
            from core.services import questionnaires as qs
            from core.services.audit import Actor

            unit = BusinessUnit(name="Praxis Süd", slug=f"p-{uuid.uuid4().hex[:6]}").save()
            customer = Customer(business_unit=unit, first_name="Jürgen", last_name="Weiß",
                                email="juergen@example.com").save()
            actor = Actor("staff", None, "Test", str(unit.pk))
            q = qs.create(actor, unit, name="Schlaf-Check", kind="survey", definition=copy.deepcopy(DEFINITION))
            Questionnaire.objects(pk=q.pk).update_one(set__scoring=copy.deepcopy(SCORING))
            q.reload()
            version = qs.publish(actor, q)
            dialog = service.start(actor, customer, version)  # the invitation task goes through Redis

            assert slow_smtp.in_data.wait(60), (tmp_path / "worker.log").read_text()
            worker.send_signal(signal.SIGKILL)  # mid-task: the task is neither finished nor acknowledged
            worker.wait(timeout=20)
            assert Dialog.objects.get(pk=dialog.pk).invited_at is None

            second = start_worker(env, queue, tmp_path)  # Redis redelivers the unacknowledged task
            deadline = time.time() + 90
            while time.time() < deadline and Dialog.objects.get(pk=dialog.pk).invited_at is None:
                time.sleep(0.3)
            assert Dialog.objects.get(pk=dialog.pk).invited_at is not None, (tmp_path / "worker.log").read_text()
            time.sleep(6)  # the first SMTP conversation has ended; nothing else arrives
            assert len(slow_smtp.messages) == 1
            assert OutboxMessage.objects(idempotency_key=f"dialog:{dialog.pk}:invitation:1").count() == 1
            assert OutboxMessage.objects(customer_id=str(customer.pk)).count() == 1
    finally:
        if worker.poll() is None:
            stop(worker)
        if second is not None:
            stop(second)
        mongoengine.disconnect()
