"""Configuration: defaults, ``FRONTDESK_*`` environment variables, the instance folder.

Every setting can be given as an environment variable with the ``FRONTDESK_`` prefix
(``FRONTDESK_MONGODB_URI``, ``FRONTDESK_REDIS_URL``, ...). Values are parsed as JSON where
possible (Flask's ``from_prefixed_env``), so ``FRONTDESK_SMTP_PORT=587`` becomes an int.
"""

from __future__ import annotations

import os
import secrets
import sys
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask

ENV_PREFIX = "FRONTDESK"
#: where e-mailed links point when neither FRONTDESK_PUBLIC_BASE_URL nor a request says otherwise
LOCAL_BASE_URL = "http://127.0.0.1:5000"

#: Names of settings whose values are never printed.
SECRET_KEYS = frozenset({"SECRET_KEY", "SMTP_PASSWORD", "MONGODB_URI", "REDIS_URL"})

DEFAULTS: dict[str, Any] = {
    # Database: empty → the embedded store in the instance folder; "mongodb://..." → MongoDB;
    # "mongomock://" → in-memory mongomock (tests).
    "MONGODB_URI": "",
    "MONGODB_DB": "frontdesk",
    # Task queue: empty → Celery over a local filesystem broker in the instance folder.
    "REDIS_URL": "",
    # Mail: empty SMTP_HOST → messages stay in the outbox collection (visible in the admin).
    "SMTP_HOST": "",
    "SMTP_PORT": 25,
    "SMTP_USER": "",
    "SMTP_PASSWORD": "",
    "SMTP_STARTTLS": False,
    "SMTP_TIMEOUT": 10,
    "MAIL_FROM": "Frontdesk <noreply@localhost>",
    # SMS: "outbox" → text messages stay in the outbox (status "stored"); a dotted path to a class with
    # send(to, body) → sent through it (core/services/sms.py describes the interface)
    "SMS_PROVIDER": "outbox",
    # People
    "DEFAULT_LANGUAGE": "de",
    "LANGUAGES": ["de", "en"],
    "TIMEZONE": "Europe/Berlin",
    # Security
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "SESSION_COOKIE_SECURE": False,  # switched on automatically for requests over HTTPS
    "SESSION_COOKIE_NAME": "frontdesk_session",
    "PERMANENT_SESSION_LIFETIME": timedelta(minutes=30),  # idle timeout (refreshed per request)
    "SESSION_ABSOLUTE_LIFETIME": 12 * 3600,  # seconds since login, whatever the activity
    "SESSION_REFRESH_EACH_REQUEST": True,
    "MAX_CONTENT_LENGTH": 16 * 1024 * 1024,
    # JSON bodies (core/web.py read_json): checked before parsing; deeper data cannot be stored anyway
    "JSON_MAX_BYTES": 2 * 1024 * 1024,
    "JSON_MAX_DEPTH": 32,
    "WTF_CSRF_TIME_LIMIT": 12 * 3600,
    "LOGIN_FAILURE_LIMIT": "5 per 15 minutes",
    # argon2 parameters (PasswordHasher keywords); None → OWASP's m=19 MiB, t=2, p=1 (core/passwords.py).
    # Only the tests set it, to argon2's minimum cost.
    "PASSWORD_HASH_PARAMS": None,
    # kiosk: failed activation-code entries per IP, and for the whole installation (kiosk/SECURITY.md)
    "KIOSK_PAIRING_LIMIT": "10 per hour",
    "KIOSK_PAIRING_GLOBAL_LIMIT": "1000 per hour",
    "RATELIMIT_STORAGE_URI": "",  # empty: Redis when REDIS_URL is set, else process memory
    "RATELIMIT_HEADERS_ENABLED": True,
    # Flask-Admin
    "FLASK_ADMIN_SWATCH": "default",
    "FLASK_ADMIN_FLUID_LAYOUT": True,
    # customer portal: login codes (NIST SP 800-63B / OWASP ASVS numbers), sessions, uploads
    # Links in e-mails (dialog invitations, enrolment links) point here; set it to the public address in
    # production. Empty: the address of the staff's request that triggered the send (see public_base_url)
    "PUBLIC_BASE_URL": "",
    # "production" makes a missing PUBLIC_BASE_URL a warning at start (as running under gunicorn does)
    "ENV": "",
    "DIALOG_LINK_DAYS": 30,
    "DIALOG_REMINDER_AFTER_DAYS": 7,
    "DIALOG_REMINDER_MAX": 2,
    # appointment reminders: deliveries per sending task (one SMTP connection and a few queries each)
    "REMINDER_TASK_BATCH": 100,
    "PORTAL_CODE_MINUTES": 10,
    "PORTAL_CODE_MAX_FAILURES": 5,
    "PORTAL_CODE_RESEND_SECONDS": 60,
    "PORTAL_CODE_SENDS_PER_HOUR": 5,
    "PORTAL_CODE_MIN_RESPONSE_SECONDS": 0.4,  # every code request answers after the same time
    "PORTAL_CODE_IP_LIMIT": "20 per hour",
    "PORTAL_LOGIN_IP_LIMIT": "20 per 15 minutes",
    "PORTAL_IDLE_MINUTES": 30,
    "PORTAL_ABSOLUTE_HOURS": 12,
    "PORTAL_ENROLMENT_HOURS": 72,  # an enrolment link (set your own password) expires after this
    "PORTAL_UPLOAD_MAX_BYTES": 10 * 1024 * 1024,
    "CELERY_TASK_ALWAYS_EAGER": False,
    # planning assistant: a Nominatim server for addresses the offline table does not know (empty: off)
    "GEOCODER_URL": "",
    "GEOCODER_USER_AGENT": "frontdesk",
}


