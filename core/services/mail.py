"""Outgoing e-mail and SMS: queued in the outbox, delivered by a Celery task through SMTP or the SMS
provider (:mod:`core.services.sms`) when configured.

Each message can carry an idempotency key, claimed under a unique index, so the same action
never produces two messages; delivery claims the message atomically before talking to SMTP.
"""

from __future__ import annotations

import contextlib
import secrets
import smtplib
import threading
from collections.abc import Iterator
from datetime import timedelta
from email.message import EmailMessage
from email.utils import make_msgid

from blinker import Namespace
from flask import current_app
from mongoengine import NotUniqueError

from core.celery_app import enqueue
from core.models import OutboxMessage
from core.models._base import N_, utcnow
from core.models.outbox_message import Attachment
from core.services import sms
from core.timezones import after_quiet_hours, in_quiet_hours

#: sent with ``results``, a list of (message id, idempotency key, status, error), when deliveries ended
#: ("sent", "stored", "failed"), so whoever queued them (the reminders) can track them without the outbox
#: knowing them
messages_finished = Namespace().signal("outbox-messages-finished")
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
              idempotency_key: str | None = None, send: bool = True,
              quiet: tuple[int, int, str] | None = None) -> OutboxMessage:
    """Store a text message (once per idempotency key).

    Without an SMS provider (``SMS_PROVIDER`` "outbox", the embedded default) it stays in the outbox (status
    "stored"), where staff and tests can see it. With one it is queued, its number in E.164 where it parses,
    and (``send``) handed to the delivery task, which sends it through the provider (:mod:`core.services.sms`).
    ``quiet``: (start, end, time zone) of quiet hours that also hold for its retries."""
    provider = sms.provider()
    if provider is not None:
        with contextlib.suppress(sms.PermanentSmsError):  # an unusable number fails when it is delivered
            to = sms.normalise(to, _country(business_unit))
    msg = OutboxMessage(channel="sms", to=to[:254], body=body[:1600], business_unit=business_unit,
                        customer_id=customer_id, idempotency_key=idempotency_key)
    if quiet is not None and quiet[0] != quiet[1]:
        msg.quiet_start, msg.quiet_end, msg.quiet_zone = quiet
    if provider is None:
        msg.status, msg.sent_at = "stored", utcnow()
    try:
        msg.save()
    except NotUniqueError:
        return OutboxMessage.objects.get(idempotency_key=idempotency_key)
    if provider is None:
        messages_finished.send(None, results=[(str(msg.pk), idempotency_key, "stored", None)])
    elif send:
        enqueue("tasks.mail.deliver", msg.pk)
    return msg


def _country(unit) -> str:
    settings = getattr(unit, "settings", None)
    return (getattr(settings, "default_country", None) or "DE") if settings is not None else "DE"


def deliver_message(message_id: str) -> str:
    """Send one queued message. Returns its final status. Safe to call twice: only one sender claims it."""
    return deliver_batch([message_id])[str(message_id)]


