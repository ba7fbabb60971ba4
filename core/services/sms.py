"""SMS through a provider interface.

``SMS_PROVIDER`` (``FRONTDESK_SMS_PROVIDER``) chooses who sends text messages:

* ``"outbox"`` (the default, embedded): nothing leaves the machine; the message stays in the outbox with
  status "stored", visible to staff (admin > Records > Outbox), as before.
* a dotted path ``"package.module:Class"`` (or ``"package.module.Class"``) to a class that fulfils
  :class:`SmsProvider`. It is built once per app with the app's configuration (``Class(config)``) and its
  ``send(to, body)`` returns the provider's message id, or raises :class:`TransientSmsError` (worth another
  try: a timeout, a 5xx, a rate limit) or :class:`PermanentSmsError` (never retried: a number the provider
  refuses, a rejected text). An ``OSError`` counts as transient, anything else it raises as permanent.

The outbox (:mod:`core.services.mail`) claims each message before it calls ``send``, retries transient
errors with the e-mail backoff and never sends a message twice; numbers reach the provider in E.164.
"""

from __future__ import annotations

import importlib
from typing import Protocol, runtime_checkable

from flask import Flask, current_app

from core.phone import PhoneError, to_e164

OUTBOX = "outbox"


class SmsError(Exception):
    """A provider could not send; ``str(exc)`` is the reason staff see."""


class TransientSmsError(SmsError):
    """Try again later (the backoff of the outbox decides when)."""


class PermanentSmsError(SmsError):
    """Never try again: the message fails with this reason."""


@runtime_checkable
class SmsProvider(Protocol):
    def send(self, to: str, body: str) -> str:
        """Send ``body`` to ``to`` (E.164, e.g. "+491701234567"); return the provider's message id."""


def _load(path: str) -> type:
    module_name, _sep, attr = path.replace(":", ".").rpartition(".")
    if not module_name or not attr:
        raise RuntimeError(f"SMS_PROVIDER must be 'outbox' or a dotted path to a class, not {path!r}")
    try:
        cls = getattr(importlib.import_module(module_name), attr)
    except (ImportError, AttributeError) as exc:
        raise RuntimeError(f"SMS_PROVIDER {path!r} cannot be imported: {exc}") from exc
    if not isinstance(cls, type) or not callable(getattr(cls, "send", None)):
        raise RuntimeError(f"SMS_PROVIDER {path!r} is not a class with a send(to, body) method")
    return cls


def init_app(app: Flask) -> None:
    """Check the configuration at start (a wrong path fails here, not at the first SMS)."""
    path = (app.config.get("SMS_PROVIDER") or OUTBOX).strip()
    app.extensions["frontdesk.sms"] = None if path == OUTBOX else _load(path)(app.config)


def provider() -> SmsProvider | None:
    """The configured provider of the current app; None: the outbox keeps the messages ("stored")."""
    extensions = current_app.extensions
    if "frontdesk.sms" not in extensions:
        init_app(current_app)
    return extensions["frontdesk.sms"]


def normalise(number: str, country: str | None = "DE") -> str:
    """``number`` in E.164, or :class:`PermanentSmsError` (a number that cannot be sent to)."""
    try:
        return to_e164(number, country or "DE")
    except PhoneError as exc:
        raise PermanentSmsError(f"Invalid phone number: {number[:40]}") from exc


def send(to: str, body: str, country: str | None = "DE") -> str:
    """Send through the configured provider; returns its message id. Only for a configured provider."""
    active = provider()
    if active is None:
        raise RuntimeError("No SMS provider is configured: messages stay in the outbox")
    try:
        message_id = active.send(normalise(to, country), body)
    except SmsError:
        raise
    except OSError as exc:  # the connection (a timeout, refused): worth another try
        raise TransientSmsError(f"{type(exc).__name__}: {exc}") from exc
    except Exception as exc:  # a provider's own error type: not known to be worth a retry
        raise PermanentSmsError(f"{type(exc).__name__}: {exc}") from exc
    return str(message_id or "")[:200]
