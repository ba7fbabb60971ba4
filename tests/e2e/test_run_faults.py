"""Faults of ``frontdesk run`` on the embedded store: killed mid-write, started twice on one folder."""

from __future__ import annotations

import http.client
import os
import re
import signal
import subprocess
import sys
import threading
import time

import pytest

from tests.e2e.conftest import FRONTDESK, ROOT, Browser, product_env, start_product, stop_product

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("run_command")]


def _create_customers(browser: Browser, prefix: str, acknowledged: list[str], stop: threading.Event) -> None:
    """Create customers one after another through the admin form; remember those answered with a redirect."""
    _, _, page = browser.request("/admin/customer/new/")
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    n = 0
    while not stop.is_set():
        n += 1
        name = f"{prefix}{n:04d}"
        try:
            status, _, _ = browser.request("/admin/customer/new/", {
                "csrf_token": token, "first_name": "Kill", "last_name": name, "email": f"{name.lower()}@example.com",
                "salutation": "", "address-street": f"Weg {n}", "address-postal_code": "10115",
                "address-city": "Berlin"})
        except (OSError, http.client.HTTPException):  # the server died under us (mid-answer included)
            return
        if status == 302:
            acknowledged.append(name)


def test_kill_9_mid_write_loses_nothing_committed(tmp_path):
    instance = tmp_path / "instance"
    product = start_product(instance, "--no-worker")
    owner = Browser(product.base)
    assert owner.login(*product.logins["owner"]) == 302
    acknowledged: list[str] = []
    stop = threading.Event()
    writers = [threading.Thread(target=_create_customers, args=(owner, f"Kill{i}x", acknowledged, stop))
               for i in range(3)]
    for writer in writers:
        writer.start()
    deadline = time.monotonic() + 30
    while len(acknowledged) < 30 and time.monotonic() < deadline:
        time.sleep(0.05)
    os.killpg(product.proc.pid, signal.SIGKILL)  # server (and nothing else: --no-worker) dies mid-request
    product.proc.wait(timeout=10)
    stop.set()
    for writer in writers:
        writer.join(10)
    assert len(acknowledged) >= 30

    # restarted on the same folder: every acknowledged customer is there, whole; nothing half-written
    product = start_product(instance, "--no-worker")
    try:
        owner = Browser(product.base)
        assert owner.login(*product.logins["owner"]) == 302
        for name in acknowledged:
            status, _, page = owner.request(f"/admin/customer/?search={name}")
            assert status == 200 and name in page, name
        check = subprocess.run(
            [sys.executable, "-c",
             "from core.app import create_app\n"
             "from core.models import Customer\n"
             "create_app().app_context().push()\n"
             "rows = list(Customer.objects(first_name='Kill'))\n"
             "bad = [c.last_name for c in rows if not (c.email and c.address and c.address.city == 'Berlin')]\n"
             "print('CUSTOMERS', len(rows), 'BAD', bad)"],
            cwd=ROOT, env=product_env(instance), capture_output=True, text=True, timeout=120)
        assert "BAD []" in check.stdout, check.stdout + check.stderr
        total = int(re.search(r"CUSTOMERS (\d+)", check.stdout).group(1))
        assert len(acknowledged) <= total <= len(acknowledged) + 3  # at most the three requests in flight
    finally:
        stop_product(product)


def test_second_run_on_the_same_instance_folder_refuses(tmp_path):
    instance = tmp_path / "instance"
    product = start_product(instance, "--no-worker")
    try:
        second = subprocess.run([str(FRONTDESK), "run", "--port", "1", "--no-worker"], cwd=ROOT,
                                env=product_env(instance), capture_output=True, text=True, timeout=120)
        assert second.returncode != 0
        assert "Another 'frontdesk run'" in second.stderr and str(product.proc.pid) in second.stderr, second.stderr
        assert product.proc.poll() is None  # the first one is untouched and still answers
        assert Browser(product.base).request("/healthz")[0] == 200
    finally:
        stop_product(product)
    # once the first is gone (however it ended), the folder can be served again
    again = start_product(instance, "--no-worker")
    stop_product(again)
