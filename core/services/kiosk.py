"""Paired tablets ("Kundenabfrage"): pairing, starting a questionnaire run, filling, ending it.

Security numbers (details in ``kiosk/SECURITY.md``):

* Freischaltcode: 12 characters from ``BCDFGHJKLMNPQRSTVWXZ``, shown as three groups of four
  (``BCDF-GHJK-LMNP``): a public *handle* (the first group) and an 8-character secret (20^8 ≈ 2^34.6);
  valid 10 minutes, single use, stored as HMAC-SHA256 keyed with the app's ``SECRET_KEY``.
  A wrong entry is charged only to the pending codes whose handle it names; a code that has absorbed
  5 wrong entries is void (only that code). Failed entries are also limited per IP and installation-wide.
* Device token: 256 random bits in an HttpOnly, SameSite=Strict cookie; the server keeps SHA-256.
* Run token: 256 random bits, rotated whenever the tablet picks the run up, dead when the run ends;
  it only works together with the device cookie of the device the run belongs to.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from mongoengine import NotUniqueError, Q

from core.errors import Conflict, FeatureDisabled, Forbidden, InvalidInput, NotFound
from core.models import BusinessUnit, Customer, Device, KioskRun, QuestionnaireVersion
from core.models._base import N_, utcnow
from core.services import questionnaires as qs
from core.services.audit import Actor, erase_object, record, same_unit

FEATURE = "kiosk"
CODE_ALPHABET = "BCDFGHJKLMNPQRSTVWXZ"
HANDLE_LENGTH = 4  # public: names the code a wrong entry is charged to
SECRET_LENGTH = 8  # 20^8 ≈ 2^34.6: with 5 entries per code, a guess succeeds with ≤ 5 / 20^8 ≈ 2^-32.3
CODE_LENGTH = HANDLE_LENGTH + SECRET_LENGTH
CODE_VALIDITY = timedelta(minutes=10)
MAX_CODE_FAILURES = 5
LAST_SEEN_GRANULARITY = timedelta(minutes=1)
DEFAULT_TIMEOUT_MINUTES = 15


class CodeExpired(InvalidInput):
    """The code was right but is no longer valid."""


class WrongCode(InvalidInput):
    """No pending code matches (wrong, already used or voided)."""


# --- hashing ------------------------------------------------------------------------------------

def sha256_hex(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def code_hash(code: str) -> str:
    key = str(current_app.config["SECRET_KEY"]).encode("utf-8")
    return hmac.new(key, b"kiosk-code:" + code.encode("ascii"), hashlib.sha256).hexdigest()


def generate_code() -> str:
    """A fresh Freischaltcode: three groups of four letters, e.g. ``BCDF-GHJK-LMNP`` (handle, secret)."""
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def normalise_code(text: str | None) -> str | None:
    """Upper-case, without blanks and dashes; None unless it has the code's shape."""
    raw = "".join((text or "").split()).replace("-", "").replace("–", "").upper()[:32]
    if len(raw) != CODE_LENGTH or any(c not in CODE_ALPHABET for c in raw):
        return None
    return raw


def device_actor(device: Device) -> Actor:
    return Actor("device", str(device.pk), device.name, str(device.business_unit.pk))


def _require_feature(unit: BusinessUnit) -> None:
    if unit is None or not unit.has_feature(FEATURE):
        raise FeatureDisabled(_l("This function is switched off."))



# --- devices and pairing ------------------------------------------------------------------------

def create_device(actor: Actor, unit: BusinessUnit, name: str) -> tuple[Device, str]:
    """A pending device with a one-time code (returned once, stored only as a hash)."""
    _require_feature(unit)
    same_unit(actor, unit)
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise InvalidInput(_l("Please give the device a name (at most 100 characters)."), {"name": "required"})
    device = Device(business_unit=unit, name=name, status="pending", created_by=actor.label[:300])
    code = _issue_code(device)
    record(actor, "create", object_type="devices", object_id=device.pk, summary=N_("Device %(name)s created"),
           summary_params={"name": name},
           business_unit=unit)
    return device, code


def new_code(actor: Actor, device: Device) -> str:
    """A fresh code for a device that is not paired (pending, expired or void)."""
    _require_feature(device.business_unit)
    same_unit(actor, device)
    if device.status in ("paired", "revoked"):
        raise Conflict(_l("This device does not need a code."))
    code = _issue_code(device)
    record(actor, "update", object_type="devices", object_id=device.pk, summary=N_("New code for %(name)s"),
           summary_params={"name": device.name},
           business_unit=device.business_unit)
    return code


