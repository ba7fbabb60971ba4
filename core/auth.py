"""Staff authentication (Flask-Login) and access decorators.

Sessions: 30 minutes idle (``PERMANENT_SESSION_LIFETIME``, refreshed per request), 12 hours
absolute (``SESSION_ABSOLUTE_LIFETIME``, checked here). The Flask-Login id carries the user's
``session_version``; logout, password change and deactivation bump it, so a replayed cookie
no longer loads a user.
"""

from __future__ import annotations

import time
from functools import wraps

from bson import ObjectId
from bson.errors import InvalidId
from flask import Flask, abort, current_app, jsonify, redirect, request, session, url_for
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


def roles_required(*roles: str):
    """Decorator for plain views: staff with one of ``roles`` (JSON callers get 403 JSON)."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                if request.accept_mimetypes.best == "application/json":
                    return jsonify(error="login required"), 401
                return redirect(url_for("staff_auth.login", next=request.full_path))
            if roles and current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def feature_required(key: str, unit_getter=None):
    """Decorator for blueprint views: 404 unless the business unit has switched on ``key``.

    ``unit_getter`` returns the unit of the request (the staff member's by default; kiosk and
    portal pass their own: the paired device's or the customer's unit).
    """

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            unit = (unit_getter or current_unit)()
            if unit is None or not unit.has_feature(key):
                abort(404)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def current_unit():
    """The business unit of the logged-in staff member (None when logged out)."""
    if current_user and current_user.is_authenticated:
        return current_user.business_unit
    return None
