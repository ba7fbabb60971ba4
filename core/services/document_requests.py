"""Document requests ("Dokument anfordern"): staff ask a customer for a document with a due date; the
customer sees the request in the portal and answers it by uploading the file there; a request that is
overdue gets exactly one reminder e-mail (claimed in ``reminder_sent_at``, outbox idempotency key)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from babel.dates import format_date
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from mongoengine import ValidationError as MEValidationError

from core.config import public_base_url
from core.errors import Conflict, InvalidInput, NotFound
from core.models import BusinessUnit, Customer, Document, DocumentRequest
from core.models._base import utcnow
from core.services import documents as docs
from core.services.audit import Actor, erase_object, record, same_unit
from core.services.mail import queue_email
from core.timezones import local_time

FEATURE = "documents"
#: the latest due date staff may set, from today
MAX_DAYS_AHEAD = 366 * 2


def local_today(unit: BusinessUnit, now: datetime | None = None) -> date:
    return local_time(now or utcnow(), unit.timezone).date()


def request_document(actor: Actor, customer: Customer, *, title: str, due: date | None, note: str = "",
                     category: str | None = None, now: datetime | None = None) -> DocumentRequest:
    """Ask ``customer`` for a document. The customer answers in the portal, so it must be on for them."""
    from core.services.portal import customer_may_log_in

    same_unit(actor, customer)
    if not customer_may_log_in(customer):
        raise InvalidInput(_l("The customer answers a request in the customer portal: switch the portal on for "
                              "them first."))
    today = local_today(customer.business_unit, now)
    if due is None or due < today or due > today + timedelta(days=MAX_DAYS_AHEAD):
        raise InvalidInput(_l("Please give a due date between today and two years from now."), {"due": "range"})
    item = DocumentRequest(business_unit=customer.business_unit, customer=customer, title=(title or "").strip(),
                           due=due, note=docs.checked_note(note) or None,
                           category=docs.checked_category(customer.business_unit, category),
                           requested_by=actor.label[:300])
    try:
        item.save()
    except MEValidationError as exc:
        raise InvalidInput(_l("Please say which document you need (at most 200 characters, one line)."),
                           {"title": "invalid"}) from exc
    record(actor, "create", object_type="document_requests", object_id=item.pk, summary=f"Request {item.title}",
           business_unit=customer.business_unit, customer=customer)
    return item


def cancel_request(actor: Actor, item: DocumentRequest) -> None:
    same_unit(actor, item)
    if not DocumentRequest.objects(pk=item.pk, status="open").update_one(set__status="cancelled"):
        raise Conflict(_l("This request is no longer open."))
    record(actor, "cancel", object_type="document_requests", object_id=item.pk, summary=f"Request {item.title}",
           business_unit=item.business_unit, customer=item.customer)


def requests_for(customer: Customer, limit: int = 50) -> list[DocumentRequest]:
    return list(DocumentRequest.objects(customer=customer).order_by("-created_at").limit(limit))


def open_requests(customer: Customer) -> list[DocumentRequest]:
    return list(DocumentRequest.objects(customer=customer, status="open").order_by("due").limit(50))


def open_request_for(customer: Customer, request_id: str) -> DocumentRequest:
    item = DocumentRequest.objects.get_or_none(pk=request_id, customer=customer, status="open")
    if item is None:
        raise NotFound(_l("Not found."))
    return item


def answer(actor: Actor, item: DocumentRequest, data: bytes, filename: str) -> Document:
    """The customer's upload for ``item``: stored as a shared customer-file document; the request is
    claimed first, so two uploads at once fulfil it once and the second is refused, leaving nothing."""
    docs.check(data, filename)  # a refused file leaves the request open
    claimed = DocumentRequest.objects(pk=item.pk, status="open").update_one(set__status="fulfilled",
                                                                              set__fulfilled_at=utcnow())
    if not claimed:
        raise Conflict(_l("This request is no longer open."))
    try:
        doc = docs.store(actor, item.customer, data, filename, project=None, uploaded_by="customer",
                         category=item.category, note=item.title, staff_only=False, request_id=item.pk)
    except Exception:
        DocumentRequest.objects(pk=item.pk, status="fulfilled").update_one(set__status="open", unset__fulfilled_at=1)
        raise
    DocumentRequest.objects(pk=item.pk).update_one(set__document=doc.pk)
    record(actor, "fulfil", object_type="document_requests", object_id=item.pk, summary=f"Request {item.title}",
           business_unit=item.business_unit, customer=item.customer)
    return doc


def send_overdue_reminders(now: datetime | None = None) -> int:
    """One reminder per overdue open request (due date before the unit's today), claimed atomically, so
    overlapping sweeps or a retried task never remind twice."""
    now = now or utcnow()
    sent = 0
    for unit in BusinessUnit.objects(features=FEATURE):
        today = local_today(unit, now)
        due = DocumentRequest.objects(business_unit=unit, status="open", reminder_sent_at=None, due__lt=today)
        for item in due.limit(500):
            if not DocumentRequest.objects(pk=item.pk, status="open", reminder_sent_at=None) \
                    .update_one(set__reminder_sent_at=now):
                continue
            customer = item.customer
            if not isinstance(customer, Customer) or not customer.email:
                continue
            link = public_base_url(current_app.config) + f"/portal/{unit.slug}/login"
            with force_locale(unit.language or "de"):
                subject = _("Reminder: %(unit)s is waiting for a document", unit=unit.name)
                body = _("Hello %(name)s,\n\n%(unit)s asked you for this document by %(date)s: %(title)s\n\n"
                         "Please upload it in the customer portal: %(link)s\n\nKind regards\n%(unit)s",
                         name=customer.full_name, unit=unit.name,
                         date=format_date(item.due, "medium", locale=unit.language or "de"),
                         title=item.title, link=link)
            queue_email(to=customer.email, subject=subject, body=body, business_unit=unit,
                        customer_id=str(customer.pk), idempotency_key=f"document-request:{item.pk}")
            sent += 1
    return sent


def delete_customer_requests(customer: Customer) -> int:
    """Deletion service hook: the customer's requests (and the audit events about them)."""
    erase_object("document_requests", [str(pk) for pk in DocumentRequest.objects(customer=customer).scalar("pk")])
    return DocumentRequest.objects(customer=customer).delete()
