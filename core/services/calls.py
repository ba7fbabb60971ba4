"""Call links (feature "call_link"): every phone number in the admin starts a call from the computer,
and staff note the call in the customer file.

A click goes to ``tel:+49...`` unless the owner set a URL template for a cloud telephone system, e.g.
``https://pbx.example/call?to={phone_e164}`` or ``sip:{phone_e164}@pbx.example``. A template may only
use https, sip or tel (a ``javascript:`` or ``data:`` link would run in the admin's origin), must carry
``{phone_e164}`` and nothing else in braces; the number is URL-encoded into it (``+`` becomes ``%2B`` in
an https URL, where a bare ``+`` would be read as a space; sip and tel keep it, as their syntax has it).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from urllib.parse import quote, urlsplit

from flask_babel import lazy_gettext as _l
from mongoengine import ValidationError as MEValidationError

from core.errors import InvalidInput
from core.models import BusinessUnit, CallNote, Customer
from core.models._base import utcnow
from core.services.audit import Actor, erase_object, record, same_unit

FEATURE = "call_link"
PLACEHOLDER = "{phone_e164}"
SCHEMES = ("https", "sip", "tel")
SAMPLE_NUMBER = "+493012345678"
MAX_TEMPLATE = 500
#: how far back a call may be noted, and how far ahead (clock drift between the staff's device and us)
NOTE_PAST = timedelta(days=31)
NOTE_AHEAD = timedelta(minutes=10)


def _fill(template: str, e164: str) -> str:
    scheme = template.split(":", 1)[0].lower()
    number = quote(e164, safe="" if scheme == "https" else "+")
    return template.replace(PLACEHOLDER, number)


def check_template(raw: str | None) -> str:
    """The template as stored (stripped; empty: the default ``tel:``), or InvalidInput saying why not."""
    text = (raw or "").strip()
    if not text:
        return ""
    refuse = InvalidInput(_l("The call link must start with https:, sip: or tel: and contain {phone_e164} "
                             "(e.g. https://pbx.example/call?to={phone_e164})."), {"call_link_template": "invalid"})
    if len(text) > MAX_TEMPLATE or re.search(r"[\s\x00-\x1f\x7f\"'<>\\`]", text):
        raise refuse
    if text.count(PLACEHOLDER) != 1 or re.search(r"[{}]", text.replace(PLACEHOLDER, "")):
        raise refuse
    parts = urlsplit(_fill(text, SAMPLE_NUMBER))
    if parts.scheme.lower() not in SCHEMES or not text.lower().startswith(parts.scheme.lower() + ":"):
        raise refuse
    if parts.scheme.lower() == "https" and (not parts.hostname or parts.username or parts.password
                                            or urlsplit(_fill(text, "+15550100")).hostname != parts.hostname):
        raise refuse  # the number goes into the path or the query, never the host
    return text


def set_template(actor: Actor, unit: BusinessUnit, raw: str | None) -> str:
    same_unit(actor, unit)
    text = check_template(raw)
    before = unit.settings.call_link_template or ""
    BusinessUnit.objects(pk=unit.pk).update_one(set__settings__call_link_template=text or None)
    record(actor, "update", object_type="business_units", object_id=unit.pk, summary="Call link template",
           before={"call_link_template": before}, after={"call_link_template": text}, business_unit=unit)
    unit.reload()
    return text


def call_url(unit: BusinessUnit, e164: str | None) -> str | None:
    """Where a click on ``e164`` goes for ``unit``; None when there is no number or the feature is off.
    A stored template is checked again, so one written around :func:`check_template` never becomes a link."""
    if not e164 or not unit.has_feature(FEATURE) or not re.fullmatch(r"\+[1-9]\d{1,16}", e164):
        return None
    template = (unit.settings.call_link_template if unit.settings else None) or ""
    try:
        template = check_template(template)
    except InvalidInput:
        template = ""
    return _fill(template, e164) if template else f"tel:{e164}"


def note_call(actor: Actor, customer: Customer, *, at: datetime | None, note: str, staff_label: str,
              now: datetime | None = None) -> CallNote:
    """Record a call in the customer file (shown in its history)."""
    same_unit(actor, customer)
    now = now or utcnow()
    if at is None or at < now - NOTE_PAST or at > now + NOTE_AHEAD:
        raise InvalidInput(_l("Please give the time of the call (at most a month ago, not in the future)."),
                           {"at": "range"})
    text = (note or "").strip()
    if len(text) > 2000:
        raise InvalidInput(_l("The note may have at most 2000 characters."), {"note": "too long"})
    item = CallNote(business_unit=customer.business_unit, customer=customer, at=at.replace(microsecond=0),
                    staff_label=(staff_label or actor.label)[:300], phone=customer.phone, note=text or None)
    try:
        item.save()
    except MEValidationError as exc:
        raise InvalidInput(_l("The call could not be noted.")) from exc
    record(actor, "call", object_type="call_notes", object_id=item.pk, summary="Call noted",
           business_unit=customer.business_unit, customer=customer)
    return item


def calls_for(customer: Customer, limit: int = 20) -> list[CallNote]:
    return list(CallNote.objects(customer=customer).order_by("-at").limit(limit))


def delete_customer_calls(customer: Customer) -> int:
    erase_object("call_notes", [str(pk) for pk in CallNote.objects(customer=customer).scalar("pk")])
    return CallNote.objects(customer=customer).delete()
