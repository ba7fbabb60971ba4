"""The customer's appointments in the portal and the actions taken on them: book, reschedule, cancel
(through the planning assistant and the booking service), fill a questionnaire or a survey, upload a
document.

Every function takes the portal :class:`~core.services.portal.Viewer`, looks the appointment up within
the viewer's customer (and project, for accounts bound to one), and asks
:func:`core.services.portal_actions.require` whether the action is allowed *now*, before it changes
anything. The same checks decide what the pages show (:func:`viewer_actions`).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from core.errors import Forbidden, NotFound
from core.models import Appointment, Document, PortalAction, PortalTask
from core.models._base import utcnow
from core.models.portal_action import QUESTIONNAIRE_KINDS
from core.services import booking, planning, portal_actions
from core.services import documents as docs
from core.services import questionnaires as qs
from core.services.audit import record
from core.services.portal import Viewer
from core.timezones import local_day

#: done appointments stay on the portal's home this long (for their surveys and uploads)
RECENT_DAYS = 60
#: the portal shows this many of the best slots, found in this many days from the day asked for
SLOT_LIMIT, SLOT_DAYS = 12, 7


def _viewer_may(viewer: Viewer, kind: str) -> bool:
    """What the viewer's account allows besides the action's own conditions: questionnaires only for
    the customer as a whole (as everywhere in the portal), uploads with the documents permission. (Staff
    viewing as the customer see the same; they change nothing: :func:`acting_action`.)"""
    if kind in QUESTIONNAIRE_KINDS:
        return viewer.whole_customer
    if kind == "upload":
        return viewer.may("documents")
    if kind == "book":  # a new appointment belongs to no project: project-bound accounts would not see it
        return viewer.whole_customer
    return True


def require_action(viewer: Viewer, action_id: str, kinds: tuple[str, ...], appointment: Appointment | None = None,
                   now: datetime | None = None) -> PortalAction:
    """The action if its conditions and the viewer's account allow it now (NotFound / Forbidden)."""
    action = portal_actions.require(viewer.customer, action_id, kinds=kinds, appointment=appointment, now=now)
    if not _viewer_may(viewer, action.kind):
        raise portal_actions.NotAvailable
    return action


def acting_action(viewer: Viewer, action_id: str, kinds: tuple[str, ...], appointment: Appointment | None = None,
                  now: datetime | None = None) -> PortalAction:
    """:func:`require_action` for carrying the action out: never for staff viewing as the customer."""
    if viewer.read_only:
        raise Forbidden(_l("Read-only."))
    return require_action(viewer, action_id, kinds, appointment, now)


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
    action = acting_action(viewer, action_id, QUESTIONNAIRE_KINDS, appointment, now)
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
    action = acting_action(viewer, action_id, ("upload",), appointment, now)
    use = portal_actions.claim_use(action, appointment)
    try:
        return docs.store(viewer.actor, viewer.customer, data, filename, project=appointment.project,
                          uploaded_by="customer", appointment=appointment)
    except BaseException:
        portal_actions.release_use(use)
        raise


# --- booking, rescheduling, cancelling ---------------------------------------------------------------

def may_book(viewer: Viewer) -> bool:
    return _viewer_may(viewer, "book")


def local_today(viewer: Viewer, now: datetime | None = None) -> date:
    """Today in the unit's time zone (the first day slots are looked for)."""
    now = now or utcnow()
    return local_day(now, viewer.unit.timezone)


def booking_action(viewer: Viewer, action_id: str, *, now: datetime | None = None) -> PortalAction:
    """The booking action ``action_id`` if the viewer may book with it now (NotFound / Forbidden)."""
    return require_action(viewer, action_id, ("book",), None, now)


def suggestions(viewer: Viewer, action: PortalAction, *, day: date | None = None,
                appointment: Appointment | None = None, now: datetime | None = None) -> list[planning.Slot]:
    """The best free slots for the action's activity type from ``day`` on, as customers may book them (the
    planning assistant never offers them red slots); for a reschedule the appointment's own time counts
    as free."""
    activity = appointment.activity_type if appointment is not None else action.activity_type
    return planning.suggest_slots(viewer.unit, activity, viewer.customer, start=day, days=SLOT_DAYS,
                                  for_customer=True, now=now, limit=SLOT_LIMIT, exclude_appointment=appointment)


def book(viewer: Viewer, action_id: str, token: str, *, now: datetime | None = None) -> Appointment:
    """Book the slot ``token`` names: the action's conditions first, then the booking service's rules
    (past, outside hours, not a performer, another unit, tampered token: InvalidInput; taken: SlotTaken)."""
    action = acting_action(viewer, action_id, ("book",), None, now)
    return booking.book(viewer.unit, action.activity_type, viewer.customer, token, actor=viewer.actor,
                        source="portal", now=now)


def reschedule(viewer: Viewer, appointment: Appointment, action_id: str, token: str, *,
               now: datetime | None = None) -> Appointment:
    action = acting_action(viewer, action_id, ("reschedule",), appointment, now)
    use = portal_actions.claim_use(action, appointment)
    try:
        return booking.reschedule(appointment, token, actor=viewer.actor, source="portal", now=now)
    except BaseException:
        portal_actions.release_use(use)
        raise


def cancel(viewer: Viewer, appointment: Appointment, action_id: str, *, now: datetime | None = None) -> Appointment:
    acting_action(viewer, action_id, ("cancel",), appointment, now)
    with force_locale(viewer.unit.language or "de"):  # a note for staff, in the unit's language
        reason = _("Cancelled by the customer in the portal.")
    return booking.cancel(appointment, actor=viewer.actor, source="portal", reason=reason)
