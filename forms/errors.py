"""Errors raised by the form engine."""

from __future__ import annotations

__all__ = ["DefinitionError"]


class DefinitionError(ValueError):
    """A form definition uses something outside the whitelist (raised by :func:`forms.load`).

    ``path`` says where (``components[2].validate.custom`` style), ``reason`` says why.
    """

    def __init__(self, path: str, reason: str) -> None:
        self.path = path
        self.reason = reason
        super().__init__(f"{path or '<form>'}: {reason}")
