"""Appointment reminders: a periodic sweep queues one e-mail per appointment that asks for one."""

from __future__ import annotations

from celery import shared_task

from core.services.reminders import send_due_reminders


@shared_task(name="tasks.reminders.sweep")
def sweep() -> int:
    return send_due_reminders()
