"""Appointment confirmations and reminders (feature "reminders").

* **Policy**: per unit, with per activity type overrides (:class:`ReminderPolicy`): confirmation on booking,
  lead times, channel, cancellation notice, templates (German and English, :mod:`core.placeholders`), SMS
  quiet hours. Customers can opt out or prefer a channel; each appointment says "reminder wanted".
* **Arming** (:func:`sync`): one :class:`ReminderDelivery` per (appointment, kind, lead time, appointment
  start), under a unique key, so arming twice schedules once. The life-cycle signals re-arm; a delivery
  whose start is no longer the appointment's start is never sent, signal or not.
* **Sending**: the sweep selects due deliveries with one indexed query and claims them in bulk (one
  conditional update), then hands each id to a task (:func:`send`), which checks the appointment again,
  renders the message and puts it in the outbox under the idempotency key ``reminder-delivery:<id>``;
  the outbox claims each message before talking to SMTP. So a message exists once per delivery and is
  handed to SMTP at most once, whatever workers die, tasks repeat or sweeps overlap.
* **Tracking**: the outbox reports the end of each delivery (:data:`core.services.mail.messages_finished`):
  the delivery becomes sent or failed with the reason, shown to staff.
* **Links**: signed, expiring, bound to appointment, customer and start (:func:`link_token`); opening one
  shows a page, only its POST acts (:func:`act_on_link`).
"""

from __future__ import annotations

import logging
import re
import secrets
from collections import Counter
from dataclasses import dataclass
from dataclasses import field as dc_field
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeTimedSerializer
from mongoengine import DoesNotExist, NotUniqueError
from mongoengine.errors import BulkWriteError

from core import placeholders
from core.celery_app import enqueue
from core.config import public_base_url
from core.errors import InvalidInput, NotFound
from core.i18n import LANGUAGE_NAMES
from core.models import Appointment, BusinessUnit, Customer, OutboxMessage, ReminderDelivery, ReminderPolicy
from core.models._base import N_, utcnow
from core.models.outbox_message import Attachment
from core.models.reminder import (
    CHANNELS,
    KINDS,
    LANGUAGES,
    MAX_LEAD_MINUTES,
    MIN_LEAD_MINUTES,
    SMS_MAX_LENGTH,
    ReminderRule,
    ReminderTemplate,
)
from core.services import mail
from core.services.audit import Actor, record, record_change, same_unit, snapshot
from core.signals import (
    appointment_cancelled,
    appointment_created,
    appointment_rescheduled,
    appointment_status_changed,
)
from core.timezones import after_quiet_hours, before_quiet_hours, in_quiet_hours, local_time, to_utc
from core.timezones import zone as _zone

log = logging.getLogger(__name__)
FEATURE = "reminders"
LINKS = ("links.confirm", "links.cancel", "links.reschedule")
#: the names a confirmation, reminder or cancellation template may use
PLACEHOLDERS = placeholders.CUSTOMER + placeholders.UNIT + placeholders.APPOINTMENT + LINKS
#: a worker that claimed a delivery and did not finish within this time died: the delivery is taken again
#: (safe: the outbox key makes a second message impossible)
CLAIM_LEASE = timedelta(minutes=10)
#: deliveries claimed per round of the sweep
SWEEP_BATCH = 1000
#: a confirm/cancel link works this long at most (and never after the appointment started)
LINK_MAX_AGE = timedelta(days=30)
LINK_SALT = "frontdesk.appointment-link"
KEY_PREFIX = "reminder-delivery:"
#: tags and entities: templates are plain text (mails and SMS), markup in them is refused on save
_MARKUP = re.compile(r"<\s*/?\s*[a-zA-Z!?][^>]*>|&[a-zA-Z#][a-zA-Z0-9]*;")


# --- policy ---------------------------------------------------------------------------------------


def policy_of(unit: BusinessUnit) -> ReminderPolicy:
    """The unit's policy; an unsaved default (one reminder at the unit's general lead time) when none."""
    policy = ReminderPolicy.objects(business_unit=unit).first()
    if policy is None:
        hours = unit.settings.reminder_hours_before if unit.settings else 24
        policy = ReminderPolicy(business_unit=unit, default=ReminderRule(lead_minutes=[hours * 60]))
    return policy


def rule_for(policy: ReminderPolicy, activity_type) -> ReminderRule:
    if activity_type is not None:
        for rule in policy.overrides or []:
            if rule.activity_type is not None and rule.activity_type.pk == activity_type.pk:
                return rule
    return policy.default


@dataclass
class RuleInput:
    """One rule as a form sends it; ``activity_type`` None for the unit's default."""

    confirmation: bool
    cancellation_notice: bool
    lead_minutes: list[int]
    channel: str
    reminder_default: bool
    activity_type: object = None
    #: an activity type's own texts, as ``save_policy``'s ``templates`` (ignored on the unit's default rule)
    templates: dict = dc_field(default_factory=dict)


