"""The small set of domain errors services raise; views present them as a flash or a 4xx.

A message is translated where it is raised: services pass ``lazy_gettext("...")`` (``_l``), so the
text is rendered in the language of whoever reads it (``str(exc)``). One app-wide handler
(core/app.py ``domain_error``) and one ``flash_error`` (admin/views/base.py) present them; outside a
request (CLI, workers) ``str(exc)`` is the default language's text.
"""

from __future__ import annotations

from typing import Any


class FrontdeskError(Exception):
    """Base class. ``message`` (a lazy string, or text already in the reader's language) is safe to
    show to the user; ``field_errors`` maps field → a stable key or detail for the view's logic."""

    status = 400

    def __init__(self, message: Any, field_errors: dict[str, str] | None = None):
        super().__init__(message)
        self.message = message
        self.field_errors = field_errors or {}

    def __str__(self) -> str:
        return str(self.message)


class InvalidInput(FrontdeskError):
    status = 422


class NotFound(FrontdeskError):
    status = 404


class Forbidden(FrontdeskError):
    status = 403


class Conflict(FrontdeskError):
    status = 409


class FeatureDisabled(Forbidden):
    """The business unit has not switched on the feature this action needs."""
