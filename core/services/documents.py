"""Documents of customers: in the customer file (categories, notes, shared or staff only, versions,
requests) and on their projects in the portal. Upload with size and type limits (content sniffed),
bytes in GridFS.

The type is decided by the file's first bytes, never by its name or the browser's claim; what
is not on the list is refused. The portal serves files as attachments, the admin shows PDFs and
images inline (see :data:`INLINE_TYPES`), always with ``X-Content-Type-Options: nosniff``.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterator

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from mongoengine import ValidationError as MEValidationError

from core import files
from core.errors import Conflict, InvalidInput, NotFound
from core.models import BusinessUnit, Customer, Document, Project
from core.models._base import N_, no_control_characters
from core.services.audit import Actor, erase_object, record, same_unit

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
#: types a browser may show in the page (its own PDF and image viewers); everything else is downloaded
INLINE_TYPES = frozenset({"application/pdf", "image/png", "image/jpeg", "image/gif", "image/webp"})
#: offered until the owner sets the unit's own list (Settings > Documents)
DEFAULT_CATEGORIES = (N_("Findings"), N_("Contract"), N_("Photo"), N_("Invoice"))
MAX_CATEGORIES = 30
MAX_FILES_AT_ONCE = 20


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


def check(data: bytes, filename: str) -> tuple[str, str]:
    """(MIME type, safe file name) of an upload, or UploadRefused (empty, too large, type not allowed)."""
    limit = current_app.config["PORTAL_UPLOAD_MAX_BYTES"]
    if not data:
        raise UploadRefused(_l("Please choose a file."))
    if len(data) > limit:
        raise UploadRefused(_l("The file is too large (at most %(n)d MB).", n=limit // (1024 * 1024)))
    kind = sniff(data)
    if kind is None:
        raise UploadRefused(_l("This file type is not allowed. Allowed: %(types)s.", types=ALLOWED_LABEL))
    mime, ext = kind
    return mime, safe_filename(filename, ext)


def store(actor: Actor, customer: Customer, data: bytes, filename: str, *, project: Project | None,
          uploaded_by: str, category: str | None = None, note: str = "", staff_only: bool = False,
          previous: Document | None = None, request_id=None, appointment=None) -> Document:
    """Check and store one file: the GridFS file first, then the document that lists it (so nothing
    half-written is ever listed); if the document cannot be saved, the file is removed again."""
    mime, name = check(data, filename)
    if project is not None and project.customer.pk != customer.pk:
        raise NotFound(_l("Not found."))
    doc = Document(business_unit=customer.business_unit, customer=customer, project=project,
                   appointment=appointment, filename=name, content_type=mime, length=len(data),
                   sha256=hashlib.sha256(data).hexdigest(), uploaded_by=uploaded_by,
                   uploaded_label=actor.label[:300], category=category or None, note=note or None,
                   staff_only=staff_only, request=request_id,
                   version=previous.version + 1 if previous is not None else 1,
                   previous=previous.pk if previous is not None else None)
    doc.file_id = files.put(BUCKET, data, filename=name, content_type=mime, customer=customer.pk,
                            business_unit=customer.business_unit.pk)
    try:
        doc.save()
    except Exception as exc:
        files.delete(BUCKET, doc.file_id)
        if isinstance(exc, MEValidationError):
            raise UploadRefused(_l("The file could not be stored.")) from exc
        raise
    if previous is None:
        record(actor, "create", object_type="documents", object_id=doc.pk, summary=N_("Document %(name)s"),
               summary_params={"name": doc.filename}, business_unit=customer.business_unit, customer=customer)
    return doc


def read(doc: Document) -> Iterator[bytes]:
    """The document's bytes, one GridFS chunk at a time. NotFound when the file has gone missing."""
    try:
        return files.stream(BUCKET, doc.file_id)
    except files.FileMissing as exc:
        raise NotFound(_l("Not found.")) from exc


LIST_FIELDS = ("filename", "length", "created_at", "uploaded_label")


def _current(customer: Customer, *, shared_only: bool):
    """The customer's current versions (not replaced); with ``shared_only`` those the customer may see
    (``staff_only`` unset counts as shared: documents from before the switch were all shared)."""
    query = Document.objects(customer=customer, replaced_by=None)
    return query.filter(staff_only__ne=True) if shared_only else query


