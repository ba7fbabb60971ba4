"""Date limits as @formio/core checks them: datetime ``widget.minDate``/``maxDate`` and day
``minDate``/``maxDate``/``minYear``/``maxYear`` (``validateMinimumDate.ts`` and its siblings).

@formio/core parses with dayjs: an ISO-like text without a zone (``2021-01-01``, ``2021-01-01T10:00``)
is local time, one with ``Z`` or an offset is that instant; a day value is read with the pattern
``MM-DD-YYYY`` (``DD-MM-YYYY`` with ``dayFirst``), where dayjs only counts digits and lets an
out-of-range month or day roll over, as ``new Date(y, m, d)`` does. "Local" here is UTC (the server's
zone for the reference verdicts). A limit computed with ``moment(...)`` is JavaScript and refused at
lint (forms/expressions.py), so only fixed dates reach these rules.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from forms.base import ComponentBase, Issue
from forms.jsvalues import js_truthy

__all__ = ["DAYJS_RE", "day_max_date", "day_max_year", "day_min_date", "day_min_year", "max_date", "min_date",
           "parse_dayjs"]

#: dayjs's REGEX_PARSE (a local date and time without a zone)
DAYJS_RE = re.compile(r"^(\d{4})[-/]?(\d{1,2})?[-/]?(\d{0,2})[Tt\s]*(\d{1,2})?:?(\d{1,2})?:?(\d{1,2})?[.:]?(\d+)?$")
_OFFSET_RE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?(Z|[+-]\d{2}:?\d{2})$",
                        re.I)


def _local(y: int, mo: int, d: int, h: int = 0, mi: int = 0, s: int = 0, ms: int = 0) -> datetime | None:
    """``new Date(y, mo - 1, d, h, mi, s, ms)`` (out-of-range parts roll over) in UTC."""
    try:
        base = datetime(y + (mo - 1) // 12, (mo - 1) % 12 + 1, 1, tzinfo=UTC)
        return base + timedelta(days=d - 1, hours=h, minutes=mi, seconds=s, milliseconds=ms)
    except (ValueError, OverflowError):
        return None


def parse_dayjs(value: Any) -> datetime | None:
    """``dayjs(value)`` for the texts a definition or a datetime answer holds (None: invalid)."""
    if not isinstance(value, str) or not value or len(value) > 64:
        return None
    m = DAYJS_RE.match(value)
    if m and not value.upper().endswith("Z"):
        y, mo, d, h, mi, s, ms = m.groups()
        return _local(int(y), int(mo or 1), int(d or 1), int(h or 0), int(mi or 0), int(s or 0),
                      int((ms or "0")[:3].ljust(3, "0")))
    m = _OFFSET_RE.match(value)
    if not m:
        return None
    y, mo, d, h, mi, s, frac, zone = m.groups()
    try:
        at = datetime(int(y), int(mo), int(d), int(h), int(mi), int(s or 0),
                      int((frac or "0")[:6].ljust(6, "0")), tzinfo=UTC)
    except ValueError:
        return None
    if zone.upper() != "Z":
        sign = 1 if zone[0] == "+" else -1
        digits = zone[1:].replace(":", "")
        at -= sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
    return at


def _date_setting(value: Any) -> datetime | None:
    """``getDateSetting``: a fixed date setting (empty, unparsable or computed ones count as none)."""
    if value is None or value == "" or not isinstance(value, str) or "moment(" in value:
        return None
    return parse_dayjs(value)


def _widget(c: ComponentBase) -> dict[str, Any]:
    w = c.defn.get("widget")
    return w if isinstance(w, dict) else {}


def _datetime_limit(c: ComponentBase, value: Any, name: str) -> Issue | None:
    widget = _widget(c)
    if c.type != "datetime" or name not in widget or not js_truthy(value) or not isinstance(value, str):
        return None
    limit = _date_setting(widget.get(name))
    if limit is None:
        return None
    if not js_truthy(widget.get("enableTime")):
        limit = limit.replace(hour=0, minute=0, second=0, microsecond=0)
        if name == "maxDate":  # endOf('day')
            limit += timedelta(days=1, microseconds=-1000)
    at = parse_dayjs(value)
    # dayjs(invalid) is neither after nor before nor the same as anything: both limits fail
    ok = at is not None and (at >= limit if name == "minDate" else at <= limit)
    return None if ok else (name, name, {name: limit.strftime("%Y-%m-%d")})


def min_date(c: ComponentBase, value: Any, ctx: Any) -> Issue | None:
    """datetime ``widget.minDate``."""
    return _datetime_limit(c, value, "minDate")


def max_date(c: ComponentBase, value: Any, ctx: Any) -> Issue | None:
    """datetime ``widget.maxDate``."""
    return _datetime_limit(c, value, "maxDate")


def _partial_day(c: ComponentBase, value: str) -> bool:
    day_i, month_i, year_i = (0, 1, 2) if js_truthy(c.defn.get("dayFirst")) else (1, 0, 2)
    parts = value.split("/")

    def at(i: int) -> str | None:
        return parts[i] if i < len(parts) else None

    return at(day_i) == "00" or at(month_i) == "00" or at(year_i) == "0000"


def _day_value(c: ComponentBase, value: str) -> datetime | None:
    """``dayjs(value, 'MM-DD-YYYY')`` (customParseFormat: digits by count, separators skipped)."""
    m = re.match(r"^(\d{1,2})\D(\d{1,2})\D(\d{4})", value)
    if not m:
        return None
    a, b, y = (int(x) for x in m.groups())
    month, day = (b, a) if js_truthy(c.defn.get("dayFirst")) else (a, b)
    if month == 0 or day == 0:
        return None
    return _local(y, month, day)


def _day_limit(c: ComponentBase, value: Any, name: str) -> Issue | None:
    if c.type != "day" or name not in c.defn or not js_truthy(value) or not isinstance(value, str):
        return None
    if _partial_day(c, value):
        return None
    limit = _date_setting(c.defn.get(name))
    if limit is None:
        return None
    limit = limit.replace(hour=0, minute=0, second=0, microsecond=0)
    at = _day_value(c, value)
    ok = at is not None and (at >= limit if name == "minDate" else at <= limit)
    day_first = js_truthy(c.defn.get("dayFirst"))
    shown = limit.strftime("%d/%m/%Y" if day_first else "%m/%d/%Y")
    return None if ok else (name, name, {name: shown})


def day_min_date(c: ComponentBase, value: Any, ctx: Any) -> Issue | None:
    """day ``minDate``."""
    return _day_limit(c, value, "minDate")


def day_max_date(c: ComponentBase, value: Any, ctx: Any) -> Issue | None:
    """day ``maxDate``."""
    return _day_limit(c, value, "maxDate")


def _year(c: ComponentBase, value: Any, name: str) -> Issue | None:
    fields = c.defn.get("fields")
    year_field = fields.get("year") if isinstance(fields, dict) else None
    year_field = year_field if isinstance(year_field, dict) else {}
    if c.type != "day" or (name not in c.defn and name not in year_field):
        return None
    limit = c.defn.get(name)
    if name == "maxYear" and not js_truthy(limit):
        limit = year_field.get(name)
    if not js_truthy(limit) or not isinstance(value, str | int | float) or isinstance(value, bool):
        return None
    m = re.search(r"\d{4}$", value if isinstance(value, str) else str(value))
    if not m:
        return None
    try:
        bound = float(limit)
    except (TypeError, ValueError):
        return None
    year = int(m.group(0))
    ok = year >= bound if name == "minYear" else year <= bound
    return None if ok else (name, name, {name: str(limit)})


def day_min_year(c: ComponentBase, value: Any, ctx: Any) -> Issue | None:
    """day ``minYear`` (only the component's own, as @formio/core reads it)."""
    return _year(c, value, "minYear")


def day_max_year(c: ComponentBase, value: Any, ctx: Any) -> Issue | None:
    """day ``maxYear`` (or ``fields.year.maxYear``)."""
    return _year(c, value, "maxYear")
