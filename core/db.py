"""The one place that decides which database Frontdesk talks to.

* ``MONGODB_URI`` empty → the embedded store: litemongo (mongomock's engine on SQLite files) in
  ``<instance>/db``; data survives restarts and is shared between the web and worker processes.
* ``MONGODB_URI = "mongomock://"`` → an in-memory mongomock database (tests).
* anything else → a real MongoDB (replica set in production).

Connections are lazy (``connect=False``) so a forked Celery worker never inherits a client.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import mongoengine
from flask import Flask

ALIAS = mongoengine.DEFAULT_CONNECTION_NAME


def embedded_client_class(folder: Path) -> type:
    """A litemongo client class bound to ``folder`` that mongoengine can instantiate.

    The store is litemongo's SQLite store plus a document cache that stays coherent across processes,
    and the client answers counts and sorted pages from it (see :mod:`core.embedded`)."""
    from core.embedded import MongoClient, ServerStore

    class EmbeddedClient(MongoClient):
        def __init__(self, host=None, **kwargs):  # mongoengine passes host, port, ...
            for key in ("read_preference", "port", "connect", "username", "password", "authentication_source"):
                kwargs.pop(key, None)
            kwargs.setdefault("tz_aware", False)
            super().__init__(ServerStore(folder), **kwargs)

    return EmbeddedClient


class _ClientOptions:
    """The part of pymongo's ``ClientOptions`` that pymongo's own GridFS reads from a client."""

    timeout = None


@functools.cache
def mock_client_class() -> type:
    """mongomock's client plus ``options``: GridFS reads ``client.options.timeout``, and without the
    property mongomock's ``__getattr__`` answers with a database object (litemongo has the same fix)."""
    import mongomock

    class MockClient(mongomock.MongoClient):
        @property
        def options(self):
            return _ClientOptions()

    return MockClient


def connect_db(app: Flask) -> None:
    """(Re)connect mongoengine's default alias according to the app's configuration."""
    uri: str = app.config["MONGODB_URI"]
    name: str = app.config["MONGODB_DB"]
    mongoengine.disconnect(ALIAS)
    if not uri:
        folder = Path(app.instance_path) / "db"
        folder.mkdir(parents=True, exist_ok=True)
        mongoengine.connect(
            db=name, alias=ALIAS, host="mongodb://localhost",
            mongo_client_class=embedded_client_class(folder), uuidRepresentation="standard",
        )
    elif uri.startswith("mongomock://"):
        mongoengine.connect(
            db=name, alias=ALIAS, host="mongodb://localhost", mongo_client_class=mock_client_class(),
            uuidRepresentation="standard",
        )
    else:
        mongoengine.connect(db=name, alias=ALIAS, host=uri, connect=False, uuidRepresentation="standard",
                            tz_aware=False)


def get_db():
    """The pymongo (or compatible) database object behind mongoengine's default alias."""
    return mongoengine.get_db(ALIAS)


@dataclass(frozen=True)
class UpgradeStep:
    """One step of ``frontdesk db upgrade``: idempotent, returns how many things it changed."""

    name: str
    run: Callable[[], int]


def create_indexes() -> int:
    """Create the indexes every model declares in ``meta`` and the GridFS buckets' indexes; returns how
    many did not exist yet (0 when run again)."""
    from core import files
    from core.models import ALL_MODELS

    db = get_db()
    buckets = {f"{bucket}.{part}" for bucket in files.BUCKETS for part in ("files", "chunks")}
    names = sorted({model._get_collection_name() for model in ALL_MODELS} | buckets)
    def indexes(name: str) -> set[str]:
        return set(db[name].index_information()) - {"_id_"}  # _id_ comes with the collection

    before = {name: indexes(name) for name in names}
    for model in ALL_MODELS:
        model.ensure_indexes()
    files.ensure_indexes()
    return sum(len(indexes(name) - before[name]) for name in names)


def _backfill_search_prefixes() -> int:
    from core.models.customer import backfill_search_prefixes

    return backfill_search_prefixes()


def _flag_unsafe_questionnaires() -> int:
    from core.services.questionnaires import flag_unsafe_definitions

    return flag_unsafe_definitions()


def _claim_future_appointments() -> int:
    from core.services.booking import claim_existing

    return claim_existing()


def _upgrade_portal_permissions() -> int:
    from core.services.portal import upgrade_permissions

    return upgrade_permissions()


#: What ``upgrade_database`` does, in order. A new migration is one more entry: a plain function that
#: is safe to run again (it finds its own work, e.g. documents still lacking a field) and returns a count.
UPGRADE_STEPS: list[UpgradeStep] = [
    UpgradeStep("indexes created", create_indexes),
    UpgradeStep("customers given search prefixes", _backfill_search_prefixes),
    UpgradeStep("questionnaire drafts and versions flagged for code", _flag_unsafe_questionnaires),
    UpgradeStep("future appointments given slot claims", _claim_future_appointments),
    UpgradeStep("portal accounts given the master-data and questionnaire permissions", _upgrade_portal_permissions),
]


def upgrade_database(steps: list[UpgradeStep] | None = None) -> dict[str, int]:
    """Bring the database up to what this release expects: indexes, then data migrations.

    Run by ``frontdesk db upgrade`` before the web and worker processes start (never by the app
    factory: every gunicorn and Celery process builds an app). Idempotent; returns step name → count."""
    return {step.name: step.run() for step in (UPGRADE_STEPS if steps is None else steps)}
