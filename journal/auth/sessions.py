"""Server-side log-in sessions.

The cookie (and the remember-me cookie) carry a random token; the database keeps
its SHA-256. Ending a session deletes the row, so a copied cookie stops working at
once. Absolute lifetime is checked here; the idle clock lives in the signed cookie.
"""

import secrets
from datetime import timedelta

from flask import current_app
from sqlalchemy import bindparam, delete, func, select, update

from journal.crypto.digest import token_digest
from journal.extensions import db
from journal.models import Notification, User, UserSession, now_utc

#: Flask-session key holding the token of a session that ended by being idle, so the next
#: log-in in that browser deletes its row (the user loader only reads).
IDLE_ENDED = "_idle_ended"


def session_start(*, user: User, remember: bool, device: str = "") -> str:
    """Create a session for `user` and return its raw token (also set on `user`).
    Starting a session is an authentication: the re-authentication clock starts now."""
    token = secrets.token_urlsafe(32)
    now = now_utc()
    db.session.add(
        UserSession(
            user_id=user.id,
            token_hash=token_digest(token),
            remember=remember,
            device=device[:80],
            created_at=now,
            last_seen_at=now,
            authenticated_at=now,
        )
    )
    db.session.flush()
    user.session_token = token
    user.session_remember = remember
    user.session_authenticated_at = now
    return token


def _load_statement():
    unread = (
        select(func.count(Notification.id))
        .where(Notification.user_id == User.id, Notification.read_at.is_(None))
        .scalar_subquery()
    )
    return (
        select(User, UserSession.remember, UserSession.created_at, UserSession.authenticated_at, unread.label("unread"))
        .join(UserSession, UserSession.user_id == User.id)
        .where(UserSession.token_hash == bindparam("token_hash"))
    )


#: Built once per process: the user, what the session row says (its columns, not an
#: object: nothing here changes it) and the header's unread count.
_LOAD = _load_statement()


def session_load(token: str | None) -> User | None:
    """The user of a live session with their unread count, in one statement; None if
    unknown or too old."""
    if not token:
        return None
    row = db.session.execute(_LOAD, {"token_hash": token_digest(token)}).first()
    if row is None:
        return None
    user = row.User
    if not session_lifetime_ok(row):
        return None
    user.session_token = token
    user.session_remember = row.remember
    user.session_authenticated_at = row.authenticated_at
    user.unread_count = row.unread
    return user


def session_lifetime_ok(user_session, *, now=None) -> bool:
    """Whether the session (a `UserSession`, or a row with its `remember` and
    `created_at`) is still within its absolute lifetime."""
    cfg = current_app.config
    lifetime = (
        timedelta(days=cfg["REMEMBER_DAYS"])
        if user_session.remember
        else timedelta(hours=cfg["SESSION_ABSOLUTE_HOURS"])
    )
    return (now or now_utc()) - user_session.created_at <= lifetime


def session_reauthenticated(*, user: User) -> None:
    """The person just proved it is them again (password, code or passkey) in this session."""
    now = now_utc()
    db.session.execute(
        update(UserSession)
        .where(UserSession.token_hash == token_digest(user.session_token))
        .values(authenticated_at=now)
    )
    user.session_authenticated_at = now


def sessions_of(*, user: User) -> list[UserSession]:
    """The person's live sessions, newest first, in one statement."""
    rows = db.session.scalars(
        select(UserSession).where(UserSession.user_id == user.id).order_by(UserSession.created_at.desc())
    ).all()
    now = now_utc()
    return [row for row in rows if session_lifetime_ok(row, now=now)]


def session_is_current(*, user: User, user_session: UserSession) -> bool:
    return bool(user.session_token) and user_session.token_hash == token_digest(user.session_token)


def session_end_own(*, user: User, session_id: int) -> UserSession | None:
    """End one of the person's own sessions by id; None if it isn't theirs (or gone)."""
    row = db.session.scalar(select(UserSession).where(UserSession.id == session_id, UserSession.user_id == user.id))
    if row is not None:
        db.session.delete(row)
        db.session.flush()
    return row


def session_end(token: str | None) -> None:
    if token:
        db.session.execute(delete(UserSession).where(UserSession.token_hash == token_digest(token)))


def sessions_end_all(*, user: User, keep_token: str | None = None) -> None:
    """End every session of `user`, except the one carrying `keep_token` if given."""
    stmt = delete(UserSession).where(UserSession.user_id == user.id)
    if keep_token:
        stmt = stmt.where(UserSession.token_hash != token_digest(keep_token))
    db.session.execute(stmt)


def sessions_prune(*, now=None) -> int:
    """Delete sessions past their absolute lifetime (remembered ones after REMEMBER_DAYS,
    the others after SESSION_ABSOLUTE_HOURS, idle ones included); returns how many went."""
    now = now or now_utc()
    cfg = current_app.config
    remembered = now - timedelta(days=cfg["REMEMBER_DAYS"])
    others = now - timedelta(hours=cfg["SESSION_ABSOLUTE_HOURS"])
    return db.session.execute(
        delete(UserSession).where(
            (UserSession.created_at < remembered)
            | (UserSession.remember.is_(False) & (UserSession.created_at < others))
        )
    ).rowcount
