"""Celery tasks: short, take id strings, call a service, idempotent."""

from tasks import (
    bonus,
    dialogs,
    documents,
    kiosk,  # kiosk: issue 4
    mail,
    portal,
    reminders,
    reports,
    waitlist,
)

__all__ = ["bonus", "dialogs", "documents", "kiosk", "mail", "portal", "reminders", "reports", "waitlist"]