def deliver_batch(message_ids: list[str]) -> dict[str, str]:
    """Send queued messages over one SMTP connection; returns id → status. Safe to call twice.

    The messages are claimed with one conditional update (queued → sending, under a claim token) and
    finished with one update per outcome, so a batch costs a few database round trips, not a few per
    message. Only what this call claimed is sent; the others report the state they are in."""
    ids = [str(i) for i in message_ids]
    token, now = secrets.token_hex(8), utcnow()
    OutboxMessage.objects(pk__in=ids, status="queued").update(
        set__status="sending", inc__attempts=1, set__claimed_at=now, set__claim=token)
    claimed = list(OutboxMessage.objects(pk__in=ids, status="sending", claim=token))
    results = {str(pk): status for pk, status in OutboxMessage.objects(pk__in=ids).scalar("pk", "status")}
    results = {i: results.get(i, "missing") for i in ids}
    finished: list[tuple[str, str | None, str, str | None]] = []
    emails = [m for m in claimed if m.channel != "sms"]
    texts = [m for m in claimed if m.channel == "sms"]
    keep = (emails if not current_app.config["SMTP_HOST"] else []) + (texts if sms.provider() is None else [])
    if keep:  # no server for them: they stay in the outbox, as the embedded default describes
        OutboxMessage.objects(pk__in=[m.pk for m in keep], claim=token).update(
            set__status="stored", set__sent_at=utcnow())
        finished = [(str(m.pk), m.idempotency_key, "stored", None) for m in keep]
    if emails and current_app.config["SMTP_HOST"]:
        with smtp_session():
            mailed = [_send_claimed(msg, _smtp_send, (OSError, smtplib.SMTPException)) for msg in emails]
        sent = [message_id for message_id, _key, status, _error in mailed if status == "sent"]
        OutboxMessage.objects(pk__in=sent, claim=token).update(
            set__status="sent", set__sent_at=utcnow(), unset__error=True)
        finished += mailed
    if texts and sms.provider() is not None:
        texts, deferred = _outside_quiet_hours(texts, token)
        finished += deferred
        countries: dict[str, str] = {}  # per unit, looked up once per batch
        finished += [_send_claimed(msg, lambda m: _sms_send(m, countries), (sms.TransientSmsError,))
                     for msg in texts]
    results.update({message_id: status for message_id, _key, status, _error in finished})
    done = [item for item in finished if item[2] != "queued"]
    if done:
        messages_finished.send(None, results=done)
    return results


def _send_claimed(msg: OutboxMessage, transport, transient: tuple[type[Exception], ...]
                  ) -> tuple[str, str | None, str, str | None]:
    """(id, key, status, error) after one attempt through ``transport``; failures are stored here, a success
    by the caller (an SMS's by :func:`_sms_send`, with the provider's id). ``transient`` errors are retried
    with :func:`backoff` until :data:`MAX_ATTEMPTS`; any other error fails the message at once."""
    try:
        transport(msg)
    except transient as exc:  # the connection or the server: worth another try
        if msg.attempts >= MAX_ATTEMPTS:
            OutboxMessage.objects(pk=msg.pk).update_one(set__status="failed", set__error=_reason(exc))
            return str(msg.pk), msg.idempotency_key, "failed", _reason(exc)
        OutboxMessage.objects(pk=msg.pk).update_one(
            set__status="queued", set__error=_reason(exc), set__next_attempt_at=utcnow() + backoff(msg.attempts))
        return str(msg.pk), msg.idempotency_key, "queued", _reason(exc)
    except Exception as exc:  # the message itself cannot be sent (e.g. a line break in a header): no retry
        OutboxMessage.objects(pk=msg.pk).update_one(set__status="failed", set__error=_reason(exc))
        current_app.logger.warning("Outbox message %s cannot be sent: %s", msg.pk, _reason(exc))
        return str(msg.pk), msg.idempotency_key, "failed", _reason(exc)
    return str(msg.pk), msg.idempotency_key, "sent", None


def _outside_quiet_hours(texts: list[OutboxMessage], token: str) -> tuple[list[OutboxMessage], list[tuple]]:
    """(the claimed SMS that may go now, results of the others): one inside its quiet hours (a retry that
    fell into the night) is put back, due at their end, and this attempt is not counted."""

    now, ready, deferred = utcnow(), [], []
    for msg in texts:
        if msg.quiet_zone and in_quiet_hours(now, msg.quiet_zone, msg.quiet_start, msg.quiet_end):
            OutboxMessage.objects(pk=msg.pk, claim=token, status="sending").update_one(
                set__status="queued", dec__attempts=1,
                set__next_attempt_at=after_quiet_hours(now, msg.quiet_zone, msg.quiet_end))
            deferred.append((str(msg.pk), msg.idempotency_key, "queued", None))
        else:
            ready.append(msg)
    return ready, deferred


