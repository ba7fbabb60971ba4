"""Customer portal: login codes, password accounts, sessions, "view as customer",
the welcome text and the questionnaires staff request.

Numbers (NIST SP 800-63B, OWASP ASVS; settings ``PORTAL_*`` in ``core.config``):

* login code: 6 digits, valid 10 minutes, single use, stored as HMAC-SHA256 (key: ``SECRET_KEY``);
  5 wrong entries per address void the code; a new code keeps the failure count (reset by a
  successful login or one hour after the last wrong entry);
* sending: 60 s between sends, at most 5 per hour per address; per-IP limits in the blueprint;
* an unknown address goes through the same steps (a state document, a code that is never sent)
  and the blueprint answers after the same minimum time, so nothing tells the two apart;
* sessions: a random token in the (signed) cookie session, SHA-256 on the server; 30 minutes idle,
  12 hours absolute; logout, deactivation and customer switch-off end them.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from mongoengine import DoesNotExist, NotUniqueError
from mongoengine import ValidationError as MEValidationError

from core import placeholders
from core.config import public_base_url
from core.errors import Conflict, FeatureDisabled, Forbidden, FrontdeskError, InvalidInput, NotFound
from core.models import (
    BusinessUnit,
    Customer,
    PortalAccount,
    PortalLoginCode,
    PortalSession,
    PortalSettings,
    PortalTask,
    Project,
    QuestionnaireVersion,
    StaffUser,
)
from core.models._base import N_, utcnow
from core.models.portal_account import CUSTOMER_WIDE, PERMISSIONS
from core.models.portal_action import QUESTIONNAIRE_KINDS
from core.passwords import hash_password, password_problems, verify_password
from core.phone import PhoneError, to_e164
from core.services import (
    portal_actions,
    surveys,  # noqa: F401  (connects its listener: the survey after a job)
)
from core.services import questionnaires as qs
from core.services.audit import Actor, erase_object, record, same_unit
from core.services.mail import queue_email, queue_sms

FEATURE = "portal"
CODE_DIGITS = 6


class CodeThrottled(InvalidInput):
    """A code was sent less than a minute ago, or five within the hour (known or unknown address)."""


class LoginFailed(InvalidInput):
    """Wrong, expired, used or voided code / wrong username or password (one message for all)."""


def _cfg(name: str):
    return current_app.config[name]


def _hmac(purpose: str, value: str) -> str:
    key = str(current_app.config["SECRET_KEY"]).encode("utf-8")
    return hmac.new(key, f"portal-{purpose}:{value}".encode(), hashlib.sha256).hexdigest()


def sha256_hex(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def normalise_address(text: str | None) -> str:
    return (text or "").strip().casefold()[:254]


def login_address(unit: BusinessUnit, text: str | None) -> tuple[str, str] | None:
    """("email", address) or ("phone", E.164) for what the customer typed; None when it is neither."""
    raw = (text or "").strip()[:254]
    if "@" in raw:
        return "email", normalise_address(raw)
    if not raw:
        return None
    try:
        country = (unit.settings.default_country if unit.settings else None) or "DE"
        return "phone", to_e164(raw, country)
    except PhoneError:
        return None


def portal_unit(slug: str | None) -> BusinessUnit | None:
    """The unit of a portal address, only when it has switched the portal on."""
    if not slug or not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,63}", slug):
        return None
    unit = BusinessUnit.objects(slug=slug).first()
    return unit if unit is not None and unit.has_feature(FEATURE) else None


def customer_may_log_in(customer: Customer | None) -> bool:
    return bool(customer is not None and customer.portal_enabled and customer.business_unit.has_feature(FEATURE))


def customer_actor(customer: Customer, account: PortalAccount | None = None) -> Actor:
    label = f"{customer.full_name} (portal{': ' + account.username if account else ''})"
    return Actor("customer", str(customer.pk), label, str(customer.business_unit.pk))


# --- login codes --------------------------------------------------------------------------------

def request_code(unit: BusinessUnit, address_text: str, *, lang: str = "de") -> None:
    """Create and send a login code for ``address_text`` if a portal customer of ``unit`` has it.

    Known and unknown addresses take the same path and give the same result; only the e-mail
    differs. Raises CodeThrottled (for both alike) when the address asks too often.
    """
    parsed = login_address(unit, address_text)
    if parsed is None:
        raise InvalidInput(_l("Please enter your e-mail address or mobile number."), {"address": "required"})
    kind, address = parsed
    if kind == "email":
        customer = Customer.objects(business_unit=unit, email=address).first()
    else:
        customer = Customer.objects(business_unit=unit, phone=address).first()
    if not customer_may_log_in(customer):
        customer = None
    key = _hmac("address", f"{unit.pk}:{address}")
    now = utcnow()
    state = PortalLoginCode.objects(address_hash=key).first()
    if state is None:
        try:
            state = PortalLoginCode(business_unit=unit, address_hash=key).save()
        except NotUniqueError:
            state = PortalLoginCode.objects.get(address_hash=key)
    hour_ago = now - timedelta(hours=1)
    sends = [t for t in (state.sends or []) if t > hour_ago]
    if (state.last_sent_at and state.last_sent_at > now - timedelta(seconds=_cfg("PORTAL_CODE_RESEND_SECONDS"))) \
            or len(sends) >= _cfg("PORTAL_CODE_SENDS_PER_HOUR"):
        raise CodeThrottled(_l("Please wait before asking for a new code."))
    code = f"{secrets.randbelow(10 ** CODE_DIGITS):0{CODE_DIGITS}d}"
    updates: dict[str, Any] = {
        "set__code_hash": _hmac("code", f"{state.pk}:{code}"),
        "set__expires_at": now + timedelta(minutes=_cfg("PORTAL_CODE_MINUTES")),
        "set__sends": [*sends, now], "set__last_sent_at": now,
        "set__customer": customer,
    }
    if state.last_failure_at and state.last_failure_at <= hour_ago:
        updates["set__failures"] = 0
    if customer is not None:  # the count is the customer's: their other address's wrong entries count here too
        failures, last_failure_at = _customer_failures(customer, hour_ago)
        if failures > (0 if "set__failures" in updates else state.failures or 0):
            updates["set__failures"] = failures
            updates["set__last_failure_at"] = last_failure_at
    # optimistic: only one of two simultaneous requests for the same address sends
    claimed = PortalLoginCode.objects(pk=state.pk, last_sent_at=state.last_sent_at).update_one(**updates)
    if not claimed:
        raise CodeThrottled(_l("Please wait before asking for a new code."))
    if customer is not None:
        minutes = _cfg("PORTAL_CODE_MINUTES")
        key_id = f"portal-code:{state.pk}:{now.isoformat()}"
        if kind == "phone":
            text = (f"{code} is your login code for {unit.name} (valid {minutes} min)." if lang == "en" else
                    f"{code} ist Ihr Anmeldecode für {unit.name} (gültig {minutes} Min.).")
            queue_sms(to=address, body=text, business_unit=unit, customer_id=str(customer.pk), idempotency_key=key_id)
            return
        if lang == "en":
            subject = f"Your login code for {unit.name}"
            body = (f"Hello {customer.first_name},\n\nyour login code for the customer portal of {unit.name} is:\n\n"
                    f"    {code}\n\nIt is valid for {minutes} minutes and works once. If you did not ask for it, "
                    "ignore this e-mail.\n")
        else:
            subject = f"Ihr Anmeldecode für {unit.name}"
            body = (f"Guten Tag {customer.first_name},\n\nIhr Anmeldecode für das Kundenportal von {unit.name} "
                    f"lautet:\n\n    {code}\n\nEr gilt {minutes} Minuten und nur einmal. Falls Sie ihn nicht "
                    "angefordert haben, ignorieren Sie diese E-Mail.\n")
        queue_email(to=customer.email, subject=subject, body=body, business_unit=unit,
                    customer_id=str(customer.pk), idempotency_key=key_id)


def verify_code(unit: BusinessUnit, address_text: str, code_text: str) -> Customer:
    """The customer whose code this is; raises LoginFailed for anything wrong (one message)."""
    parsed = login_address(unit, address_text)
    address = parsed[1] if parsed else normalise_address(address_text)
    code = "".join((code_text or "").split())[:16]
    key = _hmac("address", f"{unit.pk}:{address}")
    state = PortalLoginCode.objects(address_hash=key).first()
    now = utcnow()
    if state is None or not re.fullmatch(rf"\d{{{CODE_DIGITS}}}", code):
        if state is not None:
            _charge_failure(state, now)
        raise LoginFailed(_l("This code is not valid."))
    if state.last_failure_at and state.last_failure_at <= now - timedelta(hours=1) and state.failures:
        PortalLoginCode.objects(pk=state.pk, failures=state.failures).update_one(set__failures=0)
        state.reload()
    digest = _hmac("code", f"{state.pk}:{code}")
    ok = state.code_hash is not None and hmac.compare_digest(state.code_hash, digest)
    if not ok:
        _charge_failure(state, now)
        raise LoginFailed(_l("This code is not valid."))
    used = PortalLoginCode.objects(
        pk=state.pk, code_hash=digest, expires_at__gt=now,
        failures__lt=_cfg("PORTAL_CODE_MAX_FAILURES")).modify(
        new=True, unset__code_hash=True, unset__expires_at=True, set__failures=0, unset__last_failure_at=True)
    if used is None or used.customer is None:
        raise LoginFailed(_l("This code is not valid."))
    customer = Customer.objects(pk=used.customer.pk).first()
    if not customer_may_log_in(customer) or customer.business_unit.pk != unit.pk or access_of(customer) is None:
        raise LoginFailed(_l("This code is not valid."))
    PortalLoginCode.objects(customer=customer).update(set__failures=0, unset__last_failure_at=True)
    record(customer_actor(customer), "login", object_type="customers", object_id=customer.pk,
           summary=N_("Portal login with a one-time code"), summary_params={}, business_unit=unit)
    return customer


def _customer_failures(customer: Customer, since) -> tuple[int, Any]:
    """The highest recent failure count over the customer's addresses (e-mail and mobile) and its time."""
    states = PortalLoginCode.objects(customer=customer, last_failure_at__gt=since).only("failures", "last_failure_at")
    best = max(states, key=lambda s: (s.failures or 0, s.last_failure_at), default=None)
    return (best.failures or 0, best.last_failure_at) if best is not None else (0, None)