def save_policy(actor: Actor, unit: BusinessUnit, *, default: RuleInput, overrides: list[RuleInput],
                templates: dict[tuple[str, str], tuple[str, str]], quiet_start: int, quiet_end: int) -> ReminderPolicy:
    """Check everything, then store the unit's policy with an audit entry; nothing is stored on a refusal.

    ``templates``: (kind, language) → (e-mail subject, e-mail body[, SMS text]); empty texts mean "the
    built-in text". An override's ``templates`` (same shape) are the activity type's own; what they leave
    empty comes from the unit's."""
    same_unit(actor, unit)
    rules = [_rule(default, "default")]
    rules[0].templates = []
    for n, given in enumerate(overrides):
        if given.activity_type is None or given.activity_type.business_unit.pk != unit.pk:
            raise NotFound(_l("Not found."))
        rules.append(_rule(given, f"override-{n}"))
        rules[-1].templates = _templates(given.templates or {}, prefix=f"at-{given.activity_type.pk}-",
                                         owner=given.activity_type.name)
    if len({r.activity_type.pk for r in rules[1:]}) != len(rules) - 1:
        raise InvalidInput(_l("One rule per activity type."), {"overrides": "duplicate"})
    for minutes, field in ((quiet_start, "quiet_start"), (quiet_end, "quiet_end")):
        if not isinstance(minutes, int) or not 0 <= minutes < 24 * 60:
            raise InvalidInput(_l("Quiet hours need a time of day."), {field: "range"})
    stored = _templates(templates, prefix="", owner=None)
    policy = ReminderPolicy.objects(business_unit=unit).first()
    before = snapshot(policy) if policy is not None else None
    policy = policy or ReminderPolicy(business_unit=unit)
    policy.default, policy.overrides, policy.templates = rules[0], rules[1:], stored
    policy.quiet_start, policy.quiet_end = quiet_start, quiet_end
    policy.save()
    record_change(actor, policy, before, summary="Reminder settings changed")
    return policy


def _rule(given: RuleInput, field: str) -> ReminderRule:
    leads = sorted(set(given.lead_minutes), reverse=True)
    if len(leads) > 5:
        raise InvalidInput(_l("At most 5 reminders per appointment."), {field: "count"})
    for minutes in leads:
        if not MIN_LEAD_MINUTES <= minutes <= MAX_LEAD_MINUTES:
            raise InvalidInput(_l("A lead time must be between 5 minutes and 14 days."), {field: "lead"})
    if given.channel not in CHANNELS:
        raise InvalidInput(_l("Unknown channel."), {field: "channel"})
    return ReminderRule(activity_type=given.activity_type, confirmation=bool(given.confirmation),
                        cancellation_notice=bool(given.cancellation_notice), lead_minutes=leads,
                        channel=given.channel, reminder_default=bool(given.reminder_default))


TEXT_FIELDS = ("subject", "body", "sms_body")
#: how the settings form names a text field
FORM_FIELDS = {"subject": "subject", "body": "body", "sms_body": "sms"}


def _templates(given: dict, *, prefix: str, owner: str | None) -> list[ReminderTemplate]:
    """(kind, language) → (subject, body[, SMS text]) checked and stored as templates (empty ones left out).

    A refusal names the text (activity type, kind, language) and the form field (``prefix`` + kind-lang-field)."""
    stored = []
    for (kind, lang), texts in sorted(given.items()):
        if kind not in KINDS or lang not in LANGUAGES or not 2 <= len(texts) <= 3:
            raise InvalidInput(_l("Unknown template."), {"templates": "unknown"})
        values = dict(zip(TEXT_FIELDS, (t or "" for t in texts), strict=False))
        for name, text in values.items():
            form_field = f"{prefix}{kind}-{lang}-{FORM_FIELDS[name]}"
            try:
                check_template(text, field=form_field)
                if name == "subject" and "\n" in text:
                    raise InvalidInput(_l("A subject is one line."), {form_field: "line"})
                if name == "sms_body" and len(text) > SMS_MAX_LENGTH:
                    raise InvalidInput(_l("An SMS text has at most %(num)d characters.", num=SMS_MAX_LENGTH),
                                       {form_field: "length"})
            except InvalidInput as exc:
                raise InvalidInput(_l("%(where)s: %(reason)s", where=_text_name(kind, lang, name, owner),
                                      reason=exc.message), exc.field_errors) from exc
        if any(values.values()):
            stored.append(ReminderTemplate(kind=kind, language=lang, **{k: v or None for k, v in values.items()}))
    return stored


def _text_name(kind: str, lang: str, name: str, owner: str | None) -> str:
    """Which text a refusal is about: "Reminder, Deutsch, SMS text (Haircut)"."""
    labels = {"subject": _l("e-mail subject"), "body": _l("e-mail text"), "sms_body": _l("SMS text")}
    kinds = {"confirmation": _l("Confirmation"), "reminder": _l("Reminder"), "cancellation": _l("Cancellation notice")}
    where = f"{kinds[kind]}, {LANGUAGE_NAMES[lang]}, {labels[name]}"
    return f"{where} ({owner})" if owner else where


def check_template(text: str | None, *, field: str) -> str:
    """A template text: known placeholders only, plain text (no markup: mails and SMS are plain)."""
    placeholders.check(text, PLACEHOLDERS, field=field)
    if text and _MARKUP.search(text):
        raise InvalidInput(_l("Templates are plain text: HTML is not allowed."), {field: "html"})
    return text or ""


def default_wanted(unit: BusinessUnit, activity_type=None, customer: Customer | None = None) -> bool:
    """"Reminder wanted" of a new appointment: the activity type's (or unit's) rule, unless the customer
    opted out."""
    if customer is not None and customer.reminders_opt_out:
        return False
    return bool(rule_for(policy_of(unit), activity_type).reminder_default)


def channel_for(rule: ReminderRule, customer: Customer) -> str:
    return customer.reminder_channel or rule.channel


#: why a delivery was skipped or failed: stored in English, shown translated (``gettext(delivery.error)``)
OPTED_OUT = N_("The customer does not want reminders.")
NO_EMAIL = N_("The customer has no e-mail address.")
NO_MOBILE = N_("The customer has no mobile number.")
MOVED = N_("The appointment was moved: a reminder for its new time replaces this one.")
NOT_PLANNED = N_("The appointment is no longer planned.")
NOT_WANTED = N_("No reminder wanted (appointment, customer or unit).")
GONE = N_("The appointment no longer exists.")
SWITCHED_OFF = N_("Reminders are switched off for the unit.")
NOT_CANCELLED = N_("The appointment is not cancelled.")
TOO_LATE = N_("Too late: the appointment has started.")
QUIET_TOO_LONG = N_("Quiet hours last until the appointment starts.")
NOT_MOBILE = N_("The customer's phone number is a landline or service number: it cannot receive an SMS.")


