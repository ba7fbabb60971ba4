"""The embedded store's document cache and fast read path (core.embedded).

Its answers must be exactly litemongo's own (same documents, same order including ties), and it must
stay coherent with writes made through the same client, through another connection and by another
process (the web process and the Celery worker share the files).
"""

from __future__ import annotations

import random
import re
import subprocess
import sys
import textwrap
from datetime import datetime, timedelta

import litemongo
import pytest
from bson import ObjectId
from litemongo._vendor.mongomock import filtering

from core.embedded import MongoClient, ServerStore
from core.embedded.client import compile_filter

UNITS = [ObjectId() for _ in range(3)]
NAMES = ["Müller", "Mueller", "Möller", "Öztürk", "Abel", "abel", "Zahn", "Straße", "Strasse", "", "Ähre"]


def cached_client(folder, **options):
    return MongoClient(ServerStore(folder, **options), tz_aware=False)


def plain_client(folder):
    """litemongo without our classes: the reference."""
    return litemongo.MongoClient(str(folder), tz_aware=False)


def _value(rng: random.Random):
    """Values of every kind mongomock's comparator orders, missing fields included."""
    choice = rng.randrange(12)
    return [
        lambda: rng.choice(NAMES), lambda: rng.choice(NAMES), lambda: rng.choice(NAMES),
        lambda: None, lambda: rng.randint(-3, 3), lambda: rng.choice([0.5, 2.0, -1.25]), lambda: rng.random() < 0.5,
        lambda: [rng.choice(NAMES), rng.randint(0, 2)], lambda: [], lambda: datetime(2024, 1, 1) + timedelta(
            hours=rng.randrange(500)), lambda: rng.choice(UNITS), lambda: _MISSING,
    ][choice]()


_MISSING = object()


def make_documents(count: int, seed: int = 7) -> list[dict]:
    rng = random.Random(seed)
    docs = []
    for i in range(count):
        unit = rng.choice([*UNITS, UNITS[0], UNITS[0], [UNITS[1], UNITS[2]], [str(UNITS[0])], "x", _MISSING])
        doc = {"_id": ObjectId(), "unit": unit, "name": rng.choice(NAMES),
               "first": rng.choice(["Anna", "Lena", "Ömer"]), "mixed": _value(rng),
               "tags": rng.sample(["a", "b", "c"], rng.randint(0, 2)), "nested": {"a": i % 3},
               "at": datetime(2025, 1, 1) + timedelta(minutes=rng.randrange(100))}
        if i % 11 == 0:
            del doc["name"]  # missing sort key
        docs.append({k: v for k, v in doc.items() if v is not _MISSING})
    return docs


FILTERS = [
    {}, {"unit": UNITS[0]}, {"unit": UNITS[1]}, {"unit": str(UNITS[0])}, {"unit": "x"},
    {"unit": UNITS[0], "first": "Anna"}, {"$and": [{"unit": UNITS[0]}, {"first": "Lena"}]},
    {"unit": UNITS[0], "$or": [{"name": re.compile("^m", re.IGNORECASE)}, {"first": "Ömer"}]},
    {"tags": "a"}, {"mixed": {"$gt": 0}}, {"nested.a": 1}, {"name": None}, {"name": {"$exists": False}},
    {"unit": {"$in": [UNITS[1], UNITS[2]]}},
]
SORTS = [
    None, [("name", 1)], [("name", 1), ("first", 1)], [("name", -1), ("first", -1)], [("name", 1), ("first", -1)],
    [("mixed", 1)], [("mixed", -1), ("name", 1)], [("nested.a", 1), ("name", 1)], [("at", -1)], [("first", 1)],
    [("_id", -1)], [("unit", 1)],
]
WINDOWS = [(0, 0), (5, 10), (0, 1), (40, 3)]
#: top-level inclusions (copied by core.embedded.client itself), and what mongomock applies
PROJECTIONS = [None, {}, {"name": 1}, {"name": True, "nested": 1, "tags": 1}, {"_id": 0, "first": 1},
               {"first": 1, "_id": 1, "at": 1}, {"_id": False, "nested": 1, "mixed": 1}, {"nested": 0, "tags": 0},
               {"nested.a": 1, "name": 1}, {"_id": 1}, {"_id": 0}, {"mixed": 1, "missing": 1}]


