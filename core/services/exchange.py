"""Export and import of the whole database as MongoDB Extended JSON (one document per line).

The files are what ``mongoexport`` writes and ``mongoimport`` reads (canonical Extended JSON v2),
so operators can move data between the embedded store and a real MongoDB with either tool.
"""

from __future__ import annotations

import re
from pathlib import Path

from bson import json_util
from bson.json_util import JSONMode, JSONOptions

from core.db import get_db, upgrade_database
from core.errors import Conflict, InvalidInput

OPTIONS: JSONOptions = json_util.CANONICAL_JSON_OPTIONS.with_options(json_mode=JSONMode.CANONICAL)
NAME = re.compile(r"^[A-Za-z0-9_.-]{1,120}$")


def export_all(folder: Path) -> dict[str, int]:
    """Write ``<collection>.json`` per collection into ``folder``; returns document counts."""
    folder.mkdir(parents=True, exist_ok=True)
    db = get_db()
    counts = {}
    for name in sorted(db.list_collection_names()):
        if name.startswith("system."):
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


def read_folder(folder: Path) -> dict[str, list[dict]]:
    """Parse every ``*.json`` file; raise InvalidInput naming the file and line of the first problem."""
    if not folder.is_dir():
        raise InvalidInput(f"{folder} is not a folder.")
    files = sorted(folder.glob("*.json"))
    if not files:
        raise InvalidInput(f"{folder} holds no .json files.")
    data: dict[str, list[dict]] = {}
    for path in files:
        name = path.stem
        if not NAME.match(name) or name.startswith("system."):
            raise InvalidInput(f"{path.name}: not a valid collection name.")
        docs = []
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
                docs.append(doc)
        data[name] = docs
    return data


def import_all(folder: Path, *, drop: bool = False) -> dict[str, int]:
    """Restore an export. Everything is read and checked before anything is written.

    Without ``drop`` the target collections must be empty (nothing is overwritten by accident).
    """
    data = read_folder(folder)
    db = get_db()
    if not drop:
        busy = [name for name in data if db[name].estimated_document_count()]
        if busy:
            raise Conflict("These collections are not empty: " + ", ".join(busy) + ". Use --drop to replace them.")
    counts = {}
    for name, docs in data.items():
        if drop:
            db[name].delete_many({})
        if docs:
            db[name].insert_many(docs, ordered=True)
        counts[name] = len(docs)
    upgrade_database()  # indexes, and the data migrations an older export may need
    return counts