def _charge_failure(state: PortalLoginCode, now) -> None:
    """One wrong entry, counted for the customer (every address of theirs: e-mail and mobile share one
    budget), or for the address alone when it belongs to no customer. Codes at the limit are void."""
    limit = _cfg("PORTAL_CODE_MAX_FAILURES")
    customer_id = state.to_mongo().get("customer")
    if customer_id is None:
        state = PortalLoginCode.objects(pk=state.pk).modify(new=True, inc__failures=1, set__last_failure_at=now)
        if state is not None and state.failures >= limit:
            PortalLoginCode.objects(pk=state.pk).update_one(unset__code_hash=True, unset__expires_at=True)
        return
    PortalLoginCode.objects(customer=customer_id).update(inc__failures=1, set__last_failure_at=now)
    PortalLoginCode.objects(customer=customer_id, failures__gte=limit).update(unset__code_hash=True,
                                                                             unset__expires_at=True)


# --- password accounts --------------------------------------------------------------------------

@dataclass(frozen=True)
class Handover:
    """What the printed sheet carries, in that one response only (we keep hashes): an initial password
    (typed by staff or generated) or the token of an enrolment link, never both."""

    password: str | None = None
    enrolment_token: str | None = None


INITIAL_MODES = ("link", "generate", "typed")


