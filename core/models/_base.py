"""Shared helpers for the models."""

from __future__ import annotations

from datetime import UTC, datetime


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
