"""Benchmark of the paired tablets (a script, not a test).

Serves the whole app on a loopback port (werkzeug, threaded, in-memory mongomock: the embedded
litemongo store refuses SQLite handles shared between threads), pairs N tablets (default 20) over
HTTP, and lets each tablet behave like ``kiosk/static/kiosk.js``: ``GET /kiosk/poll``, then wait
the poll interval (1 s) after each answer; when a run arrives, open the run page and submit the prefilled answers.

Prints:

* the request rate and server time the *waiting* tablets cost (an idle phase, nothing started);
* the time from "Start" on the main device (the staff's ``POST /admin/kiosk/start``) until the
  questionnaire page has been served to the tablet, p50 / p95 / max over S starts (default 100);
  target p95 ≤ 1.5 s.

Run: ``.venv/bin/python bench/kiosk.py [--tablets 20] [--starts 100] [--idle-seconds 10]
``
"""

from __future__ import annotations

import argparse
import html
import json
import logging
import re
import statistics
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import mongoengine  # noqa: E402
import requests  # noqa: E402
from werkzeug.serving import make_server  # noqa: E402

from core.app import create_app  # noqa: E402

PASSWORD = "korrekt-Pferd-Batterie-42"
POLL_INTERVAL = 1.0  # kiosk.POLL_INTERVAL_MS / 1000


class Counter:
    """WSGI middleware: counts requests and server time per path kind."""

    def __init__(self, app):
        self.app = app
        self.lock = threading.Lock()
        self.reset()

    def reset(self):
        with self.lock:
            self.counts: dict[str, int] = {}
            self.times: dict[str, list[float]] = {}

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        kind = "poll" if path == "/kiosk/poll" else "run" if path.startswith("/kiosk/run/") else "other"
        started = time.perf_counter()
        try:
            return self.app(environ, start_response)
        finally:
            elapsed = time.perf_counter() - started
            with self.lock:
                self.counts[kind] = self.counts.get(kind, 0) + 1
                self.times.setdefault(kind, []).append(elapsed)


class Tablet(threading.Thread):
    def __init__(self, base: str, name: str, stop: threading.Event):
        super().__init__(daemon=True, name=name)
        self.base, self.stop, self.session = base, stop, requests.Session()
        self.served: list[tuple[str, float]] = []  # (run path, time.monotonic() when the page arrived)
        self.errors: list[str] = []

    def run(self):
        while not self.stop.is_set():
            try:
                body = self.session.get(self.base + "/kiosk/poll", headers={"Accept": "application/json"},
                                        timeout=10).json()
                if body.get("state") == "run":
                    self.fill(body["url"])
                    continue
            except (requests.RequestException, ValueError) as exc:
                self.errors.append(repr(exc))
            self.stop.wait(POLL_INTERVAL)

    def fill(self, path: str):
        page = self.session.get(self.base + path, timeout=10)
        self.served.append((path, time.monotonic()))
        text = page.text
        csrf = re.search(r'data-csrf-token="([^"]+)"', text).group(1)
        prefill = re.search(r"data-prefill='([^']*)'", text)
        data = json.loads(html.unescape(prefill.group(1))) if prefill else {}
        r = self.session.post(self.base + path, json={"data": data}, timeout=10,
                              headers={"X-CSRFToken": csrf, "Accept": "application/json"})
        if r.status_code != 200:
            self.errors.append(f"submit {r.status_code} {r.text[:200]}")


