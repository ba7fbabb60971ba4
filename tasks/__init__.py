"""Celery tasks: short, take id strings, call a service, idempotent."""

from tasks import kiosk, mail, reminders  # kiosk: issue 4

__all__ = ["kiosk", "mail", "reminders"]
