"""The embedded store used from many threads at once (waitress serves `frontdesk run` with 8 threads).

One process, one app, eight threads doing mixed work on the same collections through mongoengine and
pymongo-style calls, with the document cache loaded: every thread sees its own writes at once, no write
is lost, counts and sorted pages are right, each claim and each unique key is won by one thread only,
and nothing raises.
"""

from __future__ import annotations

import collections
import threading

import mongoengine
import pytest

from core.app import create_app
from core.db import get_db
from core.models import BusinessUnit, Customer, OutboxMessage

THREADS = 8
ROUNDS = 40
SEEDED = 600  # more than CACHE_AFTER_CANDIDATES: counts and sorted pages use the document cache


@pytest.fixture
def embedded_app(tmp_path):
    app = create_app({"INSTANCE_PATH": str(tmp_path), "MONGODB_URI": "", "TESTING": True,
                      "SECRET_KEY": "test-secret-key", "CELERY_TASK_ALWAYS_EAGER": True})
    yield app
    mongoengine.disconnect()


def run_threads(target, count: int = THREADS) -> list[str]:
    """Run ``target(k)`` in ``count`` threads started together; the tracebacks of what raised."""
    import traceback

    errors, barrier = [], threading.Barrier(count)

    def run(k):
        try:
            barrier.wait()
            target(k)
        except BaseException:
            errors.append(traceback.format_exc())

    threads = [threading.Thread(target=run, args=(k,)) for k in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a thread hangs (deadlock?)"
    return errors


def test_a_store_opened_in_one_thread_serves_another(embedded_app):
    with embedded_app.app_context():
        BusinessUnit(name="Salon", slug="salon").save()
    seen = []

    def other(_):
        with embedded_app.app_context():
            seen.append(BusinessUnit.objects.count())
            BusinessUnit(name="Zweite", slug="zweite").save()

    assert run_threads(other, 1) == []
    with embedded_app.app_context():
        assert seen == [1] and BusinessUnit.objects.count() == 2


def test_a_count_in_one_thread_leaves_other_threads_writes_on_fresh_copies(tmp_path):
    """Counts read the shared cached documents; an update must never get (and change) those objects,
    even while a count of the same collection object runs in another thread (mongoengine shares it)."""
    from core.embedded import MongoClient, ServerStore

    client = MongoClient(ServerStore(tmp_path, cache_after=1), tz_aware=False)
    try:
        collection = client["frontdesk"]["docs"]
        collection.insert_many([{"_id": i, "n": 0} for i in range(5)])
        assert collection.count_documents({}) == 5
        store = collection._store
        assert store.documents_cached
        inside, release = threading.Event(), threading.Event()
        readonly_candidates = store.readonly_candidates

        def paused(*args, **kwargs):  # the count in the other thread stops halfway
            found = readonly_candidates(*args, **kwargs)
            if threading.current_thread() is counter:
                inside.set()
                release.wait(10)
            return found

        store.readonly_candidates = paused
        # (a filter not counted before: a repeated count is answered from the memo without a scan)
        counter = threading.Thread(target=collection.count_documents, args=({"n": 0},))
        counter.start()
        assert inside.wait(10)
        try:
            cached = {id(doc) for doc in store._docs.values()}
            assert not any(id(doc) in cached for doc in collection._iter_documents({}))  # a write's candidates
        finally:
            release.set()
            counter.join(10)
    finally:
        client.close()


@pytest.mark.slow
def test_many_threads_mixed_reads_and_writes(embedded_app):
    with embedded_app.app_context():
        unit = BusinessUnit(name="Salon", slug="salon").save()
        Customer.objects.insert([Customer(business_unit=unit, first_name=f"Vor{i}", last_name=f"Name{i % 37}",
                                          email=f"seed{i}@example.com") for i in range(SEEDED)])
        queued = {str(m.pk) for m in OutboxMessage.objects.insert(
            [OutboxMessage(to=f"q{i}@example.com", subject="claim", body="x") for i in range(THREADS * ROUNDS // 2)])}
    claims = collections.defaultdict(list)
    keys_won = collections.Counter()
    created = collections.defaultdict(list)

    def work(k):
        with embedded_app.app_context():
            counters = get_db()["thread_counters"]
            for i in range(ROUNDS):
                # insert, then read the own write back at once, through a query and by id
                customer = Customer(business_unit=unit, first_name=f"T{k}", last_name=f"Faden{k}-{i}",
                                    email=f"t{k}-{i}@example.com", tags=[f"t{k}"]).save()
                created[k].append(customer.pk)
                assert Customer.objects.get(pk=customer.pk).last_name == f"Faden{k}-{i}"
                # update (pymongo-style and mongoengine), read back: never a stale own write
                Customer.objects(pk=customer.pk).update_one(set__notes=f"v{i}")
                assert Customer._get_collection().find_one({"_id": customer.pk})["notes"] == f"v{i}"
                counters.update_one({"_id": "shared"}, {"$inc": {"n": 1}}, upsert=True)
                counters.update_one({"_id": f"own{k}"}, {"$inc": {"n": 1}}, upsert=True)
                assert counters.find_one({"_id": f"own{k}"})["n"] == i + 1
                # counts and a sorted page (served from the document cache)
                assert Customer.objects(business_unit=unit, tags=f"t{k}").count() == len(created[k]) - i // 4
                page = list(Customer.objects(business_unit=unit).order_by("last_name", "first_name")
                            .skip(i).limit(20).only("last_name", "first_name"))
                names = [(c.last_name, c.first_name) for c in page]
                assert len(names) == 20 and names == sorted(names)
                # claims: a queued message goes to one thread only
                claimed = OutboxMessage.objects(subject="claim", status="queued").modify(
                    new=True, set__status="sending")
                if claimed is not None:
                    claims[str(claimed.pk)].append(k)
                # a unique key every thread tries to take
                try:
                    OutboxMessage(to="u@example.com", body=str(k), idempotency_key=f"key-{i}").save()
                    keys_won[f"key-{i}"] += 1
                except mongoengine.NotUniqueError:
                    pass
                # a delete with a filter, every fourth round: own oldest customer goes
                if i % 4 == 3:
                    assert Customer.objects(pk=created[k][i // 4], tags=f"t{k}").delete() == 1

    errors = run_threads(work)
    assert errors == [], errors[0]
    with embedded_app.app_context():
        assert Customer._get_collection()._store.documents_cached  # the cache was in the game
        counters = get_db()["thread_counters"]
        assert counters.find_one({"_id": "shared"})["n"] == THREADS * ROUNDS
        assert sorted(claims) == sorted(queued) and all(len(v) == 1 for v in claims.values())
        assert keys_won == {f"key-{i}": 1 for i in range(ROUNDS)}
        assert OutboxMessage.objects(idempotency_key__exists=True).count() == ROUNDS
        assert Customer.objects(business_unit=unit).count() == SEEDED + THREADS * (ROUNDS - ROUNDS // 4)
        for k in range(THREADS):
            kept = {c.pk for c in Customer.objects(tags=f"t{k}")}
            assert kept == set(created[k][ROUNDS // 4:])


@pytest.mark.slow
def test_admin_pages_from_eight_threads_at_once(tmp_path):
    """The whole stack on the embedded store, as waitress runs it: eight clients log in and list customers."""
    from core.models import StaffUser
    from core.passwords import hash_password
    from tests.conftest import DEFAULT_PASSWORD, login, make_app

    app = make_app(tmp_path, MONGODB_URI="")
    try:
        with app.app_context():
            unit = BusinessUnit(name="Salon", slug="salon").save()
            hashed = hash_password(DEFAULT_PASSWORD)
            for k in range(THREADS):
                StaffUser(role="owner", email=f"owner{k}@example.com", name=f"Owner {k}", business_unit=unit,
                          password_hash=hashed).save()
            Customer.objects.insert([Customer(business_unit=unit, first_name="Anna", last_name=f"Zahn{i:03d}")
                                     for i in range(SEEDED)])
        pages = []

        def visit(k):
            client = app.test_client()
            assert login(client, f"owner{k}@example.com").status_code == 302
            for _ in range(3):
                response = client.get("/admin/customer/")
                assert response.status_code == 200
                pages.append(response.get_data(as_text=True))

        errors = run_threads(visit)
        assert errors == [], errors[0]
        assert len(pages) == THREADS * 3 and all("Zahn000" in page for page in pages)
    finally:
        mongoengine.disconnect()
