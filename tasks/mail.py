"""E-mail delivery tasks. They take ids and call the mail service."""

from __future__ import annotations

from celery import shared_task

from core.services.mail import deliver_message, fail_stale_claims, retry_due


@shared_task(name="tasks.mail.deliver", ignore_result=False)
def deliver(message_id: str) -> str:
    return deliver_message(message_id)


@shared_task(name="tasks.mail.retry_queued")
def retry_queued() -> int:
    """Periodic: deliver what is still queued once its backoff is over (a lost task, an SMTP outage);
    flag dead claims."""
    fail_stale_claims()
    ids = retry_due()
    for message_id in ids:
        deliver_message(message_id)
    return len(ids)
