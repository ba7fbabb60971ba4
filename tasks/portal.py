"""Portal notifications: take ids, call the service; the outbox key makes retries harmless."""

from __future__ import annotations

from celery import shared_task

from core.services.messages import notify


@shared_task(name="tasks.portal.notify_message")
def notify_message(message_id: str) -> str:
    return notify(message_id)
