"""core.runtime.tune_gc: what `frontdesk run`'s web process and the Celery worker call once started.
Checked in fresh interpreters: freezing the test process itself would change every later test."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from core.runtime import GEN0_THRESHOLD

ROOT = Path(__file__).resolve().parents[2]


def _python(code: str, tmp_path: Path) -> dict:
    env = {**os.environ, "FRONTDESK_INSTANCE_PATH": str(tmp_path / "instance"), "FRONTDESK_MONGODB_URI": "",
           "FRONTDESK_REDIS_URL": ""}
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_tune_gc_freezes_start_up_and_still_collects_later_garbage(tmp_path):
    found = _python("""
import gc, json
from core.app import create_app
from core.runtime import tune_gc
app = create_app()
before = gc.get_threshold()
tuned = tune_gc()
class Node: pass
a, b = Node(), Node()
a.other, b.other = b, a  # a cycle made after start-up
del a, b
print(json.dumps({"before": before, "tuned": tuned, "frozen": gc.get_freeze_count(),
                  "collected": gc.collect(), "threshold": gc.get_threshold(), "enabled": gc.isenabled()}))
""", tmp_path)
    assert found["before"][0] == 700 and found["tuned"]["frozen"] == found["frozen"] > 10_000
    assert found["threshold"] == [GEN0_THRESHOLD, found["before"][1], found["before"][2]]
    assert found["enabled"] and found["collected"] >= 2  # the later cycle is still collected


def test_the_worker_tunes_once_it_is_ready(tmp_path):
    found = _python("""
import gc, json
import core.worker
from celery.signals import worker_ready
before = gc.get_freeze_count()
worker_ready.send(sender=None)
print(json.dumps({"before": before, "after": gc.get_freeze_count(), "threshold": gc.get_threshold()}))
""", tmp_path)
    assert found["before"] == 0 and found["after"] > 10_000 and found["threshold"][0] == GEN0_THRESHOLD