def contact_problem(customer: Customer, channel: str) -> str | None:
    """Why ``customer`` cannot get a message on ``channel`` (None: they can), in English (a msgid)."""
    if customer.reminders_opt_out:
        return OPTED_OUT
    if channel == "email" and not customer.email:
        return NO_EMAIL
    if channel == "sms" and not customer.phone:
        return NO_MOBILE
    if channel == "sms" and not can_receive_sms(customer.phone):
        return NOT_MOBILE
    return None


def can_receive_sms(number: str) -> bool:
    """False only for a number that is certainly no mobile one (landline, free-call, premium, shared cost);
    one ``phonenumbers`` cannot tell, or cannot parse, is left to the sender (it normalises and refuses)."""
    import phonenumbers
    from phonenumbers import PhoneNumberType as Kind

    try:
        kind = phonenumbers.number_type(phonenumbers.parse(number, "DE"))
    except phonenumbers.NumberParseException:
        return True
    return kind not in (Kind.FIXED_LINE, Kind.TOLL_FREE, Kind.PREMIUM_RATE, Kind.SHARED_COST)


# --- time arithmetic --------------------------------------------------------------------------------


def due_time(start: datetime, zone_name: str, lead_minutes: int) -> datetime:
    """When a reminder ``lead_minutes`` before ``start`` (naive UTC) is due, as naive UTC.

    Whole days count on the appointment's wall clock: "1 day before" a 09:00 appointment is 09:00 the day
    before, also across a daylight-saving change (23 or 25 hours then). Other lead times are exact
    durations ("2 hours before" is 120 minutes before)."""
    if lead_minutes % (24 * 60):
        return start - timedelta(minutes=lead_minutes)
    zone = _zone(zone_name)
    wall = local_time(start, zone).replace(tzinfo=None) - timedelta(days=lead_minutes // (24 * 60))
    return to_utc(wall.replace(tzinfo=zone))


def quiet_due(due: datetime, start: datetime, zone_name: str, policy: ReminderPolicy) -> datetime:
    """An SMS due at night waits for the morning; if the morning is too late (the appointment starts
    first), it goes out the evening before the quiet hours instead."""
    if not in_quiet_hours(due, zone_name, policy.quiet_start, policy.quiet_end):
        return due
    morning = after_quiet_hours(due, zone_name, policy.quiet_end)
    return morning if morning < start else before_quiet_hours(due, zone_name, policy.quiet_start)


# --- arming --------------------------------------------------------------------------------------------


def _key(appointment: Appointment, kind: str, lead: int, start: datetime) -> str:
    return f"{appointment.pk}:{kind}:{lead}:{start.isoformat()}"


def _reminder_due_times(appointment: Appointment, rule: ReminderRule, policy: ReminderPolicy, channel: str,
                        now: datetime) -> list[tuple[int, datetime]]:
    """(lead, due) of the reminders to schedule now. Lead times already past when arming collapse into one
    reminder due at once (the one closest to the start): a late booking gets one reminder, not three."""
    start = appointment.start
    if start <= now:
        return []
    planned = []
    for lead in sorted(set(rule.lead_minutes or []), reverse=True):
        due = due_time(start, appointment.timezone, lead)
        if channel == "sms":
            due = quiet_due(due, start, appointment.timezone, policy)
        planned.append((lead, due))
    future = [(lead, due) for lead, due in planned if due > now]
    past = [(lead, now) for lead, due in planned if due <= now]
    return ([past[-1]] if past else []) + future


def sync(appointment: Appointment, now: datetime | None = None) -> int:
    """Make the appointment's scheduled reminders match its state; returns how many were newly scheduled.

    Reminders scheduled for another start (moved), or for an appointment that is no longer planned or no
    longer wants them, are skipped; the ones for its current start are scheduled (once: unique key)."""
    now = now or utcnow()
    unit = appointment.business_unit
    customer = appointment.customer
    active = (appointment.status == "planned" and appointment.reminder_wanted and customer is not None
              and not customer.reminders_opt_out and unit.has_feature(FEATURE))
    stale = ReminderDelivery.objects(appointment=appointment, kind="reminder", status="scheduled")
    if active:
        stale = stale.filter(for_start__ne=appointment.start)
    stale.update(set__status="skipped", set__error=_stale_reason(appointment, active))
    if not active:
        return 0
    policy = policy_of(unit)
    rule = rule_for(policy, appointment.activity_type)
    channel = channel_for(rule, customer)
    created = 0
    for lead, due in _reminder_due_times(appointment, rule, policy, channel, now):
        created += _schedule(appointment, "reminder", lead, due, channel)
    return created


def _stale_reason(appointment: Appointment, active: bool) -> str:
    if active:
        return MOVED
    return NOT_PLANNED if appointment.status != "planned" else NOT_WANTED


def _schedule(appointment: Appointment, kind: str, lead: int, due: datetime, channel: str) -> int:
    try:
        ReminderDelivery(business_unit=appointment.business_unit, appointment=appointment,
                         customer=appointment.customer, kind=kind, lead_minutes=lead, for_start=appointment.start,
                         channel=channel, due_at=due, key=_key(appointment, kind, lead, appointment.start)).save()
    except NotUniqueError:
        return 0
    return 1


def _notify(appointment: Appointment, kind: str, now: datetime) -> None:
    """Schedule a confirmation or cancellation notice at once, if the rule asks for it, and send it."""
    unit = appointment.business_unit
    customer = appointment.customer
    if customer is None or customer.reminders_opt_out or not unit.has_feature(FEATURE) \
            or appointment.start <= now:  # nothing to confirm or call off for the past
        return
    policy = policy_of(unit)
    rule = rule_for(policy, appointment.activity_type)
    if not (rule.confirmation if kind == "confirmation" else rule.cancellation_notice):
        return
    channel = channel_for(rule, customer)
    due = quiet_due(now, appointment.start, appointment.timezone, policy) if channel == "sms" else now
    if _schedule(appointment, kind, 0, max(due, now), channel) and due <= now:
        _claim_and_send(ReminderDelivery.objects(key=_key(appointment, kind, 0, appointment.start)), now)


def _listener(handler):
    """A life-cycle listener must not raise (the appointment is saved already): a failure is logged."""
    def wrapped(appointment, **kw):
        try:
            handler(appointment, **kw)
        except Exception:
            log.exception("Reminders could not react to a change of appointment %s", appointment.pk)
    return wrapped


@appointment_created.connect
@_listener
def _on_created(appointment, *, actor=None, source="admin", **kw):
    sync(appointment)
    _notify(appointment, "confirmation", utcnow())


@appointment_rescheduled.connect
@_listener
def _on_rescheduled(appointment, **kw):
    sync(appointment)


@appointment_status_changed.connect
@_listener
def _on_status_changed(appointment, **kw):
    sync(appointment)


@appointment_cancelled.connect
@_listener
def _on_cancelled(appointment, **kw):
    _notify(appointment, "cancellation", utcnow())


# --- the sweep and the sending task -------------------------------------------------------------------


def sweep(now: datetime | None = None) -> int:
    """The periodic sweep (beat): claims every due delivery in bulk and hands each to a sending task.

    One sweep at a time (a lease); claims older than :data:`CLAIM_LEASE` (a worker died) are taken again.
    Returns the number of deliveries handed on."""
    from core.services.dialogs import sweep_lock

    now = now or utcnow()
    with sweep_lock("appointment-reminders", ttl=timedelta(minutes=4)) as acquired:
        if not acquired:
            return 0
        ReminderDelivery.objects(status="claimed", claimed_at__lt=now - CLAIM_LEASE).update(
            set__status="scheduled", unset__claim=True)
        arm_missing(now)
        handed = 0
        while True:
            due = ReminderDelivery.objects(status="scheduled", due_at__lte=now).order_by("due_at")
            ids = [row["_id"] for row in due.only("id").as_pymongo()[:SWEEP_BATCH]]  # plain rows: no documents
            if not ids:
                return handed
            handed += _claim_and_send(ReminderDelivery.objects(pk__in=ids), now)
            if len(ids) < SWEEP_BATCH:
                return handed


def arm_missing(now: datetime, limit: int = 5000) -> int:
    """Arm the planned appointments that want reminders but have none for their current start (saved by
    code that sent no life-cycle signal: imports, seeds, older versions). Two queries when none lack any."""
    horizon = now + timedelta(minutes=MAX_LEAD_MINUTES) + timedelta(days=1)
    units = list(BusinessUnit.objects(features=FEATURE).scalar("pk"))
    # plain rows (as_pymongo), not documents: thousands of them in a large sweep
    rows = [(row["_id"], row["start"]) for row in Appointment.objects(
        reminder_wanted=True, status="planned", start__gt=now, start__lte=horizon,
        business_unit__in=units).only("id", "start").as_pymongo()[:limit]]
    if not rows:
        return 0
    existing = ReminderDelivery.objects(appointment__in=[pk for pk, _start in rows], kind="reminder").order_by()
    armed = {(str(getattr(row["appointment"], "id", row["appointment"])), row["for_start"])  # (or a DBRef)
             for row in existing.only("appointment", "for_start").as_pymongo()}
    created = 0
    for pk, start in rows:
        if (str(pk), start) not in armed:
            created += sync(Appointment.objects.get(pk=pk), now)
    return created


def _claim_and_send(query, now: datetime) -> int:
    """Claim the scheduled deliveries of ``query`` with one conditional update, then enqueue them in batches."""
    claim = secrets.token_hex(8)
    query.filter(status="scheduled").update(set__status="claimed", set__claim=claim, set__claimed_at=now)
    ids = [row["_id"] for row in ReminderDelivery.objects(claim=claim, status="claimed").only("id").as_pymongo()]
    batch = max(int(current_app.config["REMINDER_TASK_BATCH"]), 1)  # few tasks, still spread over the workers
    for n in range(0, len(ids), batch):
        enqueue("tasks.reminders.send", *ids[n:n + batch])
    return len(ids)


def send_batch(delivery_ids: list[str], now: datetime | None = None) -> dict[str, str]:
    """Send claimed deliveries: check each against its appointment, render, put the messages in the outbox
    (once: each under its delivery's key) and deliver them over one SMTP connection. Returns id → state.

    A delivery that is not claimed (handled already, a repeated task) is left alone. The batch reads and
    writes in bulk, a few round trips for all its deliveries."""
    now = now or utcnow()
    ids = [str(i) for i in delivery_ids]
    deliveries = list(ReminderDelivery.objects(pk__in=ids))
    results = dict.fromkeys(ids, "missing") | {str(d.pk): d.status for d in deliveries}
    claimed = [d for d in deliveries if d.status == "claimed"]
    # the references (unit, customer, staff, activity type) in one query per collection, not several per message
    appointments = {str(a.pk): a for a in
                    Appointment.objects(pk__in=[_ref_id(d, "appointment") for d in claimed]).select_related()}
    policies: dict[str, ReminderPolicy] = {}
    ready = []
    for delivery in claimed:
        appointment = appointments.get(_ref_id(delivery, "appointment"))
        state = _check(delivery, appointment, policies, now)
        if state is None:
            ready.append((delivery, appointment))
        else:
            results[str(delivery.pk)] = state
    messages = _queue_all(ready, policies)  # delivery id → outbox message id
    ReminderDelivery.objects(pk__in=[d.pk for d, _a in ready], status="claimed").update(set__status="queued")
    reminded = [a.pk for d, a in ready if d.kind == "reminder"]
    if reminded:
        Appointment.objects(pk__in=reminded, reminder_sent_at=None).update(set__reminder_sent_at=now)
    outcome = mail.deliver_batch(list(messages.values())) if messages else {}
    for delivery, _appointment in ready:  # the outbox's word, as the finish signal recorded it
        state = outcome.get(messages.get(str(delivery.pk)), "stored")
        results[str(delivery.pk)] = {"stored": "sent", "sent": "sent", "failed": "failed"}.get(state, "queued")
    return results


def send(delivery_id: str, now: datetime | None = None) -> str:
    """:func:`send_batch` for one delivery."""
    return send_batch([delivery_id], now)[str(delivery_id)]


def _check(delivery: ReminderDelivery, appointment: Appointment | None, policies: dict, now: datetime) -> str | None:
    """None when the delivery goes out now; else the state it was put in (skipped, failed, scheduled later)."""
    reason = _why_not(delivery, appointment, now)
    if reason:
        return _finish(delivery, "skipped", reason)
    unit = appointment.business_unit
    policy = policies.setdefault(str(unit.pk), policy_of(unit))
    if delivery.channel == "sms" and in_quiet_hours(now, appointment.timezone, policy.quiet_start, policy.quiet_end):
        later = after_quiet_hours(now, appointment.timezone, policy.quiet_end)
        if delivery.kind == "reminder" and later >= appointment.start:
            return _finish(delivery, "skipped", QUIET_TOO_LONG)
        ReminderDelivery.objects(pk=delivery.pk, status="claimed").update_one(
            set__status="scheduled", set__due_at=later, unset__claim=True)
        return "scheduled"
    problem = contact_problem(appointment.customer, delivery.channel)
    return _finish(delivery, "failed", problem) if problem else None


def _ref_id(doc, field: str) -> str | None:
    """The id a reference field holds, without loading the document (which may be gone)."""
    ref = doc._data.get(field)
    return None if ref is None else str(getattr(ref, "id", None) or getattr(ref, "pk", None) or ref)


def _loaded(doc, field: str):
    """The referenced document, or None when it is gone (a dangling reference raises on access)."""
    try:
        return getattr(doc, field)
    except DoesNotExist:
        return None


def _why_not(delivery: ReminderDelivery, appointment: Appointment | None, now: datetime) -> str | None:
    if appointment is None or _loaded(appointment, "customer") is None or _loaded(appointment, "business_unit") is None:
        return GONE
    if not appointment.business_unit.has_feature(FEATURE):
        return SWITCHED_OFF
    if appointment.start != delivery.for_start:
        return MOVED
    if delivery.kind == "cancellation":
        return None if appointment.status == "cancelled" else NOT_CANCELLED
    if appointment.status != "planned":
        return NOT_PLANNED
    if delivery.kind == "reminder" and not appointment.reminder_wanted:
        return NOT_WANTED
    if delivery.kind == "reminder" and appointment.start <= now:
        return TOO_LATE
    return None


def _finish(delivery: ReminderDelivery, status: str, reason: str) -> str:
    ReminderDelivery.objects(pk=delivery.pk, status="claimed").update_one(set__status=status, set__error=reason[:1000])
    return status


def message_key(delivery: ReminderDelivery) -> str:
    """The outbox idempotency key of the delivery's message: one message per delivery, ever."""
    return f"{KEY_PREFIX}{delivery.pk}"


def _queue_all(ready: list, policies: dict) -> dict[str, str]:
    """Put the messages of ``ready`` (delivery, appointment) in the outbox; returns delivery id → message id
    of those still to deliver (an SMS kept in the outbox, with no provider, is finished already).

    E-mails go in with one insert; if one of them exists already (a repeated batch), each is queued on its
    own, where the key finds the existing one. SMS are queued one by one (:func:`mail.queue_sms`)."""
    emails, queued = [], {}
    for delivery, appointment in ready:
        unit, customer = appointment.business_unit, appointment.customer
        subject, body = render(delivery.kind, appointment, policies[str(unit.pk)], language_of(customer, unit),
                               delivery.channel)
        if delivery.channel == "sms":
            policy = policies[str(unit.pk)]
            text = mail.queue_sms(to=customer.phone, body=body, business_unit=unit, customer_id=str(customer.pk),
                                  idempotency_key=message_key(delivery), send=False,
                                  quiet=(policy.quiet_start, policy.quiet_end, appointment.timezone or "Europe/Berlin"))
            if text.status != "stored":
                queued[str(delivery.pk)] = str(text.pk)
            continue
        attachments = [Attachment(filename="termin.ics", content_type="text/calendar", data=ics(appointment))] \
            if delivery.kind == "confirmation" else []
        emails.append(OutboxMessage(channel="email", to=customer.email, subject=subject, body=body, business_unit=unit,
                                    customer_id=str(customer.pk), idempotency_key=message_key(delivery),
                                    attachments=attachments))
    if not emails:
        return queued
    try:
        ids = [str(m.pk) for m in OutboxMessage.objects.insert(emails)]
    except (NotUniqueError, BulkWriteError):  # one document, or one of many, exists already
        ids = [str(mail.queue_email(to=m.to, subject=m.subject, body=m.body, business_unit=m.business_unit,
                                    customer_id=m.customer_id, idempotency_key=m.idempotency_key, send=False,
                                    attachments=[(a.filename, a.content_type, a.data) for a in m.attachments]).pk)
               for m in emails]
    delivery_ids = [str(m.idempotency_key)[len(KEY_PREFIX):] for m in emails]
    return queued | dict(zip(delivery_ids, ids, strict=True))


@mail.messages_finished.connect
def _on_messages_finished(sender, *, results, **kw):
    """The outbox finished messages: deliveries of ours become sent (also when kept in the outbox: "stored") or
    failed with the reason."""
    sent, now = [], utcnow()
    for _message_id, key, status, error in results:
        if not key or not key.startswith(KEY_PREFIX):
            continue
        delivery_id = key[len(KEY_PREFIX):]
        if status == "failed":
            ReminderDelivery.objects(pk=delivery_id, status__in=["claimed", "queued"]).update_one(
                set__status="failed", set__error=(error or "")[:1000])
        else:
            sent.append(delivery_id)
    if sent:
        ReminderDelivery.objects(pk__in=sent, status__in=["claimed", "queued"]).update(
            set__status="sent", set__sent_at=now, unset__error=True)


# --- texts ------------------------------------------------------------------------------------------------


def default_texts(kind: str) -> tuple[str, str]:
    """The built-in subject and body of ``kind`` in the current locale (placeholders untranslated)."""
    if kind == "confirmation":
        return (_("Your appointment on {{ appointment.date }}"),
                _("Hello {{ customer.full_name }},\n\nyour appointment with {{ unit.name }} is booked:\n"
                  "{{ appointment.date }}, {{ appointment.time }} ({{ appointment.activity }}, "
                  "{{ appointment.staff }}).\n\nPlease confirm: {{ links.confirm }}\n"
                  "Cannot come? Cancel here: {{ links.cancel }}\n\nKind regards\n{{ unit.name }}"))
    if kind == "cancellation":
        return (_("Your appointment on {{ appointment.date }} is cancelled"),
                _("Hello {{ customer.full_name }},\n\nyour appointment on {{ appointment.date }} at "
                  "{{ appointment.time }} with {{ unit.name }} is cancelled.\n\nKind regards\n{{ unit.name }}"))
    return (_("Reminder: your appointment on {{ appointment.date }}"),
            _("Hello {{ customer.full_name }},\n\nthis is a reminder of your appointment on {{ appointment.date }}"
              " at {{ appointment.time }} with {{ unit.name }}.\n\nConfirm: {{ links.confirm }}\n"
              "Cancel: {{ links.cancel }}\n\nKind regards\n{{ unit.name }}"))


def default_sms(kind: str) -> str:
    """The built-in SMS text of ``kind`` in the current locale: short, the links at the end."""
    if kind == "confirmation":
        return _("{{ unit.name }}: your appointment on {{ appointment.date }} at {{ appointment.time }} is booked. "
                 "Confirm: {{ links.confirm }} Cancel: {{ links.cancel }}")
    if kind == "cancellation":
        return _("{{ unit.name }}: your appointment on {{ appointment.date }} at {{ appointment.time }} "
                 "is cancelled.")
    return _("{{ unit.name }}: reminder of your appointment on {{ appointment.date }} at {{ appointment.time }}. "
             "Confirm: {{ links.confirm }} Cancel: {{ links.cancel }}")


#: where a text comes from, in the order of precedence
SOURCES = ("type", "unit", "default")


@dataclass
class Texts:
    """The texts one message of ``kind`` in ``language`` uses, and where each comes from (:data:`SOURCES`)."""

    subject: str
    body: str
    sms_body: str
    sources: dict[str, str]


def _own(templates, kind: str, lang: str) -> ReminderTemplate | None:
    return next((t for t in templates or [] if t.kind == kind and t.language == lang), None)


def texts_for(policy: ReminderPolicy, activity_type, kind: str, lang: str) -> Texts:
    """Each text (e-mail subject, e-mail body, SMS text) of ``kind`` in ``lang``: the activity type's own,
    else the unit's, else the built-in one."""
    with force_locale(lang):
        built_in = dict(zip(TEXT_FIELDS, (*default_texts(kind), default_sms(kind)), strict=True))
    rule = rule_for(policy, activity_type) if activity_type is not None else policy.default
    layers = [("type", _own(rule.templates, kind, lang) if rule is not policy.default else None),
              ("unit", _own(policy.templates, kind, lang))]
    chosen, sources = {}, {}
    for name in TEXT_FIELDS:
        source, text = next(((src, getattr(t, name)) for src, t in layers if t is not None and getattr(t, name)),
                            ("default", built_in[name]))
        chosen[name], sources[name] = text, source
    return Texts(**chosen, sources=sources)


def template_texts(policy: ReminderPolicy, kind: str, lang: str, activity_type=None) -> tuple[str, str]:
    """The e-mail subject and body of ``kind`` in ``lang`` (see :func:`texts_for`)."""
    texts = texts_for(policy, activity_type, kind, lang)
    return texts.subject, texts.body


def language_of(customer: Customer | None, unit: BusinessUnit) -> str:
    """The language a customer's messages are written in: theirs, else the unit's, else German."""
    for lang in (getattr(customer, "language", None), unit.language):
        if lang in LANGUAGES:
            return lang
    return "de"


def _render_texts(texts: Texts, values: dict) -> tuple[str, str, str]:
    return (" ".join(placeholders.render(texts.subject, values, html=False).split())[:300],
            placeholders.render(texts.body, values, html=False),
            placeholders.render(texts.sms_body, values, html=False)[:SMS_MAX_LENGTH])


def render(kind: str, appointment: Appointment, policy: ReminderPolicy, lang: str,
           channel: str = "email") -> tuple[str, str]:
    """(subject, body) of the message: for ``channel`` "sms" the subject is empty and the body the SMS text."""
    values = {**placeholders.customer_values(appointment.customer),
              **placeholders.unit_values(appointment.business_unit),
              **placeholders.appointment_values(appointment, lang), **link_values(appointment)}
    subject, body, sms_body = _render_texts(texts_for(policy, appointment.activity_type, kind, lang), values)
    return ("", sms_body) if channel == "sms" else (subject, body)


def sample_values(unit: BusinessUnit, activity_type, lang: str) -> dict[str, str]:
    """Made-up values for a preview: a sample customer and appointment, the unit's own data."""
    from babel.dates import format_date, format_time

    start = datetime(2030, 3, 14, 9, 30)
    base = public_base_url(current_app.config)
    return {"customer.first_name": "Erika", "customer.last_name": "Mustermann",
            "customer.full_name": "Erika Mustermann", "customer.title": "",
            **placeholders.unit_values(unit),
            "appointment.date": format_date(start, "full" if lang == "de" else "long", locale=lang),
            "appointment.time": format_time(start, "short", locale=lang),
            "appointment.start": f"{format_date(start, 'medium', locale=lang)} "
                                 f"{format_time(start, 'short', locale=lang)}",
            "appointment.end": format_time(start + timedelta(minutes=45), "short", locale=lang),
            "appointment.staff": "Max Beispiel", "appointment.location": "",
            "appointment.activity": activity_type.name if activity_type is not None else "",
            "links.confirm": f"{base}/portal/appointment/…", "links.cancel": f"{base}/portal/appointment/…",
            "links.reschedule": f"{base}/portal/"}


def preview(policy: ReminderPolicy, activity_type, kind: str, lang: str) -> tuple[Texts, tuple[str, str, str]]:
    """The texts an activity type's (or the unit's) message would use, and them rendered with sample values."""
    texts = texts_for(policy, activity_type, kind, lang)
    return texts, _render_texts(texts, sample_values(policy.business_unit, activity_type, lang))


def ics(appointment: Appointment) -> str:
    """The appointment as an iCalendar entry (RFC 5545), times in UTC."""
    from icalendar import Calendar, Event

    utc = ZoneInfo("UTC")
    unit = appointment.business_unit
    calendar = Calendar()
    calendar.add("prodid", "-//Frontdesk//Appointments//DE")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    event = Event()
    event.add("uid", f"appointment-{appointment.pk}@frontdesk")
    event.add("dtstamp", utcnow().replace(tzinfo=utc))
    event.add("dtstart", appointment.start.replace(tzinfo=utc))
    event.add("dtend", appointment.end.replace(tzinfo=utc))
    activity = appointment.activity_type
    event.add("summary", f"{activity.name} – {unit.name}" if activity else unit.name)
    if appointment.location or (unit.settings and unit.settings.address):
        event.add("location", appointment.location or unit.settings.address)
    calendar.add_component(event)
    return calendar.to_ical().decode()


# --- links ------------------------------------------------------------------------------------------------

ACTIONS = ("confirm", "cancel")


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt=LINK_SALT)


