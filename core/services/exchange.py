"""Export and import of the whole database as MongoDB Extended JSON (one document per line).

The files are what ``mongoexport`` writes and ``mongoimport`` reads (canonical Extended JSON v2),
so operators can move data between the embedded store and a real MongoDB with either tool.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import mongoengine
from bson import json_util
from bson.json_util import JSONMode, JSONOptions
from mongoengine.errors import InvalidDocumentError
from pymongo.errors import BulkWriteError, DuplicateKeyError

from core import files
from core.db import get_db, upgrade_database
from core.errors import Conflict, InvalidInput

OPTIONS: JSONOptions = json_util.CANONICAL_JSON_OPTIONS.with_options(json_mode=JSONMode.CANONICAL)
NAME = re.compile(r"^[A-Za-z0-9_.-]{1,120}$")


STAGING = "tmp.import."  # prefix of the staging and backup collections of a running import


def export_all(folder: Path) -> dict[str, int]:
    """Write ``<collection>.json`` per collection into ``folder``; returns document counts."""
    folder.mkdir(parents=True, exist_ok=True)
    db = get_db()
    counts = {}
    for name in sorted(db.list_collection_names()):
        if name.startswith(("system.", STAGING)):
            continue
        n = 0
        tmp = folder / f".{name}.json.part"
        with tmp.open("w", encoding="utf-8") as fh:
            for doc in db[name].find({}, sort=[("_id", 1)]):
                fh.write(json_util.dumps(doc, json_options=OPTIONS, ensure_ascii=False) + "\n")
                n += 1
        tmp.replace(folder / f"{name}.json")
        counts[name] = n
    return counts


@dataclass
class Incoming:
    """One file of an export: its documents and the line each came from (for error messages)."""

    file: str
    docs: list[dict] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)


def read_folder(folder: Path) -> dict[str, Incoming]:
    """Parse every ``*.json`` file; raise InvalidInput naming the file and line of the first problem."""
    if not folder.is_dir():
        raise InvalidInput(f"{folder} is not a folder.")
    files = sorted(folder.glob("*.json"))
    if not files:
        raise InvalidInput(f"{folder} holds no .json files.")
    data: dict[str, Incoming] = {}
    for path in files:
        name = path.stem
        if not NAME.match(name) or name.startswith(("system.", STAGING)):
            raise InvalidInput(f"{path.name}: not a valid collection name.")
        incoming = Incoming(path.name)
        seen: set[str] = set()
        with path.open(encoding="utf-8") as fh:
            for lineno, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                try:
                    doc = json_util.loads(line, json_options=OPTIONS)
                except (ValueError, TypeError) as exc:
                    raise InvalidInput(f"{path.name}:{lineno}: not valid Extended JSON ({exc}).") from exc
                if not isinstance(doc, dict) or "_id" not in doc:
                    raise InvalidInput(f"{path.name}:{lineno}: every line must be a document with an _id.")
                key = json_util.dumps(doc["_id"], json_options=OPTIONS)
                if key in seen:
                    raise InvalidInput(f"{path.name}:{lineno}: duplicate _id {key}.")
                seen.add(key)
                incoming.docs.append(doc)
                incoming.lines.append(lineno)
        data[name] = incoming
    return data


def _models_by_collection() -> dict[str, type]:
    from core.models import ALL_MODELS

    return {model._get_collection_name(): model for model in ALL_MODELS}


def _check_decodes(data: dict[str, Incoming]) -> None:
    """Every document of a model's collection must load as that model (field types, embedded documents)."""
    models = _models_by_collection()
    for name, incoming in data.items():
        model = models.get(name)
        if model is None:
            continue
        for doc, lineno in zip(incoming.docs, incoming.lines, strict=True):
            try:
                model._from_son(doc)
            except (InvalidDocumentError, mongoengine.ValidationError, ValueError, TypeError, KeyError,
                    AttributeError) as exc:
                reason = " ".join(str(exc).split())
                raise InvalidInput(f"{incoming.file}:{lineno}: not a valid {model.__name__} ({reason}).") from exc


