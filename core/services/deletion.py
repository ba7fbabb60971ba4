"""Deleting a customer: one service removes everything that belongs to the customer.

Feature modules register what they keep about a customer with :func:`register_customer_data`;
``delete_customer`` runs every registered cleanup, then removes the customer. Children go first:
if the process dies half-way, the customer still exists and deleting again finishes the job, so
nothing is ever orphaned. Audit events keep the fact of the deletion, not the personal data: every
event that names the customer (as actor, as object, or as the owner of the object) is erased.
"""

from __future__ import annotations

from collections.abc import Callable

from flask_babel import lazy_gettext as _l

from core.errors import Forbidden
from core.models import (
    Appointment,
    Customer,
    Dialog,
    Document,
    KioskRun,
    Message,
    OutboxMessage,
    PortalAccount,
    PortalActionRecord,
    PortalTask,
    Project,
    ReminderDelivery,
    Report,
    SlotClaim,
    Submission,
    TimeEntry,
    WaitlistEntry,
)
from core.models._base import N_
from core.services.audit import Actor, erase_customer, erase_object, record
from core.services.dialogs import delete_customer_dialogs
from core.services.kiosk import delete_customer_runs
from core.services.reminders import delete_customer_deliveries
from core.services.reports import delete_customer_reports

Cleanup = Callable[[Customer], int]
Count = Callable[[Customer], int]
_CLEANUPS: dict[str, Cleanup] = {}
#: cleanup name -> {kind (an ``N_`` msgid, translated on the confirmation page) -> count}
_COUNTS: dict[str, dict[str, Count]] = {}


def register_customer_data(name: str, cleanup: Cleanup, *, counts: dict[str, Count] | None = None) -> None:
    """Register ``cleanup(customer) -> deleted count`` under ``name`` (idempotent by name), with
    ``counts``: what it deletes, kind by kind, for the confirmation page (kept when re-registered without)."""
    _CLEANUPS[name] = cleanup
    if counts is not None:
        _COUNTS[name] = dict(counts)


def registered() -> list[str]:
    return list(_CLEANUPS)


def uncounted() -> list[str]:
    """Registered cleanups that tell the confirmation page nothing (a test keeps this empty)."""
    return [name for name in _CLEANUPS if not _COUNTS.get(name)]


def customer_data_counts(customer: Customer) -> dict[str, int]:
    """What deleting would remove, every kind of every registered cleanup, for the confirmation page
    (the keys are msgids, translated there)."""
    return {kind: count(customer) for name in _CLEANUPS for kind, count in _COUNTS.get(name, {}).items()}


def _of(model, field: str = "customer") -> Count:
    """A count of ``model`` documents whose ``field`` is the customer (``customer_id``: the id as text)."""
    if field == "customer_id":
        return lambda customer: model.objects(customer_id=str(customer.pk)).count()
    return lambda customer: model.objects(**{field: customer}).count()


def _appointments(customer: Customer) -> int:
    ids = [str(pk) for pk in Appointment.objects(customer=customer).scalar("pk")]
    erase_object("appointments", ids)
    SlotClaim.objects(appointment__in=ids).delete()  # their times are free again
    return Appointment.objects(customer=customer).delete()


def _outbox(customer: Customer) -> int:
    return OutboxMessage.objects(customer_id=str(customer.pk)).delete()


def _submissions(customer: Customer) -> int:
    return Submission.objects(customer=customer).delete()


register_customer_data("appointments", _appointments, counts={N_("appointments"): _of(Appointment)})
register_customer_data("outbox", _outbox,
                       counts={N_("e-mails/SMS in the outbox"): _of(OutboxMessage, "customer_id")})
register_customer_data("submissions", _submissions, counts={N_("questionnaires"): _of(Submission)})
register_customer_data("reminder_deliveries", delete_customer_deliveries,
                       counts={N_("appointment confirmations and reminders"): _of(ReminderDelivery)})