def create_account(actor: Actor, customer: Customer, *, name: str, username: str, password: str | None = None,
                   permissions: list[str] | tuple[str, ...] = (), project: Project | None = None,
                   initial: str | None = None) -> tuple[PortalAccount, Handover]:
    """Create an account; returns it and what staff hand over.

    ``initial``: "link" (default without ``password``) — no password yet, an enrolment link (single use,
    expiring, revocable) lets the customer set their own; "generate" — a strong initial password is
    generated; "typed" (default with ``password``) — the password staff typed in. A password is shown
    once, on the printable sheet, and stored only as an argon2 hash."""
    initial = initial or ("typed" if password else "link")
    if initial not in INITIAL_MODES:
        raise InvalidInput(_l("Please choose how the customer gets their password."), {"initial": "unknown"})
    if initial == "typed" and not password:
        raise InvalidInput(_l("Please enter the initial password."), {"password": "missing"})
    if initial != "typed" and password:
        raise InvalidInput(_l("You typed a password: please also choose “This initial password” (or empty the field)."),
                           {"password": "unexpected"})
    if initial == "generate":
        password = generate_password()
        while password_problems(password, name=name):  # e.g. a keyboard run by chance
            password = generate_password()
    elif initial == "link":
        password = None
    same_unit(actor, customer)
    if password:
        problems = password_problems(password, name=name)
        if problems:
            raise InvalidInput(problems[0], {"password": " ".join(problems)})
    if any(p not in PERMISSIONS for p in permissions):
        raise InvalidInput(_l("Unknown permission."), {"permissions": "unknown"})
    if project is not None and project.customer.pk != customer.pk:
        raise NotFound(_l("Not found."))
    account = PortalAccount(business_unit=customer.business_unit, customer=customer, project=project,
                            name=(name or "").strip(), username=(username or "").strip().lower(),
                            password_hash=hash_password(password) if password else None,
                            permissions=list(permissions), created_by=actor.label[:300])
    token = None
    if initial == "link":
        token = secrets.token_urlsafe(32)
        account.enrolment_hash = sha256_hex(token)
        account.enrolment_expires_at = utcnow() + timedelta(hours=_cfg("PORTAL_ENROLMENT_HOURS"))
    try:
        account.save()
    except NotUniqueError as exc:
        raise Conflict(_l("This username is taken."), {"username": "exists"}) from exc
    except MEValidationError as exc:
        raise InvalidInput(_l("Please check the name and the username (3–64 characters: a–z, 0–9, . _ @ -)."),
                           {k: str(v) for k, v in exc.to_dict().items()}) from exc
    record(actor, "create", object_type="portal_accounts", object_id=account.pk,
           summary=N_("Portal account %(username)s for customer %(customer)s"),
           summary_params={"username": account.username, "customer": customer.pk},
           business_unit=customer.business_unit, customer=customer)
    return account, Handover(password=password, enrolment_token=token)


