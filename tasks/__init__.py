"""Celery tasks: short, take id strings, call a service, idempotent."""

from tasks import (
    bonus,
    dialogs,
    kiosk,  # kiosk: issue 4
    mail,
    portal,
    reminders,
    reports,
)

__all__ = ["bonus", "dialogs", "kiosk", "mail", "portal", "reminders", "reports"]
