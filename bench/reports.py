"""Benchmark: time to render the 7-page customer report, and reports per minute with one worker.

    .venv/bin/python bench/reports.py [--runs 15]

Renders through the same service the Celery task calls (plain data → Jinja → xhtml2pdf → GridFS
bucket ``reports``), on mongomock, in one process (= one worker with concurrency 1). Target: < 2 s per report.
"""

from __future__ import annotations

import argparse
import copy
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.app import create_app
from tests.dialogs.conftest import ANSWERS, DEFINITION, SCORING


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    app = create_app({"TESTING": True, "INSTANCE_PATH": tempfile.mkdtemp(), "MONGODB_URI": "mongomock://localhost",
                      "MONGODB_DB": f"bench_{uuid.uuid4().hex[:8]}", "SECRET_KEY": "bench",
                      "CELERY_TASK_ALWAYS_EAGER": True})
    with app.app_context():
        from core.models import BusinessUnit, Customer, Questionnaire, Report
        from core.services import dialogs, reports
        from core.services import questionnaires as qs
        from core.services.audit import Actor

        unit = BusinessUnit(name="Praxis Müller & Söhne", slug="bench").save()
        customer = Customer(business_unit=unit, first_name="Jürgen", last_name="Weiß", email="j@example.com").save()
        actor = Actor("staff", None, "bench", str(unit.pk))
        q = qs.create(actor, unit, name="Schlaf-Check", kind="survey", definition=copy.deepcopy(DEFINITION))
        Questionnaire.objects(pk=q.pk).update_one(set__scoring=copy.deepcopy(SCORING))
        q.reload()
        version = qs.publish(actor, q)
        first = dialogs.start(actor, customer, version, invite=False)
        dialogs.complete(first, {"nights": "ok"})
        dialog = dialogs.complete(dialogs.start(actor, customer, version, invite=False), ANSWERS)
        times, pages = [], 0
        for _ in range(args.runs + 1):
            report = Report(business_unit=unit, customer=customer, dialog=dialog, kind="customer").save()
            t0 = time.perf_counter()
            reports.render_report(str(report.pk))
            times.append(time.perf_counter() - t0)
            report.reload()
            pages = report.pages
        times = times[1:]  # the first run warms caches (fonts, templates)
        median = statistics.median(times)
        print(f"customer report: {pages} pages, {report.length / 1024:.0f} KiB")
        print(f"median render time: {median:.3f} s over {len(times)} runs (min {min(times):.3f}, max {max(times):.3f})")
        print(f"reports per minute, one worker: {60 / statistics.mean(times):.0f}")
        print("target < 2 s per report:", "met" if median < 2 else "NOT met")


if __name__ == "__main__":
    main()
