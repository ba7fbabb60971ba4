"""Errors raised by the form engine."""

from __future__ import annotations

__all__ = ["DefinitionError"]


class DefinitionError(ValueError):
    """A form definition uses something outside the whitelist (raised by :func:`forms.load`).

    ``path`` says where (``components[2].validate.custom`` style), ``reason`` says why (English).
    ``code``, when set, names the reason in :data:`forms.messages.LINT` so it can be shown in German
    or English (:meth:`message`).
    """

    def __init__(self, path: str, reason: str, code: str | None = None) -> None:
        self.path = path
        self.reason = reason
        self.code = code
        super().__init__(f"{path or '<form>'}: {reason}")

    def message(self, lang: str = "en") -> str:
        """The reason in ``lang`` ("de" or "en"; English wording when the reason has no code)."""
        from forms.messages import lint_message

        return lint_message(self.code, lang) if self.code else self.reason
