"""Stored times are naive UTC; these turn them into a unit's (or an appointment's) wall clock and back.

One place for the conversion, so reminders, waitlist offers, document requests, the portal and the
placeholders agree on every DST day."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
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


# --- quiet hours (minutes after local midnight; a window may span midnight) ---------------------------


def _minutes(local: datetime) -> int:
    return local.hour * 60 + local.minute


def in_quiet_hours(moment: datetime, zone_name: str, quiet_start: int, quiet_end: int) -> bool:
    """``moment`` (naive UTC) lies inside the quiet hours in the zone (a window may span midnight)."""
    if quiet_start == quiet_end:
        return False
    now = _minutes(local_time(moment, zone(zone_name)))
    if quiet_start < quiet_end:
        return quiet_start <= now < quiet_end
    return now >= quiet_start or now < quiet_end


def after_quiet_hours(moment: datetime, zone_name: str, quiet_end: int) -> datetime:
    """The first moment after the quiet hours that contain ``moment`` (naive UTC in, naive UTC out)."""
    tz = zone(zone_name)
    local = local_time(moment, tz)
    end = datetime.combine(local.date(), time(quiet_end // 60, quiet_end % 60), tzinfo=tz)
    if end <= local:
        end = datetime.combine(local.date() + timedelta(days=1), time(quiet_end // 60, quiet_end % 60), tzinfo=tz)
    return to_utc(end)


def before_quiet_hours(moment: datetime, zone_name: str, quiet_start: int) -> datetime:
    """The last minute before the quiet hours that contain ``moment`` began."""
    tz = zone(zone_name)
    local = local_time(moment, tz)
    begin = datetime.combine(local.date(), time(quiet_start // 60, quiet_start % 60), tzinfo=tz)
    if begin > local:
        begin -= timedelta(days=1)
    return to_utc(begin) - timedelta(minutes=1)
