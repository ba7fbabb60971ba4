"""Read-only records: the audit log and the outbox."""

from __future__ import annotations

import json

from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from admin.views.base import SecureModelView
from core.services.audit import summary_text


def _json(view, context, model, name):
    value = getattr(model, name) or {}
    return Markup("<pre class='fd-json'>{}</pre>").format(json.dumps(value, indent=2, ensure_ascii=False,
                                                                       default=str))


ACTOR_KIND_LABELS = {"staff": _l("Staff"), "customer": _l("Customer"), "device": _l("Tablet"),
                     "system": _l("System")}
#: audit actions as staff read them (an action not listed here shows as stored)
ACTION_LABELS = {
    "create": _l("created"), "update": _l("changed"), "delete": _l("deleted"), "login": _l("logged in"),
    "activate": _l("activated"), "deactivate": _l("deactivated"), "archive": _l("archived"),
    "unarchive": _l("restored"), "publish": _l("published"), "complete": _l("completed"),
    "remind": _l("reminder sent"), "revoke": _l("unpaired"), "pair": _l("paired"), "void_codes": _l("codes void"),
    "view_as": _l("viewed as the customer"), "kiosk_start": _l("started on the tablet"),
    "kiosk_cancel": _l("cancelled on the tablet"), "feature_on": _l("function switched on"),
    "feature_off": _l("function switched off"), "enrolment_link": _l("enrolment link issued"),
    "enrolment_revoked": _l("enrolment link withdrawn"), "enrolled": _l("own password set"),
    "replace": _l("new version stored"), "cancel": _l("withdrawn"), "fulfil": _l("answered"),
    "call": _l("call noted"),
    "export": _l("exported"),
}
OBJECT_TYPE_LABELS = {
    "customers": _l("Customer"), "appointments": _l("Appointment"), "activity_types": _l("Activity type"),
    "staff_users": _l("Staff account"), "business_units": _l("Business unit"), "questionnaires": _l("Questionnaire"),
    "questionnaire_versions": _l("Questionnaire version"), "submissions": _l("Filled-in questionnaire"),
    "devices": _l("Tablet"), "kiosk_runs": _l("Questionnaire on the tablet"), "dialogs": _l("Dialog"),
    "reports": _l("Report"), "documents": _l("Document"), "portal_accounts": _l("Portal account"),
    "portal_settings": _l("Portal settings"), "portal_tasks": _l("Portal task"), "projects": _l("Project"),
    "time_entries": _l("Time entry"), "messages": _l("Message"),
    "document_requests": _l("Document request"), "call_notes": _l("Noted call"),
    "staff_schedules": _l("Team schedule"), "booking_settings": _l("Booking settings"),
}
CHANNEL_LABELS = {"email": _l("E-mail"), "sms": _l("SMS")}
OUTBOX_STATUS_LABELS = {"queued": _l("waiting to be sent"), "sending": _l("being sent"), "sent": _l("sent"),
                        "stored": _l("kept in the outbox (no mail server)"), "failed": _l("failed")}


class AuditView(SecureModelView):
    roles = ("owner",)
    can_create = can_edit = can_delete = False
    audited = False
    column_list = ("at", "actor_label", "action", "object_type", "object_id", "summary")
    column_labels = {"at": _l("When"), "actor_label": _l("Who"), "action": _l("Action"),
                     "object_type": _l("Object"), "object_id": _l("Id"), "summary": _l("Summary"),
                     "before": _l("Before"), "after": _l("After"), "actor_kind": _l("Kind of actor")}
    column_value_labels = {"action": ACTION_LABELS, "actor_kind": ACTOR_KIND_LABELS,
                           "object_type": OBJECT_TYPE_LABELS}
    column_default_sort = ("at", True)
    column_filters = ("action", "object_type", "actor_kind", "at")
    column_searchable_list = ("actor_label", "summary", "object_id")
    column_formatters = {"summary": lambda v, c, m, n: summary_text(m)}
    column_formatters_detail = {"before": _json, "after": _json, "summary": lambda v, c, m, n: summary_text(m)}
    column_details_list = ("at", "actor_kind", "actor_label", "action", "object_type", "object_id", "summary",
                           "before", "after")


class OutboxView(SecureModelView):
    roles = ("owner", "staff")
    can_create = can_edit = can_delete = False
    audited = False
    column_list = ("created_at", "channel", "to", "subject", "status", "sent_at")
    column_labels = {"created_at": _l("Created"), "channel": _l("Channel"), "to": _l("To"),
                     "subject": _l("Subject"), "status": _l("Status"), "sent_at": _l("Sent"), "body": _l("Text"),
                     "attempts": _l("Delivery attempts"), "error": _l("Error"),
                     "provider_id": _l("Provider's message id")}
    column_value_labels = {"channel": CHANNEL_LABELS, "status": OUTBOX_STATUS_LABELS}
    column_default_sort = ("created_at", True)
    column_filters = ("status", "channel")
    column_searchable_list = ("to", "subject")
    column_details_list = ("created_at", "channel", "to", "subject", "body", "status", "attempts", "error",
                           "sent_at", "provider_id")