def generate_password() -> str:
    """About 72 bits from the OS's CSPRNG, grouped for reading aloud and typing: xxxx-xxxx-xxxx-NN."""
    words = secrets.token_urlsafe(12)
    return f"{words[:4]}-{words[4:8]}-{words[8:12]}-{secrets.randbelow(100):02d}"


# --- enrolment links: the customer sets their own password ----------------------------------------

class EnrolmentInvalid(FrontdeskError):
    """Unknown, expired, revoked or already used enrolment link (one message for all)."""

    status = 410


def issue_enrolment(actor: Actor, account: PortalAccount) -> str:
    """A new enrolment link for the account (an earlier one stops working); returns its token."""
    same_unit(actor, account)
    if not account.active:
        raise Conflict(_l("The account is deactivated. Reactivate it first."))
    token = secrets.token_urlsafe(32)
    PortalAccount.objects(pk=account.pk).update_one(
        set__enrolment_hash=sha256_hex(token), set__updated_at=utcnow(),
        set__enrolment_expires_at=utcnow() + timedelta(hours=_cfg("PORTAL_ENROLMENT_HOURS")))
    account.reload()
    record(actor, "enrolment_link", object_type="portal_accounts", object_id=account.pk,
           summary=N_("Enrolment link for portal account %(username)s"),
           summary_params={"username": account.username}, business_unit=account.business_unit,
           customer=account)
    return token


