"""Benchmark of the product as ``make run`` serves it (a script, not a test).

Seeds a temporary instance folder (embedded store) with one business unit of N customers (default
20,000), a portal customer and T paired tablets (default 20), starts ``frontdesk run`` on it as a
subprocess (waitress, worker and beat on), and next to it, under the same server with the same
threads, a bare Flask app that renders one Jinja page. Then, while the T tablets poll their idle screen
at the product's real interval (``kiosk.POLL_INTERVAL_MS``), C concurrent clients (default 4) request,
for D seconds each (default 10):

* the bare page (reference),
* (a) the tablet poll ``GET /kiosk/poll``,
* (b) the staff customer list ``GET /admin/customer/`` (owner logged in),
* (c) the portal home ``GET /portal/`` (customer logged in),

and it prints requests/s, p50 and p95 of each and the rate as a ratio to the bare page measured in the
same run. Targets: staff customer list p95 < 300 ms while the tablets poll; tablet poll rate >= 0.5 x
the bare page's rate.

Run: ``.venv/bin/python bench/serve.py [--customers 20000] [--tablets 20] [--clients 4] [--seconds 10]
[--threads 8]``
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.append(str(ROOT / "bench"))  # for admin_list (after the packages: bench/kiosk.py is no package)

import mongoengine  # noqa: E402
import requests  # noqa: E402

PASSWORD = "korrekt-Pferd-Batterie-42"
OWNER = "inhaberin@example.com"
SECRET = "bench-serve-secret"
TARGET_LIST_P95_MS = 300.0
TARGET_POLL_RATIO = 0.5

BARE_APP = '''
import sys
from flask import Flask, render_template_string
from waitress import serve

app = Flask("bare")
PAGE = "<!doctype html><title>{{ title }}</title><ul>{% for i in items %}<li>{{ i }}</li>{% endfor %}</ul>"

@app.get("/")
def page():
    return render_template_string(PAGE, title="Bare", items=range(20))

serve(app, host="127.0.0.1", port=int(sys.argv[1]), threads=int(sys.argv[2]), _quiet=True)
'''


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def seed(instance: str, customers: int, tablets: int) -> dict:
    """Write the data straight into the instance folder, then let go of the store."""
    import random

    from admin_list import customer_documents

    from core.app import create_app
    from core.db import upgrade_database
    from core.models import BusinessUnit, Customer, StaffUser
    from core.passwords import hash_password
    from core.services import kiosk as kiosk_service
    from core.services import portal as portal_service
    from core.services.audit import Actor

    app = create_app({"INSTANCE_PATH": instance, "MONGODB_URI": "", "SECRET_KEY": SECRET,
                      "CELERY_TASK_ALWAYS_EAGER": True, "RATELIMIT_STORAGE_URI": "memory://"})
    with app.app_context():
        upgrade_database()
        unit = BusinessUnit(name="Salon Sonnenschein", slug="salon", features=["kiosk", "portal"]).save()
        StaffUser(email=OWNER, name="Olivia Inhaberin", role="owner", business_unit=unit,
                  password_hash=hash_password(PASSWORD)).save()
        docs = customer_documents(unit, customers, random.Random(7), "a")
        collection = Customer._get_collection()
        for batch in range(0, len(docs), 5000):
            collection.insert_many(docs[batch:batch + 5000])
        portal_customer = Customer(business_unit=unit, first_name="Paula", last_name="Portal",
                                   email="paula.portal@example.com", portal_enabled=True).save()
        token = portal_service.start_session(portal_customer)
        codes = [kiosk_service.create_device(Actor.system(), unit, f"Tablet {i + 1}")[1] for i in range(tablets)]
        device_tokens = [kiosk_service.pair(code)[1] for code in codes]  # what the pairing page does
        cookie = app.session_interface.get_signing_serializer(app).dumps({"portal_sid": token})
    mongoengine.disconnect()
    return {"device_tokens": device_tokens, "portal_cookie": cookie, "cookie_name": app.config["SESSION_COOKIE_NAME"]}


def wait_for(url: str, proc: subprocess.Popen, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server ended with {proc.returncode}")
        try:
            requests.get(url, timeout=2)
            return
        except requests.ConnectionError:
            time.sleep(0.2)
    raise SystemExit(f"{url} did not answer")


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def staff_session(base: str) -> requests.Session:
    session = requests.Session()
    token = csrf_of(session.get(base + "/admin/login").text)
    r = session.post(base + "/admin/login", data={"csrf_token": token, "email": OWNER, "password": PASSWORD},
                     allow_redirects=False)
    assert r.status_code == 302, r.status_code
    return session


def tablet_session(device_token: str) -> requests.Session:
    session = requests.Session()
    session.cookies.set("frontdesk_device", device_token, domain="127.0.0.1", path="/kiosk")
    return session


def copies(session: requests.Session, n: int) -> list[requests.Session]:
    """``n`` clients holding the same cookies (one login: the old server's CSRF broke on a second one)."""
    result = []
    for _ in range(n):
        clone = requests.Session()
        clone.cookies.update(session.cookies)
        result.append(clone)
    return result


class Poller(threading.Thread):
    """A waiting tablet: poll, wait the interval, poll again (what kiosk.js does)."""

    def __init__(self, base: str, session: requests.Session, interval: float, stop: threading.Event):
        super().__init__(daemon=True)
        self.base, self.session, self.interval, self.stop = base, session, interval, stop
        self.errors = 0

    def run(self):
        while not self.stop.is_set():
            r = self.session.get(self.base + "/kiosk/poll", timeout=20)
            self.errors += r.status_code != 200
            self.stop.wait(self.interval)


def hammer(url: str, sessions: list[requests.Session], seconds: float, expect: str) -> dict:
    """len(sessions) clients request ``url`` back to back for ``seconds``; rate and latencies."""
    times: list[float] = []
    failures: list[str] = []
    lock = threading.Lock()
    end = time.monotonic() + seconds

    def client(session):
        mine = []
        while time.monotonic() < end:
            started = time.perf_counter()
            r = session.get(url, timeout=30, allow_redirects=False)
            mine.append((time.perf_counter() - started) * 1000)
            if r.status_code != 200 or expect not in r.text:
                failures.append(f"{r.status_code} {url}")
        with lock:
            times.extend(mine)

    started = time.monotonic()
    threads = [threading.Thread(target=client, args=(s,)) for s in sessions]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started
    if failures:
        raise SystemExit(f"{len(failures)} failed requests, e.g. {failures[0]}")
    ordered = sorted(times)
    return {"rate": len(times) / elapsed, "p50": statistics.median(ordered),
            "p95": ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))], "n": len(times)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--customers", type=int, default=20_000)
    parser.add_argument("--tablets", type=int, default=20)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--tree", type=Path, default=None,
                        help="serve another checkout's frontdesk run (e.g. an older commit, for before/after figures)")
    args = parser.parse_args()
    from kiosk import POLL_INTERVAL_MS

    with tempfile.TemporaryDirectory(prefix="frontdesk-bench-serve-") as tmp:
        instance = str(Path(tmp) / "instance")
        started = time.perf_counter()
        seeded = seed(instance, args.customers, args.tablets)
        print(f"seeded {args.customers} customers and {args.tablets} tablets in {time.perf_counter() - started:.1f} s")
        port, bare_port = free_port(), free_port()
        env = dict(os.environ, FRONTDESK_INSTANCE_PATH=instance, FRONTDESK_MONGODB_URI="", FRONTDESK_REDIS_URL="",
                   FRONTDESK_SECRET_KEY=SECRET)
        if args.tree:  # that tree's packages first on the path; its run command may not know --threads
            command = [sys.executable, "-c", f"import sys; sys.path.insert(0, {str(args.tree)!r}); "
                       "from core.cli import main; main()", "run", "--port", str(port)]
        else:
            command = [str(Path(sys.executable).with_name("frontdesk")), "run", "--port", str(port),
                       "--threads", str(args.threads)]
        product = subprocess.Popen(command,
                                   env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                   start_new_session=True)
        bare = subprocess.Popen([sys.executable, "-c", BARE_APP, str(bare_port), str(args.threads)],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        base, bare_base = f"http://127.0.0.1:{port}", f"http://127.0.0.1:{bare_port}"
        stop = threading.Event()
        try:
            wait_for(base + "/healthz", product)
            wait_for(bare_base + "/", bare)
            tablets = [tablet_session(token) for token in seeded["device_tokens"]]
            staff = copies(staff_session(base), args.clients)
            portal = []
            for _ in range(args.clients):
                session = requests.Session()
                session.cookies.set(seeded["cookie_name"], seeded["portal_cookie"], domain="127.0.0.1")
                portal.append(session)
            pollers = [Poller(base, s, POLL_INTERVAL_MS / 1000, stop) for s in tablets]
            for i, poller in enumerate(pollers):  # spread over the interval, as real tablets are
                threading.Timer(POLL_INTERVAL_MS / 1000 * i / len(pollers), poller.start).start()
            time.sleep(POLL_INTERVAL_MS / 1000 * 1.5)
            warm = args.seconds / 5
            hammer(base + "/admin/customer/", staff, warm, "Olivia Inhaberin")  # warms the document cache
            rows = {
                "bare page": hammer(bare_base + "/", [requests.Session() for _ in range(args.clients)],
                                    args.seconds, "Bare"),
                "(a) tablet poll": hammer(base + "/kiosk/poll", tablets[:args.clients], args.seconds, "{"),
                "(b) staff customer list": hammer(base + "/admin/customer/", staff, args.seconds, "Olivia Inhaberin"),
                "(c) portal home": hammer(base + "/portal/", portal, args.seconds, "Paula"),
            }
            stop.set()
            poll_errors = sum(p.errors for p in pollers)
        finally:
            stop.set()
            for proc in (product, bare):
                proc.send_signal(signal.SIGTERM)
            for proc in (product, bare):
                try:
                    proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)
    reference = rows["bare page"]["rate"]
    server = f"{args.tree}'s server" if args.tree else f"waitress, {args.threads} threads"
    print(f"frontdesk run ({server}, embedded store, worker on); {args.tablets} tablets "
          f"polling every {POLL_INTERVAL_MS} ms in the background; {args.clients} concurrent clients, "
          f"{args.seconds:.0f} s each")
    print(f"{'request':<26}{'req/s':>9}{'x bare':>9}{'p50 ms':>9}{'p95 ms':>9}{'n':>7}")
    for name, row in rows.items():
        print(f"{name:<26}{row['rate']:>9.1f}{row['rate'] / reference:>9.2f}{row['p50']:>9.1f}{row['p95']:>9.1f}"
              f"{row['n']:>7}")
    list_ok = rows["(b) staff customer list"]["p95"] < TARGET_LIST_P95_MS
    poll_ok = rows["(a) tablet poll"]["rate"] >= TARGET_POLL_RATIO * reference
    print(f"background tablet polls with errors: {poll_errors}")
    print(f"target staff list p95 < {TARGET_LIST_P95_MS:.0f} ms: {'met' if list_ok else 'MISSED'}")
    print(f"target tablet poll >= {TARGET_POLL_RATIO} x bare page: {'met' if poll_ok else 'MISSED'}")
    return 0 if list_ok and poll_ok and not poll_errors else 1


if __name__ == "__main__":
    sys.exit(main())
