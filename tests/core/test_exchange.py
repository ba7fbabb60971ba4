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