def link_token(appointment: Appointment, action: str) -> str:
    return _serializer().dumps([str(appointment.pk), str(appointment.customer.pk), appointment.start.isoformat(),
                                action])


def link_values(appointment: Appointment) -> dict[str, str]:
    base = public_base_url(current_app.config)
    return {"links.confirm": f"{base}/portal/appointment/{link_token(appointment, 'confirm')}",
            "links.cancel": f"{base}/portal/appointment/{link_token(appointment, 'cancel')}",
            "links.reschedule": f"{base}/portal/"}


class LinkInvalid(NotFound):
    """A forged, foreign, outdated or expired link (the page says so, nothing changes)."""

    status = 410


def open_link(token: str, now: datetime | None = None) -> tuple[Appointment, str]:
    """The appointment and action behind a link; :class:`LinkInvalid` for anything else."""
    now = now or utcnow()
    if not token or len(token) > 500:
        raise LinkInvalid(_l("This link is not valid."))
    try:
        payload, signed_at = _serializer().loads(token, return_timestamp=True)
    except BadSignature as exc:
        raise LinkInvalid(_l("This link is not valid.")) from exc
    signed_at = signed_at.replace(tzinfo=None)
    if signed_at < now - LINK_MAX_AGE:  # the age against ``now``, not the wall clock: tests fix the time
        raise LinkInvalid(_l("This link has expired."))
    if not (isinstance(payload, list) and len(payload) == 4 and payload[3] in ACTIONS):
        raise LinkInvalid(_l("This link is not valid."))
    appointment_id, customer_id, start, action = payload
    appointment = Appointment.objects.get_or_none(pk=appointment_id)
    if appointment is None or _ref_id(appointment, "customer") != customer_id:
        raise LinkInvalid(_l("This link is not valid."))
    if appointment.start.isoformat() != start:
        raise LinkInvalid(_l("The appointment was moved; this link was for its earlier time."))
    if appointment.start <= now:
        raise LinkInvalid(_l("This link has expired."))
    return appointment, action


