"""A writer killed with SIGKILL mid-write loses nothing it had acknowledged and leaves nothing half-written.

The embedded store runs SQLite in WAL mode with ``synchronous=FULL`` and every write in one
transaction: a commit that returned is in the synced write-ahead log, a transaction the kill
interrupted is rolled back when the file is opened next.
"""

from __future__ import annotations

import contextlib
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from bson import ObjectId

from core.embedded import MongoClient, ServerStore
from tests.core.embedded_store_writer import checksum

ROOT = Path(__file__).resolve().parents[2]
ROUNDS = 4


def run_and_kill(instance: Path, ack: Path, round_: int) -> None:
    """Start the writer, let it write for a moment, then kill it with SIGKILL."""
    before = ack.read_text().count("\n") if ack.exists() else 0
    child = subprocess.Popen([sys.executable, "-m", "tests.core.embedded_store_writer", str(instance), str(ack),
                              str(round_)], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30
        while (ack.read_text().count("\n") if ack.exists() else 0) < before + 150:
            assert child.poll() is None, child.stderr.read().decode()
            assert time.monotonic() < deadline, "the writer does not write"
            time.sleep(0.02)
        time.sleep(random.uniform(0.05, 0.3))
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=10)
        child.stderr.close()
    assert child.returncode == -signal.SIGKILL


def acknowledged(ack: Path) -> list[list[str]]:
    lines = ack.read_text().split("\n")
    return [line.split() for line in lines[:-1]]  # the last piece may be a line cut by the kill


@pytest.mark.slow
def test_sigkill_mid_write_keeps_every_acknowledged_write_and_no_half_write(tmp_path):
    instance, ack = tmp_path / "instance", tmp_path / "acks.txt"
    for round_ in range(ROUNDS):
        run_and_kill(instance, ack, round_)  # the next round opens the files the killed writer left

    folder = instance / "db" / "frontdesk"
    for path in folder.iterdir():
        if path.is_file() and not path.name.endswith(("-wal", "-shm", "-journal")):
            with contextlib.closing(sqlite3.connect(path)) as connection:
                assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",), path.name

    client = MongoClient(ServerStore(instance / "db"), tz_aware=False)
    try:
        db = client["frontdesk"]
        groups: dict[str, list[dict]] = {}
        for doc in db["kill_groups"].find():  # every document decodes; every group is whole
            assert doc["check"] == checksum(doc["group"], doc["part"], doc["payload"])
            groups.setdefault(doc["group"], []).append(doc)
        partial = {group: len(docs) for group, docs in groups.items() if sorted(d["part"] for d in docs) != [0, 1, 2]}
        assert partial == {}  # one insert_many is one transaction: all three documents or none
        singles = {}
        for doc in db["kill_singles"].find():
            fields = {f"f{j}": doc[f"f{j}"] for j in range(12)}
            assert doc["check"] == checksum(fields, doc["payload"])
            singles[doc["_id"]] = doc
        accounts = {doc["_id"]: doc for doc in db["kill_accounts"].find()}
        for doc in accounts.values():
            assert doc["a"] == doc["b"] == int(doc["c"]) == (doc["log"][-1] if doc["log"] else 0)
            assert doc["v"] == len(doc["log"]) and doc["log"] == list(range(1, doc["v"] + 1))

        acks = acknowledged(ack)
        assert {kind for kind, *_ in acks} == {"G", "I", "U"}
        for kind, *value in acks:  # everything acknowledged is there
            if kind == "G":
                assert value[0] in groups
            elif kind == "I":
                assert ObjectId(value[0]) in singles
            else:
                assert accounts[f"account-{value[0]}"]["a"] >= int(value[1])
        assert len(accounts) == ROUNDS
    finally:
        client.close()
