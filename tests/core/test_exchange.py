"""Export → import round trip, and refusal of bad input without partial writes."""

from __future__ import annotations

import json

import pytest

from core.db import get_db
from core.errors import Conflict, InvalidInput
from core.services.exchange import export_all, import_all


def _dump(db):
    return {name: sorted(db[name].find(), key=lambda d: str(d["_id"])) for name in sorted(db.list_collection_names())}


def test_round_trip_is_equal(app, tmp_path, make_appointment, owner):
    make_appointment()
    with app.app_context():
        from seed.demo import load_demo

        load_demo()
        db = get_db()
        before = _dump(db)
        counts = export_all(tmp_path / "out")
        assert counts["customers"] >= 61
        line = (tmp_path / "out" / "customers.json").read_text(encoding="utf-8").splitlines()[0]
        assert json.loads(line)["_id"]["$oid"]  # canonical Extended JSON, as mongoexport writes
        for name in db.list_collection_names():
            db[name].delete_many({})
        import_all(tmp_path / "out")
        assert _dump(db) == before
        with pytest.raises(Conflict):
            import_all(tmp_path / "out")
        import_all(tmp_path / "out", drop=True)
        assert _dump(db) == before


@pytest.mark.parametrize("content", ["{not json", '{"name": "no id"}', "[1, 2]",
                                     '{"_id": 1}\n{"_id": 1}'])
def test_bad_files_write_nothing(app, tmp_path, content):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a_good.json").write_text('{"_id": {"$oid": "5f0000000000000000000001"}, "x": 1}\n')
    (folder / "b_bad.json").write_text(content + "\n")
    with app.app_context():
        with pytest.raises(InvalidInput) as exc:
            import_all(folder)
        assert "b_bad.json" in exc.value.message
        assert get_db()["a_good"].count_documents({}) == 0


def test_cli_errors_are_clear(app, tmp_path):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["import", str(tmp_path / "missing")])
    assert result.exit_code != 0 and "not a folder" in result.output
    result = runner.invoke(args=["export", str(tmp_path / "out")])
    assert result.exit_code == 0


def _export_with_duplicate_email(db, folder):
    """An export whose customers.json (sorted after five other collections) breaks the unique e-mail index."""
    export_all(folder)
    path = folder / "customers.json"
    lines = path.read_text(encoding="utf-8").splitlines()
    docs = [json.loads(line) for line in lines]
    with_email = [i for i, doc in enumerate(docs) if doc.get("email")]
    docs[with_email[-1]]["email"] = docs[with_email[0]]["email"]
    path.write_text("".join(json.dumps(doc) + "\n" for doc in docs), encoding="utf-8")
    return with_email[-1] + 1  # the line that breaks the index


def _changed_demo(db):
    """Change the live data after the export, so a replaced collection would show."""
    db["customers"].delete_many({"_id": {"$in": [d["_id"] for d in db["customers"].find().limit(56)]}})
    db["appointments"].delete_many({})
    db["activity_types"].insert_one({"name": "only-live", "business_unit": db["business_units"].find_one()["_id"]})


def _check_import_is_all_or_nothing(app, tmp_path):
    with app.app_context():
        from seed.demo import load_demo

        load_demo()
        db = get_db()
        folder = tmp_path / "broken"
        bad_line = _export_with_duplicate_email(db, folder)
        assert sorted(p.name for p in folder.glob("*.json")).index("customers.json") >= 4
        _changed_demo(db)
        before = _dump(db)
        with pytest.raises(InvalidInput) as exc:
            import_all(folder, drop=True)
        assert f"customers.json:{bad_line}" in exc.value.message and "unique" in exc.value.message
        assert _dump(db) == before
        assert not [n for n in db.list_collection_names() if n.startswith("tmp.")]


def test_import_breaking_a_unique_index_changes_nothing(app, tmp_path):
    _check_import_is_all_or_nothing(app, tmp_path)


def test_import_breaking_a_unique_index_changes_nothing_on_the_embedded_store(tmp_path):
    import mongoengine

    from core.app import create_app

    app = create_app({"INSTANCE_PATH": str(tmp_path / "instance"), "MONGODB_URI": "", "TESTING": True})
    try:
        _check_import_is_all_or_nothing(app, tmp_path)
        with app.app_context():  # and a good export still replaces everything
            db = get_db()
            export_all(tmp_path / "good")
            db["customers"].delete_many({})
            import_all(tmp_path / "good", drop=True)
            assert db["customers"].count_documents({}) == 4
            assert "unique_email_per_unit" in db["customers"].index_information()
    finally:
        mongoengine.disconnect()


def test_a_document_that_does_not_decode_changes_nothing(app, tmp_path, make_customer):
    make_customer(email="a@example.com")
    with app.app_context():
        db = get_db()
        export_all(tmp_path / "out")
        path = tmp_path / "out" / "customers.json"
        doc = json.loads(path.read_text(encoding="utf-8"))
        doc["birthday"] = "not a date at all"
        doc["address"] = "a string, not an address"
        path.write_text(json.dumps(doc) + "\n", encoding="utf-8")
        before = _dump(db)
        with pytest.raises(InvalidInput) as exc:
            import_all(tmp_path / "out", drop=True)
        assert "customers.json:1" in exc.value.message and "Customer" in exc.value.message
        assert _dump(db) == before


def test_a_failing_swap_puts_everything_back(app, tmp_path, monkeypatch):
    """If renaming fails half-way through the swap, the collections already swapped are restored."""
    with app.app_context():
        from seed.demo import load_demo

        load_demo()
        db = get_db()
        export_all(tmp_path / "out")
        _changed_demo(db)
        before = _dump(db)
        collection_class = type(db["customers"])
        real_rename = collection_class.rename
        calls = []

        def failing_rename(self, new_name, **kw):
            calls.append(new_name)
            if len([c for c in calls if not c.startswith("tmp.")]) == 4:  # the fourth staged collection
                raise RuntimeError("disk full")
            return real_rename(self, new_name, **kw)

        monkeypatch.setattr(collection_class, "rename", failing_rename)
        with pytest.raises(RuntimeError):
            import_all(tmp_path / "out", drop=True)
        monkeypatch.setattr(collection_class, "rename", real_rename)
        assert len(calls) > 7
        assert _dump(db) == before
        assert not [n for n in db.list_collection_names() if n.startswith("tmp.")]
