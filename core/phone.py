"""Phone numbers: parsed and stored in E.164 with ``phonenumbers``."""

from __future__ import annotations

import phonenumbers


class PhoneError(ValueError):
    pass


def to_e164(raw: str, default_country: str = "DE") -> str:
    """Parse ``raw`` (national or international) and return it in E.164, or raise PhoneError."""
    text = (raw or "").strip()
    if len(text) > 40:
        raise PhoneError("Invalid phone number.")
    try:
        number = phonenumbers.parse(text, default_country or "DE")
    except phonenumbers.NumberParseException as exc:
        raise PhoneError("Invalid phone number.") from exc
    if not phonenumbers.is_valid_number(number):
        raise PhoneError("Invalid phone number.")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def display(e164: str | None) -> str:
    """International format for display (``+49 30 123456``)."""
    if not e164:
        return ""
    try:
        return phonenumbers.format_number(phonenumbers.parse(e164), phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    except phonenumbers.NumberParseException:
        return e164
