"""The one evaluator of portal actions ("Kundenportal-Aktionen"): which actions a customer may take on
an appointment (or, for booking, on an activity type) right now.

Pages call :func:`actions_for` / :func:`bookable` to decide what to show; every POST calls
:func:`require` again before anything changes, so an action the conditions forbid is neither shown
nor accepted, whatever the browser sends. :func:`refusal` says which condition failed (tests, logs).

Besides the conditions staff set (see :class:`core.models.PortalAction`) each kind has its own rule:
rescheduling and cancelling need a planned appointment that has not started; a survey needs a done
one. "At most once" is a :class:`PortalActionRecord` claimed under a unique index by :func:`claim_use`
when the action is carried out (released again if it fails).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from mongoengine import NotUniqueError
from mongoengine import ValidationError as MEValidationError

from core import placeholders
from core.errors import Conflict, Forbidden, InvalidInput, NotFound
from core.models import (
    ActivityType,
    Appointment,
    Customer,
    PortalAction,
    PortalActionRecord,
    PortalTask,
    Questionnaire,
)
from core.models._base import utcnow
from core.models.appointment import STATUSES
from core.models.portal_action import APPOINTMENT_KINDS, KINDS, QUESTIONNAIRE_KINDS
from core.services import questionnaires as qs
from core.services.audit import Actor, record, record_change, same_unit, snapshot

#: statuses an action applies to when staff chose none
DEFAULT_STATUSES = ("planned", "running", "done")
#: what a kind needs whatever staff configured
KIND_STATUSES = {"reschedule": ("planned",), "cancel": ("planned",), "survey": ("done",)}
#: the activity type's portal texts may name these
TEXT_PLACEHOLDERS = placeholders.CUSTOMER + placeholders.UNIT + placeholders.APPOINTMENT



class NotAvailable(Forbidden):
    """The action's conditions (or the viewer's account) do not allow it now."""

    def __init__(self):
        super().__init__(_l("This is not possible for this appointment (any more)."))


def done_at(appointment: Appointment) -> datetime | None:
    """When the appointment became done (its end, for appointments done before this was recorded)."""
    if appointment.status != "done":
        return None
    return appointment.done_at or appointment.end


def refusal(action: PortalAction, customer: Customer, appointment: Appointment | None = None, *,
            now: datetime | None = None) -> str | None:
    """None when ``customer`` may take ``action`` (on ``appointment``) at ``now``; else the name of the
    first condition that fails: hidden, unit, tag, appointment, status, too_early, too_late, done, once."""
    now = now or utcnow()
    activity = action.activity_type
    if not action.active or activity is None or not activity.active or not activity.portal_visible:
        return "hidden"
    if action.business_unit.pk != customer.business_unit.pk:
        return "unit"
    if action.required_tag and action.required_tag not in (customer.tags or []):
        return "tag"
    if action.kind == "book":
        return None if appointment is None else "appointment"
    if appointment is None or appointment.customer.pk != customer.pk or appointment.activity_type is None \
            or appointment.activity_type.pk != activity.pk:
        return "appointment"
    if appointment.status not in (action.statuses or DEFAULT_STATUSES) \
            or appointment.status not in KIND_STATUSES.get(action.kind, STATUSES):
        return "status"
    if action.kind in ("reschedule", "cancel") and appointment.start <= now:
        return "too_late"
    if action.earliest_hours_before is not None and now < appointment.start - timedelta(
            hours=action.earliest_hours_before):
        return "too_early"
    if action.latest_hours_before is not None and now > appointment.start - timedelta(
            hours=action.latest_hours_before):
        return "too_late"
    if action.days_after_done is not None:
        finished = done_at(appointment)
        if finished is None or now > finished + timedelta(days=action.days_after_done):
            return "done"
    if action.once and PortalActionRecord.objects(appointment=appointment, action=action, what="used").count():
        return "once"
    return None


def allowed(action: PortalAction, customer: Customer, appointment: Appointment | None = None, *,
            now: datetime | None = None) -> bool:
    return refusal(action, customer, appointment, now=now) is None


def actions_for(customer: Customer, appointment: Appointment, *, now: datetime | None = None) -> list[PortalAction]:
    """The actions ``customer`` may take on ``appointment`` now, in the order staff gave them."""
    if appointment.activity_type is None:
        return []
    candidates = PortalAction.objects(business_unit=customer.business_unit, activity_type=appointment.activity_type,
                                      kind__in=APPOINTMENT_KINDS, active=True)
    return [a for a in candidates if allowed(a, customer, appointment, now=now)]


def bookable(customer: Customer, *, now: datetime | None = None) -> list[PortalAction]:
    """The booking actions open to ``customer``: one per activity type shown in the portal."""
    seen: set = set()
    out = []
    for action in PortalAction.objects(business_unit=customer.business_unit, kind="book", active=True):
        if action.activity_type.pk not in seen and allowed(action, customer, now=now):
            seen.add(action.activity_type.pk)
            out.append(action)
    return out


def require(customer: Customer, action_id: str, *, kinds: tuple[str, ...], appointment: Appointment | None = None,
            now: datetime | None = None) -> PortalAction:
    """The action ``action_id`` of the customer's unit, of one of ``kinds``, if its conditions allow it now.

    NotFound for an unknown id, another unit's action or another kind; Forbidden (with a message) when
    a condition refuses it.
    """
    action = PortalAction.objects(business_unit=customer.business_unit, kind__in=list(kinds)).get_or_none(
        pk=action_id)
    if action is None:
        raise NotFound(_l("Not found."))
    if refusal(action, customer, appointment, now=now) is not None:
        raise NotAvailable
    return action


def claim_use(action: PortalAction, appointment: Appointment) -> PortalActionRecord | None:
    """For an action allowed "at most once": claim its one use on ``appointment`` (Conflict when another
    request claimed it first). None for actions without that condition."""
    if not action.once:
        return None
    try:
        return PortalActionRecord(business_unit=appointment.business_unit, customer=appointment.customer,
                                  appointment=appointment, action=action, what="used").save()
    except NotUniqueError:
        raise Conflict(_l("This was done already.")) from None


def release_use(claim: PortalActionRecord | None) -> None:
    """Give a claimed use back (the action failed after the claim)."""
    if claim is not None:
        PortalActionRecord.objects(pk=claim.pk).delete()


# --- texts ------------------------------------------------------------------------------------------

def check_texts(title: str | None, description: str | None) -> None:
    """Refuse (InvalidInput, naming the field) portal texts with placeholders the portal does not offer."""
    placeholders.check(title, TEXT_PLACEHOLDERS, field="portal_title")
    placeholders.check(description, TEXT_PLACEHOLDERS, field="portal_description")


def portal_texts(activity: ActivityType, customer: Customer, appointment: Appointment | None = None,
                 locale: str = "de") -> tuple[str, object]:
    """(title as plain text, description as escaped HTML) with the placeholders filled in; the activity
    type's name when no portal title is set. Appointment placeholders stay empty without an appointment."""
    values = {**placeholders.customer_values(customer), **placeholders.unit_values(customer.business_unit)}
    if appointment is not None:
        values.update(placeholders.appointment_values(appointment, locale))
    title = placeholders.render(activity.portal_title, values, html=False) if activity.portal_title else activity.name
    return title, placeholders.render(activity.portal_description, values)


