"""The embedded store's read-check-write operations are atomic across processes.

Four child processes (tests/core/embedded_store_workers.py) open the same instance folder the way the
web process, the Celery worker and CLI commands do, and race for the same documents: each claim must be
won exactly once, counters must not lose increments, a unique key must exist once, and the product's
own outbox delivery must send each message once. litemongo alone (a find, then a write by ``_id``,
guarded by in-process locks only) fails every one of these.
"""

from __future__ import annotations

import collections
import multiprocessing
import time
import uuid
from concurrent.futures import ProcessPoolExecutor

import pytest

from tests.core import embedded_store_workers as workers

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("embedded_store_processes")]

PROCESSES = 4


@pytest.fixture(scope="module")
def smtp():
    from tests.conftest import running_smtp_server

    with running_smtp_server() as handler:
        yield handler, handler.port


@pytest.fixture(scope="module")
def pool(tmp_path_factory, smtp):
    """Four processes, each with its own app on one shared instance folder (the embedded store)."""
    instance = str(tmp_path_factory.mktemp("shared-instance"))
    executor = ProcessPoolExecutor(PROCESSES, mp_context=multiprocessing.get_context("spawn"),
                                   initializer=workers.init, initargs=(instance, smtp[1]))
    try:
        for _ in range(20):  # until every child has opened the store (four at once on a fresh folder)
            if len(set(executor.map(workers.pid, range(PROCESSES)))) == PROCESSES:
                break
        else:
            pytest.fail("the pool did not start four processes")
        yield executor
    finally:
        executor.shutdown(cancel_futures=True)


def race(pool, function, *args) -> list:
    """Run ``function(*args, start_at)`` in every process at once; the results."""
    start_at = time.time() + 0.3
    futures = [pool.submit(function, *args, start_at) for _ in range(PROCESSES)]
    return [future.result(timeout=60) for future in futures]


def tag() -> str:
    return uuid.uuid4().hex[:10]


def test_find_one_and_update_claims_each_document_once(pool):
    batch = tag()
    ids = pool.submit(workers.seed_outbox, batch, 200).result()
    won = [claim for claims in race(pool, workers.claim_with_find_one_and_update, batch) for claim in claims]
    assert len(won) == 200 and sorted(won) == sorted(ids)  # 200 claims in total, each document once
    assert {doc["status"] for doc in pool.submit(workers.outbox_state, batch).result()} == {"sending"}


def test_update_one_with_a_state_filter_claims_each_document_once(pool):
    batch = tag()
    pool.submit(workers.seed_outbox, batch, 200).result()
    won = [marker for markers in race(pool, workers.claim_with_update_one, batch) for marker in markers]
    assert len(won) == 200  # 200 claims in total
    state = pool.submit(workers.outbox_state, batch).result()
    assert {doc["status"] for doc in state} == {"sending"}
    assert sorted(doc["error"] for doc in state) == sorted(won)  # each document carries one winner's marker


def test_update_many_with_a_state_filter_claims_each_document_once(pool):
    batch = tag()
    pool.submit(workers.seed_outbox, batch, 200).result()
    assert sum(race(pool, workers.claim_with_update_many, batch)) == 200


def test_concurrent_inc_loses_nothing(pool):
    name = tag()
    race(pool, workers.increment, name, 150)
    assert pool.submit(workers.counter, name).result() == PROCESSES * 150


def test_a_unique_key_is_inserted_once_and_the_others_get_not_unique(pool):
    batch = tag()
    results = race(pool, workers.insert_unique, batch, 100)
    assert sum(won for won, _ in results) == 100
    assert sum(lost for _, lost in results) == (PROCESSES - 1) * 100
    keys = collections.Counter(doc["key"] for doc in pool.submit(workers.outbox_state, batch).result())
    assert keys == {f"{batch}-{i}": 1 for i in range(100)}


def test_a_periodic_job_lease_is_held_by_one_process(pool):
    """sweep_lock without Redis: a conditional upsert (expired lease taken over, missing one created)."""
    batch = tag()
    pool.submit(workers.seed_expired_leases, batch, 100).result()  # names 0-99 expired, 100-199 missing
    held = [name for names in race(pool, workers.take_leases, batch, 200) for name in names]
    assert sorted(held) == sorted(f"{batch}-{i}" for i in range(200))  # each lease taken by one process


def test_the_outbox_delivers_each_message_once_from_several_processes(pool, smtp):
    handler, _ = smtp
    batch = tag()
    ids = pool.submit(workers.seed_outbox, batch, 60).result()
    before = len(handler.messages)
    race(pool, workers.deliver, ids)
    delivered = [env for env in handler.messages[before:] if f"Subject: {batch}" in env.content.decode()]
    assert len(delivered) == 60
    assert sorted(env.rcpt_tos[0] for env in delivered) == sorted(f"{batch}-{i}@example.com" for i in range(60))
    state = pool.submit(workers.outbox_state, batch).result()
    assert {doc["status"] for doc in state} == {"sent"} and {doc["attempts"] for doc in state} == {1}