def link_state(appointment: Appointment, action: str) -> str:
    """"open" (the button acts), "confirmed" or "cancelled" (done already: reusing the link changes nothing)."""
    if appointment.status == "cancelled":
        return "cancelled"
    if action == "confirm" and appointment.confirmed_at is not None:
        return "confirmed"
    if appointment.status != "planned":
        return "closed"
    return "open"


def act_on_link(token: str, now: datetime | None = None) -> tuple[Appointment, str]:
    """The POST behind a link's button: confirm or cancel, once. Returns the appointment and the outcome
    ("confirmed", "cancelled", or the state it already had)."""
    now = now or utcnow()
    appointment, action = open_link(token, now)
    state = link_state(appointment, action)
    if state != "open":
        return appointment, "already_" + state
    actor = Actor("customer", str(appointment.customer.pk), appointment.customer.full_name,
                  str(appointment.business_unit.pk))
    if action == "confirm":
        if not Appointment.objects(pk=appointment.pk, confirmed_at=None).update_one(set__confirmed_at=now):
            return appointment, "already_confirmed"
        record(actor, "confirm", object_type="appointments", object_id=appointment.pk,
               summary="Appointment confirmed through the link", business_unit=appointment.business_unit,
               customer=appointment.customer)
        appointment.reload()
        return appointment, "confirmed"
    cancel_appointment(appointment, actor=actor, source="link", reason="Cancelled by the customer through the link")
    return appointment, "cancelled"


