"""Personal dialog links (``/d/<dialog id>/<token>``): a customer fills in a questionnaire on their own.

No login: the link's token opens one dialog of one customer (the id in the URL and the token must
belong together), expires, and dies when the dialog is done. Answers are saved as the customer goes
(``…/progress``); completing validates through the questionnaire service and computes the results once.
Every response here is ``Cache-Control: no-store`` and ``noindex``.
"""

from __future__ import annotations

from flask import Blueprint, Flask, jsonify, render_template, request, url_for
from flask_babel import gettext as _

from core.errors import NotFound
from core.services import dialogs as service
from core.services import questionnaires as qs
from core.web import answers, no_store_under, request_lang, submit_answers, takes_json

bp = Blueprint("dialogs", __name__, url_prefix="/d", template_folder="templates")




def _refused(exc: Exception):
    closed = isinstance(exc, service.LinkClosed)
    status = 410 if closed else 404
    message = _("This link is no longer valid. Please contact us if you need a new one.") if closed \
        else _("This link is not valid.")
    if request.method == "POST" or request.accept_mimetypes.best == "application/json":
        return jsonify(error=message), status
    return render_template("dialogs/closed.html", lang=request_lang(), message=message), status


@bp.route("/<dialog_id>/<token>", methods=["GET", "POST"])
@takes_json
def fill(dialog_id: str, token: str):
    try:
        dialog = service.dialog_for_link(dialog_id, token)
    except (NotFound, service.LinkClosed) as exc:
        return _refused(exc)
    lang = request_lang()
    qs.ensure_renderable(dialog.version)  # a version holding code is shown to nobody (409 page)
    if request.method == "POST":  # completed or closed meanwhile: 410
        return submit_answers(lambda data: service.complete(dialog, data, lang=lang), done=url_for(".thanks"),
                              stale=service.LinkClosed, on_stale=_refused)
    dialog = service.open_dialog(dialog)
    prefill = service.resume_answers(dialog)
    return render_template("dialogs/questionnaire.html", lang=lang, title=dialog.version.name,
                           definition=dialog.version.schema, prefill=prefill, restored=bool(dialog.answers),
                           submit_url=url_for(".fill", dialog_id=dialog_id, token=token),
                           progress_url=url_for(".progress", dialog_id=dialog_id, token=token))


@bp.route("/<dialog_id>/<token>/progress", methods=["POST"])
@takes_json
def progress(dialog_id: str, token: str):
    """Answers so far (JSON ``{"data": {...}}``), saved without validation (refused answers: 422 with
    the service's message, through the app's ``domain_error``)."""
    try:
        dialog = service.dialog_for_link(dialog_id, token)
        service.save_progress(dialog, answers())
    except (NotFound, service.LinkClosed) as exc:
        return _refused(exc)
    return jsonify(state="saved")


@bp.route("/thanks")
def thanks():
    return render_template("dialogs/thanks.html", lang=request_lang())


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    no_store_under(app, "/d", {"X-Robots-Tag": "noindex", "Referrer-Policy": "no-referrer"})