def _issue_code(device: Device) -> str:
    for _attempt in range(5):
        code = generate_code()
        raw = normalise_code(code)
        device.code_hash = code_hash(raw)
        device.code_handle = raw[:HANDLE_LENGTH]
        device.code_expires_at = utcnow() + CODE_VALIDITY
        device.code_failures = 0
        device.status = "pending"
        try:
            device.save()
        except NotUniqueError:  # a collision with another pending code: astronomically rare
            continue
        return code
    raise Conflict(_l("Could not create a code, please try again."))


def pair(code_text: str) -> tuple[Device, str]:
    """Pair the tablet that entered ``code_text``. Returns the device and its token (for the cookie).

    Raises WrongCode (charged to the pending codes with the entry's handle, see module doc) or CodeExpired.
    """
    code = normalise_code(code_text)
    if code is None:
        raise WrongCode(_l("This code is not valid."))
    now = utcnow()
    digest = code_hash(code)
    candidate = Device.objects(code_hash=digest, status="pending").first()
    if candidate is not None and (candidate.code_expires_at is None or candidate.code_expires_at <= now):
        raise CodeExpired(_l("This code has expired. Please ask for a new one."))
    if candidate is not None and not candidate.business_unit.has_feature(FEATURE):
        raise WrongCode(_l("This code is not valid."))
    token = secrets.token_urlsafe(32)
    device = Device.objects(code_hash=digest, status="pending", code_expires_at__gt=now,
                            code_failures__lt=MAX_CODE_FAILURES).modify(
        new=True, set__status="paired", set__token_hash=sha256_hex(token), set__paired_at=now,
        set__last_seen_at=now, set__updated_at=now, unset__code_hash=True, unset__code_expires_at=True,
        unset__code_handle=True)
    if device is None:
        charge_wrong_code(code[:HANDLE_LENGTH], now)
        raise WrongCode(_l("This code is not valid."))
    record(device_actor(device), "pair", object_type="devices", object_id=device.pk,
           summary=N_("Device %(name)s paired"), summary_params={"name": device.name},
           business_unit=device.business_unit)
    return device, token


def charge_wrong_code(handle: str, now: datetime | None = None) -> int:
    """Count one wrong entry against the pending codes whose handle is ``handle``; void those that
    reached the limit. Codes with another handle (of this or any other unit) are not touched.

    Returns how many pending codes were voided. Atomic per statement: one ``$inc``, then one
    conditional update per code at the limit; concurrent wrong entries can only void sooner, never later.
    """
    now = now or utcnow()
    Device.objects(code_handle=handle, status="pending", code_expires_at__gt=now).update(inc__code_failures=1)
    voided = 0
    for device in Device.objects(code_handle=handle, status="pending", code_failures__gte=MAX_CODE_FAILURES):
        if Device.objects(pk=device.pk, status="pending").update_one(
                set__status="void", unset__code_hash=True, unset__code_handle=True, unset__code_expires_at=True,
                set__updated_at=now):
            voided += 1
            record(Actor.system("kiosk pairing"), "void_codes", object_type="devices", object_id=device.pk,
                   summary=N_("Code of %(name)s voided after too many wrong entries"),
                   summary_params={"name": device.name},
                   business_unit=device.business_unit)
    return voided


def device_for_token(token: str | None) -> Device | None:
    """The paired device holding ``token`` (None for anything else, including revoked devices)."""
    if not token or len(token) > 200:
        return None
    return Device.objects(token_hash=sha256_hex(token), status="paired").first()


def touch_device(device: Device, now: datetime | None = None) -> None:
    """Record the device as seen, writing at most once a minute (conditional update)."""
    now = now or utcnow()
    limit = now - LAST_SEEN_GRANULARITY
    if device.last_seen_at is not None and device.last_seen_at > limit:
        return
    Device.objects(Q(pk=device.pk) & (Q(last_seen_at=None) | Q(last_seen_at__lte=limit))).update_one(
        set__last_seen_at=now)
    device.last_seen_at = now


def revoke(actor: Actor, device: Device) -> None:
    """Unpair at once: the token stops working, a running questionnaire is cancelled and wiped."""
    same_unit(actor, device)
    now = utcnow()
    Device.objects(pk=device.pk).update_one(set__status="revoked", set__revoked_at=now, set__updated_at=now,
                                            unset__token_hash=True, unset__code_hash=True, unset__code_handle=True,
                                            unset__code_expires_at=True)
    for run in KioskRun.objects(device=device, active=True):
        _end(run, "cancelled")
    device.reload()
    record(actor, "revoke", object_type="devices", object_id=device.pk, summary=N_("Device %(name)s revoked"),
           summary_params={"name": device.name},
           business_unit=device.business_unit)


