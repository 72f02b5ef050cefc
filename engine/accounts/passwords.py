"""Password hashing with Argon2id (argon2-cffi): the only place a password is handled.

Parameters: OWASP's recommended minimum for Argon2id (19 MiB of memory, 2 iterations, 1 lane):
about 0.1 s per hash on a small server, which makes guessing slow without making a sign-in slow
on a 2-core machine serving several technicians.  A stored hash made with other parameters is
re-hashed at the next successful sign-in (:func:`needs_rehash`).  Passwords are never logged,
stored in clear or put into an error message.
"""

from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from engine.errors import InputError
from engine.i18n import _

MIN_LENGTH = 10
MAX_LENGTH = 256  # a longer "password" is a denial of service, not a password


@cache
def hasher() -> PasswordHasher:
    """The Argon2id hasher with the parameters above."""
    return PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1)


def check_strength(password: str, *, email: str = "") -> None:
    """Refuse a password too short, too long or equal to the account's e-mail (InputError, French)."""
    if len(password) < MIN_LENGTH:
        raise InputError(
            _("password: at least {n} characters are needed (a few words make a good one)").format(n=MIN_LENGTH)
        )
    if len(password) > MAX_LENGTH:
        raise InputError(_("password: at most {n} characters").format(n=MAX_LENGTH))
    if email and password.strip().lower() == email.strip().lower():
        raise InputError(_("password: it must not be your e-mail address"))


def hash_password(password: str) -> str:
    """The Argon2id hash of ``password`` (salted; the parameters are inside the hash)."""
    return hasher().hash(password)


def verify(stored_hash: str | None, password: str) -> bool:
    """Whether ``password`` matches ``stored_hash``; with no hash, a dummy one is checked (same time)."""
    target = stored_hash or _dummy_hash()
    try:
        ok = hasher().verify(target, password[:MAX_LENGTH])
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False
    return ok and stored_hash is not None


def needs_rehash(stored_hash: str) -> bool:
    """Whether a hash was made with other parameters than today's."""
    return hasher().check_needs_rehash(stored_hash)


@cache
def _dummy_hash() -> str:
    # Checked when the address has no account or no password yet, so that a failed sign-in takes
    # the same time whether or not the address exists.
    return hasher().hash("capactif: no account has this password")
