"""Text-field input masks with Inputmask's semantics, as @formio/core checks a ``textfield``.

@formio/core validates a text field's ``inputMask`` with ``Inputmask.isValid(value, {mask})`` (other
components go through its own mask table, :func:`forms.rules.match_input_mask`). Measured against
inputmask 5 in Node: ``9`` is an ASCII digit, ``a`` any letter of Inputmask's class (ASCII, Cyrillic,
Latin-1 letters, µ) in either case, ``A`` such a letter in upper case only, ``*`` a digit or such a
letter; every other character stands for itself (parentheses too), and the value must have exactly
the mask's length. Inputmask's own syntax (optional ``[ ]``, quantifiers ``{ }``, alternatives ``|``,
escapes ``\\``) is not modelled: :data:`UNSUPPORTED` lists it and the lint refuses such a mask.
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["UNSUPPORTED", "is_valid", "unsupported"]

_LETTER = "A-Za-z\u0410-\u044f\u0401\u0451\u00c0-\u00ff\u00b5"
_CLASSES = {
    "9": re.compile("[0-9]"),
    "a": re.compile(f"[{_LETTER}]"),
    "*": re.compile(f"[0-9{_LETTER}]"),
}
_UPPER = re.compile(f"[{_LETTER}]")
UNSUPPORTED = frozenset("[]{}|\\")


def unsupported(mask: str) -> bool:
    """Whether ``mask`` uses Inputmask syntax beyond fixed-length character slots."""
    return any(ch in UNSUPPORTED for ch in mask)


def is_valid(value: Any, mask: str) -> bool:
    """``Inputmask.isValid(value, {mask})`` for a string value and a fixed-length mask."""
    if not isinstance(value, str) or len(value) != len(mask):
        return False
    for ch, slot in zip(value, mask, strict=True):
        if slot == "A":
            if not (_UPPER.fullmatch(ch) and ch == ch.upper()):
                return False
        elif slot in _CLASSES:
            if not _CLASSES[slot].fullmatch(ch):
                return False
        elif ch != slot:
            return False
    return True
