"""The small set of domain errors services raise; views translate them to a flash or a 4xx."""

from __future__ import annotations


class FrontdeskError(Exception):
    """Base class. ``message`` is safe to show to the user; ``field_errors`` maps field → message."""

    status = 400

    def __init__(self, message: str, field_errors: dict[str, str] | None = None):
        super().__init__(message)
        self.message = message
        self.field_errors = field_errors or {}


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
