"""Staff login and logout. Failed logins are limited per IP and per account (Flask-Limiter)."""

from __future__ import annotations

from urllib.parse import urlparse

from flask import Blueprint, current_app, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, logout_user

from admin.forms import LoginForm
from core.auth import start_session
from core.extensions import form_account_key, limiter
from core.models._base import N_
from core.services.audit import Actor, record
from core.services.staff import authenticate, end_sessions

bp = Blueprint("staff_auth", __name__, url_prefix="/admin")


def _login_failed(response) -> bool:
    return bool(g.get("login_failed"))


def _account_login_failed(response) -> bool:
    """Charge the per-account bucket only for a form that named an account (no shared empty bucket)."""
    return _login_failed(response) and bool(request.form.get("email", "").strip())


def _limit() -> str:
    return current_app.config["LOGIN_FAILURE_LIMIT"]


def safe_next(target: str | None) -> str | None:
    """Only a path on this site: no scheme, no host, no ``//`` or backslash tricks."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")) or "\\" in target:
        return None
    parsed = urlparse(target)
    if parsed.scheme or parsed.netloc or any(ord(c) < 32 for c in target):
        return None
    return target


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_limit, methods=["POST"], deduct_when=_login_failed, per_method=True)
@limiter.limit(_limit, key_func=form_account_key, methods=["POST"], deduct_when=_account_login_failed,
               per_method=True)
def login():
    # only a submitted form: the account limit is keyed on request.form, so a JSON body (which Flask-WTF
    # would read instead) could name an account the limit never sees
    form = LoginForm(formdata=request.form if request.method == "POST" else None)
    error = None
    if form.validate_on_submit():
        user = authenticate(form.email.data, form.password.data)
        if user is not None:
            start_session(user)
            record(Actor.staff(user), "login", object_type="staff_users", object_id=user.pk,
                   summary=N_("Logged in"), summary_params={}, business_unit=user.business_unit)
            return redirect(safe_next(request.args.get("next")) or url_for("admin.index"))
        g.login_failed = True
        error = _("E-mail address or password is wrong.")
    elif request.method == "POST":
        g.login_failed = True
        error = _("Please enter your e-mail address and password.")
    status = 401 if error else 200
    return render_template("staff_auth/login.html", form=form, error=error), status


@bp.route("/logout", methods=["POST"])
def logout():
    if current_user.is_authenticated:
        end_sessions(current_user)  # a copied session cookie is useless from now on
        logout_user()
    session.clear()
    return redirect(url_for("staff_auth.login"))
