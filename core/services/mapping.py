"""Field mapping between questionnaires and the customer record (``properties.customerField``).

Only whitelisted customer fields can be mapped, and only from compatible component types.
Prefill turns customer values into the renderer's representation; write-back validates every
mapped value (e-mail, E.164 phone, dates, choices, lengths) and applies only what changed, in
one atomic update, with an audit event. A bad value changes nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l
from mongoengine import NotUniqueError

from core.models import Customer
from core.models._base import utcnow
from core.models.customer import SALUTATIONS, search_fields
from core.phone import PhoneError, to_e164
from core.services.audit import Actor, plain, record


@dataclass(frozen=True)
class MappableField:
    kind: str  # text, email, phone, date, choice, country
    types: frozenset[str]
    max_length: int = 100
    required: bool = False


TEXT = frozenset({"textfield", "textarea", "hidden"})
MAPPABLE: dict[str, MappableField] = {
    "salutation": MappableField("choice", frozenset({"select", "radio", "hidden"})),
    "title": MappableField("text", TEXT, 50),
    "first_name": MappableField("text", TEXT, 100, required=True),
    "last_name": MappableField("text", TEXT, 100, required=True),
    "birthday": MappableField("date", frozenset({"day", "datetime", "textfield"})),
    "email": MappableField("email", frozenset({"email", "textfield"}), 254),
    "phone": MappableField("phone", frozenset({"phoneNumber", "textfield"}), 40),
    "address.street": MappableField("text", TEXT, 200),
    "address.postal_code": MappableField("text", TEXT, 16),
    "address.city": MappableField("text", TEXT, 100),
    "address.country": MappableField("country", frozenset({"textfield", "select"}), 2),
}


class MappingError(ValueError):
    def __init__(self, errors: dict[str, list[str]]):
        super().__init__("invalid mapped values")
        self.errors = errors


def check_definition(form) -> list[tuple[str, Any]]:
    """Publish-time problems of the mapping: (component path, reason as a lazy string)."""
    problems = []
    types = form.data_paths()
    seen: dict[str, str] = {}
    for path, field in form.mapped_fields().items():
        spec = MAPPABLE.get(field)
        if spec is None:
            problems.append((path, _l("customerField '%(field)s' is not a mappable customer field", field=field)))
        elif types.get(path) not in spec.types:
            problems.append((path, _l("a %(type)s component cannot write '%(field)s'", type=types.get(path),
                                      field=field)))
        elif _in_grid(nodes_by_path(form).get(path)):
            problems.append((path, _l("fields inside a data grid cannot be mapped")))
        elif field in seen:
            problems.append((path, _l("'%(field)s' is already mapped by %(path)s", field=field, path=seen[field])))
        seen.setdefault(field, path)
    return problems


def nodes_by_path(form) -> dict[str, Any]:
    """Data components of ``form`` by their data path."""
    return {c.data_path: c for c in form.components if getattr(c, "data_path", "")}


def _in_grid(node) -> bool:
    parent = getattr(node, "parent", None)
    while parent is not None:
        if parent.kind == "grid":
            return True
        parent = parent.parent
    return False


def get_path(data: Any, path: str) -> Any:
    for part in path.split("."):
        if not isinstance(data, dict):
            return None
        data = data.get(part)
    return data


def set_path(data: dict, path: str, value: Any) -> None:
    parts = path.split(".")
    for part in parts[:-1]:
        data = data.setdefault(part, {})
    data[parts[-1]] = value


def customer_value(customer: Customer, field: str) -> Any:
    if field.startswith("address."):
        return getattr(customer.address, field.split(".", 1)[1], None) if customer.address else None
    return getattr(customer, field, None)


def _day_format(component: dict) -> str:
    return "%d/%m/%Y" if component.get("dayFirst") else "%m/%d/%Y"


def prefill(form, customer: Customer) -> dict[str, Any]:
    """The submission data the form starts with: mapped customer values, renderer-shaped."""
    data: dict[str, Any] = {}
    components = nodes_by_path(form)
    types = form.data_paths()
    for path, field in form.mapped_fields().items():
        value = customer_value(customer, field)
        if value in (None, ""):
            continue
        if isinstance(value, dt.date):
            kind = types.get(path)
            if kind == "day":
                defn = getattr(components.get(path), "defn", {}) or {}
                value = value.strftime(_day_format(defn))
            elif kind == "datetime":
                value = value.isoformat() + ("T00:00:00" if not isinstance(value, dt.datetime) else "")
            else:
                value = value.strftime("%d.%m.%Y")
        set_path(data, path, value)
    return data


def _parse_date(raw: Any, component: dict) -> dt.date | None:
    text = str(raw).strip()
    for fmt in (_day_format(component), "%Y-%m-%d", "%d.%m.%Y"):
        try:
            return dt.datetime.strptime(text[:10], fmt).date()
        except ValueError:
            continue
    try:
        return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).date()
    except ValueError:
        return None


def normalise(spec: MappableField, raw: Any, component: dict, country: str, lang: str) -> Any:
    """The customer-record value for ``raw``, or raise ValueError with a user-facing message."""
    de = lang == "de"
    if raw in (None, "", [], {}):
        if spec.required:
            raise ValueError("Dieses Feld darf nicht leer sein." if de else "This field must not be empty.")
        return None
    if spec.kind == "date":
        value = _parse_date(raw, component)
        if value is None or not (dt.date(1900, 1, 1) <= value <= dt.date.today()):
            raise ValueError("Bitte ein gültiges Datum angeben." if de else "Please enter a valid date.")
        return value
    text = str(raw).strip()
    if len(text) > spec.max_length:
        raise ValueError(f"Höchstens {spec.max_length} Zeichen." if de else f"At most {spec.max_length} characters.")
    if spec.kind == "email":
        try:
            return validate_email(text, check_deliverability=False).normalized.lower()
        except EmailNotValidError as exc:
            raise ValueError("Ungültige E-Mail-Adresse." if de else "Invalid e-mail address.") from exc
    if spec.kind == "phone":
        try:
            return to_e164(text, country)
        except PhoneError as exc:
            raise ValueError("Ungültige Telefonnummer." if de else "Invalid phone number.") from exc
    if spec.kind == "choice":
        if text not in SALUTATIONS:
            raise ValueError("Ungültige Auswahl." if de else "Invalid choice.")
        return text
    if spec.kind == "country":
        if len(text) != 2 or not text.isalpha():
            raise ValueError("Ländercode mit zwei Buchstaben, z. B. DE." if de else "Two-letter country code, e.g. DE.")
        return text.upper()
    return text


def compute_changes(form, customer: Customer, data: dict, *, lang: str = "de") -> dict[str, dict[str, Any]]:
    """{customer field: {"before", "after", "path"}} for mapped values that differ; MappingError if any is bad."""
    components = {path: node.defn for path, node in nodes_by_path(form).items()}
    country = (customer.business_unit.settings.default_country if customer.business_unit.settings else "DE") or "DE"
    changes: dict[str, dict[str, Any]] = {}
    errors: dict[str, list[str]] = {}
    for path, field in form.mapped_fields().items():
        spec = MAPPABLE.get(field)
        if spec is None:
            continue
        raw = get_path(data, path)
        try:
            value = normalise(spec, raw, components.get(path, {}), country, lang)
        except ValueError as exc:
            errors[path] = [str(exc)]
            continue
        before = customer_value(customer, field)
        if (before or None) != (value or None):
            changes[field] = {"before": before, "after": value, "path": path}
    if errors:
        raise MappingError(errors)
    return changes


def apply_changes(actor: Actor, customer: Customer, changes: dict[str, dict[str, Any]], *, summary: str,
                  lang: str = "de", summary_params: dict | None = None) -> None:
    """Write ``changes`` in one atomic update with an audit event; MappingError on a duplicate e-mail."""
    if not changes:
        return
    update: dict[str, Any] = {"set__updated_at": utcnow()}
    for field, change in changes.items():
        key = field.replace(".", "__")
        value = change["after"]
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            value = dt.datetime.combine(value, dt.time())
        if value is None:
            update[f"unset__{key}"] = True
        else:
            update[f"set__{key}"] = value
    searched = ("last_name", "first_name", "email", "phone")
    if any(field in changes for field in searched):  # keep the derived search and sort fields in step
        values = [changes[f]["after"] if f in changes else getattr(customer, f) for f in searched]
        update.update({f"set__{k}": v for k, v in search_fields(*values).items()})
    try:
        Customer.objects(pk=customer.pk).update_one(**update)
    except NotUniqueError as exc:
        path = changes.get("email", {}).get("path", "email")
        message = "Diese E-Mail-Adresse wird bereits verwendet." if lang == "de" else "This e-mail address is in use."
        raise MappingError({path: [message]}) from exc
    record(actor, "update", object_type="customers", object_id=customer.pk, summary=summary,
           summary_params=summary_params,
           before={f: plain(c["before"]) for f, c in changes.items()},
           after={f: plain(c["after"]) for f, c in changes.items()}, business_unit=customer.business_unit)
