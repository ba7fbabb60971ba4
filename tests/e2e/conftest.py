"""The product as people start it: ``frontdesk run`` as a subprocess on a real port, embedded store, worker on."""

from __future__ import annotations

import http.cookiejar
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.conftest import free_port

ROOT = Path(__file__).resolve().parents[2]
FRONTDESK = Path(sys.executable).with_name("frontdesk")


@dataclass
class RunningProduct:
    base: str
    proc: subprocess.Popen
    instance: Path
    logins: dict[str, tuple[str, str]] = field(default_factory=dict)  # role -> (email, password)
    output: list[str] = field(default_factory=list)


def product_env(instance: Path, **extra: str) -> dict[str, str]:
    return dict(os.environ, FRONTDESK_INSTANCE_PATH=str(instance), FRONTDESK_MONGODB_URI="", FRONTDESK_REDIS_URL="",
                PYTHONUNBUFFERED="1", **extra)


def start_product(instance: Path, *args: str, timeout: float = 120) -> RunningProduct:
    """Start ``frontdesk run`` and wait until it answers; its demo logins are parsed from its output."""
    if not FRONTDESK.exists():
        pytest.skip("the frontdesk console script is not installed in this environment")
    port = free_port()
    proc = subprocess.Popen([str(FRONTDESK), "run", "--port", str(port), *args], cwd=ROOT, env=product_env(instance),
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    product = RunningProduct(f"http://127.0.0.1:{port}", proc, instance)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line and proc.poll() is not None:
            break
        product.output.append(line)
        login = re.match(r"\s+(owner|staff|designer)\s+(\S+@\S+)\s+(\S+)\s*$", line)
        if login:
            product.logins[login.group(1)] = (login.group(2), login.group(3))
        if "Frontdesk on http" in line:
            break
    for _ in range(100):
        try:
            urllib.request.urlopen(product.base + "/healthz", timeout=5)  # noqa: S310 (loopback)
            break
        except (urllib.error.URLError, ConnectionError):
            if proc.poll() is not None:
                break
            time.sleep(0.2)
    else:
        stop_product(product)
        pytest.fail("frontdesk run did not answer:\n" + "".join(product.output))
    if proc.poll() is not None:
        pytest.fail("frontdesk run ended:\n" + "".join(product.output) + proc.stdout.read())
    # keep draining the output so the server never blocks on a full pipe
    import threading

    threading.Thread(target=lambda: product.output.extend(proc.stdout), daemon=True).start()
    return product


def stop_product(product: RunningProduct) -> None:
    if product.proc.poll() is None:
        product.proc.send_signal(signal.SIGTERM)
        try:
            product.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(product.proc.pid, signal.SIGKILL)
            product.proc.wait(timeout=10)


class Browser:
    """A cookie-keeping HTTP client that does not follow redirects (so a redirect to the login shows)."""

    class _NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    def __init__(self, base: str):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), self._NoRedirect)

    def request(self, path: str, data: dict | None = None):
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        try:
            with self.opener.open(self.base + path, body, timeout=20) as resp:
                return resp.status, dict(resp.headers), resp.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, dict(exc.headers), exc.read().decode()

    def login(self, email: str, password: str) -> int:
        _, _, page = self.request("/admin/login")
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        status, _, _ = self.request("/admin/login", {"csrf_token": token, "email": email, "password": password})
        return status