# the customer's tablet runs (and the audit events about them)
register_customer_data("kiosk_runs", delete_customer_runs, counts={N_("questionnaires on the tablet"): _of(KioskRun)})

# dialog reports (file chunks included) first, then dialogs with their answers and results
register_customer_data("reports", delete_customer_reports, counts={N_("reports (PDF)"): _of(Report)})
register_customer_data("dialogs", delete_customer_dialogs,
                       counts={N_("dialogs (with answers and results)"): _of(Dialog)})


def _portal_cleanups() -> None:
    """Registers the portal's clean-ups: accounts, sessions, tasks, messages, documents, projects."""
    from core.services.documents import delete_customer_documents
    from core.services.messages import delete_customer_messages
    from core.services.portal import delete_customer_portal
    from core.services.portal_actions import delete_customer_records
    from core.services.projects import delete_customer_projects
    from core.services.waitlist import delete_customer_waitlist

    register_customer_data("portal", delete_customer_portal,
                           counts={N_("portal accounts"): _of(PortalAccount), N_("portal tasks"): _of(PortalTask)})
    register_customer_data("portal_messages", delete_customer_messages, counts={N_("messages"): _of(Message)})
    register_customer_data("portal_documents", delete_customer_documents, counts={N_("documents"): _of(Document)})
    register_customer_data("projects", delete_customer_projects,
                           counts={N_("projects"): _of(Project), N_("time entries"): _of(TimeEntry)})
    register_customer_data("waitlist", delete_customer_waitlist, counts={N_("waitlist entries"): _of(WaitlistEntry)})
    register_customer_data("portal_actions", delete_customer_records,
                           counts={N_("portal actions taken and survey invitations"): _of(PortalActionRecord)})


_portal_cleanups()


def _customer_file_cleanups() -> None:
    """Registers the customer file's own records: document requests and noted calls."""
    from core.models import CallNote, DocumentRequest
    from core.services.calls import delete_customer_calls
    from core.services.document_requests import delete_customer_requests

    register_customer_data("document_requests", delete_customer_requests,
                           counts={N_("document requests"): _of(DocumentRequest)})
    register_customer_data("call_notes", delete_customer_calls, counts={N_("noted calls"): _of(CallNote)})


_customer_file_cleanups()


def _bonus_cleanups() -> None:
    """Registers revenue and bonus clean-ups: sales, the card with its ledger and vouchers, referrals."""
    from core.models import PointsEntry, Referral, Sale, Voucher
    from core.services.bonus import delete_customer_bonus
    from core.services.referrals import delete_customer_referrals
    from core.services.revenue import delete_customer_sales

    register_customer_data("sales", delete_customer_sales, counts={N_("sales"): _of(Sale)})
    register_customer_data("bonus", delete_customer_bonus,
                           counts={N_("bonus points entries"): _of(PointsEntry), N_("vouchers"): _of(Voucher)})
    register_customer_data("referrals", delete_customer_referrals,
                           counts={N_("referrals"): lambda c: Referral.objects(referred=c).count()
                                   + Referral.objects(referrer=c).count()})


_bonus_cleanups()


def delete_customer(actor: Actor, customer: Customer) -> dict[str, int]:
    """Delete ``customer`` and everything registered as theirs; returns counts per kind."""
    if actor.business_unit_id and str(customer.business_unit.pk) != actor.business_unit_id:
        raise Forbidden(_l("This customer belongs to another business unit."))
    counts = {name: cleanup(customer) for name, cleanup in _CLEANUPS.items()}
    customer_id = str(customer.pk)
    unit = customer.business_unit
    erase_customer(customer_id)
    customer.delete()
    # shown translated (a message id with its number); what went, per kind, stays as data
    record(actor, "delete", object_type="customers", object_id=customer_id,
           summary=N_("Customer deleted with %(n)s related records"),
           summary_params={"n": sum(counts.values())}, after={"deleted": counts}, business_unit=unit)
    return counts