def build(tmp: Path):
    return create_app({"SECRET_KEY": "bench", "INSTANCE_PATH": str(tmp / "instance"),
                       "MONGODB_URI": "mongomock://localhost", "MONGODB_DB": f"bench_{uuid.uuid4().hex[:8]}",
                       "RATELIMIT_STORAGE_URI": "memory://"})


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tablets", type=int, default=20)
    parser.add_argument("--starts", type=int, default=100)
    parser.add_argument("--idle-seconds", type=float, default=10.0)
    args = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)

    tmp = Path(tempfile.mkdtemp(prefix="frontdesk-bench-kiosk-"))
    app = build(tmp)
    from core.models import BusinessUnit, Customer, Questionnaire, StaffUser
    from core.passwords import hash_password
    from core.services import kiosk as service
    from core.services.audit import Actor
    from core.services.questionnaires import latest_version
    from seed.questionnaires import load_samples

    with app.app_context():
        unit = BusinessUnit(name="Bench-Salon", slug="bench", features=["kiosk"]).save()
        StaffUser(email="owner@example.com", name="Owner", role="owner", business_unit=unit,
                  password_hash=hash_password(PASSWORD)).save()
        customers = [str(Customer(business_unit=unit, first_name="Kundin", last_name=f"Nummer{i}",
                                  email=f"k{i}@example.com").save().pk) for i in range(args.tablets)]
        load_samples(unit)
        version = str(latest_version(Questionnaire.objects.get(business_unit=unit, name="Stammdatenpflege")).pk)
        codes = [service.create_device(Actor.system(), unit, f"Tablet {i + 1}") for i in range(args.tablets)]

    counter = Counter(app.wsgi_app)
    app.wsgi_app = counter
    server = make_server("127.0.0.1", 0, app, threaded=True)
    base = f"http://127.0.0.1:{server.server_port}"
    threading.Thread(target=server.serve_forever, daemon=True).start()

    # pair every tablet over HTTP, like a person typing the code
    stop = threading.Event()
    tablets, device_ids = [], []
    for i, (device, code) in enumerate(codes):
        tablet = Tablet(base, f"tablet-{i}", stop)
        page = tablet.session.get(base + "/kiosk/display").text
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        r = tablet.session.post(base + "/kiosk/pair", data={"code": code, "csrf_token": csrf}, allow_redirects=False)
        assert r.status_code == 302, r.text
        tablets.append(tablet)
        device_ids.append(str(device.pk))
    for i, tablet in enumerate(tablets):  # spread the polls over the interval, as real tablets would be
        threading.Timer(POLL_INTERVAL * i / len(tablets), tablet.start).start()

    # idle phase: what waiting tablets cost
    time.sleep(POLL_INTERVAL * 1.5)
    counter.reset()
    cpu0, wall0 = time.process_time(), time.monotonic()
    time.sleep(args.idle_seconds)
    wall, cpu = time.monotonic() - wall0, time.process_time() - cpu0
    polls = counter.counts.get("poll", 0)
    poll_times = sorted(counter.times.get("poll", [0.0]))
    print(f"mongomock; {args.tablets} paired tablets waiting, poll interval {POLL_INTERVAL:.1f} s")
    print(f"  idle load: {polls / wall:.1f} requests/s ({polls / wall / args.tablets:.2f} per tablet), "
          f"server time per poll p50 {statistics.median(poll_times) * 1000:.1f} ms, "
          f"p95 {poll_times[int(0.95 * (len(poll_times) - 1))] * 1000:.1f} ms, "
          f"busy {sum(poll_times) / wall * 100:.1f} % of one core (process CPU incl. the clients: "
          f"{cpu / wall * 100:.1f} %)")

    # starts from the main device
    staff = requests.Session()
    page = staff.get(base + "/admin/login").text
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    r = staff.post(base + "/admin/login", data={"email": "owner@example.com", "password": PASSWORD,
                                                "csrf_token": csrf}, allow_redirects=False)
    assert r.status_code == 302, r.text
    start_page = staff.get(base + f"/admin/kiosk/start?customer={customers[0]}").text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', start_page).group(1)

    latencies: list[float] = []
    refused = 0
    begin = time.monotonic()
    for n in range(args.starts):
        i = n % args.tablets
        tablet = tablets[i]
        before = len(tablet.served)
        t0 = time.monotonic()
        r = staff.post(base + f"/admin/kiosk/start?customer={customers[i]}", allow_redirects=False,
                       data={"csrf_token": csrf, "version": version, "device": device_ids[i]})
        if r.status_code != 302:
            refused += 1
            continue
        waiter = threading.Thread(target=_wait_served, args=(tablet, before, t0, latencies), daemon=True)
        waiter.start()
        time.sleep(0.25)  # 4 starts per second across the shop
    deadline = time.monotonic() + 10
    while len(latencies) < args.starts - refused and time.monotonic() < deadline:
        time.sleep(0.05)
    total = time.monotonic() - begin
    stop.set()
    server.shutdown()
    mongoengine.disconnect()

    latencies.sort()
    errors = [e for t in tablets for e in t.errors]
    if not latencies:
        print("no start was served", errors[:5])
        return 1
    p95 = latencies[int(0.95 * (len(latencies) - 1))]
    print(f"  start → questionnaire served on the tablet, {len(latencies)} starts ({refused} refused) in "
          f"{total:.0f} s: p50 {statistics.median(latencies):.2f} s, p95 {p95:.2f} s, max {latencies[-1]:.2f} s "
          f"(target p95 ≤ 1.5 s: {'met' if p95 <= 1.5 else 'MISSED'})")
    if errors:
        print(f"  tablet errors: {len(errors)}, e.g. {errors[:3]}")
    return 0 if p95 <= 1.5 and not errors else 1


def _wait_served(tablet: Tablet, before: int, t0: float, out: list[float]) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if len(tablet.served) > before:
            out.append(tablet.served[before][1] - t0)
            return
        time.sleep(0.005)


if __name__ == "__main__":
    sys.exit(main())
