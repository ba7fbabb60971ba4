"""Messages per project between customer (portal) and staff (admin); e-mail notification via Celery."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from mongoengine import ValidationError as MEValidationError

from core.celery_app import enqueue
from core.errors import InvalidInput
from core.models import Customer, Message, Project
from core.models._base import utcnow
from core.services.audit import Actor
from core.services.mail import queue_email

MAX_LENGTH = 5000


def post(actor: Actor, project: Project, body: str, *, sender: str) -> Message:
    """Store a message and hand its id to the notification task."""
    body = (body or "").strip()
    if not body:
        raise InvalidInput(_l("Please write a message."), {"body": "required"})
    if len(body) > MAX_LENGTH:
        raise InvalidInput(_l("The message is too long (at most 5,000 characters)."), {"body": "too long"})
    label = actor.label.split(" <")[0].split(" (portal")[0][:200]
    message = Message(business_unit=project.business_unit, customer=project.customer, project=project,
                      sender=sender, sender_label=label, body=body)
    try:
        message.save()
    except MEValidationError as exc:
        raise InvalidInput(_l("Invalid message.")) from exc
    enqueue("tasks.portal.notify_message", message.pk)
    return message


THREAD_FIELDS = ("sender", "sender_label", "body", "created_at")


def thread(project: Project, limit: int = 200) -> list[dict]:
    """The newest ``limit`` messages of a project, oldest first, as plain dicts (only the shown fields:
    building 200 documents costs more than the query on the embedded store)."""
    newest = list(Message.objects(project=project).order_by("-created_at").only(*THREAD_FIELDS)
                  .limit(limit).as_pymongo())
    return newest[::-1]


def mark_read(project: Project, *, reader: str) -> int:
    """``reader`` ("customer" or "staff") has seen the other side's messages."""
    other = "staff" if reader == "customer" else "customer"
    return Message.objects(project=project, sender=other, read_at=None).update(set__read_at=utcnow())


def unread_for_customer(customer: Customer, project: Project | None = None) -> dict[str, int]:
    """Unread staff messages per project id."""
    query = Message.objects(customer=customer, sender="staff", read_at=None)
    if project is not None:
        query = query.filter(project=project)
    counts: dict[str, int] = {}
    for ref in query.scalar("project"):
        key = str(ref.pk if hasattr(ref, "pk") else ref.id)
        counts[key] = counts.get(key, 0) + 1
    return counts


def unread_for_staff(unit) -> int:
    return Message.objects(business_unit=unit, sender="customer", read_at=None).count()


def notify(message_id: str) -> str:
    """E-mail the other side about a new message (once: idempotency key per message)."""
    message = Message.objects(pk=message_id).first()
    if message is None:
        return "missing"
    unit = message.business_unit
    if message.sender == "staff":
        to = message.customer.email
        subject = f"Neue Nachricht von {unit.name}"
        body = (f"Guten Tag {message.customer.first_name},\n\nSie haben im Kundenportal von {unit.name} eine neue "
                f"Nachricht zum Auftrag „{message.project.name}“. Bitte melden Sie sich im Kundenportal an, um sie "
                "zu lesen.\n")
    else:
        to = unit.settings.email if unit.settings else None
        subject = f"Neue Kundennachricht: {message.customer.full_name}"
        body = (f"{message.customer.full_name} hat im Kundenportal eine Nachricht zum Auftrag "
                f"„{message.project.name}“ geschrieben. Antworten Sie im Admin-Bereich.\n")
    if not to:
        return "no address"
    queue_email(to=to, subject=subject, body=body, business_unit=unit, customer_id=str(message.customer.pk),
                idempotency_key=f"portal-message:{message.pk}")
    Message.objects(pk=message.pk, notified_at=None).update_one(set__notified_at=utcnow())
    return "queued"


def delete_customer_messages(customer: Customer) -> int:
    return Message.objects(customer=customer).delete()
