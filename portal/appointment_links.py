"""The confirm and cancel links of appointment confirmations and reminders (``/portal/appointment/<token>``).

No login: the signed link names the appointment, its customer and its start. Mail scanners open links,
so opening one only shows the appointment and a button; the button's POST (CSRF, rate-limited) acts.
A link used before says what was done; a forged, foreign, outdated or expired one changes nothing.
"""

from __future__ import annotations

from flask import render_template, request

from core import placeholders
from core.extensions import limiter
from core.services import reminders
from core.web import request_lang
from portal import bp


@bp.route("/appointment/<token>", methods=["GET", "POST"])
@limiter.limit("20 per minute", methods=["POST"])
def appointment_link(token: str):
    lang = request_lang()
    try:
        if request.method == "POST":
            appointment, outcome = reminders.act_on_link(token)
            action = "confirm" if outcome.endswith("confirmed") else "cancel"
        else:
            appointment, action = reminders.open_link(token)
            state = reminders.link_state(appointment, action)
            outcome = state if state == "open" else f"already_{state}"
    except reminders.LinkInvalid as exc:
        return render_template("portal/appointment_link.html", lang=lang, error=str(exc)), exc.status
    return render_template("portal/appointment_link.html", lang=lang, error=None, token=token, action=action,
                           outcome=outcome, unit=appointment.business_unit,
                           values=placeholders.appointment_values(appointment, lang))