def revoke_enrolment(actor: Actor, account: PortalAccount) -> bool:
    same_unit(actor, account)
    done = PortalAccount.objects(pk=account.pk, enrolment_hash__exists=True).update_one(
        unset__enrolment_hash=True, unset__enrolment_expires_at=True, set__updated_at=utcnow())
    if done:
        record(actor, "enrolment_revoked", object_type="portal_accounts", object_id=account.pk,
               summary=N_("Enrolment link of portal account %(username)s revoked"),
               summary_params={"username": account.username},
               business_unit=account.business_unit, customer=account)
    return bool(done)


def enrolment_account(token: str | None) -> PortalAccount:
    """The account a valid enrolment link belongs to (looking does not use the link up)."""
    if not token or len(token) > 100:
        raise EnrolmentInvalid(_l("This link is not valid (expired, already used or withdrawn)."))
    account = PortalAccount.objects(enrolment_hash=sha256_hex(token), enrolment_expires_at__gt=utcnow()).first()
    if account is None or not account.active or not customer_may_log_in(account.customer):
        raise EnrolmentInvalid(_l("This link is not valid (expired, already used or withdrawn)."))
    return account


def complete_enrolment(token: str | None, password: str, confirm: str) -> PortalAccount:
    """Set the customer's own password and use the link up, in one atomic update (a second request
    with the same link finds nothing). Existing sessions of the account end."""
    account = enrolment_account(token)
    if password != confirm:
        raise InvalidInput(_l("The two passwords are not the same."), {"confirm": "mismatch"})
    problems = password_problems(password or "", name=account.name, email=account.username)
    if problems:
        raise InvalidInput(problems[0], {"password": " ".join(problems)})
    used = PortalAccount.objects(pk=account.pk, enrolment_hash=sha256_hex(token),
                                 enrolment_expires_at__gt=utcnow(), active=True).update_one(
        set__password_hash=hash_password(password), unset__enrolment_hash=True, unset__enrolment_expires_at=True,
        set__updated_at=utcnow())
    if not used:
        raise EnrolmentInvalid(_l("This link is not valid (expired, already used or withdrawn)."))
    PortalSession.objects(account=account).delete()
    record(customer_actor(account.customer, account), "enrolled", object_type="portal_accounts",
           object_id=account.pk, summary=N_("Portal password set through the enrolment link"), summary_params={},
           business_unit=account.business_unit)
    return account


def enrolment_url(token: str, base_url: str | None = None) -> str:
    """The enrolment link: on ``FRONTDESK_PUBLIC_BASE_URL``, else on ``base_url`` (the staff's request)."""
    return public_base_url(current_app.config, base_url) + f"/portal/enrol/{token}"


def set_account_active(actor: Actor, account: PortalAccount, active: bool) -> None:
    same_unit(actor, account)
    PortalAccount.objects(pk=account.pk).update_one(set__active=active, set__updated_at=utcnow())
    if not active:
        PortalSession.objects(account=account).delete()
    record(actor, "activate" if active else "deactivate", object_type="portal_accounts", object_id=account.pk,
           summary=N_("Portal account %(username)s activated") if active
           else N_("Portal account %(username)s deactivated"), summary_params={"username": account.username},
           business_unit=account.business_unit, customer=account)


def password_login(unit: BusinessUnit, username: str, password: str) -> PortalAccount:
    account = PortalAccount.objects(business_unit=unit, username=(username or "").strip().lower()[:64]).first()
    ok = verify_password(account.password_hash if account else None, password or "")
    if not ok or account is None or not account.active or not customer_may_log_in(account.customer):
        raise LoginFailed(_l("Wrong username or password."))
    PortalAccount.objects(pk=account.pk).update_one(set__last_login_at=utcnow())
    record(customer_actor(account.customer, account), "login", object_type="portal_accounts",
           object_id=account.pk, summary=N_("Portal login with a password"), summary_params={}, business_unit=unit)
    return account


# --- sessions -----------------------------------------------------------------------------------

