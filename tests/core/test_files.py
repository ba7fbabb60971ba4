"""GridFS (pymongo's own GridFSBucket) on the embedded store and on mongomock, and a portal document
round trip through the embedded store, where web and worker processes share the files."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import mongoengine
import pytest
from bson import ObjectId

from tests.conftest import make_app

ROOT = __import__("pathlib").Path(__file__).resolve().parents[2]


@pytest.fixture(params=["embedded", "mongomock"])
def any_app(request, tmp_path):
    uri = "" if request.param == "embedded" else "mongomock://localhost"
    app = make_app(tmp_path, MONGODB_URI=uri, MONGODB_DB="files_test")
    yield app
    mongoengine.disconnect()


def test_put_read_stream_delete(any_app):
    from core import files

    customer, unit = ObjectId(), ObjectId()
    data = bytes(range(256)) * 2100  # 537,600 bytes: 3 chunks of 255 KiB
    with any_app.app_context():
        file_id = files.put("documents", data, filename="Grüße.pdf", content_type="application/pdf",
                            customer=customer, business_unit=unit)
        stored = files.files_collection("documents").find_one({"_id": file_id})
        assert stored["length"] == len(data) and stored["chunkSize"] == files.CHUNK_SIZE
        assert stored["filename"] == "Grüße.pdf" and stored["metadata"]["customer"] == customer
        assert [c["n"] for c in files.chunks_collection("documents").find({"files_id": file_id}).sort("n", 1)] \
            == [0, 1, 2]
        assert files.read("documents", file_id) == data
        assert b"".join(files.stream("documents", file_id)) == data
        assert files.delete("documents", file_id) is True
        assert files.delete("documents", file_id) is False
        with pytest.raises(files.FileMissing):
            files.read("documents", file_id)
        assert files.chunks_collection("documents").count_documents({}) == 0


def test_delete_where_sweeps_a_customers_files_only(any_app):
    from core import files

    alice, bob, unit = ObjectId(), ObjectId(), ObjectId()
    with any_app.app_context():
        keep = files.put("reports", b"%PDF-a2", filename="a2.pdf", content_type="application/pdf",
                         customer=alice, business_unit=unit)
        files.put("reports", b"%PDF-a1", filename="a1.pdf", content_type="application/pdf", customer=alice,
                  business_unit=unit)
        bobs = files.put("reports", b"%PDF-b", filename="b.pdf", content_type="application/pdf", customer=bob,
                         business_unit=unit)
        assert files.delete_where("reports", {"customer": alice}, keep=keep) == 1
        assert files.delete_where("reports", {"customer": alice}) == 1
        assert files.read("reports", bobs) == b"%PDF-b"
        assert files.files_collection("reports").count_documents({}) == 1


def test_unknown_bucket_is_refused(any_app):
    from core import files

    with any_app.app_context(), pytest.raises(ValueError):
        files.bucket("fs")


def test_indexes_are_declared(any_app):
    from core import files

    with any_app.app_context():
        names = {ix["name"] for ix in files.files_collection("documents").list_indexes()}
        assert {"filename_1_uploadDate_1", "metadata_customer"} <= names
        chunk_ix = {ix["name"]: ix for ix in files.chunks_collection("reports").list_indexes()}
        assert chunk_ix["files_id_1_n_1"].get("unique") is True


@pytest.mark.slow  # a second Python process
def test_a_file_written_by_another_process_is_readable(tmp_path):
    """The Celery worker renders reports in its own process; the web process serves them."""
    app = make_app(tmp_path, MONGODB_URI="", MONGODB_DB="files_test")
    script = textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(ROOT)!r})
        from bson import ObjectId
        from tests.conftest import make_app
        import pathlib
        app = make_app(pathlib.Path({str(tmp_path)!r}), MONGODB_URI="", MONGODB_DB="files_test")
        from core import files
        with app.app_context():
            print(files.put("reports", b"%PDF-from-the-worker" * 20000, filename="w.pdf",
                            content_type="application/pdf", customer=ObjectId(), business_unit=ObjectId()))
    """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=True)
    file_id = ObjectId(out.stdout.strip().splitlines()[-1])
    from core import files

    try:
        with app.app_context():
            assert files.read("reports", file_id) == b"%PDF-from-the-worker" * 20000
    finally:
        mongoengine.disconnect()


def test_gridfs_files_survive_export_and_import(tmp_path):
    """`frontdesk export` / `import` carry the GridFS collections (binary chunks as Extended JSON)."""
    from core import files
    from core.services.exchange import export_all, import_all

    data = bytes(range(256)) * 1100  # 2 chunks
    source = make_app(tmp_path / "a", MONGODB_DB="files_src")
    with source.app_context():
        file_id = files.put("documents", data, filename="Plan.pdf", content_type="application/pdf",
                            customer=ObjectId(), business_unit=ObjectId())
        counts = export_all(tmp_path / "export")
    assert counts["documents.files"] == 1 and counts["documents.chunks"] == 2
    target = make_app(tmp_path / "b", MONGODB_URI="", MONGODB_DB="files_dst")  # into the embedded store
    try:
        with target.app_context():
            import_all(tmp_path / "export")
            assert files.read("documents", file_id) == data
    finally:
        mongoengine.disconnect()


@pytest.mark.parametrize(("name", "expected"), [
    ("bericht.pdf", 'attachment; filename=bericht.pdf'),
    ("Müßig Öztürk.pdf",
     "attachment; filename=\"Muig Ozturk.pdf\"; filename*=UTF-8''M%C3%BC%C3%9Fig%20%C3%96zt%C3%BCrk.pdf"),
    ('a"b\r\nc.pdf', 'attachment; filename="a\\"b c.pdf"'),
    ("", "attachment; filename=download"),
])
def test_attachment_header_is_rfc6266(name, expected):
    from core.files import attachment_header

    header = attachment_header(name)
    header.encode("ascii")
    assert header == expected
