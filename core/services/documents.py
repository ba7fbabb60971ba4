"""Documents shared in the portal: upload with size and type limits (content sniffed), bytes in GridFS.

The type is decided by the file's first bytes, never by its name or the browser's claim; what
is not on the list is refused. Files are always served as attachments with
``X-Content-Type-Options: nosniff`` (see the portal blueprint), so nothing is ever rendered inline.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterator

from flask import current_app
from flask_babel import lazy_gettext as _l
from mongoengine import ValidationError as MEValidationError

from core import files
from core.errors import InvalidInput, NotFound
from core.models import Customer, Document, Project
from core.models._base import N_
from core.services.audit import Actor, erase_object, record

BUCKET = "documents"

#: (magic prefix, MIME type, extension)
SIGNATURES = (
    (b"%PDF-", "application/pdf", "pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
    (b"GIF87a", "image/gif", "gif"),
    (b"GIF89a", "image/gif", "gif"),
)
ALLOWED_LABEL = "PDF, PNG, JPEG, GIF, Text"


class UploadRefused(InvalidInput):
    """Too large, empty, or not an allowed type."""


def sniff(data: bytes) -> tuple[str, str] | None:
    """(MIME type, extension) from the content, or None when the type is not allowed."""
    for magic, mime, ext in SIGNATURES:
        if data.startswith(magic):
            return mime, ext
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp", "webp"
    head = data[:4096]
    if b"\x00" in head:
        return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if any(ord(c) < 32 and c not in "\t\n\r\f" for c in text[:65536]):
        return None  # binary data that happens to decode
    lowered = text[:1024].lstrip().lower()
    if lowered.startswith(("<!doctype", "<html", "<svg", "<?xml", "<script")) or "<script" in text.lower():
        return None
    return "text/plain", "txt"


def safe_filename(name: str, ext: str) -> str:
    base = unicodedata.normalize("NFC", (name or "").replace("\\", "/").rsplit("/", 1)[-1])
    base = re.sub(r"[^\w .()-]", "_", base).strip(" .")[:150] or "document"
    stem = base.rsplit(".", 1)[0] if "." in base else base
    return f"{stem}.{ext}"


def store(actor: Actor, customer: Customer, data: bytes, filename: str, *, project: Project | None,
          uploaded_by: str) -> Document:
    """Check and store one file: the GridFS file first, then the document that lists it (so nothing
    half-written is ever listed); if the document cannot be saved, the file is removed again."""
    limit = current_app.config["PORTAL_UPLOAD_MAX_BYTES"]
    if not data:
        raise UploadRefused(_l("Please choose a file."))
    if len(data) > limit:
        raise UploadRefused(_l("The file is too large (at most %(n)d MB).", n=limit // (1024 * 1024)))
    kind = sniff(data)
    if kind is None:
        raise UploadRefused(_l("This file type is not allowed. Allowed: %(types)s.", types=ALLOWED_LABEL))
    if project is not None and project.customer.pk != customer.pk:
        raise NotFound(_l("Not found."))
    mime, ext = kind
    name = safe_filename(filename, ext)
    doc = Document(business_unit=customer.business_unit, customer=customer, project=project,
                   filename=name, content_type=mime, length=len(data),
                   sha256=hashlib.sha256(data).hexdigest(), uploaded_by=uploaded_by,
                   uploaded_label=actor.label[:300])
    doc.file_id = files.put(BUCKET, data, filename=name, content_type=mime, customer=customer.pk,
                            business_unit=customer.business_unit.pk)
    try:
        doc.save()
    except Exception as exc:
        files.delete(BUCKET, doc.file_id)
        if isinstance(exc, MEValidationError):
            raise UploadRefused(_l("The file could not be stored.")) from exc
        raise
    record(actor, "create", object_type="documents", object_id=doc.pk, summary=N_("Document %(name)s"),
           summary_params={"name": doc.filename},
           business_unit=customer.business_unit, customer=customer)
    return doc


def read(doc: Document) -> Iterator[bytes]:
    """The document's bytes, one GridFS chunk at a time. NotFound when the file has gone missing."""
    try:
        return files.stream(BUCKET, doc.file_id)
    except files.FileMissing as exc:
        raise NotFound(_l("Not found.")) from exc


LIST_FIELDS = ("filename", "length", "created_at", "uploaded_label")


def documents_for(customer: Customer, project: Project | None = None, limit: int = 200) -> list[dict]:
    """Complete documents of the customer (of ``project`` only, when given) as plain dicts with ``pk``."""
    query = Document.objects(customer=customer)
    if project is not None:
        query = query.filter(project=project)
    rows = list(query.only(*LIST_FIELDS).order_by("-created_at").limit(limit).as_pymongo())
    for row in rows:
        row["pk"] = row.pop("_id")
    return rows


def document_for(customer: Customer, document_id: str, project: Project | None = None) -> Document:
    doc = Document.objects.get_or_none(pk=document_id, customer=customer)
    if doc is None or (project is not None and (doc.project is None or doc.project.pk != project.pk)):
        raise NotFound(_l("Not found."))
    return doc


def delete_customer_documents(customer: Customer) -> int:
    """Every document of the customer and every GridFS file tagged with them (orphans included)."""
    erase_object("documents", [str(pk) for pk in Document.objects(customer=customer).scalar("pk")])
    count = Document.objects(customer=customer).delete()
    files.delete_where(BUCKET, {"customer": customer.pk})
    return count