def start_session(customer: Customer, *, account: PortalAccount | None = None, staff: StaffUser | None = None
                  ) -> str:
    """A new server-side session; returns the token for the cookie session."""
    token = secrets.token_urlsafe(32)
    method = "staff" if staff is not None else ("password" if account is not None else "code")
    PortalSession(token_hash=sha256_hex(token), business_unit=customer.business_unit, customer=customer,
                  account=account, staff=staff, method=method,
                  staff_session_version=staff.session_version if staff is not None else None).save()
    return token


@dataclass(frozen=True)
class Access:
    """What one person may see and do in the portal: permissions and, for a project account, the project."""

    permissions: frozenset[str]
    project: Project | None = None


def access_of(customer: Customer, account: PortalAccount | None = None) -> Access | None:
    """The person's access, the same whatever way they logged in (None: switched off).

    A password login is its account. A one-time code goes to the customer's own address on file, and
    staff's "view as customer" shows what that person sees, so both get the customer's own access: the
    customer's accounts that are not bound to a project (the narrowest one, when there are several:
    a code must not open what an account hides). A customer without such an account has every
    permission; one whose own accounts are all deactivated has none (None).
    """
    if account is not None:
        return Access(frozenset(account.permissions or ()), account.project) if account.active else None
    own = list(PortalAccount.objects(customer=customer, project=None).only("permissions", "active"))
    if not own:
        return Access(frozenset(PERMISSIONS))
    active = [a for a in own if a.active]
    if not active:
        return None
    return Access(frozenset.intersection(*(frozenset(a.permissions or ()) for a in active)))


@dataclass
class Viewer:
    """Who looks at the portal in this request, and what they may see (their :class:`Access`)."""

    session: PortalSession
    customer: Customer
    account: PortalAccount | None
    read_only: bool
    access: Access | None = None

    def __post_init__(self) -> None:
        if self.access is None:
            self.access = access_of(self.customer, self.account) or Access(frozenset())

    @property
    def unit(self) -> BusinessUnit:
        return self.customer.business_unit

    @property
    def project(self) -> Project | None:
        return self.access.project

    def may(self, permission: str) -> bool:
        """Master data and questionnaires concern the whole customer: never for a project account."""
        return permission in self.access.permissions and (permission not in CUSTOMER_WIDE or self.whole_customer)

    @property
    def whole_customer(self) -> bool:
        """Not bound to one project."""
        return self.access.project is None

    @property
    def actor(self) -> Actor:
        return customer_actor(self.customer, self.account)


def load_session(token: str | None) -> Viewer | None:
    """The viewer of a session token, or None (unknown, idle/absolute timeout, switched off)."""
    if not token or len(token) > 100:
        return None
    session = PortalSession.objects(token_hash=sha256_hex(token)).first()
    if session is None:
        return None
    now = utcnow()
    idle = timedelta(minutes=_cfg("PORTAL_IDLE_MINUTES"))
    absolute = timedelta(hours=_cfg("PORTAL_ABSOLUTE_HOURS"))
    customer = session.customer if isinstance(session.customer, Customer) else None
    account = session.account
    expired = session.last_seen_at <= now - idle or session.created_at <= now - absolute
    if expired or not customer_may_log_in(customer) or (account is not None and not account.active) \
            or (session.staff is not None and (not session.staff.active
                                               or session.staff.session_version != session.staff_session_version)):
        session.delete()
        return None
    access = access_of(customer, account)
    if access is None:  # the person's access was switched off meanwhile
        session.delete()
        return None
    if session.last_seen_at <= now - timedelta(minutes=1):
        PortalSession.objects(pk=session.pk).update_one(set__last_seen_at=now)
    return Viewer(session, customer, account, session.read_only, access)


def end_session(token: str | None) -> None:
    if token and len(token) <= 100:
        PortalSession.objects(token_hash=sha256_hex(token)).delete()