def documents_for(customer: Customer, project: Project | None = None, limit: int = 200, *,
                  shared_only: bool = False) -> list[dict]:
    """Current documents of the customer (of ``project`` only, when given) as plain dicts with ``pk``;
    ``shared_only`` for what the customer sees."""
    query = _current(customer, shared_only=shared_only)
    if project is not None:
        query = query.filter(project=project)
    rows = list(query.only(*LIST_FIELDS).order_by("-created_at").limit(limit).as_pymongo())
    for row in rows:
        row["pk"] = row.pop("_id")
    return rows


def document_for(customer: Customer, document_id: str, project: Project | None = None, *,
                 shared_only: bool = False) -> Document:
    """The customer's document ``document_id`` (of ``project`` when given); with ``shared_only`` only a
    current, shared one (the portal). NotFound otherwise."""
    doc = Document.objects.get_or_none(pk=document_id, customer=customer)
    if doc is None or (project is not None and (doc.project is None or doc.project.pk != project.pk)):
        raise NotFound(_l("Not found."))
    if shared_only and (doc.staff_only or doc.replaced_by is not None):
        raise NotFound(_l("Not found."))
    return doc


def shared_file_documents(customer: Customer, limit: int = 200) -> list[dict]:
    """What the portal lists under the customer's own documents: shared customer-file documents (the
    projects' documents are on the project pages)."""
    query = _current(customer, shared_only=True).filter(project=None)
    rows = list(query.only(*LIST_FIELDS).order_by("-created_at").limit(limit).as_pymongo())
    for row in rows:
        row["pk"] = row.pop("_id")
    return rows


# --- the customer file --------------------------------------------------------------------------

def categories(unit: BusinessUnit) -> list[str]:
    """The unit's document categories: its own list, else the default one in the unit's language."""
    own = list(unit.settings.document_categories or []) if unit.settings else []
    if own:
        return own
    with force_locale(unit.language or "de"):
        return [_(name) for name in DEFAULT_CATEGORIES]


def set_categories(actor: Actor, unit: BusinessUnit, text: str) -> list[str]:
    """The owner's list, one category a line (empty: back to the default list)."""
    same_unit(actor, unit)
    names: list[str] = []
    for line in (text or "").splitlines():
        name = " ".join(line.split())
        if not name:
            continue
        if len(name) > 60:
            raise InvalidInput(_l("A category may have at most 60 characters."), {"categories": "too long"})
        try:
            no_control_characters(name)
        except MEValidationError as exc:
            raise InvalidInput(_l("Line breaks and other control characters are not allowed here.")) from exc
        if name.casefold() not in {n.casefold() for n in names}:
            names.append(name)
    if len(names) > MAX_CATEGORIES:
        raise InvalidInput(_l("At most %(n)d categories.", n=MAX_CATEGORIES), {"categories": "too many"})
    before = list(unit.settings.document_categories or [])
    BusinessUnit.objects(pk=unit.pk).update_one(set__settings__document_categories=names)
    record(actor, "update", object_type="business_units", object_id=unit.pk, summary="Document categories",
           before={"document_categories": before}, after={"document_categories": names}, business_unit=unit)
    unit.reload()
    return names


def checked_category(unit: BusinessUnit, raw: str | None, keep: str | None = None) -> str | None:
    name = " ".join((raw or "").split())
    if not name:
        return None
    if name != keep and name not in categories(unit):
        raise InvalidInput(_l("Please choose one of the categories."), {"category": "unknown"})
    return name


def checked_note(raw: str | None) -> str:
    note = (raw or "").strip()
    if len(note) > 1000:
        raise InvalidInput(_l("The note may have at most 1000 characters."), {"note": "too long"})
    return note


def upload_many(actor: Actor, customer: Customer, uploads: list[tuple[bytes, str]], *, category: str | None,
                note: str = "", staff_only: bool = True) -> list[Document]:
    """Staff add files to the customer file. Every file is checked before the first is stored, so a
    refused one (named in the message) leaves nothing behind."""
    same_unit(actor, customer)
    if not uploads:
        raise UploadRefused(_l("Please choose a file."))
    if len(uploads) > MAX_FILES_AT_ONCE:
        raise UploadRefused(_l("At most %(n)d files at once.", n=MAX_FILES_AT_ONCE))
    chosen = checked_category(customer.business_unit, category)
    text = checked_note(note)
    for data, filename in uploads:
        try:
            check(data, filename)
        except UploadRefused as exc:
            shown = safe_filename(filename, "x").rsplit(".", 1)[0]
            raise UploadRefused(_l("%(name)s: %(reason)s", name=shown, reason=str(exc))) from exc
    return [store(actor, customer, data, filename, project=None, uploaded_by="staff", category=chosen, note=text,
                  staff_only=staff_only) for data, filename in uploads]


