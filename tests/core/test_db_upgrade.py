"""``create_app`` writes nothing; ``frontdesk db upgrade`` (core.db.upgrade_database) creates the indexes and
runs the data migrations, idempotently."""

from __future__ import annotations

import mongoengine
from bson import ObjectId

from core.app import create_app
from core.db import UpgradeStep, get_db, upgrade_database
from core.models import Customer, Questionnaire


def test_create_app_writes_nothing_to_a_mongo_database(tmp_path):
    app = create_app({"INSTANCE_PATH": str(tmp_path), "MONGODB_URI": "mongomock://", "TESTING": True})
    with app.app_context():
        assert get_db().list_collection_names() == []  # no collection, no index, no backfill
    mongoengine.disconnect()


def test_create_app_creates_no_collection_in_a_fresh_embedded_store(tmp_path):
    create_app({"INSTANCE_PATH": str(tmp_path), "MONGODB_URI": "", "TESTING": True})
    create_app({"INSTANCE_PATH": str(tmp_path), "MONGODB_URI": "", "TESTING": True})  # a second process
    mongoengine.disconnect()
    assert [p for p in (tmp_path / "db").rglob("*") if p.is_file()] == []


def _indexes(collection: str) -> set[str]:
    return set(get_db()[collection].index_information())


def test_db_upgrade_creates_the_indexes_and_is_idempotent(tmp_path):
    """On the embedded store, as `frontdesk db upgrade` runs it before a release starts."""
    app = create_app({"INSTANCE_PATH": str(tmp_path), "MONGODB_URI": "", "TESTING": True})
    runner = app.test_cli_runner()
    first = runner.invoke(args=["db", "upgrade"])
    assert first.exit_code == 0, first.output
    lines = first.output.splitlines()
    created = int(lines[0].removeprefix("indexes created: "))
    assert created > 20 and lines[1:] == ["customers given search prefixes: 0",
                                          "questionnaire drafts and versions flagged for code: 0",
                                          "future appointments given slot claims: 0",
                                          "portal accounts given the master-data and questionnaire permissions: 0",
                                          "Database is up to date."]
    with app.app_context():
        assert {"unique_email_per_unit", "unit_search"} <= _indexes("customers")
        assert "files_id_1_n_1" in _indexes("reports.chunks")
        unit = ObjectId()
        Customer._get_collection().insert_one({"business_unit": unit, "first_name": "Jörg", "last_name": "Weiß",
                                               "last_name_key": "weiß", "salutation": "", "tags": []})
        # a draft stored before the code rule existed
        Questionnaire._get_collection().insert_one({"business_unit": unit, "name": "Alt", "draft": {
            "components": [{"type": "textfield", "key": "a", "label": "{{ alert(1) }}", "input": True}]}})
    again = runner.invoke(args=["db", "upgrade"])
    assert again.exit_code == 0, again.output
    assert again.output.splitlines()[:3] == ["indexes created: 0", "customers given search prefixes: 1",
                                             "questionnaire drafts and versions flagged for code: 1"]
    with app.app_context():
        assert Questionnaire._get_collection().find_one({"name": "Alt"})["unsafe_reason"]
        assert upgrade_database() == {"indexes created": 0, "customers given search prefixes": 0,
                                      "questionnaire drafts and versions flagged for code": 0,
                                      "future appointments given slot claims": 0,
                                      "portal accounts given the master-data and questionnaire permissions": 0}
    mongoengine.disconnect()


def test_upgrade_runs_its_steps_in_order_and_reports_their_counts(app):
    ran = []
    steps = [UpgradeStep("first", lambda: ran.append("first") or 2),
             UpgradeStep("second", lambda: ran.append("second") or 0)]
    with app.app_context():
        assert upgrade_database(steps) == {"first": 2, "second": 0}
    assert ran == ["first", "second"]


def test_reading_customers_does_not_backfill_behind_the_upgrade(tmp_path):
    """mongoengine creates a model's indexes on its first use in a process; that must not run data
    migrations too (the search-prefix backfill once hid in ``Customer.ensure_indexes``)."""
    config = {"INSTANCE_PATH": str(tmp_path), "MONGODB_URI": "", "TESTING": True}
    app = create_app(config)
    with app.app_context():
        get_db()["customers"].insert_one({"business_unit": ObjectId(), "first_name": "Jörg", "last_name": "Weiß"})
    mongoengine.disconnect()
    app = create_app(config)  # another process
    with app.app_context():
        assert Customer.objects.count() == 1
        assert Customer.objects(search_prefixes__exists=True).count() == 0
        assert upgrade_database()["customers given search prefixes"] == 1
    mongoengine.disconnect()
