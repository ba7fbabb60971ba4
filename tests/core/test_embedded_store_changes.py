"""The embedded store follows other connections' commits through the file's change log.

Every collection file carries a change log written by SQLite triggers (so also for writers that are plain
litemongo or another process): after a commit by someone else, a connection reads and re-indexes only the
documents named there, in its hash index (always) and its cache (when loaded), instead of rebuilding the
hash index from every document. The answers must stay exactly litemongo's own, natural order included
(a document deleted and inserted again moves to the end).
"""

from __future__ import annotations

import random
import subprocess
import sys
import textwrap

import litemongo
import pytest
from bson import ObjectId

from core.embedded import MongoClient, ServerStore
from core.embedded import store as store_module
from tests.core.test_embedded_store_cache import UNITS, assert_same_answers, make_documents

SPECS = [{}, {"unit": UNITS[0]}, {"unit": UNITS[1], "first": "Anna"}, {"_id": {"$in": []}}, {"tags": "a"},
         {"name": "Zahn"}]


def ours_and_other(folder, **options):
    return MongoClient(ServerStore(folder, **options), tz_aware=False), litemongo.MongoClient(str(folder),
                                                                                               tz_aware=False)


def natural(collection, spec) -> list:
    return list(collection.find(spec))


def assert_same_natural_order(ours, reference):
    for spec in [*SPECS, {"_id": {"$in": [d["_id"] for d in reference.find({}).limit(30)]}}]:
        assert natural(ours, spec) == natural(reference, spec), spec
        assert ours.count_documents(spec) == reference.count_documents(spec), spec


class DecodeCounter:
    """Counts the documents the store decodes from BSON."""

    def __init__(self, store, monkeypatch):
        self.count = 0
        decode = store._documents._decode_doc

        def counting(blob):
            self.count += 1
            return decode(blob)
        monkeypatch.setattr(store._documents, "_decode_doc", counting)


def test_hash_index_follows_others_without_a_rebuild(tmp_path, monkeypatch):
    """Uncached collection (litemongo's hash index only): another connection's writes are applied to the
    index; nothing else is decoded again and the index object is the same one."""
    ours_client, other_client = ours_and_other(tmp_path, max_cache_bytes=1)
    ours, other = ours_client.db.things, other_client.db.things
    ours.create_index([("unit", 1), ("name", 1)])
    docs = make_documents(200)
    ours.insert_many(docs)
    assert_same_natural_order(ours, other)
    store = ours._store
    assert not store.documents_cached
    index = store._query_index
    counter = DecodeCounter(store, monkeypatch)
    other.update_one({"_id": docs[5]["_id"]}, {"$set": {"unit": UNITS[1], "first": "Anna"}})
    other.insert_one({"unit": UNITS[0], "name": "Neu"})
    other.delete_one({"_id": docs[7]["_id"]})
    assert ours.count_documents({"unit": UNITS[1], "first": "Anna", "_id": docs[5]["_id"]}) == 1
    assert store._query_index is index  # applied, not rebuilt
    # the updated and the inserted document for the index (the deleted one is only removed), plus the one
    # document the uncached query reads from SQLite: not the 200 of a rebuild
    assert counter.count == 3
    assert_same_natural_order(ours, other)
    ours_client.close()
    other_client.close()


def test_deleted_and_inserted_again_moves_to_the_end(tmp_path):
    for options in ({"cache_after": 0}, {"max_cache_bytes": 1}):
        folder = tmp_path / "-".join(options)
        ours_client, other_client = ours_and_other(folder, **options)
        ours, other = ours_client.db.things, other_client.db.things
        ours.create_index([("unit", 1)])
        docs = make_documents(60)
        ours.insert_many(docs)
        assert_same_natural_order(ours, other)
        index = ours._store._query_index
        other.delete_one({"_id": docs[3]["_id"]})
        other.insert_one(docs[3])
        other.insert_one({"_id": "later", "unit": UNITS[0]})
        other.delete_one({"_id": docs[4]["_id"]})
        other.replace_one({"_id": docs[9]["_id"]}, {"unit": UNITS[0], "name": "Ersetzt"})
        assert natural(ours, {})[-2:] == [docs[3], {"_id": "later", "unit": UNITS[0]}]
        assert ours._store._query_index is index
        assert_same_natural_order(ours, other)
        if "cache_after" in options:
            assert ours._store.documents_cached
            assert_same_answers(ours, other, full=False)
        ours_client.close()
        other_client.close()