def view_as(actor: Actor, staff: StaffUser, customer: Customer) -> str:
    """Staff see the portal exactly as the customer does, read-only (a session marked with the staff)."""
    same_unit(actor, customer)
    if not customer.business_unit.has_feature(FEATURE):
        raise FeatureDisabled(_l("This function is switched off."))
    if not customer.portal_enabled or access_of(customer) is None:
        raise Conflict(_l("The portal is switched off for this customer."))
    record(actor, "view_as", object_type="customers", object_id=customer.pk,
           summary=N_("Viewed the portal as customer"), summary_params={},
           business_unit=customer.business_unit)
    return start_session(customer, staff=staff)



# --- welcome text -------------------------------------------------------------------------------

def welcome_text(unit: BusinessUnit) -> str:
    settings = PortalSettings.objects(business_unit=unit).first()
    return (settings.welcome_text or "") if settings else ""


def set_welcome_text(actor: Actor, unit: BusinessUnit, text: str) -> None:
    same_unit(actor, unit)
    text = (text or "").strip()
    if len(text) > 5000:
        raise InvalidInput(_l("The text is too long (at most 5,000 characters)."))
    placeholders.check(text, placeholders.CUSTOMER + placeholders.UNIT)
    PortalSettings.objects(business_unit=unit).update_one(upsert=True, set__welcome_text=text,
                                                          set__updated_at=utcnow())
    record(actor, "update", object_type="portal_settings", object_id=unit.pk, summary=N_("Portal welcome text"),
           summary_params={}, business_unit=unit)


def render_welcome(text: str, customer: Customer) -> Markup:
    """The welcome text with the customer's and the unit's placeholders (core.placeholders: no template engine)."""
    return placeholders.render(text, {**placeholders.customer_values(customer),
                                      **placeholders.unit_values(customer.business_unit)})


# --- questionnaires staff request ---------------------------------------------------------------

def request_questionnaire(actor: Actor, customer: Customer, version: QuestionnaireVersion) -> PortalTask:
    same_unit(actor, customer)
    if version.business_unit.pk != customer.business_unit.pk:
        raise NotFound(_l("Not found."))
    qs.ensure_renderable(version)  # a version holding code is requested from nobody
    task = PortalTask(business_unit=customer.business_unit, customer=customer, version=version, title=version.name,
                      requested_by=actor.label[:300]).save()
    record(actor, "create", object_type="portal_tasks", object_id=task.pk,
           summary=N_("Questionnaire %(name)s requested in the portal"),
           summary_params={"name": version.name}, business_unit=customer.business_unit,
           customer=customer)
    return task


def master_data_task(viewer: Viewer) -> PortalTask:
    """Self-service: the customer opens the unit's master-data questionnaire to change their data.

    Reuses an open task for the newest published version; NotFound when the unit has none.
    """
    if viewer.read_only or not viewer.may("master_data"):
        raise Forbidden(_l("Not allowed."))
    published = qs.published_for_unit(viewer.unit, kinds=("master_data",))
    if not published:
        raise NotFound(_l("No master-data questionnaire is published."))
    _q, version = published[0]
    task = PortalTask.objects(customer=viewer.customer, version=version, status="open").first()
    if task is None:
        task = PortalTask(business_unit=viewer.unit, customer=viewer.customer, version=version, title=version.name,
                          requested_by="customer").save()
        record(viewer.actor, "create", object_type="portal_tasks", object_id=task.pk,
               summary=N_("Master data questionnaire opened by the customer (%(name)s)"),
               summary_params={"name": version.name},
               business_unit=viewer.unit)
    return task


def _task_permission(task: PortalTask) -> str:
    return "master_data" if task.version.kind == "master_data" else "questionnaires"


def open_tasks(viewer: Viewer) -> list[PortalTask]:
    """The viewer's open questionnaires staff requested, those their access allows (those a portal action
    opened are shown with their appointment)."""
    tasks = PortalTask.objects(customer=viewer.customer, status="open", action=None).order_by("-created_at").limit(100)
    return [t for t in tasks if viewer.may(_task_permission(t))]


