"""Four processes on one embedded store book the same and overlapping times at once: the unique index
on the claims lets exactly one booking per time through, across processes (as the web server, the
worker and CLI commands share an instance folder)."""

from __future__ import annotations

import itertools
import multiprocessing
import random
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import datetime, timedelta

import mongoengine
import pytest

from tests.core import booking_workers as workers

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("booking_processes")]
PROCESSES = 4
NOW = datetime(2030, 1, 6, 17, 0)


def test_each_time_is_booked_once_across_processes(tmp_path):
    from core.app import create_app
    from core.db import upgrade_database
    from core.models import ActivityType, Appointment, BusinessUnit, Customer, SlotClaim, StaffUser

    instance = str(tmp_path / "shared")
    app = create_app({"INSTANCE_PATH": instance, "MONGODB_URI": "", "TESTING": True, "SECRET_KEY": "test-secret-key"})
    with app.app_context():
        upgrade_database()
        unit = BusinessUnit(name="Salon", slug="salon").save()
        staff = StaffUser(email="anna@example.com", name="Anna", role="staff", business_unit=unit).save()
        customer = Customer(business_unit=unit, first_name="Jürgen", last_name="Müller").save()
        kind = ActivityType(business_unit=unit, name="Schnitt", duration_minutes=60).save()
    ids = (str(unit.pk), str(kind.pk), str(customer.pk), str(staff.pk))
    # Monday 7 January 2030 in Berlin (UTC+1): 9:00, 9:30 (overlaps 9:00), 11:00, 11:30 (overlaps), 14:00, 16:00
    starts = [datetime(2030, 1, 7, h, m).isoformat() for h, m in ((8, 0), (8, 30), (10, 0), (10, 30), (13, 0),
                                                                   (15, 0))]
    executor = ProcessPoolExecutor(PROCESSES, mp_context=multiprocessing.get_context("spawn"),
                                   initializer=workers.init, initargs=(instance,))
    try:
        for _ in range(20):
            if len(set(executor.map(workers.pid, range(PROCESSES)))) == PROCESSES:
                break
        start_at = time.time() + 0.5
        orders = [random.Random(k).sample(starts, len(starts)) for k in range(PROCESSES)]
        futures = [executor.submit(workers.book, ids, order, NOW.isoformat(), start_at) for order in orders]
        won = [start for future in futures for start in future.result(timeout=120)]
    finally:
        executor.shutdown(cancel_futures=True)
    with app.app_context():
        taken = sorted((a.start, a.end) for a in Appointment.objects(staff=staff.pk))
        assert len(taken) == len(won)
        assert all(a[1] <= b[0] for a, b in itertools.pairwise(taken)), taken
        assert len(won) == len(set(won))  # no time twice
        assert len(won) == 4 and set(won) >= {starts[4], starts[5]}  # one of each overlapping pair, both others
        assert SlotClaim.objects.count() == 12 * len(won)
        assert taken[0][0] in (datetime(2030, 1, 7, 8), datetime(2030, 1, 7, 8, 30))
        assert all(end - start == timedelta(hours=1) for start, end in taken)
    mongoengine.disconnect()
