"""Date limits as @formio/core checks them: datetime ``widget.minDate``/``maxDate`` and day
``minDate``/``maxDate``/``minYear``/``maxYear`` (``validateMinimumDate.ts`` and its siblings).

@formio/core parses with dayjs: an ISO-like text without a zone (``2021-01-01``, ``2021-01-01T10:00``)
is local time, one with ``Z`` or an offset is that instant; a day value is read with the pattern
``MM-DD-YYYY`` (``DD-MM-YYYY`` with ``dayFirst``), where dayjs only counts digits and lets an
out-of-range month or day roll over, as ``new Date(y, m, d)`` does. "Local" here is UTC (the server's
zone for the reference verdicts).

A limit may also be computed relative to today, as @formio/core's ``getDateSetting`` does by running the
text as JavaScript with ``moment`` = dayjs. Only this small language is accepted (:func:`parse_moment`, no
JavaScript engine): ``moment()`` followed by at most :data:`MAX_MOMENT_CALLS` calls of ``.add(n, unit)``,
``.subtract(n, unit)`` (``n`` an integer), ``.startOf(unit)`` and ``.endOf(unit)``, with dayjs's units
(``year``/``y``, ``month``/``M``, ``week``/``w``, ``day``/``d``, ``hour``/``h``, ``minute``/``m``,
``second``/``s``, plurals and any case of the long names). It is evaluated at validation time in the zone
the caller gives (the business unit's; UTC when none, what the reference verdicts use), like dayjs:
calendar arithmetic on the local date and time (``add(1, 'month')`` on 31 January gives the last day of
February), then ``toDate().toUTCString()`` (whole seconds), then the rule's own ``startOf('day')`` or
``endOf('day')``. Anything else with ``moment(`` stays refused at lint (forms/expressions.py).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from forms.base import ComponentBase, Issue
from forms.jsvalues import js_truthy

__all__ = [
    "DAYJS_RE", "MAX_MOMENT_CALLS", "MomentCall", "day_max_date", "day_max_year", "day_min_date", "day_min_year",
    "max_date", "min_date", "moment_limit", "parse_dayjs", "parse_moment", "zone_of",
]

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


#: the most calls a ``moment()`` chain may hold
MAX_MOMENT_CALLS = 8
#: dayjs's ``prettyUnit`` short names
_SHORT_UNITS = {"y": "year", "M": "month", "w": "week", "d": "day", "h": "hour", "m": "minute", "s": "second"}
_UNITS = frozenset({"year", "month", "week", "day", "hour", "minute", "second"})
_MOMENT_START = re.compile(r"\s*moment\(\s*\)")
_MOMENT_CALL = re.compile(
    r"\s*\.\s*(add|subtract|startOf|endOf)\(\s*(?:([+-]?\d{1,6})\s*,\s*)?(['\"])([A-Za-z]{1,12})\3\s*\)"
)

#: one call of a ``moment()`` chain: ``(method, amount, unit)`` (amount 0 for startOf/endOf)
MomentCall = tuple[str, int, str]


def _unit(name: str) -> str | None:
    unit = _SHORT_UNITS.get(name) or name.lower().removesuffix("s")
    return unit if unit in _UNITS else None


def parse_moment(text: Any) -> list[MomentCall] | None:
    """The calls of a ``moment()...`` date setting in the language this module evaluates (None: not one)."""
    if not isinstance(text, str) or len(text) > 400:
        return None
    m = _MOMENT_START.match(text)
    if m is None:
        return None
    pos = m.end()
    calls: list[MomentCall] = []
    while True:
        m = _MOMENT_CALL.match(text, pos)
        if m is None:
            break
        method, amount, _quote, name = m.groups()
        unit = _unit(name)
        if unit is None or (amount is None) != (method in ("startOf", "endOf")):
            return None
        calls.append((method, int(amount or 0), unit))
        pos = m.end()
        if len(calls) > MAX_MOMENT_CALLS:
            return None
    rest = text[pos:].strip()
    return calls if rest in ("", ";") else None


def zone_of(name: Any) -> tzinfo:
    """The zone named ``name`` (an IANA name such as ``Europe/Berlin``); UTC for none or an unknown one."""
    if isinstance(name, tzinfo):
        return name
    if isinstance(name, str) and name:
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            return UTC
    return UTC


def _month_days(y: int, mo: int) -> int:
    nxt = datetime(y + mo // 12, mo % 12 + 1, 1)
    return (nxt - timedelta(days=1)).day


def _add_months(at: datetime, months: int) -> datetime:
    """dayjs ``add(n, 'month')``: the same day of the month, or the month's last day."""
    total = at.year * 12 + at.month - 1 + months
    y, mo = divmod(total, 12)
    if not 1 <= y <= 9999:
        raise OverflowError("year out of range")
    return at.replace(year=y, month=mo + 1, day=min(at.day, _month_days(y, mo + 1)))