# --- staff editing -----------------------------------------------------------------------------------

def actions_of(activity: ActivityType) -> list[PortalAction]:
    return list(PortalAction.objects(business_unit=activity.business_unit, activity_type=activity))


def save_action(actor: Actor, activity: ActivityType, values: dict, action: PortalAction | None = None
                ) -> PortalAction:
    """Create or change an action of ``activity`` from ``values`` (the form's fields); InvalidInput with
    field errors when the model refuses them. The questionnaire must be a published one of the unit."""
    same_unit(actor, activity)
    if values.get("kind") not in KINDS:
        raise InvalidInput(_l("Please choose what the customer can do."), {"kind": _("Not a valid choice.")})
    questionnaire = values.get("questionnaire")
    if values["kind"] in QUESTIONNAIRE_KINDS and questionnaire is not None and (
            not isinstance(questionnaire, Questionnaire) or questionnaire.business_unit.pk != activity.business_unit.pk
            or qs.latest_version(questionnaire) is None):
        raise InvalidInput(_l("Please choose a published questionnaire."),
                           {"questionnaire": _("Please choose a published questionnaire.")})
    created = action is None
    before = None if created else snapshot(action)
    action = action or PortalAction(business_unit=activity.business_unit, activity_type=activity)
    for name, value in values.items():
        setattr(action, name, value)
    try:
        action.save()
    except MEValidationError as exc:
        errors = exc.to_dict()
        errors.update(errors.pop("__all__", None) or {})
        # the model's messages are N_() msgids: translated here, shown next to their fields
        raise InvalidInput(_l("Please correct the marked fields."),
                           {field: _(str(message)) for field, message in errors.items()}) from None
    record_change(actor, action, before)
    return action


def delete_action(actor: Actor, action: PortalAction) -> None:
    same_unit(actor, action)
    record(actor, "delete", object_type="portal_actions", object_id=action.pk,
           summary=f"Portal action deleted: {action.label}", business_unit=action.business_unit)
    PortalActionRecord.objects(action=action).delete()
    PortalTask.objects(action=action, status="open").update(set__status="cancelled")  # no longer reachable
    action.delete()


def delete_customer_records(customer: Customer) -> int:
    """Deletion service hook: what the customer's appointments used and were invited to."""
    return PortalActionRecord.objects(customer=customer).delete()
