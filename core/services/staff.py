"""Staff accounts: creation, passwords, authentication, deactivation."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from mongoengine import NotUniqueError, ValidationError

from core.errors import Conflict, InvalidInput, NotFound
from core.models import BusinessUnit, StaffUser
from core.models._base import N_, utcnow
from core.passwords import hash_password, needs_rehash, password_problems, verify_password
from core.services.audit import Actor, record, snapshot


def create_user(actor: Actor, unit: BusinessUnit, *, email: str, name: str, role: str, password: str,
                language: str = "de") -> StaffUser:
    """Create a staff account; the password must pass the policy."""
    problems = password_problems(password, email=email, name=name)
    if problems:
        raise InvalidInput(problems[0], {"password": " ".join(problems)})
    user = StaffUser(email=email.strip().lower(), name=name.strip(), role=role, business_unit=unit,
                     language=language, password_hash=hash_password(password))
    try:
        user.validate()
        user.save()
    except ValidationError as exc:
        raise InvalidInput(_l("Invalid account data."), {k: str(v) for k, v in exc.to_dict().items()}) from exc
    except NotUniqueError as exc:
        raise Conflict(_l("An account with this e-mail address exists already."), {"email": "exists"}) from exc
    record(actor, "create", object_type="staff_users", object_id=user.pk, summary=N_("Account %(email)s"),
           summary_params={"email": user.email}, after=snapshot(user), business_unit=unit)
    return user


def authenticate(email: str, password: str) -> StaffUser | None:
    """The active user with this e-mail and password, or None (constant work either way)."""
    user = StaffUser.objects(email=(email or "").strip().lower()[:254]).first()
    ok = verify_password(user.password_hash if user else None, password or "")
    if not (user and ok and user.active):
        return None
    if needs_rehash(user.password_hash):
        StaffUser.objects(pk=user.pk).update_one(set__password_hash=hash_password(password))
    StaffUser.objects(pk=user.pk).update_one(set__last_login_at=utcnow())
    return user


def end_sessions(user: StaffUser) -> None:
    """Make every session cookie issued so far for ``user`` useless (atomic increment)."""
    StaffUser.objects(pk=user.pk).update_one(inc__session_version=1)


def set_active(actor: Actor, user_id: str, active: bool) -> StaffUser:
    user = StaffUser.objects(pk=user_id).first()
    if user is None:
        raise NotFound(_l("No such account."))
    StaffUser.objects(pk=user.pk).update_one(set__active=active, inc__session_version=1)
    record(actor, "activate" if active else "deactivate", object_type="staff_users", object_id=user.pk,
           summary=user.email, business_unit=user.business_unit)
    user.reload()
    return user
