"""Password hashing (argon2id) and the rules a new password must meet."""

from functools import lru_cache
from importlib import resources

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH = 10
MAX_LENGTH = 1024

#: OWASP's minimum argon2id setting: 19 MiB, 2 passes, 1 lane (about 25 ms here).
_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1, type=Type.ID)
#: Verified against when the email is unknown, so both paths cost the same time.
_DUMMY_HASH = _hasher.hash("tandem-timing-equaliser")


def password_hash(password: str) -> str:
    return _hasher.hash(password)


def password_verify(stored_hash: str | None, password: str) -> bool:
    """True when `password` matches. With no stored hash it still spends the same time."""
    try:
        return _hasher.verify(stored_hash or _DUMMY_HASH, password) and stored_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def password_needs_rehash(stored_hash: str) -> bool:
    return _hasher.check_needs_rehash(stored_hash)


@lru_cache(maxsize=1)
def _common() -> frozenset[str]:
    text = resources.files("journal.auth").joinpath("common_passwords.txt").read_text("utf-8")
    return frozenset(line.strip().lower() for line in text.splitlines() if line.strip())


def password_problem(password: str, *, email: str = "", display_name: str = "") -> str | None:
    """Why this password can't be used, in plain words, or None when it is fine.

    No composition rules: length, and not a well-known or obvious choice.
    """
    if len(password) < MIN_LENGTH:
        return f"Please use at least {MIN_LENGTH} characters. A short sentence works well."
    if len(password) > MAX_LENGTH:
        return f"Please use at most {MAX_LENGTH} characters."
    lowered = password.lower()
    if lowered in _common() or len(set(lowered)) <= 2:
        return "That password is one of the most common ones. Please choose something less guessable."
    obvious = {email.lower(), email.split("@")[0].lower(), display_name.lower(), "tandem"}
    if lowered in {o for o in obvious if o}:
        return "Please choose a password that isn't your email or name."
    return None