def cancel_appointment(appointment: Appointment, *, actor: Actor, source: str,
                       reason: str | None = None) -> Appointment:
    """Cancel through the booking service (status, audit, the slot released, the life-cycle signals that send
    the cancellation notice and tell the waitlist)."""
    from core.services import booking

    return booking.cancel(appointment, actor=actor, source=source, reason=reason)


# --- staff: the overview, the missing list, the bulk switch, no-shows ----------------------------------------

#: how an appointment stands, in the overview's order
CLASSES = ("sent", "scheduled", "failed", "without")


def classify(appointments: list[Appointment]) -> dict[str, str]:
    """appointment id → "sent" / "scheduled" / "failed" / "without", from its reminders for its current start."""
    found: dict[str, set[str]] = {}
    starts = {str(a.pk): a.start for a in appointments}
    rows = ReminderDelivery.objects(appointment__in=[a.pk for a in appointments], kind="reminder").scalar(
        "appointment", "for_start", "status").no_dereference()
    for ref, for_start, status in rows:
        key = str(getattr(ref, "id", ref))
        if starts.get(key) == for_start:
            found.setdefault(key, set()).add(status)
    out = {}
    for appointment in appointments:
        states = found.get(str(appointment.pk), set())
        if "sent" in states:
            out[str(appointment.pk)] = "sent"
        elif states & {"scheduled", "claimed", "queued"}:
            out[str(appointment.pk)] = "scheduled"
        elif "failed" in states:
            out[str(appointment.pk)] = "failed"
        else:
            out[str(appointment.pk)] = "without"
    return out


