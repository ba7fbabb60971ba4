"""A real Celery worker process against the real Redis on 127.0.0.1:6379, with the embedded store.

The test process and the worker share the embedded store folder (litemongo sees writes from other
processes), the worker sends through a real SMTP server (aiosmtpd) running in this test process.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import mongoengine
import pytest

from core.app import create_app
from tests.conftest import redis_available

REDIS = "redis://127.0.0.1:6379/15"
pytestmark = [pytest.mark.redis, pytest.mark.xdist_group("redis")]


def worker_environment(tmp_path: Path, smtp_port: int, **celery) -> tuple[dict[str, str], str]:
    """Environment for an app and a real worker on Redis (skips without Redis): embedded store in
    ``tmp_path``, SMTP on ``smtp_port``, a queue of its own; ``celery`` adds Celery settings."""
    if not redis_available(REDIS):
        pytest.skip("no Redis answers on 127.0.0.1:6379; the real-worker tests need it")
    queue = f"test-{uuid.uuid4().hex[:8]}"
    env = {
        "FRONTDESK_INSTANCE_PATH": str(tmp_path / "instance"),
        "FRONTDESK_MONGODB_URI": "",
        "FRONTDESK_REDIS_URL": REDIS,
        "FRONTDESK_SECRET_KEY": "test",
        "FRONTDESK_SMTP_HOST": "127.0.0.1",
        "FRONTDESK_SMTP_PORT": str(smtp_port),
        "FRONTDESK_CELERY": json.dumps({"task_default_queue": queue, **celery}),
    }
    return env, queue


@pytest.fixture
def worker_env(tmp_path, smtp_server):
    return worker_environment(tmp_path, smtp_server.port)


def start_worker(env: dict, queue: str, tmp_path: Path) -> subprocess.Popen:
    log = (tmp_path / "worker.log").open("w")
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "core.worker", "worker", "--pool=solo", "--concurrency=1",
         "-Q", queue, "--without-gossip", "--without-mingle", "--without-heartbeat", "-n", f"{queue}@%h",
         "--loglevel=INFO"],
        env={**os.environ, **env}, stdout=log, stderr=subprocess.STDOUT, cwd=Path(__file__).parents[2],
    )


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()


def test_task_runs_in_a_real_worker(worker_env, tmp_path, smtp_server, monkeypatch):
    env, queue = worker_env
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    app = create_app({"TESTING": True})
    worker = start_worker(env, queue, tmp_path)
    try:
        with app.app_context():
            from core.models import OutboxMessage
            from core.services.mail import queue_email
            from tasks.mail import deliver

            # queue_email hands the id to the worker through Redis; wait for the effect
            msg = queue_email(to="kunde@example.com", subject="Terminerinnerung", body="Bis morgen – Grüße")
            deadline = time.time() + 60
            while time.time() < deadline and OutboxMessage.objects.get(pk=msg.pk).status != "sent":
                time.sleep(0.2)
            assert OutboxMessage.objects.get(pk=msg.pk).status == "sent", (tmp_path / "worker.log").read_text()
            # the same task again (a retry, a redelivery) finds the message claimed and sends nothing
            assert deliver.delay(str(msg.pk)).get(timeout=30) == "sent"
        assert len(smtp_server.messages) == 1
    finally:
        stop(worker)
        mongoengine.disconnect()
