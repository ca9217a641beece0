"""Single-use tokens sent by email: stored hashed, expiring, consumed atomically."""

import secrets
from datetime import timedelta

from sqlalchemy import select, update

from journal.crypto.digest import token_digest
from journal.extensions import db
from journal.models import UserToken, now_utc

LIFETIMES = {
    "verify_email": timedelta(days=3),
    "change_email": timedelta(hours=24),
    "reset_password": timedelta(hours=1),
    #: Sent to the old address when the email changes: puts it back if that wasn't them.
    "restore_email": timedelta(days=7),
}


def token_new() -> str:
    """A raw token, not yet recorded: an email carries it, and it is recorded (`token_record`)
    once that email is sent (journal.account_mail)."""
    return secrets.token_urlsafe(32)


def token_record(*, user_id: int, purpose: str, raw: str, new_email: str | None = None) -> None:
    """Make `raw` the live token of `purpose` for the user (its digest is stored, never
    the token); earlier unused tokens of the same purpose stop working."""
    now = now_utc()
    db.session.execute(
        update(UserToken)
        .where(UserToken.user_id == user_id, UserToken.purpose == purpose, UserToken.used_at.is_(None))
        .values(used_at=now)
    )
    db.session.add(
        UserToken(
            user_id=user_id,
            purpose=purpose,
            token_hash=token_digest(raw),
            new_email=new_email,
            created_at=now,
            expires_at=now + LIFETIMES[purpose],
        )
    )
    db.session.flush()


def token_peek(*, raw: str, purpose: str) -> UserToken | None:
    """The live token for `raw`, without using it (for showing a confirmation page)."""
    return db.session.scalar(
        select(UserToken).where(
            UserToken.token_hash == token_digest(raw),
            UserToken.purpose == purpose,
            UserToken.used_at.is_(None),
            UserToken.expires_at > now_utc(),
        )
    )


def token_owner(*, raw: str, purpose: str) -> int | None:
    """Whose token `raw` is, live, used or expired (to say why a link no longer works)."""
    return db.session.scalar(
        select(UserToken.user_id).where(UserToken.token_hash == token_digest(raw), UserToken.purpose == purpose)
    )


def token_consume(*, raw: str, purpose: str) -> UserToken | None:
    """Use the token once. Of two concurrent uses exactly one gets the row."""
    token = token_peek(raw=raw, purpose=purpose)
    if token is None:
        return None
    won = db.session.execute(
        update(UserToken)
        .where(UserToken.id == token.id, UserToken.used_at.is_(None))
        .values(used_at=now_utc())
        .execution_options(synchronize_session=False)
    ).rowcount
    return token if won == 1 else None