def _window(unit: BusinessUnit, begin: datetime, end: datetime):
    return Appointment.objects(business_unit=unit, start__gte=begin, start__lt=end, status__ne="cancelled")


def overview(unit: BusinessUnit, now: datetime | None = None) -> dict[str, Counter]:
    """Counts per class for the last 7 days and the next 7 days (cancelled appointments left out)."""
    now = now or utcnow()
    result = {}
    for name, begin, end in (("past", now - timedelta(days=7), now), ("next", now, now + timedelta(days=7))):
        appointments = list(_window(unit, begin, end).only("id", "start"))
        counts = Counter(dict.fromkeys(CLASSES, 0))
        counts.update(classify(appointments).values())
        result[name] = counts
    return result


def without_reminder(unit: BusinessUnit, now: datetime | None = None, *, staff=None, activity_type=None,
                     day=None) -> tuple[list[Appointment], list[Appointment]]:
    """Appointments of the overview's two weeks without a reminder: (future ones, which can be switched on;
    past ones, read-only). ``day`` is a date in the unit's time zone."""
    now = now or utcnow()
    query = _window(unit, now - timedelta(days=7), now + timedelta(days=7))
    if staff is not None:
        query = query.filter(staff=staff)
    if activity_type is not None:
        query = query.filter(activity_type=activity_type)
    if day is not None:
        zone = _zone(unit.timezone)
        begin = to_utc(datetime.combine(day, time(0), tzinfo=zone))
        query = query.filter(start__gte=begin, start__lt=to_utc(datetime.combine(day + timedelta(days=1), time(0),
                                                                                   tzinfo=zone)))
    appointments = list(query.order_by("start"))
    classes = classify(appointments)
    missing = [a for a in appointments if classes[str(a.pk)] == "without"]
    return [a for a in missing if a.start >= now], [a for a in missing if a.start < now]