def file_documents(customer: Customer, limit: int = 200) -> list[Document]:
    """The customer file's list: current versions of every document of the customer, projects' included."""
    return list(_current(customer, shared_only=False).order_by("-created_at").limit(limit))


def file_documents_with_versions(customer: Customer, limit: int = 200) -> list[tuple[Document, list[Document]]]:
    """:func:`file_documents`, each with its earlier versions (newest first), in two queries."""
    current = file_documents(customer, limit)
    older = {d.pk: d for d in Document.objects(customer=customer, replaced_by__ne=None)}
    rows = []
    for doc in current:
        chain, previous = [], doc.previous
        while previous in older and len(chain) < 50:
            chain.append(older[previous])
            previous = older[previous].previous
        rows.append((doc, chain))
    return rows


def versions(doc: Document, limit: int = 50) -> list[Document]:
    """The earlier versions of ``doc``, newest first."""
    found: list[Document] = []
    previous = doc.previous
    while previous is not None and len(found) < limit:
        older = Document.objects(pk=previous, customer=doc.customer).first()
        if older is None:
            break
        found.append(older)
        previous = older.previous
    return found


def update_document(actor: Actor, doc: Document, *, category: str | None, note: str, staff_only: bool) -> Document:
    """Category, note and sharing of the current version."""
    same_unit(actor, doc)
    if doc.replaced_by is not None:
        raise Conflict(_l("This is an old version; change the current one."))
    before = {"category": doc.category, "note": doc.note, "staff_only": bool(doc.staff_only)}
    after = {"category": checked_category(doc.business_unit, category, keep=doc.category),
             "note": checked_note(note) or None, "staff_only": bool(staff_only)}
    Document.objects(pk=doc.pk).update_one(**{f"set__{k}": v for k, v in after.items()})
    record(actor, "update", object_type="documents", object_id=doc.pk, summary=f"Document {doc.filename}",
           before=before, after=after, business_unit=doc.business_unit, customer=doc.customer)
    doc.reload()
    return doc


def replace_document(actor: Actor, doc: Document, data: bytes, filename: str) -> Document:
    """A new version of ``doc`` (same category, note, sharing and project); the old one is kept. Two
    replacements of the same version at once: the first wins, the other is refused and leaves nothing."""
    same_unit(actor, doc)
    if doc.replaced_by is not None:
        raise Conflict(_l("This version was replaced already; replace the current one."))
    new = store(actor, doc.customer, data, filename, project=doc.project, uploaded_by="staff",
                category=doc.category, note=doc.note or "", staff_only=bool(doc.staff_only), previous=doc)
    if not Document.objects(pk=doc.pk, replaced_by=None).update_one(set__replaced_by=new.pk):
        files.delete(BUCKET, new.file_id)
        new.delete()
        raise Conflict(_l("This version was replaced already; replace the current one."))
    record(actor, "replace", object_type="documents", object_id=new.pk,
           summary=f"Document {doc.filename} replaced by {new.filename} (version {new.version})",
           before={"document": str(doc.pk)}, after={"document": str(new.pk)},
           business_unit=doc.business_unit, customer=doc.customer)
    return new


def delete_document(actor: Actor, doc: Document) -> int:
    """Delete the current version and every earlier one (documents and their GridFS files)."""
    same_unit(actor, doc)
    if doc.replaced_by is not None:
        raise Conflict(_l("This is an old version; delete the current one."))
    chain = [doc, *versions(doc, limit=1000)]
    for item in chain:
        files.delete(BUCKET, item.file_id)
        item.delete()
    record(actor, "delete", object_type="documents", object_id=doc.pk,
           summary=f"Document {doc.filename} deleted ({len(chain)} version(s))",
           before={"filename": doc.filename, "versions": len(chain)},
           business_unit=doc.business_unit, customer=doc.customer)
    return len(chain)


def delete_customer_documents(customer: Customer) -> int:
    """Every document of the customer and every GridFS file tagged with them (orphans included)."""
    erase_object("documents", [str(pk) for pk in Document.objects(customer=customer).scalar("pk")])
    count = Document.objects(customer=customer).delete()
    files.delete_where(BUCKET, {"customer": customer.pk})
    return count
