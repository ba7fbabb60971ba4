"""Stored times are naive UTC; these turn them into a unit's (or an appointment's) wall clock and back.

One place for the conversion, so reminders, waitlist offers, document requests, the portal and the
placeholders agree on every DST day."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

UTC = ZoneInfo("UTC")
DEFAULT_ZONE = "Europe/Berlin"


def zone(name: str | ZoneInfo | None) -> ZoneInfo:
    return name if isinstance(name, ZoneInfo) else ZoneInfo(name or DEFAULT_ZONE)


def local_time(utc_naive: datetime, tz: str | ZoneInfo | None) -> datetime:
    """The aware local time of a stored (naive UTC) time in ``tz``."""
    return utc_naive.replace(tzinfo=UTC).astimezone(zone(tz))


def local_day(utc_naive: datetime, tz: str | ZoneInfo | None) -> date:
    return local_time(utc_naive, tz).date()


def to_utc(local: datetime) -> datetime:
    """An aware local time back to stored (naive UTC) form."""
    return local.astimezone(UTC).replace(tzinfo=None)
