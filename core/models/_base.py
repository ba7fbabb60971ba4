"""Shared helpers for the models."""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime

import mongoengine as me


def N_(message: str) -> str:
    """pybabel's no-op marker: the message is extracted here and translated where it is shown."""
    return message


#: shown next to a name field holding a line break, tab or other control character
CONTROL_CHARACTERS = N_("Line breaks and other control characters are not allowed here.")


def no_control_characters(value: str | None) -> None:
    """Field validation for names that end up in e-mail headers and one-line labels."""
    if value and any(unicodedata.category(c) in ("Cc", "Zl", "Zp") for c in value):
        raise me.ValidationError(CONTROL_CHARACTERS)


def utcnow() -> datetime:
    """Naive UTC now (MongoDB stores UTC; mongoengine reads naive datetimes back)."""
    now = datetime.now(UTC).replace(tzinfo=None)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)  # BSON keeps milliseconds


class TimestampedMixin:
    """Sets ``created_at``/``updated_at`` on save. Mixed into Documents that declare both fields."""

    def save(self, *args, **kwargs):
        now = utcnow()
        if not getattr(self, "created_at", None):
            self.created_at = now
        self.updated_at = now
        return super().save(*args, **kwargs)
