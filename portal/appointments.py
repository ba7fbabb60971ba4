"""The customer's appointments in the portal and the actions their activity types offer: fill a
questionnaire or a survey, upload a document (booking, rescheduling, cancelling and the waitlist:
:mod:`portal.booking`).

Handlers look the appointment up within the viewer's customer (else 404), let the services decide
(every POST checks the action's conditions again) and render. Every POST has CSRF (app-wide) and a
rate limit.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_time
from flask import current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from core.errors import Conflict
from core.extensions import limiter
from core.services import documents as docs
from core.services import portal_actions
from core.services import portal_appointments as service
from core.services.documents import UploadRefused
from portal import bp
from portal.auth import viewer_required

#: portal action POSTs per viewer address
ACTION_LIMIT = "30 per hour"
STATUS_LABELS = {"planned": _l("planned"), "running": _l("running"), "done": _l("done"), "cancelled": _l("cancelled")}


def local_when(unit, value: datetime | None, *, date: bool = True) -> str:
    """A stored UTC time in the unit's time zone and the viewer's language ("Montag, 7. Dezember 2026 09:30";
    the time alone with ``date=False``)."""
    if value is None:
        return ""
    locale = str(get_locale() or "de")
    aware = value.replace(tzinfo=ZoneInfo("UTC")).astimezone(ZoneInfo(unit.timezone or "Europe/Berlin"))
    time = format_time(aware, "short", locale=locale)
    return f"{format_date(aware, 'full', locale=locale)} {time}" if date else time


def appointment_url(appointment) -> str:
    return url_for("portal.appointment", appointment_id=str(appointment.pk))


@bp.route("/appointments/<appointment_id>")
@viewer_required
def appointment(appointment_id: str):
    viewer = g.viewer
    item = service.appointment_for(viewer, appointment_id)
    lang = "en" if str(get_locale()) == "en" else "de"
    title, description = portal_actions.portal_texts(item.activity_type, viewer.customer, item, lang) \
        if item.activity_type is not None else ("", "")
    return render_template("portal/appointment.html", viewer=viewer, appointment=item, title=title,
                           description=description, actions=service.viewer_actions(viewer, item),
                           when=local_when(viewer.unit, item.start), status=STATUS_LABELS[item.status],
                           until=local_when(viewer.unit, item.end, date=False),
                           max_mb=current_app.config["PORTAL_UPLOAD_MAX_BYTES"] // (1024 * 1024),
                           allowed=docs.ALLOWED_LABEL)


@bp.route("/appointments/<appointment_id>/fill/<action_id>", methods=["POST"])
@viewer_required
@limiter.limit(ACTION_LIMIT, methods=["POST"])
def fill(appointment_id: str, action_id: str):
    """Open the action's questionnaire or survey (the one started before, if any)."""
    item = service.appointment_for(g.viewer, appointment_id)
    task = service.open_questionnaire(g.viewer, item, action_id)
    return redirect(url_for(".task", task_id=str(task.pk)), 303)


@bp.route("/appointments/<appointment_id>/upload/<action_id>", methods=["POST"])
@viewer_required
@limiter.limit(ACTION_LIMIT, methods=["POST"])
def appointment_upload(appointment_id: str, action_id: str):
    item = service.appointment_for(g.viewer, appointment_id)
    file = request.files.get("file")
    limit = current_app.config["PORTAL_UPLOAD_MAX_BYTES"]
    data = file.stream.read(limit + 1) if file else b""
    try:
        service.upload(g.viewer, item, action_id, data, file.filename if file else "")
    except (UploadRefused, Conflict) as exc:  # not an allowed file; "at most once" taken meanwhile
        flash(str(exc), "error")
        return redirect(appointment_url(item), 303)
    flash(_("The file was uploaded."), "success")
    return redirect(appointment_url(item), 303)
