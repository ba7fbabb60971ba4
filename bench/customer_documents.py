"""Benchmark of the customer file's documents (a script, not a test).

Seeds, in a temporary instance folder, one business unit (documents, portal and call link on) with an
owner and C customers (default 2,000) holding O documents between them (default 20,000, metadata only);
the measured customer has D documents (default 100) with small GridFS files, every third one with two
earlier versions. Then, in one thread, through Flask's test client with a real staff login:
``GET /admin/customer/file/`` (the whole file: documents with versions, requests, calls, history) and
``POST /admin/documents/upload`` of a 1 MB PDF as the page's script sends it (JSON answer), plus the
customer's portal home (shared documents, open requests). W warm-ups, then R timed requests each
(default 50). Prints p50 / p95 / max in ms; exits 1 when the file page's p95 misses 300 ms.

Run: ``.venv/bin/python bench/customer_documents.py [--customers 2000] [--others 20000] [--documents 100]
[--requests 50] [--backend embedded|mongomock]``
"""

from __future__ import annotations

import argparse
import io
import logging
import re
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

TARGET_MS = 300.0
PASSWORD = "korrekt-Pferd-Batterie-42"
PDF_1MB = b"%PDF-1.4\n" + b"0" * (1024 * 1024 - 20) + b"\n%%EOF\n"


def seed(customers: int, others: int, documents: int) -> str:
    from core import files
    from core.models import BusinessUnit, Customer, Document, StaffUser
    from core.models._base import utcnow
    from core.passwords import hash_password
    from core.services import documents as docs
    from core.services.audit import Actor

    now = utcnow()
    unit = BusinessUnit(name="Praxis Sonnenschein", slug="praxis", features=["documents", "portal", "call_link"]).save()
    StaffUser(email="owner@example.com", name="Olivia", role="owner", business_unit=unit,
              password_hash=hash_password(PASSWORD)).save()
    rows = [{"_id": ObjectId(), "business_unit": unit.pk, "first_name": "Anna", "last_name": f"Kundin{i}",
             "last_name_key": f"kundin{i}", "portal_enabled": True, "created_at": now, "updated_at": now}
            for i in range(customers)]
    Customer._get_collection().insert_many(rows)
    Document._get_collection().insert_many([
        {"business_unit": unit.pk, "customer": rows[i % customers]["_id"], "filename": f"doc{i}.pdf",
         "content_type": "application/pdf", "length": 40, "sha256": "0" * 64, "uploaded_by": "staff",
         "uploaded_label": "X", "file_id": ObjectId(), "created_at": now - timedelta(minutes=i),
         "staff_only": bool(i % 2), "version": 1} for i in range(others)])
    target = Customer(business_unit=unit, first_name="Bärbel", last_name="Größmann", email="b@example.com",
                      phone="+4915123456789", portal_enabled=True).save()
    actor = Actor.system()
    for i in range(documents):
        doc = docs.store(actor, target, b"%PDF-1.4 bench " + str(i).encode(), f"Befund {i}.pdf", project=None,
                         uploaded_by="staff", category="Befund", staff_only=bool(i % 2))
        if i % 3 == 0:
            for n in range(2):
                doc = docs.replace_document(actor, doc, b"%PDF-1.4 v" + str(n).encode(), f"Befund {i} v{n + 2}.pdf")
    assert files.files_collection("documents").count_documents({"metadata.customer": target.pk}) > documents
    return str(target.pk)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def timed(call, warmups: int, requests: int) -> list[float]:
    for _ in range(warmups):
        call()
    times = []
    for _ in range(requests):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--customers", type=int, default=2_000)
    parser.add_argument("--others", type=int, default=20_000)
    parser.add_argument("--documents", type=int, default=100)
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--warmups", type=int, default=3)
    parser.add_argument("--backend", choices=("embedded", "mongomock"), default="embedded")
    args = parser.parse_args()
    logging.getLogger("kombu").setLevel(logging.ERROR)
    with tempfile.TemporaryDirectory(prefix="frontdesk-bench-documents-") as tmp:
        app = create_app({
            "INSTANCE_PATH": tmp, "SECRET_KEY": "bench", "MONGODB_DB": f"bench_{uuid.uuid4().hex[:8]}",
            "MONGODB_URI": "" if args.backend == "embedded" else "mongomock://localhost",
            "CELERY_TASK_ALWAYS_EAGER": True, "RATELIMIT_STORAGE_URI": "memory://",
            "PASSWORD_HASH_PARAMS": {"time_cost": 1, "memory_cost": 8, "parallelism": 1, "hash_len": 32,
                                     "salt_len": 16},
        })
        started = time.perf_counter()
        with app.app_context():
            from core.db import upgrade_database

            upgrade_database()
            customer_id = seed(args.customers, args.others, args.documents)
            from core.models import Customer
            from core.services import portal as service

            portal_token = service.start_session(Customer.objects.get(pk=customer_id))
        seeded = time.perf_counter() - started
        staff = app.test_client()
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"',
                          staff.get("/admin/login").get_data(as_text=True)).group(1)
        assert staff.post("/admin/login", data={"email": "owner@example.com", "password": PASSWORD,
                                                "csrf_token": token}).status_code == 302
        file_url = f"/admin/customer/file/?id={customer_id}"
        token = re.search(r'name="csrf_token" value="([^"]+)"', staff.get(file_url).get_data(as_text=True)).group(1)

        def file_page():
            response = staff.get(file_url)
            assert response.status_code == 200 and "Befund 99.pdf" in response.get_data(as_text=True)

        def upload():
            response = staff.post(f"/admin/documents/upload?customer={customer_id}", headers={
                "Accept": "application/json"}, content_type="multipart/form-data", data={
                "csrf_token": token, "share": "staff", "file": (io.BytesIO(PDF_1MB), "scan.pdf")})
            assert response.status_code == 200, response.get_data(as_text=True)

        customer_client = app.test_client()
        with customer_client.session_transaction() as sess:
            sess["portal_sid"] = portal_token

        def portal_home():
            response = customer_client.get("/portal/")
            assert response.status_code == 200 and "Befund 98.pdf" in response.get_data(as_text=True)

        results = [("customer file (GET)", timed(file_page, args.warmups, args.requests)),
                   ("portal home (GET)", timed(portal_home, args.warmups, args.requests)),
                   ("upload 1 MB PDF (POST)", timed(upload, args.warmups, args.requests))]
        mongoengine.disconnect()
    print(f"backend {args.backend}: {args.customers} customers, {args.others} other documents, "
          f"{args.documents} documents on the file (every third with 2 earlier versions), seeded in {seeded:.1f} s; "
          f"{args.requests} requests each, one thread")
    print(f"{'request':<26}{'p50 ms':>10}{'p95 ms':>10}{'max ms':>10}")
    for name, values in results:
        print(f"{name:<26}{statistics.median(values):>10.1f}{percentile(values, 0.95):>10.1f}{max(values):>10.1f}")
    missed = percentile(results[0][1], 0.95) > TARGET_MS
    print(f"target customer file p95 < {TARGET_MS:.0f} ms: {'MISSED' if missed else 'met'}")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
