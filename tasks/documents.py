"""Document requests: the periodic sweep that reminds customers of overdue requests, once each."""

from __future__ import annotations

from celery import shared_task

from core.services.document_requests import send_overdue_reminders


@shared_task(name="tasks.documents.remind_overdue")
def remind_overdue() -> int:
    return send_overdue_reminders()