def _results(collection, spec, sort, skip, limit, projection=None):
    cursor = collection.find(spec, projection)
    if sort:
        cursor = cursor.sort(sort)
    return list(cursor.skip(skip).limit(limit))


def assert_same_answers(ours, reference, *, full: bool = True):
    """Counts, pages (order included), projections: the whole matrix, or (``full=False``) a sample of it."""
    sorts, windows = (SORTS, WINDOWS) if full else (SORTS[:4] + SORTS[5:6], WINDOWS[:2])
    for spec in FILTERS:
        assert ours.count_documents(spec) == reference.count_documents(spec), spec
        assert ours.count_documents(spec, skip=3, limit=5) == reference.count_documents(spec, skip=3, limit=5)
        for sort in sorts:
            for skip, limit in windows:
                expected = _results(reference, spec, sort, skip, limit)
                assert _results(ours, spec, sort, skip, limit) == expected, (spec, sort, skip, limit)
    for projection in PROJECTIONS:
        for sort in (None, [("name", 1)]):  # unsorted windows and sorted (memoised) ones
            # key order too: a projection copies the fields in the document's order, _id last
            assert [list(doc.items()) for doc in _results(ours, {"unit": UNITS[0]}, sort, 0, 10, projection)] == \
                [list(doc.items()) for doc in _results(reference, {"unit": UNITS[0]}, sort, 0, 10, projection)], \
                projection
    assert ours.find_one({"unit": UNITS[0]}, sort=[("name", -1)]) == \
        reference.find_one({"unit": UNITS[0]}, sort=[("name", -1)])
    assert ours.find({"unit": UNITS[0]}).sort("name", 1)[7] == reference.find({"unit": UNITS[0]}).sort("name", 1)[7]
    assert sorted(ours.distinct("first", {"unit": UNITS[0]})) == sorted(reference.distinct("first", {"unit": UNITS[0]}))


def test_results_are_copies_of_the_cache(tmp_path):
    """Values of immutable types are shared with the cache, every dict and list is new: changing a result
    changes neither the cache nor the next answer."""
    client = cached_client(tmp_path, cache_after=0)
    things = client.db.things
    things.insert_many([{"unit": UNITS[0], "name": "Abel", "tags": ["a"], "nested": {"a": [1, {"b": 2}]}, "n": 1}])
    expected = things.find_one({"unit": UNITS[0]}, {"_id": 0})
    for projection in (None, {"tags": 1, "nested": 1}):
        for sort in (None, [("name", 1)]):
            (first,) = _results(things, {"unit": UNITS[0]}, sort, 0, 0, projection)
            first["tags"].append("x")
            first["nested"]["a"][1]["b"] = 99
            first["nested"]["a"].append(3)
            first["name"] = "changed"
            (again,) = _results(things, {"unit": UNITS[0]}, sort, 0, 0, {"_id": 0})
            assert again == expected
    client.close()


@pytest.mark.parametrize("options", [{"cache_after": 0}, {}], ids=["cached", "small-lookups-uncached"])
def test_answers_are_litemongos(tmp_path, options):
    ours_client, reference_client = cached_client(tmp_path, **options), plain_client(tmp_path)
    ours, reference = ours_client.db.things, reference_client.db.things
    ours.create_index([("unit", 1), ("name", 1)])
    ours.create_index([("tags", 1)])
    ours.insert_many(make_documents(300))
    assert_same_answers(ours, reference)
    if options:
        assert ours._store.documents_cached
    ours_client.close()
    reference_client.close()