def task_for(viewer: Viewer, task_id: str) -> PortalTask:
    """An open task of the viewer's customer (NotFound otherwise); Forbidden without the permission
    (questionnaires; master data for the master-data questionnaire "Change my data" opens).

    A task a portal action opened is reachable only while the action's conditions still allow it
    (Forbidden otherwise), on every request: drawing, saving a draft, submitting."""
    if not (viewer.may("questionnaires") or viewer.may("master_data")):
        raise Forbidden(_l("Not allowed."))
    task = PortalTask.objects.get_or_none(pk=task_id, customer=viewer.customer, status="open")
    if task is None:
        raise NotFound(_l("Not found."))
    if not viewer.may(_task_permission(task)):
        raise Forbidden(_l("Not allowed."))
    try:
        action, appointment = task.action, task.appointment
    except DoesNotExist:  # the action or the appointment was deleted meanwhile
        raise NotFound(_l("Not found.")) from None
    if action is not None:
        portal_actions.require(viewer.customer, str(action.pk), kinds=QUESTIONNAIRE_KINDS, appointment=appointment)
    return task


def prefill_for_task(task: PortalTask) -> dict:
    """The saved draft (cleaned again: a draft stored before cleaning existed must not break the page),
    else the customer's master data."""
    return (qs.clean_draft(task.version, task.partial) if task.partial else None) or \
        qs.prefill_for(task.version, task.customer)


def save_partial(viewer: Viewer, task: PortalTask, data: Any) -> None:
    """Keep what the customer typed so far: the form's own fields with storable values (cleaned as a
    submission is), not validated, never mapped to the customer record."""
    if viewer.read_only:
        raise Forbidden(_l("Read-only."))
    data = qs.checked_draft(task.version, data)  # InvalidInput: not an object, bad names, too large
    PortalTask.objects(pk=task.pk, status="open").update_one(
        set__partial=data, set__updated_at=utcnow(),
        **({} if task.started_at else {"set__started_at": utcnow()}))


def submit_task(viewer: Viewer, task: PortalTask, data: Any, *, lang: str = "de") -> None:
    """Validate and store like the tablet does (source "portal"); raises qs.SubmissionInvalid."""
    if viewer.read_only:
        raise Forbidden(_l("Read-only."))
    claimed = PortalTask.objects(pk=task.pk, status="open").modify(new=True, set__status="submitting")
    if claimed is None:
        raise Conflict(_l("This questionnaire was already sent."))
    use = None
    try:
        if task.action is not None:  # "at most once per appointment": this submission is the one use
            use = portal_actions.claim_use(task.action, task.appointment)
        outcome = qs.submit(viewer.actor, customer=viewer.customer, version=task.version, data=data,
                            source="portal", source_label="Kundenportal", started_at=task.started_at, lang=lang)
    except BaseException:
        portal_actions.release_use(use)
        PortalTask.objects(pk=task.pk, status="submitting").update_one(set__status="open")
        raise
    PortalTask.objects(pk=task.pk).update_one(set__status="done", set__completed_at=utcnow(), set__partial={},
                                              set__submission=outcome.submission)


def upgrade_permissions() -> int:
    """Migration: accounts from before master data and questionnaires were permissions kept both
    (when not bound to a project), so that the upgrade takes nothing away; once per account (marked
    with ``permissions_version``), so a permission staff remove later stays removed."""
    accounts = PortalAccount._get_collection()
    old = {"permissions_version": {"$exists": False}}
    granted = accounts.update_many({**old, "project": None}, {
        "$addToSet": {"permissions": {"$each": list(CUSTOMER_WIDE)}}, "$set": {"permissions_version": 2}})
    accounts.update_many(old, {"$set": {"permissions_version": 2}})
    return granted.modified_count


def delete_customer_portal(customer: Customer) -> int:
    """Deletion service hook: accounts, sessions, code state, requested questionnaires."""
    erase_object("portal_accounts", [str(pk) for pk in PortalAccount.objects(customer=customer).scalar("pk")])
    erase_object("portal_tasks", [str(pk) for pk in PortalTask.objects(customer=customer).scalar("pk")])
    n = PortalSession.objects(customer=customer).delete()
    n += PortalAccount.objects(customer=customer).delete()
    n += PortalLoginCode.objects(customer=customer).delete()
    n += PortalTask.objects(customer=customer).delete()
    return n
