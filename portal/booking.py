"""Booking in the portal: "Termin buchen" (activity types shown in the portal → the planning assistant's
best slots → confirm), reschedule and cancel an appointment, and the waitlist with its offers.

Handlers are thin: the services check the action's conditions on every POST and the booking service
re-checks the slot (past, outside hours, wrong staff member, another unit, tampered token, taken). A
refused slot shows its reason and fresh suggestions, nothing booked. Every POST has CSRF and a limit.
"""

from __future__ import annotations

from datetime import date, timedelta

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _

from core.errors import Conflict, InvalidInput
from core.extensions import limiter
from core.services import portal_actions, waitlist
from core.services import portal_appointments as service
from core.services.booking import SlotTaken
from portal import bp
from portal.appointments import ACTION_LIMIT, appointment_url, local_when
from portal.auth import viewer_required


def _day(raw: str | None) -> date | None:
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


def _lang() -> str:
    return "en" if str(get_locale()) == "en" else "de"


def _slots_page(action, *, appointment=None, error: str | None = None, status: int = 200):
    """The ranked slots from the day asked for (``?day=``), with links to the week before and after."""
    viewer = g.viewer
    day = _day(request.values.get("day"))
    today = service.local_today(viewer)
    first = max(day or today, today)
    slots = service.suggestions(viewer, action, day=first, appointment=appointment)
    activity = appointment.activity_type if appointment is not None else action.activity_type
    title, description = portal_actions.portal_texts(activity, viewer.customer, appointment, _lang())
    shown = [{"token": s.token, "when": local_when(viewer.unit, s.start), "staff": s.staff_name,
              "rating": s.rating} for s in slots]
    target = url_for(".reschedule", appointment_id=str(appointment.pk), action_id=str(action.pk)) \
        if appointment is not None else url_for(".book", action_id=str(action.pk))
    return render_template("portal/slots.html", viewer=viewer, action=action, appointment=appointment, title=title,
                           description=description, slots=shown, error=error, target=target, first=first,
                           earlier=(first - timedelta(days=service.SLOT_DAYS)).isoformat() if first > today else None,
                           later=(first + timedelta(days=service.SLOT_DAYS)).isoformat(),
                           current=local_when(viewer.unit, appointment.start) if appointment is not None else None,
                           today=today.isoformat()), status


def _take_slot(action, take, done: str, *, appointment=None):
    """POST of a slot: ``take(token)`` books or moves; the appointment page with ``done`` flashed, or the
    slots again with the reason (taken meanwhile: 409; not valid, past, outside hours ...: 400)."""
    try:
        booked = take(request.form.get("slot", ""))
    except SlotTaken as exc:
        return _slots_page(action, appointment=appointment, error=str(exc), status=409)
    except (InvalidInput, Conflict) as exc:  # Conflict: "at most once" claimed by a request a moment earlier
        return _slots_page(action, appointment=appointment, error=str(exc), status=400)
    flash(done, "success")
    return redirect(appointment_url(booked), 303)


@bp.route("/book")
@viewer_required
def book_start():
    viewer = g.viewer
    actions = portal_actions.bookable(viewer.customer) if service.may_book(viewer) else []
    offers = [(a, *portal_actions.portal_texts(a.activity_type, viewer.customer, None, _lang())) for a in actions]
    return render_template("portal/book.html", viewer=viewer, offers=offers,
                           entries=waitlist.entries_for(viewer.customer) if service.may_book(viewer) else [])


@bp.route("/book/<action_id>", methods=["GET", "POST"])
@viewer_required
@limiter.limit(ACTION_LIMIT, methods=["POST"])
def book(action_id: str):
    action = service.booking_action(g.viewer, action_id)  # NotFound (404), Forbidden (403)
    if request.method == "GET":
        return _slots_page(action)
    return _take_slot(action, lambda slot: service.book(g.viewer, action_id, slot), _("Your appointment is booked."))


