"""Flask extensions, created unbound and bound in the factory with ``init_app``."""

from __future__ import annotations

from flask import request
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect

babel = Babel()
csrf = CSRFProtect()
login_manager = LoginManager()
limiter = Limiter(key_func=get_remote_address, default_limits=[], headers_enabled=True,
                  strategy="moving-window")


def form_account_key() -> str:
    """Rate-limit key for the account named in a login form (case-insensitive)."""
    return "account:" + (request.form.get("email") or request.form.get("username") or "").strip().casefold()[:254]
