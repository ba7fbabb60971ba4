"""The customer's portal pages: home, master data, requested questionnaires (with drafts), projects
with messages, documents and work times.

Every id in a URL is looked up *within* the viewer's customer (and bound project): anything else
is a 404. Pages carry no inline script (CSP with nonce, global).
"""

from __future__ import annotations

from flask import (
    abort,
    current_app,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _

from core.errors import Conflict, InvalidInput
from core.extensions import limiter
from core.services import dialogs as dialog_service
from core.services import document_requests as requests_service
from core.services import documents as docs
from core.services import messages as msgs
from core.services import portal as service
from core.services import portal_actions, portal_appointments, waitlist
from core.services import projects as projects_service
from core.services import questionnaires as qs
from core.web import answers, file_response, request_lang, submit_answers, takes_json
from portal import bp
from portal.auth import viewer_required


def _need(permission: str) -> None:
    if not g.viewer.may(permission):
        abort(403)


def _project(project_id: str, need: str | None = None):
    """The viewer's project (else NotFound, 404), after the permission ``need`` is checked (403)."""
    if need:
        _need(need)
    return projects_service.project_for(g.viewer.customer, project_id, g.viewer.project)



@bp.route("/")
@viewer_required
def home():
    viewer = g.viewer
    projects = projects_service.visible_projects(viewer.customer, viewer.project)
    unread = msgs.unread_for_customer(viewer.customer, viewer.project) if viewer.may("messages") else {}
    tasks = service.open_tasks(viewer)
    appointments = projects_service.upcoming_appointments(viewer.customer, viewer.project) \
        if viewer.may("planning") else []
    welcome = service.render_welcome(service.welcome_text(viewer.unit), viewer.customer)
    open_dialogs = dialog_service.open_links(viewer.customer) \
        if viewer.may("questionnaires") and viewer.unit.has_feature("dialogs") else []
    can_book = portal_appointments.may_book(viewer) and bool(portal_actions.bookable(viewer.customer))
    return render_template("portal/home.html", viewer=viewer, projects=projects, unread=unread, tasks=tasks,
                           appointments=appointments, welcome=welcome, open_dialogs=open_dialogs,
                           recent=portal_appointments.recent_done(viewer), can_book=can_book,
                           offers=[e for e in waitlist.entries_for(viewer.customer) if e.status == "offered"]
                           if can_book else [], **_file_documents(viewer))


def _file_documents(viewer) -> dict:
    """The customer file's shared documents and open requests, for accounts that see the whole customer
    and documents, where the unit has the documents feature."""
    shown = viewer.whole_customer and viewer.may("documents") and viewer.unit.has_feature(requests_service.FEATURE)
    return {"show_documents": shown,
            "shared_documents": docs.shared_file_documents(viewer.customer) if shown else [],
            "document_requests": requests_service.open_requests(viewer.customer) if shown else [],
            "max_mb": current_app.config["PORTAL_UPLOAD_MAX_BYTES"] // (1024 * 1024), "allowed": docs.ALLOWED_LABEL}


@bp.route("/me")
@viewer_required
def master_data():
    _need("master_data")
    can_update = bool(qs.published_for_unit(g.viewer.unit, kinds=("master_data",))) and not g.viewer.read_only
    return render_template("portal/me.html", viewer=g.viewer, customer=g.viewer.customer, can_update=can_update)


@bp.route("/me/update", methods=["POST"])
@viewer_required
def update_master_data():
    """Change my data: opens the master-data questionnaire (prefilled; the answers update the record)."""
    item = service.master_data_task(g.viewer)  # Forbidden (403), NotFound (404): the app's handler
    return redirect(url_for(".task", task_id=str(item.pk)))


@bp.route("/tasks/<task_id>", methods=["GET", "POST"])
@takes_json
@viewer_required
def task(task_id: str):
    item = service.task_for(g.viewer, task_id)
    lang = request_lang()
    qs.ensure_renderable(item.version)  # a version holding code is shown to nobody (409 page)
    if request.method == "POST":  # already sent: 409 with the service's message
        return submit_answers(lambda data: service.submit_task(g.viewer, item, data, lang=lang),
                              done=url_for(".home"), thanks=_("Thank you! Your answers were sent."))
    return render_template("portal/questionnaire.html", lang=lang, title=item.title, definition=item.version.schema,
                           prefill=service.prefill_for_task(item), submit_url=url_for(".task", task_id=task_id),
                           draft_url=url_for(".task_draft", task_id=task_id), viewer=g.viewer)


@bp.route("/tasks/<task_id>/draft", methods=["POST"])
@takes_json
@viewer_required
def task_draft(task_id: str):
    """Answers so far (JSON ``{"data": {...}}``), saved without validation (refused answers: 422 with
    the service's message, through the app's ``domain_error``)."""
    service.save_partial(g.viewer, service.task_for(g.viewer, task_id), answers())
    return jsonify(saved=True)


@bp.route("/projects/<project_id>")
@viewer_required
def project(project_id: str):
    viewer = g.viewer
    item = _project(project_id)
    thread = msgs.thread(item) if viewer.may("messages") else []
    if thread and not viewer.read_only:
        msgs.mark_read(item, reader="customer")
    files = docs.documents_for(viewer.customer, item, shared_only=True) if viewer.may("documents") else []
    entries = projects_service.time_entries(item) if viewer.may("work_times") else []
    total = sum(e.minutes for e in entries)
    return render_template("portal/project.html", viewer=viewer, project=item, thread=thread, files=files,
                           entries=entries, total=f"{total // 60}:{total % 60:02d}",
                           max_mb=current_app.config["PORTAL_UPLOAD_MAX_BYTES"] // (1024 * 1024),
                           allowed=docs.ALLOWED_LABEL)


def _back_to_project(project_id: str, section: str, done: str, refused: type[Exception], act):
    """Run ``act()``; back to the project page: at ``section`` with ``done`` flashed, or at the top with
    the refusal's (translated) message when it raised ``refused`` (303 either way)."""
    try:
        act()
    except refused as exc:
        flash(str(exc), "error")
        return redirect(url_for(".project", project_id=project_id), 303)
    flash(done, "success")
    return redirect(url_for(".project", project_id=project_id) + "#" + section, 303)


@bp.route("/projects/<project_id>/messages", methods=["POST"])
@viewer_required
@limiter.limit("30 per hour", methods=["POST"])
def post_message(project_id: str):
    item = _project(project_id, need="messages")
    return _back_to_project(project_id, "messages", _("Your message was sent."), InvalidInput,
                            lambda: msgs.post(g.viewer.actor, item, request.form.get("body", ""), sender="customer"))


@bp.route("/projects/<project_id>/documents", methods=["POST"])
@viewer_required
@limiter.limit("30 per hour", methods=["POST"])
def upload(project_id: str):
    item = _project(project_id, need="documents")
    file = request.files.get("file")
    limit = current_app.config["PORTAL_UPLOAD_MAX_BYTES"]
    data = file.stream.read(limit + 1) if file else b""
    return _back_to_project(project_id, "documents", _("The file was uploaded."), docs.UploadRefused,
                            lambda: docs.store(g.viewer.actor, g.viewer.customer, data, file.filename if file else "",
                                               project=item, uploaded_by="customer"))


@bp.route("/documents/<document_id>")
@viewer_required
def download(document_id: str):
    _need("documents")
    # shared, current documents only (else NotFound, 404)
    doc = docs.document_for(g.viewer.customer, document_id, g.viewer.project, shared_only=True)
    return file_response(docs.read(doc), content_type=doc.content_type, length=doc.length, filename=doc.filename)


@bp.route("/documents/requested", methods=["POST"])
@viewer_required
@limiter.limit("30 per hour", methods=["POST"])
def answer_request():
    """The customer uploads the document staff asked for (form fields ``request`` and ``file``)."""
    viewer = g.viewer
    if not _file_documents(viewer)["show_documents"]:
        abort(403)
    if viewer.read_only:
        abort(403)
    item = requests_service.open_request_for(viewer.customer, request.form.get("request", ""))  # else 404
    file = request.files.get("file")
    data = file.stream.read(current_app.config["PORTAL_UPLOAD_MAX_BYTES"] + 1) if file else b""
    try:
        requests_service.answer(viewer.actor, item, data, file.filename if file else "")
    except (InvalidInput, Conflict) as exc:
        flash(str(exc), "error")
        return redirect(url_for(".home") + "#documents", 303)
    flash(_("Thank you! The document was sent."), "success")
    return redirect(url_for(".home") + "#documents", 303)
