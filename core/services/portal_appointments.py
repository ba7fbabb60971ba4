"""The customer's appointments in the portal and the actions taken on them: fill a questionnaire or a
survey, upload a document (booking, rescheduling and cancelling: :mod:`core.services.portal_booking`).

Every function takes the portal :class:`~core.services.portal.Viewer`, looks the appointment up within
the viewer's customer (and project, for accounts bound to one), and asks
:func:`core.services.portal_actions.require` whether the action is allowed *now*, before it changes
anything. The same checks decide what the pages show (:func:`viewer_actions`).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l

from core.errors import Forbidden, NotFound
from core.models import Appointment, Document, PortalAction, PortalTask
from core.models._base import utcnow
from core.models.portal_action import QUESTIONNAIRE_KINDS
from core.services import documents as docs
from core.services import portal_actions
from core.services import questionnaires as qs
from core.services.audit import record
from core.services.portal import Viewer

#: done appointments stay on the portal's home this long (for their surveys and uploads)
RECENT_DAYS = 60


def _viewer_may(viewer: Viewer, kind: str) -> bool:
    """What the viewer's account allows besides the action's own conditions: questionnaires only for
    the customer as a whole (as everywhere in the portal), uploads with the documents permission."""
    if viewer.read_only:
        return False
    if kind in QUESTIONNAIRE_KINDS:
        return viewer.whole_customer
    if kind == "upload":
        return viewer.may("documents")
    return True


def _require(viewer: Viewer, action_id: str, kinds: tuple[str, ...], appointment: Appointment | None,
             now: datetime | None) -> PortalAction:
    action = portal_actions.require(viewer.customer, action_id, kinds=kinds, appointment=appointment, now=now)
    if not _viewer_may(viewer, action.kind):
        raise Forbidden(portal_actions.NOT_AVAILABLE)
    return action


def appointment_for(viewer: Viewer, appointment_id: str) -> Appointment:
    """The viewer's appointment, else NotFound (another customer's, another project's, malformed id)."""
    if not viewer.may("planning"):
        raise Forbidden(_l("Not allowed."))
    query = Appointment.objects(customer=viewer.customer)
    if viewer.project is not None:
        query = query.filter(project=viewer.project)
    appointment = query.get_or_none(pk=appointment_id)
    if appointment is None:
        raise NotFound(_l("Not found."))
    return appointment


def viewer_actions(viewer: Viewer, appointment: Appointment, *, now: datetime | None = None) -> list[PortalAction]:
    """The actions to show with ``appointment``: allowed by their conditions and by the viewer's account."""
    return [a for a in portal_actions.actions_for(viewer.customer, appointment, now=now) if _viewer_may(viewer, a.kind)]


def recent_done(viewer: Viewer, *, now: datetime | None = None) -> list[tuple[Appointment, list[PortalAction]]]:
    """Done appointments of the last :data:`RECENT_DAYS` days that still offer an action (a survey, an
    upload), newest first."""
    if not viewer.may("planning"):
        return []
    now = now or utcnow()
    query = Appointment.objects(customer=viewer.customer, status="done", start__gte=now - timedelta(days=RECENT_DAYS))
    if viewer.project is not None:
        query = query.filter(project=viewer.project)
    out = []
    for appointment in query.order_by("-start").limit(50):
        actions = viewer_actions(viewer, appointment, now=now)
        if actions:
            out.append((appointment, actions))
    return out


def open_questionnaire(viewer: Viewer, appointment: Appointment, action_id: str, *,
                       now: datetime | None = None) -> PortalTask:
    """The questionnaire (or survey) of the action, as a portal task of this appointment: the open one
    again if the customer started it before, else a new one for the newest published version."""
    action = _require(viewer, action_id, QUESTIONNAIRE_KINDS, appointment, now)
    task = PortalTask.objects(customer=viewer.customer, appointment=appointment, action=action, status="open").first()
    if task is not None:
        return task
    version = qs.latest_version(action.questionnaire) if action.questionnaire is not None else None
    if version is None:
        raise NotFound(_l("This questionnaire is not published."))
    qs.ensure_renderable(version)
    task = PortalTask(business_unit=viewer.unit, customer=viewer.customer, version=version, title=action.label,
                      requested_by="customer", appointment=appointment, action=action).save()
    record(viewer.actor, "create", object_type="portal_tasks", object_id=task.pk,
           summary=f"Questionnaire {version.name} opened by the customer for an appointment ({action.label})",
           business_unit=viewer.unit)
    return task


def upload(viewer: Viewer, appointment: Appointment, action_id: str, data: bytes, filename: str, *,
           now: datetime | None = None) -> Document:
    """Store the customer's file with the appointment (and its project), once if the action says so."""
    action = _require(viewer, action_id, ("upload",), appointment, now)
    use = portal_actions.claim_use(action, appointment)
    try:
        return docs.store(viewer.actor, viewer.customer, data, filename, project=appointment.project,
                          uploaded_by="customer", appointment=appointment)
    except BaseException:
        portal_actions.release_use(use)
        raise
