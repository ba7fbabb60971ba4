"""Benchmark of the planning assistant and of booking under contention (a script, not a test).

On the embedded store (litemongo in a temporary instance folder) it seeds one business unit with 20 staff
members working every day 08:00-20:00 (each with a start location in Berlin), 400 customers with
coordinates within about 15 km of the centre, a home-visit activity type (45 minutes, 10 minutes buffer
after) and 2,000 existing appointments over 14 days (claimed, as ``frontdesk db upgrade`` does), then

* tunes the garbage collector with ``core.runtime.tune_gc()``, the function ``frontdesk run``'s web
  process and the Celery worker call once they have started (``--untuned`` keeps Python's defaults, for
  comparison);
* times ``suggest_slots`` for one request (that activity type, a random customer, 14 days, the customer's
  view) 100 times after 3 warm-ups: p50 / p95 / max in milliseconds (target p95 < 200 ms), with the CPU
  time of the process (what a busy, shared machine adds shows as the difference), the time spent in
  garbage collections during the requests, and the process's resident memory (RSS) after seeding and
  after the requests;
* picks 10 free, non-overlapping slots of one staff member and lets 50 threads book them at once (5 per
  slot): exactly 10 bookings must succeed, none overlapping.

Exits non-zero when a target is missed or a booking count is wrong.

Run: ``.venv/bin/python bench/booking.py [--requests 100] [--appointments 2000] [--attempts 50] [--untuned]``
"""

from __future__ import annotations

import argparse
import gc
import itertools
import math
import os
import random
import statistics
import sys
import tempfile
import threading
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import mongoengine  # noqa: E402
from bson import ObjectId  # noqa: E402

from core.app import create_app  # noqa: E402
from core.runtime import tune_gc  # noqa: E402

STAFF = 20
DAYS = 14
CUSTOMERS = 400
WARMUPS = 3
TARGET_P95_MS = 200.0
FREE_SLOTS = 10
BERLIN = (52.52, 13.405)
FIRST_DAY = date(2030, 3, 4)  # a Monday; NOW is the Sunday evening before
NOW = datetime(2030, 3, 3, 18, 0)


def _around(rng: random.Random, km: float) -> tuple[float, float]:
    distance, angle = km * math.sqrt(rng.random()), rng.random() * 2 * math.pi
    return (BERLIN[0] + distance * math.cos(angle) / 111.0,
            BERLIN[1] + distance * math.sin(angle) / (111.0 * math.cos(math.radians(BERLIN[0]))))


