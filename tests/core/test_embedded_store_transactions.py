"""Every write of the embedded store is one SQLite transaction under the file's write lock.

Two clients on one folder stand for two processes (each has its own SQLite connection): a claim that
starts while the other holds the write lock waits, then sees the other's commit before it reads; a write
that fails halfway leaves nothing behind; a duplicate key keeps what MongoDB keeps.
"""

from __future__ import annotations

import threading
import time

import bson
import pytest
from pymongo import ReturnDocument
from pymongo.errors import BulkWriteError, DuplicateKeyError

from core.embedded import MongoClient, ServerStore


@pytest.fixture
def two_clients(tmp_path):
    clients = [MongoClient(ServerStore(tmp_path, cache_after=1), tz_aware=False) for _ in range(2)]
    yield [client["frontdesk"] for client in clients]
    for client in clients:
        client.close()


def test_a_claim_waits_for_the_other_writer_and_reads_after_its_commit(two_clients):
    ours, theirs = (db["outbox"] for db in two_clients)
    ours.insert_many([{"_id": i, "status": "queued"} for i in range(3)])
    assert ours.count_documents({"status": "queued"}) == 3  # our cache and hash index are loaded
    result = {}

    def claim():
        result["doc"] = ours.find_one_and_update({"status": "queued"}, {"$set": {"status": "sending"}},
                                                 sort=[("_id", 1)], return_document=ReturnDocument.AFTER)

    with theirs._store.transaction():  # the other process is in the middle of its own claim of message 0
        theirs.update_one({"_id": 0, "status": "queued"}, {"$set": {"status": "sending", "by": "them"}})
        thread = threading.Thread(target=claim)
        thread.start()
        time.sleep(0.3)
        assert thread.is_alive()  # waits for the write lock instead of reading the old state
    thread.join(timeout=10)
    assert result["doc"] == {"_id": 1, "status": "sending"}  # message 0 was theirs: we took the next one
    assert ours.find_one({"_id": 0}) == {"_id": 0, "status": "sending", "by": "them"}


def test_an_inc_in_between_is_not_lost(two_clients):
    ours, theirs = (db["counters"] for db in two_clients)
    ours.insert_one({"_id": "c", "n": 0})
    assert ours.find_one({"_id": "c"})["n"] == 0
    with theirs._store.transaction():
        theirs.update_one({"_id": "c"}, {"$inc": {"n": 1}})
        thread = threading.Thread(target=lambda: ours.update_one({"_id": "c"}, {"$inc": {"n": 1}}))
        thread.start()
        time.sleep(0.2)
    thread.join(timeout=10)
    assert ours.find_one({"_id": "c"})["n"] == theirs.find_one({"_id": "c"})["n"] == 2


def test_a_unique_key_taken_by_the_other_meanwhile_is_refused(two_clients):
    ours, theirs = (db["outbox"] for db in two_clients)
    ours.create_index("key", unique=True)
    ours.insert_one({"key": "first"})
    assert ours.count_documents({}) == 1
    errors = []

    def insert():
        try:
            ours.insert_one({"key": "k"})
        except DuplicateKeyError as exc:
            errors.append(exc)

    with theirs._store.transaction():
        theirs.insert_one({"key": "k"})
        thread = threading.Thread(target=insert)
        thread.start()
        time.sleep(0.2)
    thread.join(timeout=10)
    assert len(errors) == 1 and ours.count_documents({"key": "k"}) == 1


def test_a_write_that_fails_halfway_leaves_nothing(two_clients):
    ours, theirs = (db["docs"] for db in two_clients)
    ours.insert_one({"_id": "kept"})
    assert ours.count_documents({}) == 1  # cache loaded: it must be rolled back too
    with pytest.raises(bson.errors.InvalidDocument):
        ours.insert_many([{"_id": 1}, {"_id": 2}, {"_id": 3, "bad": object()}])
    assert ours.count_documents({}) == 1 and ours.find_one({"_id": 1}) is None
    assert [doc["_id"] for doc in theirs.find()] == ["kept"]  # in the file, too
    ours.insert_one({"_id": 1})  # and the store goes on working
    assert sorted(map(str, ours.distinct("_id"))) == ["1", "kept"]


def test_a_duplicate_key_keeps_what_mongodb_keeps(two_clients):
    ours, theirs = (db["docs"] for db in two_clients)
    ours.create_index("key", unique=True)
    ours.insert_one({"_id": 0, "key": "a"})
    with pytest.raises(BulkWriteError):
        ours.insert_many([{"_id": 1, "key": "b"}, {"_id": 2, "key": "a"}, {"_id": 3, "key": "c"}])
    assert sorted(doc["_id"] for doc in theirs.find()) == [0, 1]  # ordered: the one before the duplicate stays


def test_connections_opening_a_new_folder_at_once(tmp_path):
    """The web process, the worker and CLI commands may start together on a fresh instance: every one of
    them creates the folders and files, switches them to WAL and records the key format, none fails."""
    errors = []
    for round_ in range(20):
        folder, barrier = tmp_path / str(round_), threading.Barrier(6)

        def open_and_write(folder=folder, barrier=barrier):
            try:
                barrier.wait()
                client = MongoClient(ServerStore(folder), tz_aware=False)
                client["frontdesk"]["docs"].insert_one({})
                client.close()
            except Exception as exc:
                errors.append(repr(exc))

        threads = [threading.Thread(target=open_and_write) for _ in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        with MongoClient(ServerStore(folder), tz_aware=False) as client:
            assert client["frontdesk"]["docs"].count_documents({}) == 6
    assert errors == []