def _sms_send(msg: OutboxMessage, countries: dict[str, str]) -> None:
    """Hand a claimed SMS to the provider and record its id (conditional on the claim: one sender)."""
    unit_id = str(getattr(msg._data.get("business_unit"), "id", None) or "")
    if unit_id not in countries:
        countries[unit_id] = _country(msg.business_unit)
    provider_id = sms.send(msg.to, msg.body, countries[unit_id])
    OutboxMessage.objects(pk=msg.pk, claim=msg.claim, status="sending").update_one(
        set__status="sent", set__sent_at=utcnow(), set__provider_id=provider_id, unset__error=True)


def retry_due(now=None, limit: int = 200) -> list[str]:
    """Ids of queued messages whose backoff is over (a lost task, an SMTP outage)."""
    now = now or utcnow()
    due = OutboxMessage.objects(status="queued", attempts__lt=MAX_ATTEMPTS).filter(
        __raw__={"$or": [{"next_attempt_at": None}, {"next_attempt_at": {"$lte": now}}]})
    return [str(pk) for pk in due.scalar("pk")[:limit]]


def _reason(exc: Exception) -> str:
    if isinstance(exc, sms.SmsError):  # the provider's words, as staff read them
        return f"SMS: {exc}"[:1000]
    return f"{type(exc).__name__}: {exc}"[:1000]


#: stored in English (a msgid: pages that show it translate it)
STOPPED_SENDER = N_("The sender stopped during delivery; it may or may not have arrived. Check before resending.")
#: a sender that has not finished within this time has died (SMTP_TIMEOUT is seconds)
SENDING_LEASE = timedelta(minutes=10)


def fail_stale_claims(now=None) -> int:
    """Messages whose sender died mid-delivery: marked failed, never re-sent automatically.

    The SMTP server may or may not have received them (exactly once cannot be known here), and
    sending twice is what the claim exists to prevent; staff see the reason in the outbox and decide.
    """
    now = now or utcnow()
    reason = STOPPED_SENDER
    stale = OutboxMessage.objects(status="sending", claimed_at__lt=now - SENDING_LEASE).scalar("pk", "idempotency_key")
    failed = 0
    for message_id, key in list(stale):  # each on its own: a sender that finished meanwhile keeps its result
        if OutboxMessage.objects(pk=message_id, status="sending").update_one(set__status="failed", set__error=reason):
            messages_finished.send(None, results=[(str(message_id), key, "failed", reason)])
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
    if not getattr(_session, "open", False):
        with _connect() as smtp:
            smtp.send_message(email)
        return
    if _session.smtp is None:
        _session.smtp = _connect()
    try:
        _session.smtp.send_message(email)
    except Exception:  # the connection's state is unknown now: the next message opens a new one
        _drop_session_connection()
        raise


def _connect() -> smtplib.SMTP:
    cfg = current_app.config
    smtp = smtplib.SMTP(cfg["SMTP_HOST"], int(cfg["SMTP_PORT"]), timeout=cfg["SMTP_TIMEOUT"])
    try:
        if cfg["SMTP_STARTTLS"]:
            smtp.starttls()
        if cfg["SMTP_USER"]:
            smtp.login(cfg["SMTP_USER"], cfg["SMTP_PASSWORD"])
    except Exception:
        smtp.close()
        raise
    return smtp


_session = threading.local()


@contextlib.contextmanager
def smtp_session() -> Iterator[None]:
    """Messages delivered inside the block (this thread) share one SMTP connection, opened on first use:
    a batch of reminders costs one connection, not one per message. Claims and results stay per message."""
    _session.open, _session.smtp = True, None
    try:
        yield
    finally:
        if _session.smtp is not None:
            with contextlib.suppress(OSError, smtplib.SMTPException):
                _session.smtp.quit()
        _drop_session_connection()
        _session.open = False


def _drop_session_connection() -> None:
    smtp, _session.smtp = getattr(_session, "smtp", None), None
    if smtp is not None:
        smtp.close()
