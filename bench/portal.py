"""Benchmark of the customer portal (a script, not a test).

Seeds, in a temporary instance folder, one business unit with N customers (default 10,000), two projects
each, and M messages + documents' metadata (default 100,000: half messages, half document records) spread
over the projects; the measured customer has 3 projects with 200 messages and 40 documents on the first,
each of those 40 with a small GridFS file. Then, in one thread (the embedded store is single-threaded),
through Flask's test client with a real portal session: ``GET /portal/`` (home: welcome text, open
questionnaires, projects with unread counts, appointments) and ``GET /portal/projects/<id>`` (the message
thread, documents, work times), W warm-ups then R timed requests each (default 200). Prints p50 / p95 /
max in ms; exits 1 when a p95 misses the target (150 ms).

Run: ``.venv/bin/python bench/portal.py [--customers 10000] [--records 100000] [--requests 200]
[--backend embedded|mongomock]``
"""

from __future__ import annotations

import argparse
import logging
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import mongoengine  # noqa: E402
from bson import ObjectId  # noqa: E402

from core.app import create_app  # noqa: E402

TARGET_MS = 150.0
FIRST = ["Jürgen", "Bärbel", "Anna", "Lukas", "Özlem", "Mia", "Jonas", "Lea", "Paul", "Emma"]
LAST = ["Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Schulz", "Hoffmann"]


def seed(app, customers: int, records: int) -> tuple[str, str]:
    from core import files
    from core.models import BusinessUnit, Customer, Document, Message, Project
    from core.models._base import utcnow

    rnd = random.Random(5)
    now = utcnow()
    unit = BusinessUnit(name="Bau Sonnenschein", slug="bau", features=["portal"]).save()
    docs = []
    for i in range(customers):
        c = Customer(business_unit=unit, first_name=rnd.choice(FIRST), last_name=f"{rnd.choice(LAST)}{i}",
                     email=f"kunde{i}@example.com", portal_enabled=True)
        c.clean()
        data = c.to_mongo().to_dict()
        data["_id"] = ObjectId()
        data["created_at"] = data["updated_at"] = now
        docs.append(data)
    Customer._get_collection().insert_many(docs)
    customer_ids = [d["_id"] for d in docs]
    projects = []
    for cid in customer_ids:
        for n in range(2):
            projects.append({"_id": ObjectId(), "business_unit": unit.pk, "customer": cid, "name": f"Auftrag {n + 1}",
                             "status": "open", "created_at": now, "updated_at": now})
    target = customer_ids[0]
    extra = [{"_id": ObjectId(), "business_unit": unit.pk, "customer": target, "name": "Dach", "status": "open",
              "created_at": now, "updated_at": now}]
    Project._get_collection().insert_many(projects + extra)
    target_projects = [p["_id"] for p in projects[:2]] + [extra[0]["_id"]]
    messages, documents = [], []
    half = records // 2
    for i in range(half):
        p = rnd.choice(projects)
        messages.append({"business_unit": unit.pk, "customer": p["customer"], "project": p["_id"],
                         "sender": rnd.choice(("customer", "staff")), "sender_label": "X", "body": f"Nachricht {i}",
                         "created_at": now - timedelta(minutes=i), "read_at": now if i % 3 else None})
    for i in range(records - half):
        p = rnd.choice(projects)
        documents.append({"_id": ObjectId(), "business_unit": unit.pk, "customer": p["customer"],
                          "project": p["_id"], "filename": f"doc{i}.pdf", "content_type": "application/pdf",
                          "length": 40, "sha256": "0" * 64, "uploaded_by": "staff", "uploaded_label": "X",
                          "file_id": ObjectId(), "created_at": now - timedelta(minutes=i)})
    for i in range(200):
        messages.append({"business_unit": unit.pk, "customer": target, "project": target_projects[0],
                         "sender": "staff" if i % 2 else "customer", "sender_label": "X", "body": f"Hallo {i}",
                         "created_at": now - timedelta(minutes=i), "read_at": None if i % 10 == 1 else now})
    for i in range(40):
        documents.append({"_id": ObjectId(), "business_unit": unit.pk, "customer": target,
                          "project": target_projects[0], "filename": f"plan{i}.pdf", "content_type": "application/pdf",
                          "length": 40, "sha256": "0" * 64, "uploaded_by": "staff", "uploaded_label": "X",
                          "file_id": ObjectId(), "created_at": now - timedelta(minutes=i)})
    for d in documents[-40:]:
        d["file_id"] = files.put("documents", b"%PDF-1.4 bench", filename=d["filename"], content_type="application/pdf",
                                 customer=target, business_unit=unit.pk)
    Message._get_collection().insert_many(messages)
    Document._get_collection().insert_many(documents)
    return str(target), str(target_projects[0])


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def measure(client, url: str, warmups: int, requests: int, expect: str) -> list[float]:
    for _ in range(warmups):
        response = client.get(url)
        assert response.status_code == 200 and expect in response.get_data(as_text=True), (url, response.status_code)
    times = []
    for _ in range(requests):
        started = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--customers", type=int, default=10_000)
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--warmups", type=int, default=3)
    parser.add_argument("--backend", choices=("embedded", "mongomock"), default="embedded")
    args = parser.parse_args()
    logging.getLogger("kombu").setLevel(logging.ERROR)
    with tempfile.TemporaryDirectory(prefix="frontdesk-bench-portal-") as tmp:
        app = create_app({
            "INSTANCE_PATH": tmp, "SECRET_KEY": "bench", "MONGODB_DB": f"bench_{uuid.uuid4().hex[:8]}",
            "MONGODB_URI": "" if args.backend == "embedded" else "mongomock://localhost",
            "CELERY_TASK_ALWAYS_EAGER": True, "RATELIMIT_STORAGE_URI": "memory://",
        })
        started = time.perf_counter()
        with app.app_context():
            customer_id, project_id = seed(app, args.customers, args.records)
            from core.models import Customer
            from core.services import portal as service

            token = service.start_session(Customer.objects.get(pk=customer_id))
        seeded = time.perf_counter() - started
        client = app.test_client()
        with client.session_transaction() as sess:
            sess["portal_sid"] = token
        home = measure(client, "/portal/", args.warmups, args.requests, "Auftrag 1")
        thread = measure(client, f"/portal/projects/{project_id}", args.warmups, args.requests, "Hallo 199")
        mongoengine.disconnect()
    print(f"backend {args.backend}: {args.customers} customers, {args.records} messages + documents "
          f"seeded in {seeded:.1f} s; {args.requests} requests each, one thread")
    print(f"{'page':<28}{'p50 ms':>10}{'p95 ms':>10}{'max ms':>10}")
    failed = False
    for name, values in (("portal home", home), ("project (messages, docs)", thread)):
        p95 = percentile(values, 0.95)
        failed |= p95 > TARGET_MS
        print(f"{name:<28}{statistics.median(values):>10.1f}{p95:>10.1f}{max(values):>10.1f}")
    print(f"target p95 < {TARGET_MS:.0f} ms: {'MISSED' if failed else 'met'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