def test_random_interleaved_writes_match_litemongo(tmp_path):
    """Two connections (ours cached or not, the other plain litemongo) write in random turns; after each
    step our answers equal litemongo's reading the same file."""
    rng = random.Random(11)
    for options in ({"cache_after": 0}, {"max_cache_bytes": 1}):
        folder = tmp_path / "-".join(options)
        ours_client, other_client = ours_and_other(folder, **options)
        ours, other = ours_client.db.things, other_client.db.things
        ours.create_index([("unit", 1), ("name", 1)])
        ours.create_index([("tags", 1)])
        docs = make_documents(80, seed=5)
        ours.insert_many(docs)
        ids = [d["_id"] for d in docs]
        for step in range(60):
            writer = rng.choice([ours, other])
            target = rng.choice(ids)
            action = rng.randrange(6)
            if action == 0:
                writer.update_one({"_id": target}, {"$set": {"unit": rng.choice(UNITS), "name": "Zahn"}})
            elif action == 1:
                new = {"_id": ObjectId(), "unit": rng.choice(UNITS), "name": f"N{step}", "tags": ["a"]}
                writer.insert_one(new)
                ids.append(new["_id"])
            elif action == 2:
                writer.delete_one({"_id": target})
            elif action == 3:  # deleted and inserted again: to the end of the natural order
                writer.delete_one({"_id": target})
                writer.insert_one({"_id": target, "unit": UNITS[0], "first": "Anna", "name": f"W{step}"})
            elif action == 4:
                writer.update_many({"unit": rng.choice(UNITS)}, {"$set": {"first": rng.choice(["Anna", "Lena"])}})
                writer.update_many({"_id": {"$in": rng.sample(ids, 6)}}, {"$set": {"tags": ["b"]}})
            else:
                writer.update_one({"_id": ObjectId()}, {"$set": {"unit": UNITS[2]}}, upsert=True)
            if step % 3 == 0:
                assert_same_natural_order(ours, other)
        assert_same_answers(ours, other, full=False)
        ours_client.close()
        other_client.close()


def test_a_connection_behind_the_trimmed_log_rebuilds(tmp_path, monkeypatch):
    monkeypatch.setattr(store_module, "CHANGE_LOG_KEEP", 5)
    ours_client, second_client = ours_and_other(tmp_path, max_cache_bytes=1)
    second_client.close()
    second_client = MongoClient(ServerStore(tmp_path, max_cache_bytes=1), tz_aware=False)  # one that trims
    ours, second = ours_client.db.things, second_client.db.things
    ours.insert_many(make_documents(30))
    assert_same_natural_order(ours, second)
    index = ours._store._query_index
    for n in range(12):  # more than twice the kept entries: the second connection trims the log
        second.insert_one({"unit": UNITS[0], "name": f"T{n}"})
    (trimmed,) = second._store._connection.execute("SELECT seq FROM changes_trimmed").fetchone()
    assert trimmed > ours._store._seen
    assert_same_natural_order(ours, second)
    assert ours._store._query_index is not index  # rebuilt from the file
    assert ours.count_documents({"name": "T11"}) == 1
    ours_client.close()
    second_client.close()


def test_a_file_litemongo_created_gets_the_log(tmp_path):
    """A collection written by plain litemongo before our store first opened it: the log starts then."""
    with litemongo.MongoClient(str(tmp_path), tz_aware=False) as plain:
        plain.db.things.insert_many(make_documents(20))
    ours_client, other_client = ours_and_other(tmp_path, max_cache_bytes=1)
    ours, other = ours_client.db.things, other_client.db.things
    assert_same_natural_order(ours, other)
    index = ours._store._query_index
    other.insert_one({"unit": UNITS[1], "name": "nach"})
    assert_same_natural_order(ours, other)
    assert ours._store._query_index is index
    ours_client.close()
    other_client.close()


WRITER = textwrap.dedent("""
    import sys
    import litemongo
    from bson import ObjectId

    with litemongo.MongoClient(sys.argv[1], tz_aware=False) as client:
        things = client.db.things
        unit = ObjectId(sys.argv[2])
        things.insert_many([{"unit": unit, "name": f"P{i}"} for i in range(5)])
        first = things.find_one({"unit": unit})
        things.delete_one({"_id": first["_id"]})
        things.insert_one(first)
        things.update_many({"name": "Zahn"}, {"$set": {"name": "Zahn2"}})
""")


@pytest.mark.slow  # a second Python process
def test_another_process_plain_litemongo_is_followed(tmp_path):
    ours_client = MongoClient(ServerStore(tmp_path, max_cache_bytes=1), tz_aware=False)
    ours = ours_client.db.things
    ours.create_index([("unit", 1)])
    ours.insert_many(make_documents(100))
    ours.count_documents({"unit": UNITS[0]})
    index = ours._store._query_index
    subprocess.run([sys.executable, "-c", WRITER, str(tmp_path), str(UNITS[0])], check=True, timeout=60)
    with litemongo.MongoClient(str(tmp_path), tz_aware=False) as reference:
        assert_same_natural_order(ours, reference.db.things)
    assert ours._store._query_index is index
    assert ours.count_documents({"name": "Zahn2"}) >= 1
    ours_client.close()
