"""Benchmark of the points ledger on the embedded store (a script, not a test).

* sequential: N sales earned one by one on one card (each an append under the unique sequence), then
  the time to show the card (derived balance, expiry, last 20 entries) with N entries;
* contention: T threads redeem the same card at once, R rounds; every round must end with exactly
  ``balance // threshold`` winners and the ledger's sum equal to its last balance.

Run: ``.venv/bin/python bench/bonus.py [--entries 500] [--threads 8] [--rounds 20]``
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import mongoengine  # noqa: E402

from core.app import create_app  # noqa: E402
from core.db import upgrade_database  # noqa: E402
from core.errors import FrontdeskError  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=500)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        app = create_app({"INSTANCE_PATH": folder, "MONGODB_URI": "", "TESTING": True, "SECRET_KEY": "bench",
                          "CELERY_TASK_ALWAYS_EAGER": True})
        with app.app_context():
            upgrade_database()
            run(app, args)
        mongoengine.disconnect()


def run(app, args) -> None:
    from core.models import BusinessUnit, Customer, StaffUser
    from core.services import bonus
    from core.services.audit import Actor

    unit = BusinessUnit(name="Bench", slug="bench", features=["bonus"]).save()
    owner = StaffUser(email="b@example.com", name="B", role="owner", business_unit=unit, password_hash="x").save()
    actor = Actor.staff(owner)
    bonus.save_programme(actor, unit, {"threshold": 100, "reward": "Bench", "expiry_months": 12})
    customer = Customer(business_unit=unit, first_name="Bench", last_name="Mark").save()
    card = bonus.card_for(customer)
    started = time.perf_counter()
    for i in range(args.entries):
        bonus.append(card, "earned", 10, by="bench", key=f"bench:{i}")
    elapsed = time.perf_counter() - started
    print(f"sequential appends: {args.entries} in {elapsed:.2f} s ({args.entries / elapsed:.0f}/s, "
          f"{elapsed / args.entries * 1000:.1f} ms each)")
    started = time.perf_counter()
    bonus.state(customer, history=20)
    print(f"card with {args.entries} entries shown in {(time.perf_counter() - started) * 1000:.1f} ms")

    durations, wrong = [], 0
    for _ in range(args.rounds):
        other = Customer(business_unit=unit, first_name="Race", last_name="Round").save()
        target = bonus.card_for(other)
        bonus.append(target, "earned", 350, by="bench")
        outcomes: list[str] = []
        barrier = threading.Barrier(args.threads)

        def redeem(customer=other, outcomes=outcomes, barrier=barrier):
            with app.app_context():
                barrier.wait()
                try:
                    bonus.redeem(actor, customer)
                    outcomes.append("won")
                except FrontdeskError:
                    outcomes.append("refused")

        workers = [threading.Thread(target=redeem) for _ in range(args.threads)]
        started = time.perf_counter()
        for w in workers:
            w.start()
        for w in workers:
            w.join()
        durations.append(time.perf_counter() - started)
        entries = bonus.ledger(target)
        last = entries[0].balance_after
        if outcomes.count("won") != 3 or sum(e.points for e in entries) != last or last != 50:
            wrong += 1
    print(f"contention: {args.rounds} rounds x {args.threads} threads redeeming 3 rewards' worth of points: "
          f"{wrong} rounds wrong; round time p50 {statistics.median(durations) * 1000:.0f} ms, "
          f"max {max(durations) * 1000:.0f} ms")


if __name__ == "__main__":
    main()
