"""Staff authentication (Flask-Login) and access decorators.

Sessions: 30 minutes idle (``PERMANENT_SESSION_LIFETIME``, refreshed per request), 12 hours
absolute (``SESSION_ABSOLUTE_LIFETIME``, checked here). The Flask-Login id carries the user's
``session_version``; logout, password change and deactivation bump it, so a replayed cookie
no longer loads a user.
"""

from __future__ import annotations

import time

from bson import ObjectId
from bson.errors import InvalidId
from flask import Flask, current_app, session
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from core.extensions import login_manager
from core.models import StaffUser


def init_auth(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "staff_auth.login"
    login_manager.login_message = _l("Please log in to access this page.")
    login_manager.session_protection = "basic"

    @app.before_request
    def _absolute_lifetime():
        started = session.get("login_at")
        if started and time.time() - started > current_app.config["SESSION_ABSOLUTE_LIFETIME"]:
            session.clear()


@login_manager.user_loader
def load_user(alternative_id: str) -> StaffUser | None:
    try:
        user_id, version = alternative_id.split(":", 1)
        oid, version_no = ObjectId(user_id), int(version)
    except (ValueError, InvalidId):
        return None
    user = StaffUser.objects(pk=oid, session_version=version_no, active=True).first()
    return user


def start_session(user: StaffUser) -> None:
    """Called after a successful login: a fresh session with its start time."""
    from flask_login import login_user

    session.clear()
    session.permanent = True
    login_user(user, remember=False)
    session["login_at"] = time.time()


def current_unit():
    """The business unit of the logged-in staff member (None when logged out)."""
    if current_user and current_user.is_authenticated:
        return current_user.business_unit
    return None
