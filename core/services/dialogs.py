"""Dialogs: a customer completes a questionnaire on their own through a personal link.

* Link token: ``HMAC-SHA256(SECRET_KEY, "dialog-link:<id>:<nonce>")``, so invitation and reminders can
  rebuild the same link without the database ever holding it; the database keeps only SHA-256 of the
  token, an expiry, and drops the hash when the dialog is done. The token opens one dialog of one
  customer: the URL carries the dialog id too, and both must match.
* E-mails are sent exactly once per action: every message claims the idempotency key
  ``dialog:<id>:<kind>:<sequence>`` under the outbox's unique index before anything is sent, delivery
  claims the message atomically, and the reminder counter only moves forward conditionally. A retried
  or redelivered task, a double click, or two overlapping sweeps all end with one message.
* Results are computed once, on completion, from the version's frozen scoring model, and stored with
  the dialog in the same conditional update that marks it done.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from mongoengine import Q

from core.celery_app import enqueue
from core.config import public_base_url
from core.errors import Conflict, Forbidden, InvalidInput, NotFound
from core.models import Customer, Dialog, OutboxMessage, QuestionnaireVersion, Submission, TaskLock
from core.models._base import N_, utcnow
from core.services import questionnaires as qs
from core.services.audit import Actor, erase_object, record, same_unit
from core.services.mail import deliver_message, queue_email
from forms import scoring

LINK_PATH = "/d/{id}/{token}"
#: "Erinnerung senden" again within this interval is refused
MANUAL_REMINDER_INTERVAL = timedelta(minutes=10)
DEFAULTS = {"DIALOG_LINK_DAYS": 30, "DIALOG_REMINDER_AFTER_DAYS": 7, "DIALOG_REMINDER_MAX": 2}


def setting(name: str) -> Any:
    return current_app.config.get(name, DEFAULTS[name])


# --- link tokens --------------------------------------------------------------------------------

def link_token(dialog: Dialog) -> str:
    key = str(current_app.config["SECRET_KEY"]).encode("utf-8")
    mac = hmac.new(key, f"dialog-link:{dialog.pk}:{dialog.token_nonce}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).decode("ascii").rstrip("=")


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def link_url(dialog: Dialog) -> str:
    """The personal link: on ``FRONTDESK_PUBLIC_BASE_URL``, else on the address the dialog was started from."""
    return public_base_url(current_app.config, dialog.public_base_url) + LINK_PATH.format(
        id=dialog.pk, token=link_token(dialog))


class LinkClosed(Forbidden):
    """The link is expired or its dialog is done (HTTP 410 on the link pages)."""

    status = 410


def dialog_for_link(dialog_id: str, token: str | None, now: datetime | None = None) -> Dialog:
    """The open dialog behind a personal link. NotFound for a wrong token or a token of another
    dialog/customer; LinkClosed for an expired link or a finished dialog."""
    if not token or len(token) > 200 or not dialog_id or len(dialog_id) > 64:
        raise NotFound(_l("Unknown link."))
    dialog = Dialog.objects(token_hash=token_hash(token)).first()
    if dialog is None:
        # a finished dialog has no token hash any more: tell "done" apart from "never existed"
        done = Dialog.objects.get_or_none(pk=dialog_id)
        if done is not None and done.status == "done" and hmac.compare_digest(link_token(done), token):
            raise LinkClosed(_l("This dialog is already complete."))
        raise NotFound(_l("Unknown link."))
    if str(dialog.pk) != dialog_id:
        raise NotFound(_l("Unknown link."))
    if dialog.token_expires_at and dialog.token_expires_at <= (now or utcnow()):
        raise LinkClosed(_l("This link has expired."))
    if not dialog.is_open:
        raise LinkClosed(_l("This dialog is already complete."))
    return dialog


# --- staff actions ------------------------------------------------------------------------------


def start(actor: Actor, customer: Customer, version: QuestionnaireVersion, *, invite: bool = True,
          base_url: str | None = None) -> Dialog:
    """Create a dialog for ``customer`` on ``version`` and have the invitation sent through Celery.

    ``base_url`` is the address of the staff's request (``request.host_url``): kept with the dialog, its
    links point there when ``FRONTDESK_PUBLIC_BASE_URL`` is unset (the task has no request)."""
    if customer is None or version is None or customer.business_unit.pk != version.business_unit.pk:
        raise NotFound(_l("Please choose a questionnaire."))
    same_unit(actor, customer)
    qs.ensure_renderable(version)  # a version holding code is sent to nobody
    if invite and not customer.email:
        raise InvalidInput(_l("The customer has no e-mail address."), {"email": "missing"})
    now = utcnow()
    dialog = Dialog(business_unit=customer.business_unit, customer=customer, questionnaire=version.questionnaire,
                    version=version, token_nonce=secrets.token_hex(16), started_by=actor.label, created_at=now,
                    token_expires_at=now + timedelta(days=int(setting("DIALOG_LINK_DAYS"))),
                    public_base_url=(base_url or "").rstrip("/")[:300] or None)
    dialog.save()
    Dialog.objects(pk=dialog.pk).update_one(set__token_hash=token_hash(link_token(dialog)))
    dialog.reload()
    record(actor, "create", object_type="dialogs", object_id=dialog.pk, summary=N_("Dialog started: %(questionnaire)s"),
           summary_params={"questionnaire": version},
           business_unit=customer.business_unit, customer=customer)
    if invite:
        enqueue("tasks.dialogs.invite", dialog.pk)
    return dialog


def mail_key(dialog: Dialog, kind: str, sequence: int) -> str:
    return f"dialog:{dialog.pk}:{kind}:{sequence}"


def _message(dialog: Dialog, kind: str) -> tuple[str, str]:
    unit = dialog.business_unit
    with force_locale(unit.language or "de"):
        if kind == "invitation":
            subject = _("%(unit)s asks you to fill in: %(name)s", unit=unit.name, name=dialog.version.name)
        else:
            subject = _("Reminder: %(name)s", name=dialog.version.name)
        body = _("Hello %(name)s,\n\nplease fill in the questionnaire \"%(questionnaire)s\" here:\n%(link)s\n\n"
                 "The link is personal and valid until %(date)s.\n\nKind regards\n%(unit)s",
                 name=dialog.customer.full_name, questionnaire=dialog.version.name, link=link_url(dialog),
                 date=dialog.token_expires_at.strftime("%d.%m.%Y"), unit=unit.name)
    return subject, body


def _send(dialog: Dialog, kind: str, sequence: int) -> OutboxMessage:
    """Claim ``dialog:<id>:<kind>:<sequence>`` (unique) and deliver it; a second call sends nothing."""
    subject, body = _message(dialog, kind)
    msg = queue_email(to=dialog.customer.email, subject=subject, body=body, business_unit=dialog.business_unit,
                      customer_id=str(dialog.customer.pk), idempotency_key=mail_key(dialog, kind, sequence),
                      send=False)
    deliver_message(str(msg.pk))
    return msg


def send_invitation(dialog_id: str) -> str:
    """The invitation task's body: idempotent (the key is claimed once, the message delivered once)."""
    dialog = Dialog.objects.get_or_none(pk=dialog_id)
    if dialog is None or not dialog.is_open or not dialog.customer.email:
        return "skipped"
    msg = _send(dialog, "invitation", 1)
    Dialog.objects(pk=dialog.pk, invited_at=None).update_one(set__invited_at=utcnow())
    return OutboxMessage.objects(pk=msg.pk).scalar("status").first() or "missing"


