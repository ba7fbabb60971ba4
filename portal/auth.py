"""Who is looking at the portal: login by e-mail code and by password, enrolment, logout and staff's
"view as customer" entry.

Who is looking is decided by one thing: ``session["portal_sid"]``, a random token whose SHA-256
names a server-side ``PortalSession`` (the staff session keys are never read or written here,
except for "view as customer", which needs a logged-in staff member). :func:`load_viewer` puts the
viewer on ``g`` for every portal request; :func:`viewer_required` guards the pages
(:mod:`portal.views`). Security numbers: ``core/services/portal.py``.
"""

from __future__ import annotations

import time
from functools import wraps

from flask import (
    abort,
    current_app,
    flash,
    g,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from core.errors import Conflict, FeatureDisabled, InvalidInput
from core.extensions import limiter
from core.models import Customer
from core.passwords import MIN_LENGTH
from core.services import portal as service
from core.services.audit import Actor
from core.web import get_or_404, request_lang
from portal import bp

SESSION_KEY = "portal_sid"
PENDING_KEY = "portal_pending"


def _code_ip_limit() -> str:
    return current_app.config["PORTAL_CODE_IP_LIMIT"]


def _login_ip_limit() -> str:
    return current_app.config["PORTAL_LOGIN_IP_LIMIT"]


def _account_key() -> str:
    return "portal-account:" + (request.view_args or {}).get("slug", "") + ":" + \
        (request.form.get("username") or "").strip().casefold()[:64]


def _failed(response) -> bool:
    return bool(g.get("portal_login_failed"))


@bp.before_request
def load_viewer():
    g.viewer = None
    if request.endpoint == "portal.static":
        return None
    viewer = service.load_session(session.get(SESSION_KEY))
    if viewer is not None and viewer.session.staff is not None and not _same_staff(viewer.session.staff):
        service.end_session(session.get(SESSION_KEY))  # "view as" lives only inside that staff login
        viewer = None
    if viewer is None and SESSION_KEY in session:
        session.pop(SESSION_KEY, None)
    g.viewer = viewer
    if viewer is not None and viewer.read_only and request.method == "POST" \
            and request.endpoint not in ("portal.logout", "portal.view_as"):
        abort(403)  # "view as customer" changes nothing (starting another view-as replaces the session)
    return None


def _same_staff(staff) -> bool:
    return bool(current_user.is_authenticated and str(current_user.pk) == str(staff.pk))


def viewer_required(view):
    @wraps(view)
    def wrapped(*args, **kwargs):
        if g.viewer is None:
            if request.method == "POST" or request.accept_mimetypes.best == "application/json":
                return jsonify(error=_("Please log in again.")), 401
            return redirect(url_for(".login"))
        return view(*args, **kwargs)

    return wrapped


# --- login --------------------------------------------------------------------------------------

@bp.route("/login")
def login():
    if g.viewer is not None:
        return redirect(url_for(".home"))
    return render_template("portal/login.html", unit=None)


def _unit(slug: str):
    unit = service.portal_unit(slug)
    if unit is None:
        abort(404)
    return unit


@bp.route("/<slug>/login")
def unit_login(slug: str):
    unit = _unit(slug)
    if g.viewer is not None and g.viewer.unit.pk == unit.pk:
        return redirect(url_for(".home"))
    return render_template("portal/login.html", unit=unit, error=None)


@bp.route("/<slug>/code", methods=["POST"])
@limiter.limit(_code_ip_limit, methods=["POST"])
def request_code(slug: str):
    """Same answer, same status and (at least) the same time for known and unknown addresses."""
    started = time.monotonic()
    unit = _unit(slug)
    address = (request.form.get("email") or "").strip()[:254]
    status, notice = 200, None
    try:
        service.request_code(unit, address, lang=request_lang())
    except service.CodeThrottled:
        status, notice = 429, _("A code was sent a moment ago. Please wait a minute before asking for a new one.")
    except InvalidInput:
        return render_template("portal/login.html", unit=unit,
                               error=_("Please enter your e-mail address or mobile number.")), 400
    parsed = service.login_address(unit, address)
    session[PENDING_KEY] = {"unit": unit.slug, "address": parsed[1] if parsed else address}
    floor = float(current_app.config["PORTAL_CODE_MIN_RESPONSE_SECONDS"])
    time.sleep(max(0.0, floor - (time.monotonic() - started)))
    return render_template("portal/code.html", unit=unit, address=address, notice=notice, error=None,
                           minutes=current_app.config["PORTAL_CODE_MINUTES"]), status


@bp.route("/<slug>/verify", methods=["POST"])
@limiter.limit(_login_ip_limit, methods=["POST"], deduct_when=_failed)
def verify(slug: str):
    unit = _unit(slug)
    pending = session.get(PENDING_KEY) or {}
    if pending.get("unit") != unit.slug:
        return redirect(url_for(".unit_login", slug=unit.slug))
    try:
        customer = service.verify_code(unit, pending.get("address", ""), request.form.get("code", ""))
    except service.LoginFailed:
        g.portal_login_failed = True
        return render_template("portal/code.html", unit=unit, address=pending.get("address", ""), notice=None,
                               error=_("This code is not valid (wrong, expired or already used). Please check it "
                                       "or ask for a new one."),
                               minutes=current_app.config["PORTAL_CODE_MINUTES"]), 400
    return _start(customer)


@bp.route("/<slug>/password", methods=["POST"])
@limiter.limit(_login_ip_limit, methods=["POST"], deduct_when=_failed)
@limiter.limit("10 per 15 minutes", key_func=_account_key, methods=["POST"], deduct_when=_failed)
def password_login(slug: str):
    unit = _unit(slug)
    try:
        account = service.password_login(unit, request.form.get("username", ""), request.form.get("password", ""))
    except service.LoginFailed:
        g.portal_login_failed = True
        return render_template("portal/login.html", unit=unit, error=_("Wrong username or password.")), 401
    return _start(account.customer, account=account)


def _start(customer: Customer, account=None):
    old = session.get(SESSION_KEY)
    service.end_session(old)
    session.pop(PENDING_KEY, None)
    session[SESSION_KEY] = service.start_session(customer, account=account)
    session.permanent = True
    return redirect(url_for(".home"))


@bp.route("/enrol/<token>", methods=["GET", "POST"])
@limiter.limit(_login_ip_limit, methods=["GET", "POST"], deduct_when=_failed)
def enrol(token: str):
    """The enrolment link staff handed over: the customer sets their own password. Opening the page
    changes nothing (mail scanners open links first); only the form's POST uses the link up."""
    def page(account, error=None, status=200):
        response = make_response(render_template("portal/enrol.html", account=account, token=token, error=error,
                                                 min_length=MIN_LENGTH), status)
        response.headers["Referrer-Policy"] = "no-referrer"  # the token is in the address
        return response

    try:
        account = service.enrolment_account(token)
    except service.EnrolmentInvalid:
        g.portal_login_failed = True
        return page(None, status=410)
    if request.method == "GET":
        return page(account)
    try:
        account = service.complete_enrolment(token, request.form.get("password", ""), request.form.get("confirm", ""))
    except service.EnrolmentInvalid:
        g.portal_login_failed = True
        return page(None, status=410)
    except InvalidInput as exc:  # the passwords differ, or core.passwords' (translated) problems
        return page(account, str(exc), 400)
    flash(_("Your password is set. From now on you log in with your username and this password."), "success")
    return _start(account.customer, account=account)


@bp.route("/logout", methods=["POST"])
def logout():
    service.end_session(session.pop(SESSION_KEY, None))
    session.pop(PENDING_KEY, None)
    flash(_("You are logged out."), "info")
    return redirect(url_for(".login"))


@bp.route("/view-as", methods=["POST"])
def view_as():
    """Staff: open the portal as this customer sees it, read-only."""
    if not current_user.is_authenticated or current_user.role not in ("owner", "staff"):
        abort(403)
    customer = get_or_404(Customer, unit=current_user.business_unit, pk=request.form.get("customer"))
    try:
        token = service.view_as(Actor.staff(current_user), current_user._get_current_object(), customer)
    except FeatureDisabled:
        abort(404)
    except Conflict:
        abort(409)
    service.end_session(session.get(SESSION_KEY))
    session[SESSION_KEY] = token
    return redirect(url_for(".home"))