def switch_on(actor: Actor, unit: BusinessUnit, ids: list[str], now: datetime | None = None) -> tuple[int, list[str]]:
    """Switch the reminder on for the ticked future appointments; returns (switched, refusals by customer).

    Already due → scheduled at once (and the sweep is started). A customer who opted out or lacks the
    address for the channel is refused with the reason; nothing is changed for them."""
    now = now or utcnow()
    same_unit(actor, unit)
    if not ids:
        raise InvalidInput(_l("Please tick at least one appointment."))
    policy = policy_of(unit)
    switched, refused = 0, []
    for appointment in Appointment.objects(business_unit=unit).with_ids(ids[:500]):
        if appointment.start <= now or appointment.status != "planned":
            continue
        customer = appointment.customer
        problem = contact_problem(customer, channel_for(rule_for(policy, appointment.activity_type), customer))
        if problem:
            refused.append(f"{customer.full_name}: {_(problem)}")
            continue
        before = snapshot(appointment)
        Appointment.objects(pk=appointment.pk).update_one(set__reminder_wanted=True)
        appointment.reload()
        record_change(actor, appointment, before, summary="Reminder switched on (overview)")
        sync(appointment, now)
        switched += 1
    if switched:
        enqueue("tasks.reminders.sweep")
    return switched, refused


def no_show_rates(unit: BusinessUnit, now: datetime | None = None) -> dict[str, tuple[int, int]]:
    """Over the last 90 days, appointments that took place or were missed: (no-shows, all) with a reminder
    sent and without one."""
    now = now or utcnow()
    appointments = list(Appointment.objects(business_unit=unit, start__gte=now - timedelta(days=90), start__lt=now,
                                            status__in=["done", "no_show"]).only("id", "start", "status"))
    classes = classify(appointments)
    rates = {"with": [0, 0], "without": [0, 0]}
    for appointment in appointments:
        group = rates["with" if classes[str(appointment.pk)] == "sent" else "without"]
        group[1] += 1
        group[0] += appointment.status == "no_show"
    return {k: (v[0], v[1]) for k, v in rates.items()}


def failed_deliveries(unit: BusinessUnit, limit: int = 50) -> list[ReminderDelivery]:
    """Messages that could not be delivered, newest first (shown to staff on the overview)."""
    return list(ReminderDelivery.objects(business_unit=unit, status="failed").order_by("-updated_at").limit(limit))


def delete_customer_deliveries(customer: Customer) -> int:
    return ReminderDelivery.objects(customer=customer).delete()

