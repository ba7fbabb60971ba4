"""Money as integer cents: parsing what staff type (German or English notation) and showing it.

Amounts are never floats: input is parsed with :class:`~decimal.Decimal` and stored as whole cents;
display goes through Babel's currency format in the viewer's locale (``1.234,50 €`` in German).
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from flask_babel import format_currency

#: the largest single amount a sale may carry (100,000 €): anything above is a typing error
MAX_CENTS = 100_000_00
CURRENCY = "EUR"

_GROUPED_DOTS = re.compile(r"^[1-9]\d{0,2}(\.\d{3})+$")
_GROUPED_COMMAS = re.compile(r"^[1-9]\d{0,2}(,\d{3})+(\.\d{1,2})?$")
_PLAIN = re.compile(r"^\d+([.,]\d{1,2})?$")
_GERMAN = re.compile(r"^[1-9]\d{0,2}(\.\d{3})+,\d{1,2}$")


class MoneyError(ValueError):
    """Not an amount we can read (the caller turns it into a translated message)."""


def parse_cents(raw: str | None) -> int:
    """``"1.234,50"``, ``"1234,5"``, ``"1234.50"``, ``"1,234.50"``, ``"34 €"`` → cents.

    A dot followed by exactly three digits in groups (``"1.234"``) is a German thousands separator;
    one comma or dot with one or two digits after it is the decimal separator. Negative amounts and
    more than two decimals are refused (a sale of 0,005 € is a typing error, not something to round).
    """
    text = (raw or "").strip().replace("€", "").replace("EUR", "").replace("\u00a0", "").replace(" ", "")
    if not text or len(text) > 20:
        raise MoneyError(raw)
    if text.startswith("-"):
        raise MoneyError(raw)
    if _GERMAN.match(text):
        text = text.replace(".", "").replace(",", ".")
    elif _GROUPED_DOTS.match(text):
        text = text.replace(".", "")
    elif _GROUPED_COMMAS.match(text):
        text = text.replace(",", "")
    elif _PLAIN.match(text):
        text = text.replace(",", ".")
    else:
        raise MoneyError(raw)
    try:
        value = Decimal(text)
    except InvalidOperation as exc:
        raise MoneyError(raw) from exc
    return int((value * 100).to_integral_value(ROUND_HALF_UP))


def to_cents(value) -> int | None:
    """A stored price (``Decimal``, ``int`` euros, or None) as cents; floats are refused (never money)."""
    if value is None:
        return None
    if isinstance(value, float):
        raise MoneyError(value)
    try:
        return int((Decimal(value) * 100).to_integral_value(ROUND_HALF_UP))
    except (InvalidOperation, ValueError, TypeError) as exc:
        raise MoneyError(value) from exc


def format_cents(cents: int | None) -> str:
    """``123450`` → ``1.234,50 €`` (German) / ``€1,234.50`` (English); None → empty."""
    if cents is None:
        return ""
    return format_currency(Decimal(cents) / 100, CURRENCY)


def input_value(cents: int | None) -> str:
    """Cents as staff type them back into a form field: ``1234,50`` (comma, no grouping)."""
    if cents is None:
        return ""
    return f"{cents // 100},{cents % 100:02d}"
