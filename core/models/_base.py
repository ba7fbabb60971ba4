"""Shared helpers for the models."""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime

import mongoengine as me
from bson import ObjectId
from mongoengine.queryset import QuerySet


def N_(message: str) -> str:
    """pybabel's no-op marker: the message is extracted here and translated where it is shown."""
    return message


#: shown next to a name field holding a line break, tab or other control character
CONTROL_CHARACTERS = N_("Line breaks and other control characters are not allowed here.")


def no_control_characters(value: str | None) -> None:
    """Field validation for names that end up in e-mail headers and one-line labels."""
    if value and any(unicodedata.category(c) in ("Cc", "Zl", "Zp") for c in value):
        raise me.ValidationError(CONTROL_CHARACTERS)


def utcnow() -> datetime:
    """Naive UTC now (MongoDB stores UTC; mongoengine reads naive datetimes back)."""
    now = datetime.now(UTC).replace(tzinfo=None)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)  # BSON keeps milliseconds


class TimestampedMixin:
    """Sets ``created_at``/``updated_at`` on save. Mixed into Documents that declare both fields."""

    def save(self, *args, **kwargs):
        now = utcnow()
        if not getattr(self, "created_at", None):
            self.created_at = now
        self.updated_at = now
        return super().save(*args, **kwargs)


#: longer than any id a URL or form may carry (an ObjectId is 24 characters)
MAX_ID_LENGTH = 64
_ID_KEYS = ("pk", "id")


class UnitQuerySet(QuerySet):
    """The query set of every model with a ``business_unit`` (``meta = {"queryset_class": UnitQuerySet}``).

    ``get_or_none`` is the one way an id from a URL or a form becomes a document: a missing, empty,
    overlong or malformed id gives None, never an exception. ``of_unit`` scopes to one business unit.
    ``core.web.get_or_404`` builds on both.
    """

    def of_unit(self, unit) -> UnitQuerySet:
        return self.filter(business_unit=unit)

    def get_or_none(self, **kw):
        """The first document matching ``kw``, or None (also for an id that is no valid ObjectId)."""
        for key in _ID_KEYS:
            if key in kw and not valid_id(kw[key]):
                return None
        try:
            return self.filter(**kw).first()
        except (me.ValidationError, TypeError, ValueError):  # a malformed reference in another filter
            return None

    def with_ids(self, raws) -> UnitQuerySet:
        """Documents whose id is among ``raws``; malformed ids are skipped."""
        return self.filter(pk__in=[ObjectId(raw) for raw in raws if valid_id(raw)])


def valid_id(raw) -> bool:
    """``raw`` can name a document: an ObjectId, or its 24-character hex form."""
    if isinstance(raw, ObjectId):
        return True
    return isinstance(raw, str) and 0 < len(raw) <= MAX_ID_LENGTH and ObjectId.is_valid(raw)
