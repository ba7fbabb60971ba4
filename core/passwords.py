"""Password hashing (argon2id, OWASP parameters) and the password policy (NIST SP 800-63B).

OWASP's Password Storage Cheat Sheet: argon2id with m=19 MiB, t=2, p=1 as the minimum.
Policy: at least 12 characters, at most 128 (64-character passphrases are accepted), no common
password (Django's list of 20,000), not the user's own e-mail or name, no composition rules.
"""

from __future__ import annotations

import gzip
from functools import cache
from pathlib import Path
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from flask import current_app, has_app_context
from flask_babel import gettext as _

#: OWASP's argon2id minimum (README): what every deployment hashes with
PRODUCTION_PARAMS: dict[str, Any] = {"time_cost": 2, "memory_cost": 19 * 1024, "parallelism": 1, "hash_len": 32,
                                     "salt_len": 16}
HASHER = PasswordHasher(**PRODUCTION_PARAMS)
MIN_LENGTH = 12
MAX_LENGTH = 128
#: verified against when the account does not exist, so timing does not tell who has an account
_DUMMY_HASH = HASHER.hash("frontdesk-dummy-password")


def hasher() -> PasswordHasher:
    """The app's hasher: ``PASSWORD_HASH_PARAMS`` when the config sets it (the tests' cheap one), else OWASP's."""
    params = current_app.config.get("PASSWORD_HASH_PARAMS") if has_app_context() else None
    return _hasher_for(tuple(sorted(params.items()))) if params else HASHER


@cache
def _hasher_for(params: tuple[tuple[str, Any], ...]) -> PasswordHasher:
    return PasswordHasher(**dict(params))


@cache
def _dummy_hash(h: PasswordHasher) -> str:
    return _DUMMY_HASH if h is HASHER else h.hash("frontdesk-dummy-password")


def hash_password(password: str) -> str:
    return hasher().hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    """True when ``password`` matches; spends the same time when there is no hash."""
    h = hasher()
    try:
        return h.verify(stored_hash or _dummy_hash(h), password) and stored_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    try:
        return hasher().check_needs_rehash(stored_hash)
    except InvalidHashError:
        return True


#: NIST SP 800-63B: refuse sequential and keyboard-walk passwords too (German and US layouts)
SEQUENCES = ("0123456789" * 3, "9876543210" * 3, "abcdefghijklmnopqrstuvwxyz" * 2,
             "qwertyuiopasdfghjklzxcvbnm" * 2, "qwertzuiopasdfghjklyxcvbnm" * 2, "1qaz2wsx3edc4rfv5tgb6yhn")


def _is_sequence(folded: str) -> bool:
    return any(folded in seq for seq in SEQUENCES)


@cache
def common_passwords() -> frozenset[str]:
    path = Path(__file__).parent / "data" / "common-passwords.txt.gz"
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        return frozenset(line.strip().casefold() for line in fh if line.strip())


def password_problems(password: str, *, email: str = "", name: str = "") -> list[str]:
    """Reasons why ``password`` is refused (empty list when it is acceptable)."""
    problems = []
    if len(password) < MIN_LENGTH:
        problems.append(_("The password must have at least %(n)d characters.", n=MIN_LENGTH))
    if len(password) > MAX_LENGTH:
        problems.append(_("The password must have at most %(n)d characters.", n=MAX_LENGTH))
    folded = password.casefold()
    if folded in common_passwords() or len(set(folded)) < 4 or _is_sequence(folded):
        problems.append(_("This password is too common. Please choose another."))
    local = (email or "").split("@")[0].casefold()
    contains_email = bool(email and email.casefold() in folded) or bool(local and len(local) >= 4 and local in folded)
    if contains_email or (name and name.casefold().replace(" ", "") == folded):
        problems.append(_("The password must not contain your e-mail address or name."))
    return problems