def test_own_writes_keep_the_cache_coherent(tmp_path):
    ours_client, reference_client = cached_client(tmp_path, cache_after=0), plain_client(tmp_path)
    ours, reference = ours_client.db.things, reference_client.db.things
    ours.create_index([("unit", 1), ("name", 1)])
    ours.insert_many(make_documents(120))
    assert ours.count_documents({"unit": UNITS[0]}) == reference.count_documents({"unit": UNITS[0]})
    assert ours._store.documents_cached
    doc = {"_id": ObjectId(), "unit": UNITS[0], "name": "Aaron", "first": "Anna"}
    ours.insert_one(doc)
    doc["name"] = "changed after insert"  # the cache holds what was written, not the caller's dict
    first = _results(ours, {"unit": UNITS[0]}, [("name", 1), ("first", 1)], 0, 1)[0]
    first["name"] = "changed copy"  # results are copies too
    ours.update_one({"name": "Zahn", "unit": UNITS[0]}, {"$set": {"name": "Aal"}})
    ours.update_many({"first": "Lena"}, {"$set": {"unit": UNITS[2]}})
    ours.replace_one({"name": "Abel"}, {"unit": UNITS[0], "name": "Abendrot", "first": "Lena"})
    ours.delete_one({"name": "Möller"})
    ours.delete_many({"name": "Straße"})
    with pytest.raises(Exception, match="Duplicate"):  # a refused insert is rolled back, cache included
        ours.insert_one({"_id": doc["_id"], "unit": UNITS[0], "name": "dup"})
    assert ours._store.documents_cached
    assert ours.find_one({"_id": doc["_id"]})["name"] == "Aaron"
    assert_same_answers(ours, reference)
    ours.drop()
    assert ours.count_documents({}) == 0 and reference.count_documents({}) == 0
    ours_client.close()
    reference_client.close()


WRITER = textwrap.dedent("""
    import sys
    import litemongo
    from bson import ObjectId

    with litemongo.MongoClient(sys.argv[1], tz_aware=False) as client:
        things = client.db.things
        unit = ObjectId(sys.argv[2])
        things.insert_many([{"unit": unit, "name": f"Aaa{i}", "first": "Lena"} for i in range(7)])
        things.update_one({"unit": unit, "name": "Zahn"}, {"$set": {"name": "Aab"}})
        things.delete_many({"unit": unit, "name": "Müller"})
""")


