"""Outgoing e-mail: queued in the outbox, delivered by a Celery task through SMTP when configured.

Each message can carry an idempotency key, claimed under a unique index, so the same action
never produces two messages; delivery claims the message atomically before talking to SMTP.
"""

from __future__ import annotations

import smtplib
from datetime import timedelta
from email.message import EmailMessage
from email.utils import make_msgid

from blinker import Namespace
from flask import current_app
from mongoengine import NotUniqueError

from core.celery_app import enqueue
from core.models import OutboxMessage
from core.models._base import utcnow
from core.models.outbox_message import Attachment

#: sent with the message id, ``key`` (its idempotency key), ``status`` ("sent", "stored", "failed") and ``error``
#: when a delivery ended, so whoever queued it (the reminders) can track it without the outbox knowing them
message_finished = Namespace().signal("outbox-message-finished")
#: tries of a message whose server failed before it is given up ("failed")
MAX_ATTEMPTS = 5


def backoff(attempts: int) -> timedelta:
    """The wait after the ``attempts``-th transient failure: 1, 2, 4, 8 minutes."""
    return timedelta(minutes=2 ** max(attempts - 1, 0))


def queue_email(*, to: str, subject: str, body: str, business_unit=None, customer_id: str | None = None,
                idempotency_key: str | None = None, send: bool = True,
                attachments: list[tuple[str, str, str]] = ()) -> OutboxMessage:
    """Store a message (once per idempotency key) and hand its id to the delivery task.

    ``attachments``: (file name, content type, text) each, e.g. an .ics calendar entry."""
    msg = OutboxMessage(channel="email", to=to, subject=subject[:300], body=body, business_unit=business_unit,
                        customer_id=customer_id, idempotency_key=idempotency_key,
                        attachments=[Attachment(filename=n, content_type=t, data=d) for n, t, d in attachments])
    try:
        msg.save()
    except NotUniqueError:
        return OutboxMessage.objects.get(idempotency_key=idempotency_key)
    if send:
        enqueue("tasks.mail.deliver", msg.pk)
    return msg


def queue_sms(*, to: str, body: str, business_unit=None, customer_id: str | None = None,
              idempotency_key: str | None = None) -> OutboxMessage:
    """Store a text message (once per idempotency key). No SMS provider is wired in: it stays in the
    outbox (status "stored"), where staff and tests can see it, as the embedded default describes."""
    msg = OutboxMessage(channel="sms", to=to, body=body[:1600], business_unit=business_unit, customer_id=customer_id,
                        idempotency_key=idempotency_key, status="stored", sent_at=utcnow())
    try:
        msg.save()
    except NotUniqueError:
        return OutboxMessage.objects.get(idempotency_key=idempotency_key)
    message_finished.send(str(msg.pk), key=idempotency_key, status="stored", error=None)
    return msg


def deliver_message(message_id: str) -> str:
    """Send one queued message. Returns its final status. Safe to call twice: only one sender claims it."""
    claimed = OutboxMessage.objects(pk=message_id, status="queued").modify(
        new=True, set__status="sending", inc__attempts=1, set__claimed_at=utcnow())
    if claimed is None:
        existing = OutboxMessage.objects(pk=message_id).first()
        return existing.status if existing else "missing"
    if not current_app.config["SMTP_HOST"]:
        OutboxMessage.objects(pk=claimed.pk).update_one(set__status="stored", set__sent_at=utcnow())
        return _finished(claimed, "stored")
    try:
        _smtp_send(claimed)
    except (OSError, smtplib.SMTPException) as exc:  # the connection or the server: worth another try
        if claimed.attempts >= MAX_ATTEMPTS:
            OutboxMessage.objects(pk=claimed.pk).update_one(set__status="failed", set__error=_reason(exc))
            return _finished(claimed, "failed", _reason(exc))
        OutboxMessage.objects(pk=claimed.pk).update_one(
            set__status="queued", set__error=_reason(exc), set__next_attempt_at=utcnow() + backoff(claimed.attempts))
        return "queued"
    except Exception as exc:  # the message itself cannot be sent (e.g. a line break in a header): no retry
        OutboxMessage.objects(pk=claimed.pk).update_one(set__status="failed", set__error=_reason(exc))
        current_app.logger.warning("Outbox message %s cannot be sent: %s", claimed.pk, _reason(exc))
        return _finished(claimed, "failed", _reason(exc))
    OutboxMessage.objects(pk=claimed.pk).update_one(set__status="sent", set__sent_at=utcnow(), unset__error=True)
    return _finished(claimed, "sent")


def _finished(msg: OutboxMessage, status: str, error: str | None = None) -> str:
    message_finished.send(str(msg.pk), key=msg.idempotency_key, status=status, error=error)
    return status


def retry_due(now=None, limit: int = 200) -> list[str]:
    """Ids of queued messages whose backoff is over (a lost task, an SMTP outage)."""
    now = now or utcnow()
    due = OutboxMessage.objects(status="queued", attempts__lt=MAX_ATTEMPTS).filter(
        __raw__={"$or": [{"next_attempt_at": None}, {"next_attempt_at": {"$lte": now}}]})
    return [str(pk) for pk in due.scalar("pk")[:limit]]


def _reason(exc: Exception) -> str:
    return f"{type(exc).__name__}: {exc}"[:1000]


#: a sender that has not finished within this time has died (SMTP_TIMEOUT is seconds)
SENDING_LEASE = timedelta(minutes=10)


def fail_stale_claims(now=None) -> int:
    """Messages whose sender died mid-delivery: marked failed, never re-sent automatically.

    The SMTP server may or may not have received them (exactly once cannot be known here), and
    sending twice is what the claim exists to prevent; staff see the reason in the outbox and decide.
    """
    now = now or utcnow()
    reason = "The sender stopped during delivery; it may or may not have arrived. Check before resending."
    stale = OutboxMessage.objects(status="sending", claimed_at__lt=now - SENDING_LEASE).scalar("pk", "idempotency_key")
    failed = 0
    for message_id, key in list(stale):  # each on its own: a sender that finished meanwhile keeps its result
        if OutboxMessage.objects(pk=message_id, status="sending").update_one(set__status="failed", set__error=reason):
            message_finished.send(str(message_id), key=key, status="failed", error=reason)
            failed += 1
    return failed


def _smtp_send(msg: OutboxMessage) -> None:
    cfg = current_app.config
    email = EmailMessage()
    email["From"] = cfg["MAIL_FROM"]
    email["To"] = msg.to
    email["Subject"] = msg.subject or ""
    email["Message-ID"] = make_msgid(idstring=str(msg.pk))
    email.set_content(msg.body)
    for attachment in msg.attachments or []:
        maintype, subtype = attachment.content_type.split("/", 1)
        email.add_attachment(attachment.data.encode(), maintype=maintype, subtype=subtype,
                             filename=attachment.filename)
    with smtplib.SMTP(cfg["SMTP_HOST"], int(cfg["SMTP_PORT"]), timeout=cfg["SMTP_TIMEOUT"]) as smtp:
        if cfg["SMTP_STARTTLS"]:
            smtp.starttls()
        if cfg["SMTP_USER"]:
            smtp.login(cfg["SMTP_USER"], cfg["SMTP_PASSWORD"])
        smtp.send_message(email)
