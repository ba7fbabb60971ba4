"""Outgoing e-mail: queued in the outbox, delivered by a Celery task through SMTP when configured.

Each message can carry an idempotency key, claimed under a unique index, so the same action
never produces two messages; delivery claims the message atomically before talking to SMTP.
"""

from __future__ import annotations

import smtplib
from datetime import timedelta
from email.message import EmailMessage
from email.utils import make_msgid

from flask import current_app
from mongoengine import NotUniqueError

from core.celery_app import enqueue
from core.models import OutboxMessage
from core.models._base import utcnow


def queue_email(*, to: str, subject: str, body: str, business_unit=None, customer_id: str | None = None,
                idempotency_key: str | None = None, send: bool = True) -> OutboxMessage:
    """Store a message (once per idempotency key) and hand its id to the delivery task."""
    msg = OutboxMessage(channel="email", to=to, subject=subject[:300], body=body, business_unit=business_unit,
                        customer_id=customer_id, idempotency_key=idempotency_key)
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
        return msg.save()
    except NotUniqueError:
        return OutboxMessage.objects.get(idempotency_key=idempotency_key)


def deliver_message(message_id: str) -> str:
    """Send one queued message. Returns its final status. Safe to call twice: only one sender claims it."""
    claimed = OutboxMessage.objects(pk=message_id, status="queued").modify(
        new=True, set__status="sending", inc__attempts=1, set__claimed_at=utcnow())
    if claimed is None:
        existing = OutboxMessage.objects(pk=message_id).first()
        return existing.status if existing else "missing"
    if not current_app.config["SMTP_HOST"]:
        OutboxMessage.objects(pk=claimed.pk).update_one(set__status="stored", set__sent_at=utcnow())
        return "stored"
    try:
        _smtp_send(claimed)
    except (OSError, smtplib.SMTPException) as exc:  # the connection or the server: worth another try
        final = claimed.attempts >= 5
        OutboxMessage.objects(pk=claimed.pk).update_one(
            set__status="failed" if final else "queued", set__error=_reason(exc))
        return "failed" if final else "queued"
    except Exception as exc:  # the message itself cannot be sent (e.g. a line break in a header): no retry
        OutboxMessage.objects(pk=claimed.pk).update_one(set__status="failed", set__error=_reason(exc))
        current_app.logger.warning("Outbox message %s cannot be sent: %s", claimed.pk, _reason(exc))
        return "failed"
    OutboxMessage.objects(pk=claimed.pk).update_one(set__status="sent", set__sent_at=utcnow(), unset__error=True)
    return "sent"


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
    return OutboxMessage.objects(status="sending", claimed_at__lt=now - SENDING_LEASE).update(
        set__status="failed",
        set__error="The sender stopped during delivery; it may or may not have arrived. Check before resending.")


def _smtp_send(msg: OutboxMessage) -> None:
    cfg = current_app.config
    email = EmailMessage()
    email["From"] = cfg["MAIL_FROM"]
    email["To"] = msg.to
    email["Subject"] = msg.subject or ""
    email["Message-ID"] = make_msgid(idstring=str(msg.pk))
    email.set_content(msg.body)
    with smtplib.SMTP(cfg["SMTP_HOST"], int(cfg["SMTP_PORT"]), timeout=cfg["SMTP_TIMEOUT"]) as smtp:
        if cfg["SMTP_STARTTLS"]:
            smtp.starttls()
        if cfg["SMTP_USER"]:
            smtp.login(cfg["SMTP_USER"], cfg["SMTP_PASSWORD"])
        smtp.send_message(email)
