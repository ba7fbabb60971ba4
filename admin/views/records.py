"""Read-only records: the audit log and the outbox."""

from __future__ import annotations

import json

from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from admin.views.base import SecureModelView


def _json(view, context, model, name):
    value = getattr(model, name) or {}
    return Markup("<pre class='fd-json'>{}</pre>").format(json.dumps(value, indent=2, ensure_ascii=False,
                                                                       default=str))


class AuditView(SecureModelView):
    roles = ("owner",)
    can_create = can_edit = can_delete = False
    audited = False
    column_list = ("at", "actor_label", "action", "object_type", "object_id", "summary")
    column_labels = {"at": _l("When"), "actor_label": _l("Who"), "action": _l("Action"),
                     "object_type": _l("Object"), "object_id": _l("Id"), "summary": _l("Summary"),
                     "before": _l("Before"), "after": _l("After")}
    column_default_sort = ("at", True)
    column_filters = ("action", "object_type", "actor_kind", "at")
    column_searchable_list = ("actor_label", "summary", "object_id")
    column_formatters_detail = {"before": _json, "after": _json}
    column_details_list = ("at", "actor_kind", "actor_label", "action", "object_type", "object_id", "summary",
                           "before", "after")


class OutboxView(SecureModelView):
    roles = ("owner", "staff")
    can_create = can_edit = can_delete = False
    audited = False
    column_list = ("created_at", "channel", "to", "subject", "status", "sent_at")
    column_labels = {"created_at": _l("Created"), "channel": _l("Channel"), "to": _l("To"),
                     "subject": _l("Subject"), "status": _l("Status"), "sent_at": _l("Sent"), "body": _l("Text")}
    column_default_sort = ("created_at", True)
    column_filters = ("status", "channel")
    column_searchable_list = ("to", "subject")
    column_details_list = ("created_at", "channel", "to", "subject", "body", "status", "attempts", "error",
                           "sent_at")
