"""Work run in child processes by tests/core/test_embedded_store_processes.py (not a test module).

Each child opens the shared instance folder the way the app does (``create_app`` → ``core.db`` →
mongoengine with the embedded client) and then races the other children for the same documents.
Every function starts its loop at the wall-clock time ``start_at`` so that the children overlap.
"""

from __future__ import annotations

import os
import time

_app = None


def init(instance: str, smtp_port: int = 0) -> None:
    """Pool initializer: one app (and one embedded client) per child process."""
    global _app
    from core.app import create_app

    _app = create_app({
        "TESTING": True, "INSTANCE_PATH": instance, "MONGODB_URI": "", "SECRET_KEY": "test-secret-key",
        "CELERY_TASK_ALWAYS_EAGER": True, "RATELIMIT_STORAGE_URI": "memory://",
        "SMTP_HOST": "127.0.0.1" if smtp_port else "", "SMTP_PORT": smtp_port, "SMTP_TIMEOUT": 10,
    })


def _wait(start_at: float) -> None:
    time.sleep(max(0.0, start_at - time.time()))


def pid(_=None) -> int:
    time.sleep(0.2)  # keeps this child busy so that the pool starts all of its children
    return os.getpid()


def seed_outbox(tag: str, count: int) -> list[str]:
    from core.models import OutboxMessage

    with _app.app_context():
        docs = [OutboxMessage(to=f"{tag}-{i}@example.com", subject=tag, body="Hallo", idempotency_key=None)
                for i in range(count)]
        return [str(msg.pk) for msg in OutboxMessage.objects.insert(docs)]


def claim_with_find_one_and_update(tag: str, start_at: float) -> list[str]:
    """Claim queued messages of ``tag`` one by one until none is left; the ids this process won."""
    from core.models import OutboxMessage

    with _app.app_context():
        outbox = OutboxMessage._get_collection()
        won = []
        _wait(start_at)
        while True:
            doc = outbox.find_one_and_update({"subject": tag, "status": "queued"},
                                             {"$set": {"status": "sending", "error": str(os.getpid())}})
            if doc is None:
                return won
            won.append(str(doc["_id"]))


def claim_with_update_one(tag: str, start_at: float) -> list[str]:
    """``update_one(status queued → sending)`` on the batch until none is queued: every process goes for
    the same first queued message each time. Each claim sets a marker of its own; the markers it won."""
    from core.models import OutboxMessage

    with _app.app_context():
        won = []
        _wait(start_at)
        while True:
            marker = f"{os.getpid()}-{len(won)}"
            if not OutboxMessage.objects(subject=tag, status="queued").update_one(set__status="sending",
                                                                                set__error=marker):
                return won
            won.append(marker)


def claim_with_update_many(tag: str, start_at: float) -> int:
    """``update_many(status queued → sending)`` over the whole batch, in a loop; how many this process won."""
    from core.models import OutboxMessage

    with _app.app_context():
        won = 0
        _wait(start_at)
        for _ in range(20):
            won += OutboxMessage.objects(subject=tag, status="queued").limit(10).update(set__status="sending")
        return won


def increment(name: str, times: int, start_at: float) -> int:
    from core.db import get_db

    with _app.app_context():
        counters = get_db()["test_counters"]
        _wait(start_at)
        for _ in range(times):
            counters.update_one({"_id": name}, {"$inc": {"value": 1}}, upsert=True)
        return times


def insert_unique(tag: str, keys: int, start_at: float) -> tuple[int, int]:
    """Insert one message per idempotency key (unique index); (won, lost to NotUniqueError)."""
    from mongoengine import NotUniqueError

    from core.models import OutboxMessage

    won = lost = 0
    with _app.app_context():
        _wait(start_at)
        for i in range(keys):  # all in the same order: the processes collide on every key
            try:
                OutboxMessage(to="unique@example.com", subject=tag, body=str(os.getpid()),
                              idempotency_key=f"{tag}-{i}").save()
                won += 1
            except NotUniqueError:
                lost += 1
    return won, lost


def seed_expired_leases(tag: str, count: int) -> None:
    from datetime import datetime

    from core.models.dialog_lock import TaskLock

    with _app.app_context():
        TaskLock.objects.insert([TaskLock(name=f"{tag}-{i}", holder="gone", until=datetime(2000, 1, 1))
                                 for i in range(count)])


def take_leases(tag: str, count: int, start_at: float) -> list[str]:
    """Try to take the periodic-job lease (core.services.dialogs.sweep_lock, MongoDB path) of every name,
    keeping the ones won; the names this process holds."""
    from datetime import timedelta

    from core.services.dialogs import sweep_lock

    held = []
    with _app.app_context():
        _wait(start_at)
        for i in range(count):
            if sweep_lock(f"{tag}-{i}", timedelta(minutes=10)).__enter__():  # kept: no __exit__
                held.append(f"{tag}-{i}")
    return held


def deliver(ids: list[str], start_at: float) -> dict[str, int]:
    """The product's delivery (core.services.mail.deliver_message) for every id, all processes in the
    same order; status → count."""
    from core.services.mail import deliver_message

    statuses: dict[str, int] = {}
    with _app.app_context():
        _wait(start_at)
        for message_id in ids:
            status = deliver_message(message_id)
            statuses[status] = statuses.get(status, 0) + 1
    return statuses


def outbox_state(tag: str) -> list[dict]:
    from core.models import OutboxMessage

    with _app.app_context():
        return [{"id": str(doc["_id"]), "status": doc["status"], "key": doc.get("idempotency_key"),
                 "attempts": doc.get("attempts", 0), "error": doc.get("error")}
                for doc in OutboxMessage._get_collection().find({"subject": tag})]


def counter(name: str) -> int | None:
    from core.db import get_db

    with _app.app_context():
        doc = get_db()["test_counters"].find_one({"_id": name})
        return doc["value"] if doc else None
