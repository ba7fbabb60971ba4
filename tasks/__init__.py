"""Celery tasks: short, take id strings, call a service, idempotent."""

from tasks import mail, reminders

__all__ = ["mail", "reminders"]
