"""The embedded store answers a repeated count or sorted page from its memo, and never a stale one.

The admin lists ask for the same count and the same first page of customers over and over; the memo
(:meth:`core.embedded.store.CollectionStore.memo`) is keyed on the collection's generation, which moves
on with every write through this store and every commit of another connection (another process)."""

from __future__ import annotations

import re

from bson import ObjectId

from core.embedded import MongoClient, ServerStore

UNIT = ObjectId()


def client(folder):
    return MongoClient(ServerStore(folder, cache_after=10), tz_aware=False)


def seed(collection, n=300):
    collection.insert_many([{"unit": UNIT if i % 3 else ObjectId(), "name": f"N{(i * 7919) % n:04d}", "i": i}
                            for i in range(n)])


def page(collection, skip=0, limit=20):
    return [d["name"] for d in collection.find({"unit": UNIT}).sort([("name", 1), ("i", 1)]).skip(skip).limit(limit)]


def test_repeated_count_and_page_are_memoised(tmp_path):
    coll = client(tmp_path).db.customers
    seed(coll)
    store = coll._store
    assert coll.count_documents({"unit": UNIT}) == 200
    first = page(coll)
    calls = []
    original = store._readonly_candidates
    store._readonly_candidates = lambda *a: calls.append(a) or original(*a)
    assert coll.count_documents({"unit": UNIT}) == 200
    assert page(coll) == first
    assert calls == []  # answered without scanning again
    assert page(coll, skip=20) != first  # another window is another query
    assert calls


def test_own_writes_end_the_memo(tmp_path):
    coll = client(tmp_path).db.customers
    seed(coll)
    assert coll.count_documents({"unit": UNIT}) == 200
    first = page(coll)
    coll.insert_one({"unit": UNIT, "name": "A0000", "i": -1})
    assert coll.count_documents({"unit": UNIT}) == 201
    assert page(coll)[0] == "A0000"
    coll.update_one({"name": "A0000"}, {"$set": {"name": "Z"}})
    assert page(coll) == first
    coll.delete_one({"name": "Z"})
    assert coll.count_documents({"unit": UNIT}) == 200


def test_another_connections_commit_ends_the_memo(tmp_path):
    """A second store on the same folder is another SQLite connection, as the worker's process is."""
    web, worker = client(tmp_path).db.customers, client(tmp_path).db.customers
    seed(web)
    assert web.count_documents({"unit": UNIT}) == 200
    first = page(web)
    worker.insert_one({"unit": UNIT, "name": "A0000", "i": -1})
    assert web.count_documents({"unit": UNIT}) == 201
    assert page(web) == ["A0000", *first[:19]]
    worker.delete_many({"name": "A0000"})
    assert page(web) == first and web.count_documents({"unit": UNIT}) == 200


def test_filters_that_differ_only_in_type_are_different_queries(tmp_path):
    """1, 1.0, True and "1" are different keys of the memo (each answered as without it)."""
    coll = client(tmp_path).db.things
    coll.insert_many([{"v": v} for v in (1, 1.5, True, "1", "x", "X") for _ in range(100)])
    filters = [{"v": 1}, {"v": 1.0}, {"v": True}, {"v": "1"}, {"v": re.compile("^x$")},
               {"v": re.compile("^x$", re.IGNORECASE)}, {"v": {"$gt": 1}}, {"v": {"$gt": 1.0}}]
    for _ in range(2):  # the second round is answered from the memo
        for spec in filters:
            assert coll.count_documents(spec) == len(list(coll.find(spec))), spec  # find: not memoised
    assert coll.count_documents({"v": "1"}) == 100 and coll.count_documents({"v": re.compile("^x$")}) == 100
    assert coll.count_documents({"v": re.compile("^x$", re.IGNORECASE)}) == 200
