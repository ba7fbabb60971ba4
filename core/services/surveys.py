"""Satisfaction surveys after a job: when an appointment becomes done, each survey action of its activity
type that the conditions allow is offered in the portal, and the customer gets one e-mail invitation.

"One" holds however often the status flips to done and back, and whichever process announces it: the
invitation first claims a :class:`PortalActionRecord` (``invited``) under a unique index, and the mail
carries the idempotency key ``survey:<appointment>:<action>`` as well.
"""

from __future__ import annotations

from datetime import datetime

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from mongoengine import NotUniqueError

from core.config import public_base_url
from core.models import Appointment, OutboxMessage, PortalAction, PortalActionRecord
from core.models._base import utcnow
from core.services import portal_actions
from core.services.mail import queue_email
from core.signals import appointment_status_changed


@appointment_status_changed.connect
def _on_status_changed(appointment: Appointment, *, new_status: str, **_kw) -> None:
    if new_status == "done":
        became_done(appointment)


def became_done(appointment: Appointment, *, now: datetime | None = None) -> list[OutboxMessage]:
    """Note when the appointment was done and invite to its surveys (each once); returns the mails queued."""
    now = now or utcnow()
    Appointment.objects(pk=appointment.pk).update_one(set__done_at=now)
    appointment.done_at = now
    return invite(appointment, now=now)


def invite(appointment: Appointment, *, now: datetime | None = None) -> list[OutboxMessage]:
    customer = appointment.customer
    if appointment.activity_type is None or customer is None:
        return []
    sent = []
    for action in PortalAction.objects(business_unit=appointment.business_unit,
                                       activity_type=appointment.activity_type, kind="survey", active=True):
        if not portal_actions.allowed(action, customer, appointment, now=now):
            continue
        try:
            PortalActionRecord(business_unit=appointment.business_unit, customer=customer, appointment=appointment,
                               action=action, what="invited").save()
        except NotUniqueError:
            continue  # invited before (an earlier "done", another process)
        if customer.email and customer.portal_enabled:
            sent.append(_invitation(appointment, action))
    return sent


def _invitation(appointment: Appointment, action: PortalAction) -> OutboxMessage:
    unit = appointment.business_unit
    customer = appointment.customer
    link = public_base_url(current_app.config, None) + f"/portal/appointments/{appointment.pk}"
    with force_locale(unit.language or "de"):
        subject = _("%(unit)s: how was your appointment?", unit=unit.name)
        body = _("Hello %(name)s,\n\nthank you for your visit. We would be glad to hear how it went: \"%(survey)s\" "
                 "takes a minute, in the customer portal:\n%(link)s\n\nKind regards\n%(unit)s",
                 name=customer.full_name, survey=action.label, link=link, unit=unit.name)
    return queue_email(to=customer.email, subject=subject, body=body, business_unit=unit,
                       customer_id=str(customer.pk), idempotency_key=f"survey:{appointment.pk}:{action.pk}")
