"""Audit trail: every change to customers, appointments, settings and accounts is recorded."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from bson import ObjectId
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from mongoengine import Q

from core.errors import NotFound
from core.models import AuditEvent, BusinessUnit

#: never copied into an audit event
SECRET_FIELDS = frozenset({"password_hash", "session_version", "token_hash", "code_hash"})


@dataclass(frozen=True)
class Actor:
    """Who acts: a staff member, a customer, a paired device or the system."""

    kind: str
    id: str | None
    label: str
    business_unit_id: str | None = None

    @classmethod
    def staff(cls, user) -> Actor:
        return cls("staff", str(user.pk), f"{user.name} <{user.email}>", str(user.business_unit.pk))

    @classmethod
    def system(cls, label: str = "system") -> Actor:
        return cls("system", None, label)


def same_unit(actor: Actor, obj) -> None:
    """Refuse ``actor`` acting on ``obj`` (a business unit or a document of one) of another unit.

    NotFound, as for a missing document: another unit's data does not exist for this actor (the
    same 404 that ``core.web.get_or_404`` gives). The system actor (no unit) acts everywhere.
    """
    unit = obj if isinstance(obj, BusinessUnit) else obj.business_unit
    if actor.business_unit_id and str(unit.pk) != actor.business_unit_id:
        raise NotFound(_l("Not found."))


def plain(value: Any) -> Any:
    """Turn a BSON-ish value into plain JSON-able data for the audit record."""
    if isinstance(value, ObjectId):
        return str(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items() if k not in SECRET_FIELDS}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if hasattr(value, "id") and hasattr(value, "collection"):  # DBRef
        return str(value.id)
    return value


def snapshot(doc) -> dict[str, Any]:
    """The stored state of a document, without secrets and ``_id``/``_cls``."""
    if doc is None:
        return {}
    data = plain(doc.to_mongo().to_dict())
    for key in ("_id", "_cls", "updated_at", *getattr(doc, "audit_exclude", ())):  # derived fields
        data.pop(key, None)
    return data


def diff(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Only the fields that changed, as (before, after)."""
    def norm(value: Any) -> Any:
        return None if value in ("", [], {}) else value

    keys = {k for k in set(before) | set(after) if norm(before.get(k)) != norm(after.get(k))}
    return {k: norm(before.get(k)) for k in sorted(keys)}, {k: norm(after.get(k)) for k in sorted(keys)}


def customer_id_of(value: Any) -> str | None:
    """The id of the customer ``value`` is or belongs to: a customer, a document with a ``customer``
    reference (dialog, portal account, document, run, project, ...), or an id."""
    if value is None:
        return None
    if isinstance(value, str | ObjectId):
        return str(value)
    if value._get_collection_name() == "customers":
        return str(value.pk)
    ref = getattr(value, "_data", {}).get("customer")  # no dereference: a DBRef, an ObjectId or a document
    if ref is None:
        return None
    return str(getattr(ref, "pk", None) or getattr(ref, "id", None) or ref)


def record(actor: Actor, action: str, *, object_type: str, object_id: str | None = None,
           summary: str = "", before: dict | None = None, after: dict | None = None,
           business_unit=None, customer=None, summary_params: dict | None = None) -> AuditEvent:
    """Store one audit event.

    ``summary`` is English; with ``summary_params`` (``{}`` for a fixed text) it is a message id
    (marked with ``N_``) whose ``%(name)s`` placeholders take those values, and the audit log shows it
    translated (:func:`summary_text`).

    ``customer`` (a customer, something of theirs, or an id) marks the event as naming that customer,
    so deleting the customer erases it; customer actors and events about a customer are marked anyway.
    """
    unit_id = business_unit.pk if business_unit is not None else (
        ObjectId(actor.business_unit_id) if actor.business_unit_id else None)
    customer_id = customer_id_of(customer)
    if customer_id is None and actor.kind == "customer":
        customer_id = actor.id
    if customer_id is None and object_type == "customers" and object_id:
        customer_id = str(object_id)
    params = {k: str(v) for k, v in summary_params.items()} if summary_params is not None else None
    return AuditEvent(
        business_unit=unit_id, actor_kind=actor.kind, actor_id=actor.id, actor_label=actor.label[:300],
        action=action, object_type=object_type, object_id=str(object_id) if object_id else None,
        summary=(summary % params if params else summary)[:500], before=before or {}, after=after or {},
        customer_id=customer_id, summary_key=summary[:300] if params is not None else None,
        summary_params=params or {},
    ).save()


def summary_text(event: AuditEvent) -> str:
    """The event's summary in the current language (events stored without a message id: as stored)."""
    if not event.summary_key:
        return event.summary or ""
    try:
        return gettext(event.summary_key) % (event.summary_params or {})
    except (KeyError, TypeError, ValueError):  # a translation that does not fit the stored values
        return event.summary or ""


def record_change(actor: Actor, doc, before: dict[str, Any] | None, *, summary: str = "",
                  summary_params: dict | None = None) -> AuditEvent | None:
    """Record a create (``before is None``) or an update (only changed fields) of ``doc``."""
    after = snapshot(doc)
    object_type = doc._get_collection_name()
    unit = getattr(doc, "business_unit", None)
    if before is None:
        return record(actor, "create", object_type=object_type, object_id=doc.pk, summary=summary,
                      summary_params=summary_params, after=after, business_unit=unit, customer=customer_id_of(doc))
    old, new = diff(before, after)
    if not old and not new:
        return None
    return record(actor, "update", object_type=object_type, object_id=doc.pk, summary=summary,
                  summary_params=summary_params, before=old, after=new, business_unit=unit,
                  customer=customer_id_of(doc))


def erase_object(object_type: str, object_ids: list[str]) -> int:
    """Remove the audit events about deleted objects: they hold personal data (GDPR erasure).

    The deletion itself is recorded afterwards by the caller, without personal data.
    """
    if not object_ids:
        return 0
    return AuditEvent.objects(object_type=object_type, object_id__in=[str(i) for i in object_ids]).delete()


def erase_customer(customer_id: str) -> int:
    """Remove every audit event that names the customer: marked with them, acted by them, or about them
    (GDPR erasure). Events about their things recorded before the mark existed go through
    :func:`erase_object` in each deletion hook."""
    cid = str(customer_id)
    return AuditEvent.objects(Q(customer_id=cid) | Q(actor_kind="customer", actor_id=cid)
                              | Q(object_type="customers", object_id=cid)).delete()
