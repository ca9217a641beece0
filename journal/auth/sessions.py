"""Server-side log-in sessions.

The cookie (and the remember-me cookie) carry a random token; the database keeps
its SHA-256. Ending a session deletes the row, so a copied cookie stops working at
once. Absolute lifetime is checked here; the idle clock lives in the signed cookie.
"""
import hashlib
import secrets
from datetime import timedelta

from flask import current_app
from sqlalchemy import bindparam, delete, func, select

from journal.extensions import db
from journal.models import User, UserSession, now_utc


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def session_start(*, user: User, remember: bool) -> str:
    """Create a session for `user` and return its raw token (also set on `user`)."""
    token = secrets.token_urlsafe(32)
    db.session.add(UserSession(user_id=user.id, token_hash=token_digest(token), remember=remember))
    db.session.flush()
    user.session_token = token
    user.session_remember = remember
    return token


def _load_statement():
    from journal.models import Notification

    unread = (
        select(func.count(Notification.id))
        .where(Notification.user_id == User.id, Notification.read_at.is_(None))
        .scalar_subquery()
    )
    return (
        select(User, UserSession, unread.label("unread"))
        .join(UserSession, UserSession.user_id == User.id)
        .where(UserSession.token_hash == bindparam("token_hash"))
    )


#: Built once per process: the session, its user and the header's unread count.
_LOAD = _load_statement()


def session_load(token: str | None) -> User | None:
    """The user of a live session with their unread count, in one statement; None if
    unknown or too old."""
    if not token:
        return None
    row = db.session.execute(_LOAD, {"token_hash": token_digest(token)}).first()
    if row is None:
        return None
    user, user_session, unread = row
    cfg = current_app.config
    lifetime = (
        timedelta(days=cfg["REMEMBER_DAYS"])
        if user_session.remember
        else timedelta(hours=cfg["SESSION_ABSOLUTE_HOURS"])
    )
    if now_utc() - user_session.created_at > lifetime:
        return None
    user.session_token = token
    user.session_remember = user_session.remember
    user.unread_count = unread
    return user


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
    """Delete sessions past the longest lifetime; returns how many went."""
    now = now or now_utc()
    cutoff = now - timedelta(days=current_app.config["REMEMBER_DAYS"])
    return db.session.execute(delete(UserSession).where(UserSession.created_at < cutoff)).rowcount
