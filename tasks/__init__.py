"""Celery tasks: short, take id strings, call a service, idempotent."""

from tasks import (
    dialogs,  # dialogs (issue 6)
    kiosk,  # kiosk: issue 4
    mail,
    portal,  # portal (issue 5)
    reminders,
    reports,  # dialogs (issue 6)
)

__all__ = ["dialogs", "kiosk", "mail", "portal", "reminders", "reports"]  # portal (issue 5), dialogs (issue 6)
