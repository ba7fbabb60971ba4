"""`frontdesk run` (what `make run` calls): first start seeds and prints the demo logins, the page
answers, and stopping the server (Ctrl+C or SIGTERM) stops its worker too: nothing is left behind."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import free_port

ROOT = Path(__file__).resolve().parents[2]
FRONTDESK = Path(sys.executable).with_name("frontdesk")

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("run_command")]  # a real server and worker


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie still answers kill(0): look at its state
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except FileNotFoundError:
        return False


def _drain(proc, lines: list[str]) -> None:
    with contextlib.suppress(ValueError):  # the test closed the pipe
        lines.extend(proc.stdout)


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT])
def test_run_serves_and_stops_its_worker(tmp_path, stop_signal):
    if not FRONTDESK.exists():
        pytest.skip("the frontdesk console script is not installed in this environment")
    port = free_port()
    env = dict(os.environ, FRONTDESK_INSTANCE_PATH=str(tmp_path / "instance"), FRONTDESK_MONGODB_URI="",
               FRONTDESK_REDIS_URL="", PYTHONUNBUFFERED="1")
    # started with SIGINT ignored, as a parent (a test runner, a shell's background job) can pass it on:
    # Ctrl+C must still stop it
    proc = subprocess.Popen([str(FRONTDESK), "run", "--port", str(port)], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN))
    lines: list[str] = []
    try:
        deadline = time.monotonic() + 120
        worker_pid = None
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            lines.append(line)
            match = re.search(r"Worker \+ beat started \(pid (\d+)\)", line)
            if match:
                worker_pid = int(match.group(1))
            if "Frontdesk on http" in line:
                break
        assert worker_pid, "".join(lines)
        assert "inhaberin@example.com" in "".join(lines)  # the demo logins are printed
        assert "Garbage collector tuned:" in "".join(lines)  # after start-up and seeding (core.runtime)
        # keep reading what server and worker print: a full pipe would block them (a terminal never does)
        threading.Thread(target=_drain, args=(proc, lines), daemon=True).start()
        for _ in range(100):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as response:
                    assert response.status == 200
                    break
            except OSError:
                time.sleep(0.2)
        else:
            pytest.fail("the server did not answer")
        assert _alive(worker_pid)
        proc.send_signal(stop_signal)
        proc.wait(timeout=30)
        for _ in range(100):
            if not _alive(worker_pid):
                break
            time.sleep(0.2)
        assert not _alive(worker_pid), "the worker outlived the server"
        assert not (ROOT / "control").exists()  # the broker's files stay in the instance folder
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.stdout.close()