def seed(appointments: int) -> dict:
    from core.models import (
        ActivityType,
        Appointment,
        BookingSettings,
        BusinessUnit,
        Customer,
        StaffSchedule,
        StaffUser,
    )
    from core.models.geo import GeoPoint
    from core.models.schedule import TimeInterval
    from core.services.booking import claim_existing

    rng = random.Random(13)
    every_day = [TimeInterval(weekday=d, start=8 * 60, end=20 * 60) for d in range(7)]
    unit = BusinessUnit(name="Pflegedienst Sonnenschein", slug="pflege").save()
    BookingSettings(business_unit=unit, opening_hours=every_day, min_notice_hours=0, max_days_ahead=60,
                    coordinates=GeoPoint(lat=BERLIN[0], lon=BERLIN[1])).save()
    staff = [StaffUser(email=f"pflege{n}@example.com", name=f"Pflegekraft {n:02d}", role="staff",
                       business_unit=unit).save() for n in range(STAFF)]
    for member in staff:
        lat, lon = _around(rng, 10)
        StaffSchedule(business_unit=unit, staff=member, hours=every_day,
                      start_coordinates=GeoPoint(lat=lat, lon=lon)).save()
    kind = ActivityType(business_unit=unit, name="Hausbesuch", duration_minutes=45, buffer_after_minutes=10,
                        location_kind="customer").save()
    docs, points = [], []
    for n in range(CUSTOMERS):
        lat, lon = _around(rng, 15)
        points.append((lat, lon))
        customer = Customer(business_unit=unit, first_name="Kunde", last_name=f"Nummer {n:03d}",
                            coordinates=GeoPoint(lat=lat, lon=lon))
        customer.clean()
        docs.append(customer.to_mongo().to_dict())
    Customer._get_collection().insert_many(docs)
    customers = list(Customer.objects(business_unit=unit))
    zone = ZoneInfo("Europe/Berlin")
    days = [(day, member) for day in range(DAYS) for member in staff]
    wanted = {key: appointments // len(days) for key in days}
    for key in rng.sample(days, appointments % len(days)):
        wanted[key] += 1
    rows, made = [], 0
    for day, member in days:
        minute = 8 * 60 + rng.choice([0, 15, 30])
        for _ in range(wanted[(day, member)]):
            if minute + 45 > 20 * 60:
                break
            local = datetime.combine(FIRST_DAY + timedelta(days=day), datetime.min.time()) + timedelta(
                minutes=minute)
            start = local.replace(tzinfo=zone).astimezone(ZoneInfo("UTC")).replace(tzinfo=None)
            customer = rng.choice(customers)
            rows.append({"_id": ObjectId(), "business_unit": unit.pk, "customer": customer.pk, "staff": member.pk,
                         "activity_type": kind.pk, "start": start, "end": start + timedelta(minutes=45),
                         "timezone": "Europe/Berlin", "status": "planned", "reminder_wanted": False,
                         "coordinates": customer.coordinates.to_mongo().to_dict()})
            made += 1
            minute += 45 + 10 + rng.choice([10, 20, 30, 45])
    Appointment._get_collection().insert_many(rows)
    began = time.perf_counter()
    claimed = claim_existing(now=NOW)
    return {"unit": unit, "kind": kind, "customers": customers, "staff": staff, "appointments": made,
            "claimed": claimed, "claim_seconds": time.perf_counter() - began}


def rss_mb() -> float:
    """The process's resident memory now (Linux), in MiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


class GcClock:
    """Milliseconds spent in garbage collections, and how many were full ones, while it is installed."""

    def __init__(self):
        self.ms, self.full, self._began = 0.0, 0, 0.0

    def __call__(self, phase: str, info: dict) -> None:
        if phase == "start":
            self._began = time.perf_counter()
        else:
            self.ms += (time.perf_counter() - self._began) * 1000
            self.full += info["generation"] == 2

    def __enter__(self):
        gc.callbacks.append(self)
        return self

    def __exit__(self, *exc):
        gc.callbacks.remove(self)


def time_requests(world: dict, requests: int) -> tuple[list[float], list[float], GcClock]:
    """Wall-clock and CPU milliseconds of each request (CPU time shows what a busy machine adds), and the
    garbage collections during the timed requests."""
    from core.services.planning import suggest_slots

    rng = random.Random(7)
    timings, cpu = [], []
    clock = GcClock()
    for n in range(WARMUPS + requests):
        customer = rng.choice(world["customers"])
        if n == WARMUPS:
            clock.__enter__()
        began, began_cpu = time.perf_counter(), time.process_time()
        slots = suggest_slots(world["unit"], world["kind"], customer, start=FIRST_DAY, days=DAYS, for_customer=True,
                              now=NOW, limit=20)
        elapsed, used = (time.perf_counter() - began) * 1000, (time.process_time() - began_cpu) * 1000
        if not slots:
            raise SystemExit("no slots offered: the seeded week is too full to measure")
        if n >= WARMUPS:
            timings.append(elapsed)
            cpu.append(used)
    clock.__exit__()
    return timings, cpu, clock


def race(app, world: dict, attempts: int) -> tuple[int, int, list[str]]:
    """``attempts`` threads book FREE_SLOTS free slots of one staff member at once; (booked, refused, errors)."""
    from core.models import Appointment
    from core.services import booking
    from core.services.audit import Actor
    from core.services.planning import suggest_slots

    member = world["staff"][0]
    customer = world["customers"][0]
    free_day = FIRST_DAY + timedelta(days=DAYS)  # after the seeded fortnight
    offered = [s for s in suggest_slots(world["unit"], world["kind"], customer, start=free_day, days=1,
                                        for_customer=True, now=NOW) if s.staff_id == str(member.pk)]
    chosen, last_end = [], None
    for slot in sorted(offered, key=lambda s: s.start):
        if last_end is None or slot.start >= last_end + timedelta(minutes=15):  # past the 10 min buffer
            chosen.append(slot)
            last_end = slot.end
        if len(chosen) == FREE_SLOTS:
            break
    if len(chosen) < FREE_SLOTS:
        raise SystemExit(f"only {len(chosen)} free slots found for the race")
    before = Appointment.objects(staff=member).count()
    booked, refused, errors = [], [], []
    barrier = threading.Barrier(attempts)

    def attempt(k: int) -> None:
        try:
            with app.app_context():
                barrier.wait()
                try:
                    booking.book(world["unit"], world["kind"], customer, chosen[k % FREE_SLOTS].token,
                                 actor=Actor.system("bench"), source="portal", now=NOW)
                    booked.append(k)
                except booking.SlotTaken:
                    refused.append(k)
        except Exception as exc:
            errors.append(repr(exc))

    threads = [threading.Thread(target=attempt, args=(k,)) for k in range(attempts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    made = Appointment.objects(staff=member).count() - before
    spans = sorted((a.start, a.end) for a in Appointment.objects(staff=member, status__ne="cancelled"))
    overlapping = sum(1 for a, b in itertools.pairwise(spans) if a[1] > b[0])
    if made != len(booked) or overlapping:
        errors.append(f"{made} appointments stored for {len(booked)} successes, {overlapping} overlaps")
    return len(booked), len(refused), errors


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--appointments", type=int, default=2000)
    parser.add_argument("--attempts", type=int, default=50)
    parser.add_argument("--untuned", action="store_true",
                        help="keep Python's garbage collector defaults (for comparison; the product tunes it)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        app = create_app({"INSTANCE_PATH": folder, "MONGODB_URI": "", "SECRET_KEY": "bench", "TESTING": True})
        with app.app_context():
            from core.db import upgrade_database

            upgrade_database()
            began = time.perf_counter()
            world = seed(args.appointments)
            print(f"seeded {STAFF} staff, {CUSTOMERS} customers, {world['appointments']} appointments over {DAYS} "
                  f"days in {time.perf_counter() - began:.1f} s (claims for {world['claimed']} appointments in "
                  f"{world['claim_seconds']:.1f} s)")
            seeded_rss = rss_mb()
            if args.untuned:
                print("garbage collector: Python's defaults (--untuned; `frontdesk run` calls core.runtime.tune_gc())")
            else:
                tuned = tune_gc()  # what `frontdesk run` does once start-up and seeding are done
                print(f"garbage collector: core.runtime.tune_gc(), as `frontdesk run` calls it after start-up: "
                      f"{tuned['frozen']} objects frozen, thresholds {tuned['threshold']}")
            timings, cpu, clock = time_requests(world, args.requests)
            p50, p95 = statistics.median(timings), statistics.quantiles(timings, n=20)[18]
            print(f"suggest_slots (20 staff, 14 days, customer view), {args.requests} requests: "
                  f"p50 {p50:.1f} ms, p95 {p95:.1f} ms, max {max(timings):.1f} ms "
                  f"(target p95 < {TARGET_P95_MS:.0f} ms); CPU time p50 {statistics.median(cpu):.1f} ms, "
                  f"p95 {statistics.quantiles(cpu, n=20)[18]:.1f} ms, max {max(cpu):.1f} ms; "
                  f"load average {os.getloadavg()[0]:.1f}")
            print(f"  garbage collection during the requests: {clock.ms:.0f} ms in all, {clock.full} full "
                  f"collections; RSS {seeded_rss:.0f} MiB after seeding, {rss_mb():.0f} MiB after the requests")
            booked, refused, errors = race(app, world, args.attempts)
            print(f"{args.attempts} concurrent booking attempts for {FREE_SLOTS} free slots: {booked} booked, "
                  f"{refused} told the slot was taken, {len(errors)} errors")
            for error in errors[:5]:
                print("  error:", error)
        mongoengine.disconnect()
    ok = p95 < TARGET_P95_MS and booked == FREE_SLOTS and not errors and booked + refused == args.attempts
    print("OK" if ok else "TARGET MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