def devices_of(unit: BusinessUnit) -> list[Device]:
    return list(Device.objects(business_unit=unit).order_by("name"))


def paired_devices(unit: BusinessUnit) -> list[Device]:
    return list(Device.objects(business_unit=unit, status="paired").order_by("name"))


def active_runs_by_device(unit: BusinessUnit) -> dict[str, KioskRun]:
    """Active runs of the unit's devices (stale ones expired on the way)."""
    out = {}
    for run in KioskRun.objects(business_unit=unit, active=True):
        if not expire_if_stale(run):
            out[str(run.device.pk)] = run
    return out


# --- runs ---------------------------------------------------------------------------------------

def timeout_of(unit: BusinessUnit) -> timedelta:
    minutes = getattr(getattr(unit, "settings", None), "kiosk_timeout_minutes", None) or DEFAULT_TIMEOUT_MINUTES
    return timedelta(minutes=minutes)


def start_run(actor: Actor, *, device: Device, customer: Customer, version: QuestionnaireVersion,
              appointment=None) -> KioskRun:
    """Start ``version`` for ``customer`` on ``device``. Refused (nothing written) when the device is
    busy, revoked or of another unit, or the customer / appointment / questionnaire is of another unit."""
    unit = device.business_unit
    _require_feature(unit)
    same_unit(actor, unit)
    if customer is None or customer.business_unit.pk != unit.pk:
        raise Forbidden(_l("This customer belongs to another business unit."))
    if appointment is not None and (appointment.business_unit.pk != unit.pk
                                    or appointment.customer.pk != customer.pk):
        raise Forbidden(_l("This appointment belongs to another customer or business unit."))
    if version is None or version.business_unit.pk != unit.pk:
        raise NotFound(_l("Please choose a questionnaire."))
    published = {str(v.pk) for _q, v in qs.published_for_unit(unit)}
    if str(version.pk) not in published:
        raise Conflict(_l("This questionnaire is not published (or a newer version exists)."))
    device.reload()
    if device.status != "paired":
        raise Conflict(_l("This device is not paired (any more)."))
    for stale in KioskRun.objects(device=device, active=True):
        expire_if_stale(stale)
    now = utcnow()
    run = KioskRun(business_unit=unit, device=device, customer=customer, appointment=appointment,
                   questionnaire=version.questionnaire, version=version, status="waiting", active=True,
                   prefill=qs.prefill_for(version, customer), started_by=actor.label[:300],
                   created_at=now, last_activity_at=now)
    try:
        run.save(force_insert=True)
    except NotUniqueError as exc:
        raise Conflict(_l("This device is busy with another questionnaire.")) from exc
    # revoke() may have run between our check and the insert: then the run must not survive
    if Device.objects(pk=device.pk, status="paired").count() == 0:
        run.delete()
        raise Conflict(_l("This device is not paired (any more)."))
    record(actor, "kiosk_start", object_type="kiosk_runs", object_id=run.pk,
           summary=N_("%(questionnaire)s v%(number)s started on %(device)s"),
           summary_params={"questionnaire": version.name, "number": version.number, "device": device.name},
           business_unit=unit, customer=run)
    return run


def expire_if_stale(run: KioskRun, now: datetime | None = None) -> bool:
    """Expire ``run`` (and wipe its data) when it has been inactive too long. True if it is over now."""
    now = now or utcnow()
    unit = run.business_unit
    stale = not unit.has_feature(FEATURE) or run.last_activity_at <= now - timeout_of(unit)
    if not stale:
        return False
    _end(run, "expired", now=now, only_if_activity=run.last_activity_at)
    return True


def _end(run: KioskRun, status: str, *, now: datetime | None = None, submission=None,
         only_if_activity: datetime | None = None) -> bool:
    """Close an active run: token dead, prefill wiped. Conditional, so it happens once."""
    now = now or utcnow()
    query = KioskRun.objects(pk=run.pk, active=True)
    if only_if_activity is not None:
        query = query.filter(last_activity_at=only_if_activity)
    changes = {"set__status": status, "set__ended_at": now, "set__prefill": {}, "unset__active": True,
               "unset__token_hash": True}
    if submission is not None:
        changes["set__submission"] = submission
    done = bool(query.update_one(**changes))
    if done:
        run.status, run.active, run.prefill, run.token_hash, run.ended_at = status, None, {}, None, now
    return done