def send_reminder(actor: Actor, dialog: Dialog, now: datetime | None = None) -> OutboxMessage:
    """Remind the customer of an open dialog (once per click: sequence = reminders sent + 1), at most
    once per :data:`MANUAL_REMINDER_INTERVAL` (Conflict otherwise)."""
    same_unit(actor, dialog)
    dialog.reload()
    if not dialog.is_open:
        raise Conflict(_l("This dialog is already complete."))
    if not dialog.customer.email:
        raise InvalidInput(_l("The customer has no e-mail address."), {"email": "missing"})
    now = now or utcnow()
    # the throttle is one conditional update: of two clicks at once (or in a row) only one claims it
    claimed = Dialog.objects(Q(pk=dialog.pk) & (Q(last_reminded_at=None)
                                                | Q(last_reminded_at__lte=now - MANUAL_REMINDER_INTERVAL))
                             ).update_one(set__last_reminded_at=now)
    if not claimed:
        raise Conflict(_l("A reminder for this dialog was sent less than %(n)d minutes ago.",
                          n=int(MANUAL_REMINDER_INTERVAL.total_seconds() // 60)))
    msg = _remind(dialog, now)
    record(actor, "remind", object_type="dialogs", object_id=dialog.pk, summary=N_("Reminder sent"), summary_params={},
           business_unit=dialog.business_unit, customer=dialog)
    return msg


def _remind(dialog: Dialog, now: datetime) -> OutboxMessage:
    sequence = dialog.reminders_sent + 1
    subject, body = _message(dialog, "reminder")
    # key first: if the process dies before the counter moves, the next attempt reuses the same key
    msg = queue_email(to=dialog.customer.email, subject=subject, body=body, business_unit=dialog.business_unit,
                      customer_id=str(dialog.customer.pk), idempotency_key=mail_key(dialog, "reminder", sequence))
    Dialog.objects(pk=dialog.pk, reminders_sent=sequence - 1).update_one(
        set__reminders_sent=sequence, set__last_reminded_at=now)
    return msg


def due_for_reminder(now: datetime | None = None) -> list[Dialog]:
    now = now or utcnow()
    cutoff = now - timedelta(days=int(setting("DIALOG_REMINDER_AFTER_DAYS")))
    query = Dialog.objects(status__in=["not_opened", "running"], reminders_sent__lt=int(setting("DIALOG_REMINDER_MAX")),
                           created_at__lte=cutoff, token_expires_at__gt=now)
    return [d for d in query.limit(500) if (d.last_reminded_at or d.created_at) <= cutoff and d.customer.email]


def send_due_reminders(now: datetime | None = None) -> int:
    """The periodic sweep: automatic reminders after N days, at most M per dialog; also picks up
    invitations whose task was lost. Guarded by a lock so only one sweep runs at a time."""
    now = now or utcnow()
    with sweep_lock("dialogs-sweep", ttl=timedelta(minutes=4)) as acquired:
        if not acquired:
            return 0
        sent = 0
        for dialog in Dialog.objects(status__in=["not_opened", "running"], invited_at=None,
                                     created_at__lte=now - timedelta(minutes=2)).limit(200):
            if dialog.customer.email:
                send_invitation(str(dialog.pk))
        for dialog in due_for_reminder(now):
            _remind(dialog, now)
            sent += 1
        return sent


class sweep_lock:
    """A lease: Redis ``SET NX PX`` when Redis is configured, else a conditional upsert in MongoDB."""

    def __init__(self, name: str, ttl: timedelta):
        self.name, self.ttl, self.holder = name, ttl, secrets.token_hex(8)
        self._redis = None

    def __enter__(self) -> bool:
        url = current_app.config.get("REDIS_URL")
        if url:
            import redis

            self._redis = redis.Redis.from_url(url)
            return bool(self._redis.set(f"frontdesk:lock:{self.name}", self.holder, nx=True,
                                        px=int(self.ttl.total_seconds() * 1000)))
        from mongoengine import NotUniqueError

        now = utcnow()
        try:
            taken = TaskLock.objects(name=self.name, until__lte=now).modify(
                upsert=True, new=True, set__holder=self.holder, set__until=now + self.ttl)
        except NotUniqueError:  # someone else holds a lease that has not expired
            return False
        return taken is not None and taken.holder == self.holder

    def __exit__(self, *exc) -> None:
        if self._redis is not None:
            key = f"frontdesk:lock:{self.name}"
            if self._redis.get(key) == self.holder.encode():
                self._redis.delete(key)
            return
        TaskLock.objects(name=self.name, holder=self.holder).delete()


def delete(actor: Actor, dialog: Dialog) -> None:
    same_unit(actor, dialog)
    from core.services import reports

    reports.delete_for_dialogs([dialog])
    Dialog.objects(pk=dialog.pk).delete()
    record(actor, "delete", object_type="dialogs", object_id=dialog.pk, summary=N_("Dialog deleted"), summary_params={},
           business_unit=dialog.business_unit, customer=dialog)


# --- the customer's side ------------------------------------------------------------------------

def open_dialog(dialog: Dialog, now: datetime | None = None) -> Dialog:
    """The customer opened the link: not yet opened → running."""
    now = now or utcnow()
    Dialog.objects(pk=dialog.pk, status="not_opened").update_one(set__status="running", set__opened_at=now)
    dialog.reload()
    return dialog


def save_progress(dialog: Dialog, data: Any, now: datetime | None = None) -> None:
    """Keep what the customer has answered so far: the form's own fields with storable values (cleaned
    as a submission is, see :func:`questionnaires.checked_draft`), checked for size, not validated."""
    data = qs.checked_draft(dialog.version, data)
    now = now or utcnow()
    updated = Dialog.objects(pk=dialog.pk, status__in=["not_opened", "running"]).update_one(
        set__answers=data, set__status="running", set__last_saved_at=now)
    if not updated:
        raise LinkClosed(_l("This dialog is already complete."))


def resume_answers(dialog: Dialog) -> dict:
    """What the form opens with: the saved answers (cleaned again, so a draft stored before cleaning
    existed cannot break the page), else the customer's master data."""
    saved = qs.clean_draft(dialog.version, dialog.answers) if dialog.answers else None
    return saved or qs.prefill_for(dialog.version, dialog.customer)


def complete(dialog: Dialog, data: Any, *, lang: str = "de", now: datetime | None = None) -> Dialog:
    """Validate and store the answers (through the questionnaire service), compute the results once,
    mark the dialog done and kill its link — in one conditional update."""
    customer = dialog.customer
    actor = Actor("customer", str(customer.pk), customer.full_name, str(customer.business_unit.pk))
    outcome = qs.submit(actor, customer=customer, version=dialog.version, data=data, source="dialog",
                        source_label="dialog", started_at=dialog.opened_at, lang=lang)
    submission = outcome.submission
    results = compute_results(dialog.version, submission.data)
    done = Dialog.objects(pk=dialog.pk, status__in=["not_opened", "running"]).modify(
        new=True, set__status="done", set__results=results, set__submission=submission,
        set__completed_at=now or utcnow(), set__answers={}, unset__token_hash=True)
    if done is None:  # a parallel completion won: keep only its submission
        Submission.objects(pk=submission.pk).delete()
        raise LinkClosed(_l("This dialog is already complete."))
    record(actor, "complete", object_type="dialogs", object_id=dialog.pk, summary=N_("Dialog completed"),
           summary_params={}, business_unit=customer.business_unit)
    return done


def compute_results(version: QuestionnaireVersion, data: dict) -> dict:
    model = version.scoring or {}
    if not model:
        return {}
    results = scoring.score(model, data)
    results["version"] = version.number
    results["questionnaire"] = version.name
    return results


# --- reading ------------------------------------------------------------------------------------

def open_links(customer: Customer, now: datetime | None = None) -> list[dict]:
    """The customer's unfinished dialogs with a live personal link (shown in the customer portal)."""
    now = now or utcnow()
    out = []
    for dialog in Dialog.objects(customer=customer, status__ne="done").order_by("-created_at"):
        if not dialog.token_hash or (dialog.token_expires_at and dialog.token_expires_at <= now):
            continue
        out.append({"name": dialog.version.name, "status": dialog.status, "url": link_url(dialog),
                    "created_at": dialog.created_at})
    return out


def dialogs_of(customer: Customer) -> list[Dialog]:
    return list(Dialog.objects(customer=customer).order_by("-created_at"))


def dashboard_state(customer: Customer) -> tuple[int, dict]:
    """Which of the four dashboard states applies, with what the page needs.

    1 no results, no open dialog · 2 no results, a dialog open · 3 results, a newer dialog open ·
    4 results, nothing open.
    """
    dialogs = dialogs_of(customer)
    with_results = [d for d in dialogs if d.status == "done" and d.results]
    open_dialogs = [d for d in dialogs if d.is_open]
    latest = with_results[0] if with_results else None
    newer_open = [d for d in open_dialogs if latest is None or d.created_at >= latest.created_at]
    state = (2 if open_dialogs else 1) if latest is None else 3 if newer_open else 4
    return state, {"dialogs": dialogs, "latest": latest, "history": with_results,
                   "open": open_dialogs[0] if open_dialogs else None}


def delete_customer_dialogs(customer: Customer) -> int:
    """Deletion cascade: the customer's dialogs (answers and results live inside them)."""
    from core.services import reports

    dialogs = list(Dialog.objects(customer=customer))
    erase_object("dialogs", [str(d.pk) for d in dialogs])
    reports.delete_for_dialogs(dialogs)
    return Dialog.objects(customer=customer).delete()