def _step(at: datetime, method: str, amount: int, unit: str) -> datetime:
    """One call on a date and time in its zone: calendar units on the wall clock (as dayjs sets the date),
    hours, minutes and seconds on the instant (as dayjs adds milliseconds)."""
    zone = at.tzinfo or UTC
    if method in ("add", "subtract"):
        n = amount if method == "add" else -amount
        if unit in ("hour", "minute", "second"):
            return (at.astimezone(UTC) + timedelta(**{f"{unit}s": n})).astimezone(zone)
        local = at.replace(tzinfo=None)
        if unit in ("year", "month"):
            local = _add_months(local, n * 12 if unit == "year" else n)
        else:
            local += timedelta(days=n * (7 if unit == "week" else 1))
        return local.replace(tzinfo=zone)
    at = at.replace(tzinfo=None)
    start = {
        "year": at.replace(month=1, day=1, hour=0, minute=0, second=0, microsecond=0),
        "month": at.replace(day=1, hour=0, minute=0, second=0, microsecond=0),
        "week": (at - timedelta(days=(at.weekday() + 1) % 7)).replace(hour=0, minute=0, second=0, microsecond=0),
        "day": at.replace(hour=0, minute=0, second=0, microsecond=0),
        "hour": at.replace(minute=0, second=0, microsecond=0),
        "minute": at.replace(second=0, microsecond=0),
        "second": at.replace(microsecond=0),
    }[unit]
    if method == "startOf":
        return start.replace(tzinfo=zone)
    nxt = _step(start.replace(tzinfo=zone), "add", 1, unit)
    return (nxt.astimezone(UTC) - timedelta(milliseconds=1)).astimezone(zone)


def moment_limit(calls: list[MomentCall], zone: tzinfo, now: datetime | None = None) -> datetime | None:
    """The instant a parsed ``moment()`` chain stands for at ``now`` in ``zone`` (None: out of range)."""
    at = (now or datetime.now(UTC)).astimezone(zone)
    try:
        for method, amount, unit in calls:
            at = _step(at, method, amount, unit)
        # toDate().toUTCString() keeps whole seconds
        return at.astimezone(UTC).replace(microsecond=0).astimezone(zone)
    except (OverflowError, ValueError):
        return None


def _date_setting(value: Any, ctx: Any = None) -> datetime | None:
    """``getDateSetting``: a fixed date, or a ``moment()`` chain evaluated now in the walk's zone
    (empty, unparsable or other computed settings count as none)."""
    if value is None or value == "" or not isinstance(value, str):
        return None
    if "moment(" in value:
        calls = parse_moment(value)
        if calls is None:
            return None
        return moment_limit(calls, zone_of(getattr(ctx, "zone", None)), getattr(ctx, "now", None))
    return parse_dayjs(value)


def _start_of_day(at: datetime) -> datetime:
    """dayjs ``startOf('day')`` in the zone ``at`` is in."""
    zone = at.tzinfo or UTC
    return at.replace(hour=0, minute=0, second=0, microsecond=0, tzinfo=None).replace(tzinfo=zone)


def _end_of_day(at: datetime) -> datetime:
    zone = at.tzinfo or UTC
    local = at.replace(tzinfo=None, hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)
    return local.replace(tzinfo=zone) - timedelta(milliseconds=1)


def _widget(c: ComponentBase) -> dict[str, Any]:
    w = c.defn.get("widget")
    return w if isinstance(w, dict) else {}


def _datetime_limit(c: ComponentBase, value: Any, name: str, ctx: Any) -> Issue | None:
    widget = _widget(c)
    if c.type != "datetime" or name not in widget or not js_truthy(value) or not isinstance(value, str):
        return None
    limit = _date_setting(widget.get(name), ctx)
    if limit is None:
        return None
    if not js_truthy(widget.get("enableTime")):
        limit = _start_of_day(limit) if name == "minDate" else _end_of_day(limit)
    at = parse_dayjs(value)
    # dayjs(invalid) is neither after nor before nor the same as anything: both limits fail
    ok = at is not None and (at >= limit if name == "minDate" else at <= limit)
    return None if ok else (name, name, {name: limit.strftime("%Y-%m-%d")})


def min_date(c: ComponentBase, value: Any, ctx: Any) -> Issue | None:
    """datetime ``widget.minDate``."""
    return _datetime_limit(c, value, "minDate", ctx)


def max_date(c: ComponentBase, value: Any, ctx: Any) -> Issue | None:
    """datetime ``widget.maxDate``."""
    return _datetime_limit(c, value, "maxDate", ctx)


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


def _day_limit(c: ComponentBase, value: Any, name: str, ctx: Any) -> Issue | None:
    if c.type != "day" or name not in c.defn or not js_truthy(value) or not isinstance(value, str):
        return None
    if _partial_day(c, value):
        return None
    limit = _date_setting(c.defn.get(name), ctx)
    if limit is None:
        return None
    # the day value is read as a local date (UTC here): compare with the limit's own calendar date
    limit = datetime(limit.year, limit.month, limit.day, tzinfo=UTC)
    at = _day_value(c, value)
    ok = at is not None and (at >= limit if name == "minDate" else at <= limit)
    day_first = js_truthy(c.defn.get("dayFirst"))
    shown = limit.strftime("%d/%m/%Y" if day_first else "%m/%d/%Y")
    return None if ok else (name, name, {name: shown})


def day_min_date(c: ComponentBase, value: Any, ctx: Any) -> Issue | None:
    """day ``minDate``."""
    return _day_limit(c, value, "minDate", ctx)


def day_max_date(c: ComponentBase, value: Any, ctx: Any) -> Issue | None:
    """day ``maxDate``."""
    return _day_limit(c, value, "maxDate", ctx)


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
