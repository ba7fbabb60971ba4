"""Files in MongoDB GridFS, through pymongo's own ``gridfs.GridFSBucket``, on every backend.

Two buckets: ``documents`` (files shared in the portal; collections ``documents.files`` and
``documents.chunks``) and ``reports`` (generated PDFs; ``reports.files``/``reports.chunks``). The model
documents (``Document``, ``Report``) keep the metadata we query and the ``file_id`` of their GridFS
file; every GridFS file also carries ``metadata.business_unit`` and ``metadata.customer`` so a
customer's files can be purged even when a crash left one without its model document.

On real MongoDB nothing here is special. pymongo's GridFS checks ``isinstance(db, pymongo.Database)``
(and the same for collections and its cursor); mongomock (tests) and litemongo (the embedded store,
which vendors its own mongomock copy) each ship a patch that swaps those names for *their* classes
only, so enabling both would leave one broken. :func:`enable_for` installs one patch accepting all
three, and only when the database is not a real pymongo one.
"""

from __future__ import annotations

import io
import threading
import unicodedata
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

from bson import ObjectId
from werkzeug.http import dump_options_header

BUCKETS = ("documents", "reports")
CHUNK_SIZE = 255 * 1024  # GridFS's default

_patch_lock = threading.Lock()
_patched = False


class FileMissing(LookupError):
    """The GridFS file is gone (deleted, or never completed)."""


def attachment_header(name: str, disposition: str = "attachment") -> str:
    """``Content-Disposition: attachment`` (or ``inline``, for a preview) for ``name``, as RFC 6266 asks: a
    non-ASCII name goes in ``filename*`` (UTF-8, percent-encoded) with an ASCII fallback in ``filename``
    (what Werkzeug's ``send_file(download_name=...)`` does), and quotes, backslashes and line breaks never
    break the header."""
    if disposition not in ("attachment", "inline"):
        raise ValueError(f"unknown disposition {disposition!r}")
    name = " ".join(str(name or "").split()) or "download"
    try:
        name.encode("ascii")
    except UnicodeEncodeError:
        simple = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii").strip() or "download"
        return dump_options_header(disposition, {"filename": simple,
                                                 "filename*": "UTF-8''" + quote(name, safe="!#$&+-.^_`|~")})
    return dump_options_header(disposition, {"filename": name})


def attachment_headers(name: str) -> dict[str, str]:
    """The response headers for a download named ``name`` (see :func:`attachment_header`)."""
    return {"Content-Disposition": attachment_header(name)}


def _install_patch() -> None:
    """Let pymongo's GridFS run on mongomock and litemongo databases as well as pymongo ones."""
    global _patched
    with _patch_lock:
        if _patched:
            return
        from gridfs.synchronous import grid_file
        from pymongo.collection import Collection
        from pymongo.database import Database

        databases: list[type] = [Database]
        collections: list[type] = [Collection]
        cursors: list[tuple[type, Any]] = []
        for module in ("litemongo._vendor.mongomock", "mongomock"):
            try:
                mock = __import__(module, fromlist=["Database", "Collection", "gridfs"])
                mock_gridfs = __import__(module + ".gridfs", fromlist=["_MongoMockGridOutCursor"])
            except ImportError:
                continue
            databases.append(mock.Database)
            collections.append(mock.Collection)
            cursors.append((mock.Collection, mock_gridfs._MongoMockGridOutCursor))
        pymongo_cursor = grid_file.GridOutCursor

        def grid_out_cursor(collection, *args, **kwargs):
            for collection_type, cursor_type in cursors:
                if isinstance(collection, collection_type):
                    return cursor_type(collection, *args, **kwargs)
            return pymongo_cursor(collection, *args, **kwargs)

        grid_file.Database = tuple(databases)
        grid_file.Collection = tuple(collections)
        grid_file.GridOutCursor = grid_out_cursor
        _patched = True


def enable_for(db) -> None:
    """Install the compatibility patch when ``db`` is not a real pymongo database (idempotent)."""
    from pymongo.database import Database

    if not isinstance(db, Database):
        _install_patch()


def bucket(name: str):
    """The GridFS bucket ``name`` on the current database."""
    import gridfs

    from core.db import get_db

    if name not in BUCKETS:
        raise ValueError(f"unknown GridFS bucket {name!r}")
    db = get_db()
    enable_for(db)
    return gridfs.GridFSBucket(db, bucket_name=name, chunk_size_bytes=CHUNK_SIZE)


def put(name: str, data: bytes, *, filename: str, content_type: str, customer: ObjectId,
        business_unit: ObjectId, **extra: Any) -> ObjectId:
    """Store ``data`` as one GridFS file; returns its id. Chunks are written first and the file
    document last, so a crash midway never leaves a file that looks complete."""
    metadata = {"contentType": content_type, "customer": customer, "business_unit": business_unit, **extra}
    return bucket(name).upload_from_stream(filename, io.BytesIO(data), metadata=metadata)


def read(name: str, file_id: ObjectId) -> bytes:
    import gridfs

    try:
        return bucket(name).open_download_stream(file_id).read()
    except (gridfs.errors.NoFile, gridfs.errors.CorruptGridFile) as exc:
        raise FileMissing(str(file_id)) from exc


def stream(name: str, file_id: ObjectId) -> Iterator[bytes]:
    """The file's chunks in order (one GridFS chunk at a time, for streaming responses)."""
    import gridfs

    try:
        grid_out = bucket(name).open_download_stream(file_id)
    except gridfs.errors.NoFile as exc:
        raise FileMissing(str(file_id)) from exc
    return iter(grid_out)


def delete(name: str, file_id: ObjectId | None) -> bool:
    """Delete one file (file document, then its chunks). False when it did not exist."""
    import gridfs

    if file_id is None:
        return False
    try:
        bucket(name).delete(file_id)
    except gridfs.errors.NoFile:
        return False  # pymongo has removed stray chunks of that id all the same
    return True


def delete_where(name: str, metadata: dict[str, Any], *, keep: ObjectId | None = None) -> int:
    """Delete every file whose metadata matches ``metadata`` (e.g. ``{"customer": id}``), except ``keep``."""
    query: dict[str, Any] = {f"metadata.{key}": value for key, value in metadata.items()}
    if keep is not None:
        query["_id"] = {"$ne": keep}
    ids = [row["_id"] for row in files_collection(name).find(query, {"_id": 1})]
    return sum(delete(name, file_id) for file_id in ids)


def files_collection(name: str):
    from core.db import get_db

    return get_db()[f"{name}.files"]


def chunks_collection(name: str):
    from core.db import get_db

    return get_db()[f"{name}.chunks"]


def index_specs() -> dict[str, list[tuple[list[tuple[str, int]], dict[str, Any]]]]:
    """The indexes of every bucket's collections: collection name → [(keys, create_index options)]."""
    specs: dict[str, list[tuple[list[tuple[str, int]], dict[str, Any]]]] = {}
    for name in BUCKETS:
        specs[f"{name}.files"] = [([("filename", 1), ("uploadDate", 1)], {"name": "filename_1_uploadDate_1"}),
                                  ([("metadata.customer", 1)], {"name": "metadata_customer"})]
        specs[f"{name}.chunks"] = [([("files_id", 1), ("n", 1)], {"unique": True, "name": "files_id_1_n_1"})]
    return specs


def ensure_indexes() -> None:
    """GridFS's own indexes (pymongo creates them on the first upload anyway) plus ours for purges."""
    from core.db import get_db

    db = get_db()
    for collection, specs in index_specs().items():
        for keys, options in specs:
            db[collection].create_index(keys, **options)