@pytest.mark.slow  # a second Python process
def test_writes_of_another_process_are_seen(tmp_path):
    """The worker and the web process share the files: a cached reader sees the other's commits."""
    ours_client = cached_client(tmp_path, cache_after=0)
    ours = ours_client.db.things
    ours.create_index([("unit", 1), ("name", 1)])
    names = ["Müller", "Zahn", "Weiß", "Abel", "Öztürk", "Zahn"]
    ours.insert_many([{"unit": UNITS[i % 2], "name": names[i // 2 % 6], "first": f"F{i:03d}"}
                      for i in range(240)])
    spec = {"unit": UNITS[0]}
    assert ours.count_documents(spec) == 120
    page = _results(ours, spec, [("name", 1), ("first", 1)], 0, 5)
    assert ours._store.documents_cached and page[0]["name"] == "Abel"

    subprocess.run([sys.executable, "-c", WRITER, str(tmp_path), str(UNITS[0])], check=True, timeout=60)

    # 120 + 7 inserted - 20 Müller deleted; one Zahn renamed
    assert ours.count_documents(spec) == 107
    names = [d["name"] for d in _results(ours, spec, [("name", 1), ("first", 1)], 0, 9)]
    assert names == ["Aaa0", "Aaa1", "Aaa2", "Aaa3", "Aaa4", "Aaa5", "Aaa6", "Aab", "Abel"]
    assert ours.count_documents({"unit": UNITS[0], "name": "Müller"}) == 0
    assert ours._store.documents_cached  # reloaded, not given up
    reference_client = plain_client(tmp_path)
    assert_same_answers(ours, reference_client.db.things, full=False)
    reference_client.close()
    ours_client.close()


def test_changes_by_others_are_applied_incrementally(tmp_path):
    """Only what another connection changed is decoded again; a document deleted and inserted again
    (which moves it to the end of the natural order) makes the cache and hash index start over."""
    ours_client, other_client = cached_client(tmp_path, cache_after=0), plain_client(tmp_path)
    ours, other = ours_client.db.things, other_client.db.things
    ours.create_index([("unit", 1), ("name", 1)])
    docs = make_documents(150)
    ours.insert_many(docs)
    ours.count_documents({"unit": UNITS[0]})
    store = ours._store
    before = dict(store._docs)
    other.update_one({"_id": docs[10]["_id"]}, {"$set": {"name": "Aaron", "unit": UNITS[0]}})
    other.insert_one({"unit": UNITS[0], "name": "Neu"})
    other.delete_one({"_id": docs[20]["_id"]})
    assert_same_answers(ours, other, full=False)
    kept = [key for key, doc in before.items() if store._docs.get(key) is doc]
    assert len(kept) == 148  # all but the updated and the deleted document were left as they were
    other.delete_one({"_id": docs[30]["_id"]})
    other.insert_one(docs[30])
    assert_same_answers(ours, other, full=False)
    assert store.documents_cached and store._docs[next(reversed(store._docs))]["_id"] == docs[30]["_id"]
    ours_client.close()
    other_client.close()


def test_another_connection_in_the_same_process(tmp_path):
    first_client, second_client = cached_client(tmp_path, cache_after=0), cached_client(tmp_path, cache_after=0)
    first, second = first_client.db.things, second_client.db.things
    first.insert_many(make_documents(50))
    assert first.count_documents({"unit": UNITS[1]}) == second.count_documents({"unit": UNITS[1]})
    second.insert_one({"unit": UNITS[1], "name": "AAA"})
    second.update_many({"unit": UNITS[1], "name": "Zahn"}, {"$set": {"name": "ÿ-last"}})
    assert first.count_documents({"unit": UNITS[1], "name": "AAA"}) == 1
    assert first.find({"unit": UNITS[1], "name": {"$type": "string"}}).sort("name", -1).limit(1)[0]["name"] == "ÿ-last"
    assert first.count_documents({"unit": UNITS[1], "name": "Zahn"}) == 0
    assert_same_answers(first, second, full=False)
    first_client.close()
    second_client.close()


def test_a_collection_over_the_budget_is_read_from_sqlite(tmp_path):
    ours_client, reference_client = cached_client(tmp_path, cache_after=0, max_cache_bytes=1000), \
        plain_client(tmp_path)
    ours = ours_client.db.things
    ours.insert_many(make_documents(80))
    assert_same_answers(ours, reference_client.db.things, full=False)
    assert not ours._store.documents_cached
    ours_client.close()
    reference_client.close()


def test_growing_past_the_budget_drops_the_cache(tmp_path):
    ours_client, reference_client = cached_client(tmp_path, cache_after=0, max_cache_bytes=20_000), \
        plain_client(tmp_path)
    ours = ours_client.db.things
    ours.insert_many(make_documents(20))
    ours.count_documents({})
    assert ours._store.documents_cached
    ours.insert_many(make_documents(200, seed=8))
    assert not ours._store.documents_cached
    assert_same_answers(ours, reference_client.db.things, full=False)
    ours_client.close()
    reference_client.close()


def test_compiled_filters_match_like_mongomock():
    early, late = datetime(2025, 1, 1, 0, 30), datetime(2025, 1, 1, 1, 10)
    docs = [*make_documents(400, seed=3), {"unit": (UNITS[0],)}, {"unit": [[UNITS[0]]]}, {"unit": {"$oid": "x"}},
            {"at": None}, {"at": "2025-01-01"}, {"at": 5}, {"at": [early, late]}, {"at": [late]}, {"at": []},
            {"at": [[early]]}, {"at": early}, {"at": late}]
    specs = [{"unit": UNITS[0]}, {"unit": str(UNITS[0])}, {"name": "Müller"}, {"name": ""}, {},
             {"unit": UNITS[0], "first": "Anna"}, {"$and": [{"unit": UNITS[1]}, {"$and": [{"first": "Lena"}]}]},
             {"at": {"$lt": late}}, {"at": {"$lte": late}}, {"at": {"$gt": early}}, {"at": {"$gte": early}},
             {"at": {"$gte": early, "$lt": late}}, {"unit": UNITS[0], "at": {"$gt": early}, "first": "Anna"},
             {"at": {"$gt": late, "$lt": early}}, {"unit": {"$in": [UNITS[0], UNITS[2]]}},
             {"unit": {"$in": [str(UNITS[0]), "x"]}}, {"unit": {"$in": []}}, {"name": {"$in": ["Zahn", "", "Abel"]}},
             {"at": {"$in": ["2025-01-01"]}}, {"unit": {"$in": (UNITS[1],)}, "first": "Lena"},
             {"_id": {"$in": [d["_id"] for d in docs[:50:3]]}}]
    for spec in specs:
        match = compile_filter(spec)
        assert match is not None, spec
        assert [match(d) for d in docs] == [filtering.filter_applies(spec, d) for d in docs], spec
    for spec in ({"a.b": "x"}, {"a": 1}, {"a": None}, {"a": {"$eq": "x"}}, {"$or": [{"a": "x"}]}, {"$and": []},
                 {"a": re.compile("x")}, {"$comment": "x"}, {"a": {"$lt": 5}}, {"a": {"$lt": early, "$ne": 1}},
                 {"a": {}}, {"a.b": {"$lt": early}}, {"a": {"$in": [None]}}, {"a": {"$in": ["x", 1]}},
                 {"a": {"$in": [re.compile("x")]}}, {"a": {"$in": "x"}}, {"a": {"$in": ["x"], "$ne": "y"}},
                 {"a.b": {"$in": ["x"]}}):
        assert compile_filter(spec) is None, spec


def test_embedded_app_uses_the_cache(tmp_path):
    """The app's embedded client is the cached one; counts and pages through mongoengine are right."""
    import mongoengine

    from core.app import create_app
    from core.models import BusinessUnit, Customer

    app = create_app({"INSTANCE_PATH": str(tmp_path), "MONGODB_URI": "", "TESTING": True})
    with app.app_context():
        unit = BusinessUnit(name="Salon", slug="salon").save()
        other = BusinessUnit(name="Andere", slug="andere").save()
        for i, name in enumerate(["Weiß", "Ärmel", "Zahn", "Abel", "Öztürk"] * 140):
            Customer(business_unit=unit if i % 5 else other, first_name=f"V{i:03d}", last_name=name).save()
        assert Customer.objects(business_unit=unit).count() == 560
        page = list(Customer.objects(business_unit=unit).order_by("last_name_key", "first_name").limit(3))
        assert [(c.last_name, c.first_name) for c in page] == [("Abel", "V003"), ("Abel", "V008"), ("Abel", "V013")]
        store = Customer._get_collection()._store
        assert type(store).__module__ == "core.embedded.store" and store.documents_cached
    mongoengine.disconnect()


def test_fast_sort_keys_order_like_mongomocks_comparator():
    from core.embedded.client import _MISSING as MISSING
    from core.embedded.client import _fast_value

    values = [MISSING, None, -2, 0, 0.5, 3, True, False, "", "a", "Ä", "ä", "z", ObjectId(), ObjectId(),
              datetime(2024, 1, 1), datetime(2025, 1, 1), [], ["b"], [1, "a"], [None], [True]]
    for a in values:
        for b in values:
            doc_a, doc_b = ({} if a is MISSING else {"v": a}), ({} if b is MISSING else {"v": b})
            ref_a, ref_b = filtering.resolve_sort_key("v", doc_a), filtering.resolve_sort_key("v", doc_b)
            fast_a, fast_b = _fast_value(a), _fast_value(b)
            assert (fast_a < fast_b, fast_b < fast_a) == (ref_a < ref_b, ref_b < ref_a), (a, b)


def test_sorting_falls_back_to_mongomocks_comparator():
    from core.embedded.client import sort_documents

    rng = random.Random(2)
    docs = [{"v": rng.choice([float("nan"), 1.5, -3, "x", None, {"a": 1}, b"raw"]), "w": rng.randint(0, 3)}
            for _ in range(200)]
    sort = [("w", 1), ("v", -1)]
    expected = docs
    for field, direction in reversed(sort):
        expected = sorted(expected, key=lambda d, f=field: filtering.resolve_sort_key(f, d), reverse=direction < 0)
    for needed in (None, 10):
        got = sort_documents(list(docs), sort, needed)
        assert [id(d) for d in got[:needed]] == [id(d) for d in expected[:needed]]
