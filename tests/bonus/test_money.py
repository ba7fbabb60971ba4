"""Amounts as cents: what staff type in either notation, and German display."""

from __future__ import annotations

from decimal import Decimal

import pytest

from core.money import MoneyError, format_cents, input_value, parse_cents, to_cents


@pytest.mark.parametrize(("raw", "cents"), [
    ("34,50", 3450), ("34.50", 3450), ("34", 3400), ("1.234,50", 123450), ("1.234", 123400),
    ("1,234.50", 123450), ("0,5", 50), ("12 €", 1200), (" 7,05 EUR ", 705), ("1.000.000,00", 100000000),
    ("0", 0),
])
def test_parses_both_notations(raw, cents):
    assert parse_cents(raw) == cents


@pytest.mark.parametrize("raw", ["", "-5", "abc", "1,2,3", "0,005", "1e5", "NaN", "12.3.4", "1" * 30, None])
def test_refuses_what_is_not_an_amount(raw):
    with pytest.raises(MoneyError):
        parse_cents(raw)


def test_stored_prices_never_floats():
    assert to_cents(Decimal("45.5")) == 4550
    assert to_cents(None) is None
    assert to_cents(12) == 1200
    with pytest.raises(MoneyError):
        to_cents(45.5)


def test_german_display(app):
    with app.test_request_context(headers={"Accept-Language": "de"}):
        assert format_cents(123450).replace("\u00a0", " ") == "1.234,50 €"
    assert input_value(123405) == "1234,05"