@bp.route("/appointments/<appointment_id>/reschedule/<action_id>", methods=["GET", "POST"])
@viewer_required
@limiter.limit(ACTION_LIMIT, methods=["POST"])
def reschedule(appointment_id: str, action_id: str):
    item = service.appointment_for(g.viewer, appointment_id)
    action = service.require_action(g.viewer, action_id, ("reschedule",), item)
    if request.method == "GET":
        return _slots_page(action, appointment=item)
    return _take_slot(action, lambda slot: service.reschedule(g.viewer, item, action_id, slot),
                      _("Your appointment was moved."), appointment=item)


@bp.route("/appointments/<appointment_id>/cancel/<action_id>", methods=["GET", "POST"])
@viewer_required
@limiter.limit(ACTION_LIMIT, methods=["POST"])
def cancel(appointment_id: str, action_id: str):
    item = service.appointment_for(g.viewer, appointment_id)
    action = service.require_action(g.viewer, action_id, ("cancel",), item)
    if request.method == "GET":
        return render_template("portal/cancel.html", viewer=g.viewer, appointment=item, action=action,
                               when=local_when(g.viewer.unit, item.start))
    service.cancel(g.viewer, item, action_id)
    flash(_("Your appointment is cancelled."), "success")
    return redirect(appointment_url(item), 303)


# --- waitlist --------------------------------------------------------------------------------------------

@bp.route("/book/<action_id>/waitlist", methods=["POST"])
@viewer_required
@limiter.limit(ACTION_LIMIT, methods=["POST"])
def join_waitlist(action_id: str):
    action = service.booking_action(g.viewer, action_id)
    try:
        waitlist.join(g.viewer, action_id, _day(request.form.get("date_from")), _day(request.form.get("date_to")))
    except (InvalidInput, Conflict) as exc:
        return _slots_page(action, error=str(exc), status=400)
    flash(_("You are on the waitlist. We will write to you as soon as a time becomes free."), "success")
    return redirect(url_for(".waitlist_page"), 303)


@bp.route("/waitlist")
@viewer_required
def waitlist_page():
    viewer = g.viewer
    rows = [{"entry": e, "from": e.date_from.date(), "to": e.date_to.date(),
             "offer": local_when(viewer.unit, e.offer_start) if e.status == "offered" else None,
             "until": local_when(viewer.unit, e.offer_expires_at) if e.status == "offered" else None}
            for e in waitlist.entries_for(viewer.customer)]
    return render_template("portal/waitlist.html", viewer=viewer, rows=rows)


def _answer(act, entry_id: str, done: str):
    """Run ``act(viewer, entry_id)``; a refusal is flashed on the waitlist page, a slot taken meanwhile too."""
    try:
        appointment = act(g.viewer, entry_id)
    except SlotTaken:
        flash(_("This time has just been taken, sorry. You stay on the waitlist."), "error")
        return redirect(url_for(".waitlist_page"), 303)
    except (InvalidInput, Conflict) as exc:
        flash(str(exc), "error")
        return redirect(url_for(".waitlist_page"), 303)
    flash(done, "success")
    return redirect(appointment_url(appointment) if appointment is not None else url_for(".waitlist_page"), 303)


@bp.route("/waitlist/<entry_id>/accept", methods=["POST"])
@viewer_required
@limiter.limit(ACTION_LIMIT, methods=["POST"])
def waitlist_accept(entry_id: str):
    return _answer(waitlist.accept, entry_id, _("Your appointment is booked."))


@bp.route("/waitlist/<entry_id>/decline", methods=["POST"])
@viewer_required
@limiter.limit(ACTION_LIMIT, methods=["POST"])
def waitlist_decline(entry_id: str):
    """Let the offered time pass (the next customer gets it) and keep waiting."""
    return _answer(waitlist.decline, entry_id, _("You let this time pass and stay on the waitlist."))


@bp.route("/waitlist/<entry_id>/leave", methods=["POST"])
@viewer_required
@limiter.limit(ACTION_LIMIT, methods=["POST"])
def waitlist_leave(entry_id: str):
    return _answer(waitlist.leave, entry_id, _("You are no longer on the waitlist."))
