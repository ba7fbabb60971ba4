"""Benchmark: 10,000 reminders due in one sweep, delivered to a local SMTP server by 2 Celery workers over Redis.

    .venv/bin/python bench/reminders.py [--count 10000] [--workers 2]
    BENCH_PROFILE=/tmp/prof .venv/bin/python bench/reminders.py --count 2000   # cProfile of the first worker

In a temporary instance folder (the embedded store, shared by this process and the workers) it seeds one
unit with ``count`` customers and appointments in 3 hours whose 1-day reminder is due, starts ``workers``
real Celery workers (solo pool) on the real Redis (127.0.0.1:6379, database 12, a queue of its own), and
measures in the same run:

1. a no-op drain: ``count`` tasks of Celery's built-in ``celery.accumulate`` until the queue is empty;
2. the reminders: one ``tasks.reminders.sweep`` (select due deliveries, claim them in bulk, enqueue one
   send task each) until the SMTP server (aiosmtpd, in this process) has received ``count`` messages.

Prints the total time (target < 60 s), duplicates (target 0: one message per recipient) and the ratio to the
no-op drain. Exits non-zero when a target is missed.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

REDIS = "redis://127.0.0.1:6379/12"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=600)
    args = parser.parse_args()

    import redis

    from tests.conftest import running_smtp_server

    folder = Path(tempfile.mkdtemp(prefix="bench-reminders-"))
    queue = f"bench-{uuid.uuid4().hex[:8]}"
    db = redis.Redis.from_url(REDIS)
    db.flushdb()
    with running_smtp_server() as smtp:
        env = {"FRONTDESK_INSTANCE_PATH": str(folder / "instance"), "FRONTDESK_MONGODB_URI": "",
               "FRONTDESK_REDIS_URL": REDIS, "FRONTDESK_SECRET_KEY": "bench", "FRONTDESK_SMTP_HOST": "127.0.0.1",
               "FRONTDESK_SMTP_PORT": str(smtp.port),
               "FRONTDESK_CELERY": json.dumps({"task_default_queue": queue})}
        os.environ.update(env)
        from core.app import create_app

        app = create_app({})
        with app.app_context():
            t0 = time.perf_counter()
            seed(args.count)
            print(f"seeded {args.count} due reminders in {time.perf_counter() - t0:.1f} s")
            workers = [start_worker(env, queue, folder / f"worker{n}.log") for n in range(args.workers)]
            try:
                celery = app.extensions["celery"]
                celery.send_task("celery.accumulate", args=[0]).get(timeout=60)  # the workers are up
                cpu0 = cpu_seconds(workers)
                noop = drain(db, queue, lambda: [celery.send_task("celery.accumulate", args=[n])
                                                 for n in range(args.count)], args.timeout)
                cpu1 = cpu_seconds(workers)
                print(f"no-op drain of {args.count} tasks: {noop:.1f} s (workers' CPU {cpu1 - cpu0:.1f} s)")
                t0 = time.perf_counter()
                celery.send_task("tasks.reminders.sweep")
                deadline = time.time() + args.timeout
                while len(smtp.messages) < args.count and time.time() < deadline:
                    time.sleep(0.2)
                total = time.perf_counter() - t0
                cpu2 = cpu_seconds(workers)
                time.sleep(2)  # anything sent twice would arrive now
            finally:
                for worker in workers:
                    worker.terminate()
                    worker.wait(timeout=30)
            from core.models import ReminderDelivery

            states = {s: ReminderDelivery.objects(status=s).count() for s in ("sent", "failed", "scheduled",
                                                                               "claimed", "queued")}
        received = len(smtp.messages)
        recipients = {m.rcpt_tos[0] for m in smtp.messages}
    duplicates = received - len(recipients)
    print(f"reminders: {received} of {args.count} delivered in {total:.1f} s "
          f"({received / total:.0f}/s) by {args.workers} workers; deliveries by state: {states}")
    print(f"workers' CPU for the reminders: {cpu2 - cpu1:.1f} s (less affected by other load than the wall clock)")
    print(f"duplicates: {duplicates}")
    print(f"ratio to the no-op drain: {total / noop:.1f}x")
    ok = received == args.count and duplicates == 0 and total < 60
    print("targets (< 60 s, 0 duplicates):", "met" if ok else "MISSED")
    return 0 if ok else 1


def seed(count: int) -> None:
    """One unit, ``count`` customers with e-mail and appointments in 3 hours, each with its reminder due now."""
    from core.models import Appointment, BusinessUnit, Customer, ReminderDelivery, StaffUser
    from core.models._base import utcnow
    from core.services import reminders
    from core.services.audit import Actor

    unit = BusinessUnit(name="Salon Sonnenschein", slug="bench", features=["reminders"]).save()
    rule = reminders.RuleInput(confirmation=False, cancellation_notice=False, lead_minutes=[24 * 60],
                               channel="email", reminder_default=True)
    reminders.save_policy(Actor.system(), unit, default=rule, overrides=[], templates={}, quiet_start=0, quiet_end=0)
    staff = StaffUser(business_unit=unit, email="sina@example.com", name="Sina Sommer", role="staff",
                      password_hash="x").save()
    now = utcnow()
    start = now + timedelta(hours=3)
    customers = [Customer(business_unit=unit, first_name="Jürgen", last_name=f"Weiß {n}", email=f"k{n}@example.com")
                 for n in range(count)]
    for customer in customers:
        customer.clean()
    ids = Customer._get_collection().insert_many([c.to_mongo() for c in customers]).inserted_ids
    appointments = [Appointment(business_unit=unit, customer=cid, staff=staff, start=start,
                                end=start + timedelta(hours=1), reminder_wanted=True, created_at=now,
                                updated_at=now).to_mongo() for cid in ids]
    appointment_ids = Appointment._get_collection().insert_many(appointments).inserted_ids
    deliveries = [ReminderDelivery(business_unit=unit, appointment=aid, customer=cid, kind="reminder",
                                   lead_minutes=24 * 60, for_start=start, channel="email", due_at=now,
                                   key=f"{aid}:reminder:1440:{start.isoformat()}", created_at=now,
                                   updated_at=now).to_mongo() for aid, cid in zip(appointment_ids, ids, strict=True)]
    ReminderDelivery._get_collection().insert_many(deliveries)


def start_worker(env: dict, queue: str, log: Path) -> subprocess.Popen:
    """A solo-pool worker; with ``BENCH_PROFILE=<folder>`` the first one runs under cProfile (its stats
    land in ``<folder>/worker0.prof`` when it stops)."""
    profile = os.environ.get("BENCH_PROFILE")
    wrap = ["-m", "cProfile", "-o", str(Path(profile) / f"{log.stem}.prof")] \
        if profile and log.stem == "worker0" else []
    return subprocess.Popen(
        [sys.executable, *wrap, "-m", "celery", "-A", "core.worker", "worker", "--pool=solo", "-Q", queue,
         "--without-gossip", "--without-mingle", "--without-heartbeat", "-n", f"{log.stem}-{queue}@%h",
         "--loglevel=WARNING"],
        env={**os.environ, **env}, stdout=log.open("w"), stderr=subprocess.STDOUT, cwd=ROOT)


def cpu_seconds(workers: list) -> float:
    """User + system CPU seconds the worker processes have used so far (Linux /proc; 0 elsewhere)."""
    total = 0.0
    for worker in workers:
        try:
            fields = Path(f"/proc/{worker.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return 0.0
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def drain(db, queue: str, send, timeout: float) -> float:
    """Seconds from the first send until the queue is empty and no message is unacknowledged."""
    t0 = time.perf_counter()
    send()
    deadline = time.time() + timeout
    while time.time() < deadline and (db.llen(queue) or db.hlen("unacked")):
        time.sleep(0.05)
    return time.perf_counter() - t0


if __name__ == "__main__":
    sys.exit(main())
