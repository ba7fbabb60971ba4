"""Celery tasks: short, take id strings, call a service, idempotent."""

from tasks import (
    dialogs,
    kiosk,  # kiosk: issue 4
    mail,
    portal,
    reminders,
    reports,
    waitlist,
)

__all__ = ["dialogs", "kiosk", "mail", "portal", "reminders", "reports", "waitlist"]
