"""Dialog e-mails: the invitation task and the periodic sweep (automatic reminders, lost invitations)."""

from __future__ import annotations

from celery import shared_task

from core.services.dialogs import send_due_reminders, send_invitation


@shared_task(name="tasks.dialogs.invite")
def invite(dialog_id: str) -> str:
    """Idempotent: the invitation claims ``dialog:<id>:invitation:1`` before anything is sent."""
    return send_invitation(dialog_id)


@shared_task(name="tasks.dialogs.sweep")
def sweep() -> int:
    """Periodic (beat, every 2 minutes), guarded by a lock: only one sweep runs at a time."""
    return send_due_reminders()