def _indexes_for(db, name: str) -> list[tuple[list, dict]]:
    """The indexes the collection must have: those its model or GridFS declares, plus those it has now."""
    specs: list[tuple[list, dict]] = []
    model = _models_by_collection().get(name)
    if model is not None:
        index_opts = model._meta.get("index_opts") or {}
        for spec in model._meta.get("index_specs") or []:
            spec = dict(spec)
            keys = spec.pop("fields")
            spec.pop("cls", None)
            specs.append((keys, {**index_opts, **spec}))
    specs.extend(files.index_specs().get(name, []))
    if name in db.list_collection_names():
        for index_name, info in db[name].index_information().items():
            if index_name == "_id_":
                continue
            options = {k: v for k, v in info.items() if k in ("unique", "sparse", "partialFilterExpression",
                                                                "expireAfterSeconds")}
            specs.append((list(info["key"]), {**options, "name": index_name}))
    unique: dict[str, tuple[list, dict]] = {}
    for keys, options in specs:
        unique.setdefault(options.get("name") or json_util.dumps(keys), (keys, options))
    return list(unique.values())


def _stage(db, name: str, incoming: Incoming, staging: str) -> None:
    """Fill ``staging`` with the incoming documents under the collection's indexes (unique ones enforced)."""
    db.drop_collection(staging)
    target = db[staging]
    for keys, options in _indexes_for(db, name):
        target.create_index([tuple(k) if isinstance(k, list) else k for k in keys], **options)
    if not incoming.docs:
        if staging not in db.list_collection_names():
            db.create_collection(staging)  # an empty collection without indexes still has to exist
        return
    try:
        target.insert_many(incoming.docs, ordered=True)
    except (BulkWriteError, DuplicateKeyError) as exc:
        errors = (getattr(exc, "details", None) or {}).get("writeErrors") or [{}]
        position = errors[0].get("index")
        where = f"{incoming.file}:{incoming.lines[position]}" if isinstance(position, int) else incoming.file
        detail = errors[0].get("errmsg") or str(exc)
        raise InvalidInput(f"{where}: breaks a unique index of {name} ({' '.join(detail.split())}).") from exc


def import_all(folder: Path, *, drop: bool = False) -> dict[str, int]:
    """Restore an export, all or nothing.

    1. every file is parsed and every document decoded (as its model) before anything is written;
    2. each collection is filled into a staging collection carrying its indexes, so a broken unique
       index fails here, naming the file and line;
    3. only when every collection is staged, the live collections are swapped for the staged ones (the
       old ones renamed to backups first); if a swap fails, the swapped ones are put back.

    Without ``drop`` the target collections must be empty (nothing is overwritten by accident).
    With ``drop`` the collections in the export replace the live ones; others are left alone.
    """
    data = read_folder(folder)
    _check_decodes(data)
    db = get_db()
    if not drop:
        busy = [name for name in data if db[name].estimated_document_count()]
        if busy:
            raise Conflict("These collections are not empty: " + ", ".join(busy) + ". Use --drop to replace them.")
    token = uuid.uuid4().hex[:8]
    staged = {name: f"{STAGING}{token}.new.{name}" for name in data}
    backups = {name: f"{STAGING}{token}.old.{name}" for name in data}
    try:
        for name, incoming in data.items():
            _stage(db, name, incoming, staged[name])
        _swap(db, staged, backups)
    finally:
        for staging in staged.values():
            db.drop_collection(staging)
    for backup in backups.values():
        db.drop_collection(backup)
    upgrade_database()  # indexes, and the data migrations an older export may need
    return {name: len(incoming.docs) for name, incoming in data.items()}


def _swap(db, staged: dict[str, str], backups: dict[str, str]) -> None:
    """Put every staged collection in place of its live one; on any failure restore what was swapped."""
    moved: list[str] = []  # live collections renamed to their backup
    placed: list[str] = []  # staged collections renamed to the live name
    try:
        for name, staging in staged.items():
            if name in db.list_collection_names():
                db[name].rename(backups[name])
                moved.append(name)
            db[staging].rename(name)
            placed.append(name)
    except Exception:
        for name in placed:
            db.drop_collection(name)
        for name in moved:
            db[backups[name]].rename(name, dropTarget=True)
        raise