def active_run(device: Device) -> KioskRun | None:
    """The device's current run, expiring it lazily when it timed out."""
    run = KioskRun.objects(device=device, active=True).first()
    if run is None or expire_if_stale(run):
        return None
    return run


def claim(device: Device) -> tuple[KioskRun, str] | None:
    """The tablet picks up its current run: a fresh run token (older run URLs die)."""
    run = active_run(device)
    if run is None:
        return None
    token = secrets.token_urlsafe(32)
    now = utcnow()
    claimed = KioskRun.objects(pk=run.pk, active=True, status__in=["waiting", "running"]).modify(
        new=True, set__token_hash=sha256_hex(token), set__status="running",
        set__started_at=run.started_at or now, set__last_activity_at=now)
    if claimed is None:
        return None
    return claimed, token


def run_for(device: Device, token: str | None) -> KioskRun | None:
    """The active run behind ``token`` — only if it belongs to ``device``."""
    if device is None or not token or len(token) > 200:
        return None
    run = KioskRun.objects(token_hash=sha256_hex(token), device=device, active=True).first()
    if run is None or expire_if_stale(run):
        return None
    return run


def touch_run(run: KioskRun, min_interval: timedelta | None = None) -> None:
    """The customer is active: push the inactivity timeout back (at most once per ``min_interval``)."""
    now = utcnow()
    if min_interval is not None and run.last_activity_at > now - min_interval:
        return
    KioskRun.objects(pk=run.pk, active=True).update_one(set__last_activity_at=now)
    run.last_activity_at = now


def submit_run(device: Device, run: KioskRun, data, *, lang: str = "de") -> qs.Outcome:
    """Validate and store the answers; the run ends (``done``) only when they are accepted.

    Only one submission per run: the run is claimed (running → submitting) atomically first.
    Raises ``questionnaires.SubmissionInvalid`` (the run stays open) or Conflict.
    """
    claimed = KioskRun.objects(pk=run.pk, device=device, active=True, status="running").modify(
        new=True, set__status="submitting", set__last_activity_at=utcnow())
    if claimed is None:
        raise Conflict(_l("This questionnaire is closed."))
    try:
        outcome = qs.submit(device_actor(device), customer=claimed.customer, version=claimed.version, data=data,
                            source="kiosk", source_label=device.name, prefill=claimed.prefill,
                            started_at=claimed.started_at, lang=lang)
    except BaseException:
        KioskRun.objects(pk=run.pk, active=True, status="submitting").update_one(
            set__status="running", set__last_activity_at=utcnow())
        raise
    _end(claimed, "done", submission=outcome.submission)
    return outcome


def cancel_run(actor: Actor, run: KioskRun) -> bool:
    """Staff stop a run from the main device; its data is wiped. False when it had already ended."""
    same_unit(actor, run)
    if not _end(run, "cancelled"):
        return False
    record(actor, "kiosk_cancel", object_type="kiosk_runs", object_id=run.pk,
           summary=N_("Questionnaire on %(device)s cancelled"),
           summary_params={"device": run.device.name}, business_unit=run.business_unit,
           customer=run)
    return True


def expire_stale_runs(now: datetime | None = None) -> int:
    """Periodic sweep: expire every inactive run (per unit timeout) and wipe its data. Idempotent."""
    now = now or utcnow()
    count = 0
    # 1 minute is the smallest timeout a unit can set: younger activity cannot be stale
    stale = KioskRun.objects(active=True, last_activity_at__lte=now - timedelta(minutes=1)).limit(1000)
    # runs of units that switched the function off end too, however fresh
    enabled = list(BusinessUnit.objects(features=FEATURE).scalar("pk"))
    switched_off = KioskRun.objects(active=True, business_unit__nin=enabled).limit(1000)
    for query in (stale, switched_off):
        for run in query:
            if expire_if_stale(run, now) and run.status == "expired":
                count += 1
    return count


def delete_customer_runs(customer: Customer) -> int:
    """Deletion hook (core.services.deletion): the customer's runs and their audit events."""
    ids = [str(pk) for pk in KioskRun.objects(customer=customer).scalar("pk")]
    erase_object("kiosk_runs", ids)
    return KioskRun.objects(customer=customer).delete()
