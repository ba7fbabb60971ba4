"""Customer portal (``/portal/``, issue 5): passwordless login by e-mail code, password accounts,
the customer's own data, requested questionnaires, projects with messages, documents and work times.

Who is looking is decided by one thing: ``session["portal_sid"]``, a random token whose SHA-256
names a server-side ``PortalSession`` (the staff session keys are never read or written here,
except for "view as customer", which needs a logged-in staff member). Every response under
/portal is ``Cache-Control: no-store``; pages carry no inline script (CSP with nonce, global).
Every id in a URL is looked up *within* the viewer's customer (and bound project): anything
else is a 404. Security numbers: ``core/services/portal.py``.
"""

from __future__ import annotations

import time
from functools import wraps

from flask import (
    Blueprint,
    Flask,
    Response,
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
    stream_with_context,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from core.errors import Conflict, FeatureDisabled, Forbidden, InvalidInput, NotFound
from core.extensions import limiter
from core.models import Customer
from core.passwords import MIN_LENGTH
from core.services import dialogs as dialog_service
from core.services import documents as docs
from core.services import messages as msgs
from core.services import portal as service
from core.services import projects as projects_service
from core.services import questionnaires as qs
from core.services.audit import Actor
from core.web import get_or_404, no_store_under, read_json, request_lang, takes_json

bp = Blueprint("portal", __name__, url_prefix="/portal", template_folder="templates", static_folder="static")

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
    if viewer is not None and viewer.read_only and request.method == "POST" and request.endpoint != "portal.logout":
        abort(403)  # "view as customer" changes nothing
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


def _need(permission: str) -> None:
    if not g.viewer.may(permission):
        abort(403)


def _project(project_id: str):
    try:
        return projects_service.project_for(g.viewer.customer, project_id, g.viewer.project)
    except NotFound:
        abort(404)


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


# --- the customer's pages -----------------------------------------------------------------------

@bp.route("/")
@viewer_required
def home():
    viewer = g.viewer
    projects = projects_service.visible_projects(viewer.customer, viewer.project)
    unread = msgs.unread_for_customer(viewer.customer, viewer.project) if viewer.may("messages") else {}
    tasks = service.open_tasks(viewer.customer) if viewer.whole_customer else []
    appointments = projects_service.upcoming_appointments(viewer.customer, viewer.project) \
        if viewer.may("planning") else []
    welcome = service.render_welcome(service.welcome_text(viewer.unit), viewer.customer)
    open_dialogs = dialog_service.open_links(viewer.customer) \
        if viewer.whole_customer and viewer.unit.has_feature("dialogs") else []
    return render_template("portal/home.html", viewer=viewer, projects=projects, unread=unread, tasks=tasks,
                           appointments=appointments, welcome=welcome, open_dialogs=open_dialogs)


@bp.route("/me")
@viewer_required
def master_data():
    if not g.viewer.whole_customer:
        abort(403)
    can_update = bool(qs.published_for_unit(g.viewer.unit, kinds=("master_data",))) and not g.viewer.read_only
    return render_template("portal/me.html", viewer=g.viewer, customer=g.viewer.customer, can_update=can_update)


@bp.route("/me/update", methods=["POST"])
@viewer_required
def update_master_data():
    """Change my data: opens the master-data questionnaire (prefilled; the answers update the record)."""
    try:
        item = service.master_data_task(g.viewer)
    except Forbidden:
        abort(403)
    except NotFound:
        abort(404)
    return redirect(url_for(".task", task_id=str(item.pk)))


@bp.route("/tasks/<task_id>", methods=["GET", "POST"])
@takes_json
@viewer_required
def task(task_id: str):
    try:
        item = service.task_for(g.viewer, task_id)
    except Forbidden:
        abort(403)
    except NotFound:
        abort(404)
    lang = request_lang()
    qs.ensure_renderable(item.version)  # a version holding code is shown to nobody (409 page)
    if request.method == "POST":
        payload = read_json()
        data = payload.get("data") if isinstance(payload, dict) else None
        try:
            service.submit_task(g.viewer, item, data, lang=lang)
        except qs.SubmissionInvalid as exc:
            return jsonify(errors=exc.renderer_errors), 422
        except Conflict:
            return jsonify(error=_("This questionnaire was already sent."), redirect=url_for(".home")), 409
        flash(_("Thank you! Your answers were sent."), "success")
        return jsonify(redirect=url_for(".home"))
    return render_template("portal/questionnaire.html", lang=lang, title=item.title, definition=item.version.schema,
                           prefill=service.prefill_for_task(item), submit_url=url_for(".task", task_id=task_id),
                           draft_url=url_for(".task_draft", task_id=task_id), viewer=g.viewer)


@bp.route("/tasks/<task_id>/draft", methods=["POST"])
@takes_json
@viewer_required
def task_draft(task_id: str):
    try:
        item = service.task_for(g.viewer, task_id)
        payload = read_json()
        service.save_partial(g.viewer, item, payload.get("data") if isinstance(payload, dict) else None)
    except NotFound:
        abort(404)
    except Forbidden:
        abort(403)
    except InvalidInput:
        return jsonify(error=_("The answers could not be saved.")), 422
    return jsonify(saved=True)


@bp.route("/projects/<project_id>")
@viewer_required
def project(project_id: str):
    viewer = g.viewer
    item = _project(project_id)
    thread = msgs.thread(item) if viewer.may("messages") else []
    if thread and not viewer.read_only:
        msgs.mark_read(item, reader="customer")
    files = docs.documents_for(viewer.customer, item) if viewer.may("documents") else []
    entries = projects_service.time_entries(item) if viewer.may("work_times") else []
    total = sum(e.minutes for e in entries)
    return render_template("portal/project.html", viewer=viewer, project=item, thread=thread, files=files,
                           entries=entries, total=f"{total // 60}:{total % 60:02d}",
                           max_mb=current_app.config["PORTAL_UPLOAD_MAX_BYTES"] // (1024 * 1024),
                           allowed=docs.ALLOWED_LABEL)


@bp.route("/projects/<project_id>/messages", methods=["POST"])
@viewer_required
@limiter.limit("30 per hour", methods=["POST"])
def post_message(project_id: str):
    _need("messages")
    item = _project(project_id)
    try:
        msgs.post(g.viewer.actor, item, request.form.get("body", ""), sender="customer")
    except InvalidInput as exc:
        flash(str(exc), "error")
        return redirect(url_for(".project", project_id=project_id)), 303
    flash(_("Your message was sent."), "success")
    return redirect(url_for(".project", project_id=project_id) + "#messages", 303)


@bp.route("/projects/<project_id>/documents", methods=["POST"])
@viewer_required
@limiter.limit("30 per hour", methods=["POST"])
def upload(project_id: str):
    _need("documents")
    item = _project(project_id)
    file = request.files.get("file")
    limit = current_app.config["PORTAL_UPLOAD_MAX_BYTES"]
    data = file.stream.read(limit + 1) if file else b""
    try:
        docs.store(g.viewer.actor, g.viewer.customer, data, file.filename if file else "", project=item,
                   uploaded_by="customer")
    except docs.UploadRefused as exc:
        flash(str(exc), "error")
        return redirect(url_for(".project", project_id=project_id)), 303
    flash(_("The file was uploaded."), "success")
    return redirect(url_for(".project", project_id=project_id) + "#documents", 303)


@bp.route("/documents/<document_id>")
@viewer_required
def download(document_id: str):
    _need("documents")
    try:
        doc = docs.document_for(g.viewer.customer, document_id, g.viewer.project)
        body = docs.read(doc)
    except NotFound:
        abort(404)
    response = Response(stream_with_context(body), mimetype=doc.content_type)
    response.headers["Content-Length"] = str(doc.length)
    response.headers.set("Content-Disposition", "attachment", filename=doc.filename)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    no_store_under(app, "/portal")
