"""The one placeholder engine for texts staff write: portal welcome text, portal titles and descriptions of
activity types, confirmation and reminder templates.

``{{ customer.first_name }}`` style names only: no expressions, filters, loops or attribute access, so a
text can never run code (no template engine is involved). Each surface declares the names it offers
(:data:`CUSTOMER`, :data:`APPOINTMENT`, ...); :func:`check` refuses a text naming anything else *when it is
saved*, and :func:`render` replaces the names with the values given (escaped for HTML, unless ``html=False``
for plain-text mails and SMS). An unknown name that slipped through renders as nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import datetime
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_time
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape

from core.errors import InvalidInput

PLACEHOLDER = re.compile(r"\{\{\s*([a-z_]+\.[a-z_0-9]+)\s*\}\}")
#: anything that looks like a placeholder or template syntax, to catch typos such as ``{{customer.name}``
_LOOKS_LIKE = re.compile(r"\{\{|\}\}|\{%|%\}")

CUSTOMER = ("customer.first_name", "customer.last_name", "customer.full_name", "customer.title")
UNIT = ("unit.name", "unit.phone", "unit.email", "unit.address")
APPOINTMENT = ("appointment.date", "appointment.time", "appointment.start", "appointment.end",
               "appointment.staff", "appointment.location", "appointment.activity")


def names(text: str | None) -> list[str]:
    """The placeholder names in ``text``, in order of appearance, each once."""
    seen: dict[str, None] = {}
    for match in PLACEHOLDER.finditer(text or ""):
        seen.setdefault(match.group(1), None)
    return list(seen)


def unknown(text: str | None, allowed: Iterable[str]) -> list[str]:
    """Names used in ``text`` that ``allowed`` does not offer, plus malformed template syntax."""
    allowed = set(allowed)
    bad = [name for name in names(text) if name not in allowed]
    rest = PLACEHOLDER.sub("", text or "")
    if _LOOKS_LIKE.search(rest):
        bad.append(_LOOKS_LIKE.search(rest).group(0))
    return bad


def check(text: str | None, allowed: Iterable[str], *, field: str = "text") -> str:
    """``text`` unchanged, or :class:`InvalidInput` naming the unknown placeholders and the known ones."""
    allowed = tuple(allowed)
    bad = unknown(text, allowed)
    if bad:
        raise InvalidInput(_l("Unknown placeholder: %(names)s. Available: %(available)s.",
                              names=", ".join(bad), available=", ".join(f"{{{{ {a} }}}}" for a in allowed)),
                           field_errors={field: "placeholder"})
    return text or ""


def render(text: str | None, values: Mapping[str, object], *, html: bool = True) -> Markup | str:
    """Replace each placeholder with its value (``str()``; missing → empty).

    ``html=True``: the text and every value are escaped and line breaks become ``<br>``, giving Markup.
    ``html=False``: plain text (mail bodies, SMS, subjects), nothing escaped.
    """
    def value_of(match: re.Match) -> str:
        value = values.get(match.group(1))
        return "" if value is None else str(value)

    if not html:
        return PLACEHOLDER.sub(value_of, text or "")
    escaped = str(escape(text or ""))
    # every part is escaped: the text above and each substituted value here
    return Markup(PLACEHOLDER.sub(lambda m: str(escape(value_of(m))), escaped).replace("\n", "<br>\n"))  # noqa: S704


def customer_values(customer) -> dict[str, str]:
    return {"customer.first_name": customer.first_name, "customer.last_name": customer.last_name,
            "customer.full_name": customer.full_name, "customer.title": customer.title or ""}


def unit_values(unit) -> dict[str, str]:
    settings = unit.settings
    return {"unit.name": unit.name, "unit.phone": (settings.phone or "") if settings else "",
            "unit.email": (settings.email or "") if settings else "",
            "unit.address": (settings.address or "") if settings else ""}


def appointment_values(appointment, locale: str) -> dict[str, str]:
    """The appointment's placeholders in its own time zone and ``locale`` ("de"/"en"): also outside a request
    (workers sending reminders), where Flask-Babel's request time zone does not apply."""
    zone = ZoneInfo(appointment.timezone or "Europe/Berlin")
    start, end = (_aware(appointment.start, zone), _aware(appointment.end, zone))
    activity = appointment.activity_type
    return {
        "appointment.date": format_date(start, "full" if locale == "de" else "long", locale=locale),
        "appointment.time": format_time(start, "short", locale=locale),
        "appointment.start": f"{format_date(start, 'medium', locale=locale)} "
                             f"{format_time(start, 'short', locale=locale)}",
        "appointment.end": format_time(end, "short", locale=locale),
        "appointment.staff": appointment.staff.name if appointment.staff else "",
        "appointment.location": appointment.location or "",
        "appointment.activity": activity.name if activity else "",
    }


def _aware(utc_naive: datetime, zone: ZoneInfo) -> datetime:
    return utc_naive.replace(tzinfo=ZoneInfo("UTC")).astimezone(zone)
