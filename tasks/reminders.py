"""Appointment confirmations and reminders: the periodic sweep claims due deliveries, one task sends each."""

from __future__ import annotations

from celery import shared_task

from core.services.reminders import send_batch
from core.services.reminders import sweep as sweep_due


@shared_task(name="tasks.reminders.sweep")
def sweep() -> int:
    """Periodic (beat, every minute), one at a time (a lease); claims are conditional, so overlaps are harmless."""
    return sweep_due()


@shared_task(name="tasks.reminders.send")
def send_deliveries(*delivery_ids: str) -> dict[str, str]:
    """Idempotent: only a claimed delivery is sent, and its outbox message exists once (its key)."""
    return send_batch(list(delivery_ids))
