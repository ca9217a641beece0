"""Two-factor sign-in with an authenticator app (TOTP, RFC 6238) and recovery codes.

The secret is sealed at rest (journal.crypto) with the person's own key. Set-up
stores a new secret; it is in force only once the person types a code it makes
(`totp_enabled_at`). A code is accepted once: the accepted 30-second time step is
remembered and only later steps are accepted afterwards, checked and moved in one
UPDATE so two requests racing with the same code can't both win. Ten recovery
codes are made when two-factor is turned on, shown once, stored as SHA-256 hashes
and each usable once.
"""

import hmac
import logging
import re
import secrets

import pyotp
import segno
from markupsafe import Markup
from sqlalchemy import delete, func, insert, select, update

from journal.crypto import context, seal, unseal, user_owner
from journal.crypto.digest import token_digest
from journal.extensions import db
from journal.models import RecoveryCode, User, now_utc

log = logging.getLogger(__name__)

ISSUER = "Tandem"
STEP_SECONDS = 30
#: Codes from the step before and after are accepted too (clocks on phones drift).
DRIFT_STEPS = 1
RECOVERY_CODE_COUNT = 10
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i to misread


class TwoFactorError(Exception):
    """Set-up can't go on as asked (already on, or not started)."""


def _context(user: User) -> bytes:
    return context("users", user.id, "totp_secret", user.id, None)


def two_factor_enabled(user: User) -> bool:
    return user.totp_enabled_at is not None


def totp_begin(*, user: User) -> str:
    """Start set-up with a fresh secret (replacing one not yet confirmed); returns it."""
    if two_factor_enabled(user):
        raise TwoFactorError("two-factor is already on")
    secret = pyotp.random_base32()
    user.totp_secret_sealed = seal(secret, owner=user_owner(user), context=_context(user))
    user.totp_last_step = None
    return secret


def totp_secret(user: User) -> str | None:
    """The secret being set up or in force, or None."""
    if user.totp_secret_sealed is None:
        return None
    return unseal(user.totp_secret_sealed, owner=user_owner(user), context=_context(user))


def totp_uri(*, user: User, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)


def totp_qr_svg(uri: str) -> Markup:
    """The set-up QR code as inline SVG (drawn here: no image service, no inline style)."""
    svg = segno.make(uri, error="m").svg_inline(scale=5, dark="#000", light="#fff", omitsize=False)
    return Markup(svg.replace("<svg ", '<svg role="img" aria-label="QR code for your authenticator app" ', 1))  # nosec B704 (segno draws only paths from the URI; no text of ours or theirs is inserted)


def secret_grouped(secret: str) -> str:
    """The secret in groups of four, easier to type by hand."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def _digits(code: str) -> str:
    return re.sub(r"[\s-]", "", code or "")


def totp_verify(*, user: User, code: str, now=None) -> bool:
    """True once for a right code; never twice for the same (or an earlier) time step."""
    secret = totp_secret(user)
    code = _digits(code)
    if secret is None or not re.fullmatch(r"\d{6}", code):
        return False
    totp = pyotp.TOTP(secret)
    step = int((now or now_utc()).timestamp()) // STEP_SECONDS
    for candidate in range(step - DRIFT_STEPS, step + DRIFT_STEPS + 1):
        if not hmac.compare_digest(totp.at(candidate * STEP_SECONDS), code):
            continue
        moved = db.session.execute(
            update(User)
            .where(User.id == user.id)
            .where((User.totp_last_step.is_(None)) | (User.totp_last_step < candidate))
            .values(totp_last_step=candidate)
            .execution_options(synchronize_session=False)
        ).rowcount
        if moved == 1:
            user.totp_last_step = candidate
            return True
        return False  # already used
    return False


def totp_confirm(*, user: User, code: str) -> list[str] | None:
    """Turn two-factor on if `code` comes from the secret being set up; returns the
    recovery codes to show once, or None for a wrong code."""
    if two_factor_enabled(user):
        raise TwoFactorError("two-factor is already on")
    if user.totp_secret_sealed is None:
        raise TwoFactorError("set-up not started")
    if not totp_verify(user=user, code=code):
        return None
    user.totp_enabled_at = now_utc()
    log.info("user %s turned on two-factor sign-in", user.id)
    return recovery_codes_make(user=user)


def two_factor_disable(*, user: User) -> None:
    user.totp_secret_sealed = None
    user.totp_enabled_at = None
    user.totp_last_step = None
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    log.info("user %s turned off two-factor sign-in", user.id)


def _recovery_digest(code: str) -> str:
    return token_digest(_digits(code).lower())


def recovery_codes_make(*, user: User) -> list[str]:
    """Ten new single-use codes (the old ones stop working); only hashes are stored."""
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = []
    for _ in range(RECOVERY_CODE_COUNT):
        raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(10))
        codes.append(f"{raw[:5]}-{raw[5:]}")
    db.session.execute(insert(RecoveryCode), [{"user_id": user.id, "code_hash": _recovery_digest(c)} for c in codes])
    return codes


def recovery_code_use(*, user: User, code: str) -> bool:
    """True once for each of the person's unused recovery codes."""
    if not 8 <= len(_digits(code)) <= 20:
        return False
    used = db.session.execute(
        update(RecoveryCode)
        .where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.code_hash == _recovery_digest(code),
            RecoveryCode.used_at.is_(None),
        )
        .values(used_at=now_utc())
        .execution_options(synchronize_session=False)
    ).rowcount
    if used:
        log.info("user %s used a recovery code", user.id)
    return used == 1


def second_factor_check(*, user: User, code: str) -> bool:
    """A code from the authenticator app, or one of the recovery codes."""
    if not two_factor_enabled(user):
        return False
    if re.fullmatch(r"\d{6}", _digits(code)):
        return totp_verify(user=user, code=code)
    return recovery_code_use(user=user, code=code)


def recovery_codes_left(*, user: User) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(RecoveryCode)
        .where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
    )