def load_config(app: Flask, overrides: dict[str, Any] | None = None) -> None:
    """Fill ``app.config`` from defaults, the environment, the instance folder and ``overrides``."""
    app.config.update(DEFAULTS)
    app.config.from_prefixed_env(ENV_PREFIX)
    if overrides:
        app.config.update(overrides)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = instance_secret_key(Path(app.instance_path))
    if isinstance(app.config["PERMANENT_SESSION_LIFETIME"], int | float):
        app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(seconds=app.config["PERMANENT_SESSION_LIFETIME"])


def public_base_url(config: Mapping[str, Any], derived: str | None = None) -> str:
    """The address e-mailed links start with (no trailing slash): ``FRONTDESK_PUBLIC_BASE_URL`` when set;
    else ``derived``, the address of the staff's request that triggered the send (``request.host_url``,
    behind the proxy only through ProxyFix, see core/wsgi.py), which is stored with the dialog when it is
    enqueued because the Celery task has no request; else the local address ``make run`` serves."""
    return (config.get("PUBLIC_BASE_URL") or derived or LOCAL_BASE_URL).rstrip("/")


def is_production(app: Flask) -> bool:
    """The rule for start-up warnings: ``FRONTDESK_ENV=production``, or the process runs under gunicorn
    (the production image's web server)."""
    return str(app.config.get("ENV", "")).lower() == "production" or "gunicorn" in sys.modules


def warn_unset_public_base_url(app: Flask) -> bool:
    """Log a warning when production runs without ``FRONTDESK_PUBLIC_BASE_URL``; True when it warned."""
    if app.config.get("PUBLIC_BASE_URL") or not is_production(app):
        return False
    app.logger.warning("FRONTDESK_PUBLIC_BASE_URL is not set: links in e-mails use the address of the request "
                       "that sent them. Set it to the public https address.")
    return True


def instance_secret_key(instance: Path) -> str:
    """Return the secret key kept in the instance folder, creating it (mode 0600) on first use."""
    path = instance / "secret_key"
    if not path.exists():
        key = secrets.token_hex(32)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(key)
    return path.read_text().strip()


def mask(name: str, value: Any) -> str:
    """Show a configuration value, masking secrets (and the password inside URIs)."""
    if value in ("", None):
        return "" if value == "" else "None"
    if name in SECRET_KEYS:
        text = str(value)
        if "://" in text:
            scheme, rest = text.split("://", 1)
            host = rest.rsplit("@", 1)[-1]
            return f"{scheme}://***@{host}" if "@" in rest else f"{scheme}://{host}"
        return "********"
    return repr(value) if not isinstance(value, str) else value


def effective_config(app: Flask) -> dict[str, str]:
    """The settings Frontdesk reads, masked for printing (``frontdesk config``)."""
    names = sorted(set(DEFAULTS) | {"SECRET_KEY"})
    out = {name: mask(name, app.config.get(name)) for name in names}
    out["database"] = describe_database(app)
    out["broker"] = describe_broker(app)
    out["instance_path"] = app.instance_path
    return out


def describe_database(app: Flask) -> str:
    uri = app.config["MONGODB_URI"]
    if not uri:
        return f"embedded store at {Path(app.instance_path) / 'db'}"
    if uri.startswith("mongomock://"):
        return "mongomock (in memory)"
    return "MongoDB " + mask("MONGODB_URI", uri)


def describe_broker(app: Flask) -> str:
    if app.config["REDIS_URL"]:
        return "Redis " + mask("REDIS_URL", app.config["REDIS_URL"])
    return f"filesystem broker at {Path(app.instance_path) / 'broker'}"
