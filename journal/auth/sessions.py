"""Server-side log-in sessions.

The cookie (and the remember-me cookie) carry a random token; the database keeps
its SHA-256. Ending a session deletes the row, so a copied cookie stops working at
once. Absolute lifetime is checked here; the idle clock lives in the signed cookie.
"""

import secrets
from datetime import timedelta

from flask import current_app
from sqlalchemy import bindparam, delete, func, select, update
from sqlalchemy.orm import aliased, make_transient_to_detached
from sqlalchemy.orm.attributes import instance_dict

from journal.access import Partner, partner_rule
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


#: The user's mapped columns, in the order `_LOAD` reads them, and where their couple is.
_USER_KEYS = tuple(attr.key for attr in User.__mapper__.column_attrs)
_COUPLE_AT = _USER_KEYS.index("couple_id")


def _load_statement():
    unread = (
        select(func.count(Notification.id))
        .where(Notification.user_id == User.id, Notification.read_at.is_(None))
        .scalar_subquery()
    )
    partner = aliased(User, name="partner")
    return (
        select(
            *(getattr(User, key) for key in _USER_KEYS),
            UserSession.remember,
            UserSession.created_at.label("session_created_at"),
            UserSession.authenticated_at.label("session_authenticated_at"),
            unread.label("unread"),
            partner.id.label("partner_id"),
            partner.display_name.label("partner_name"),
        )
        .join(UserSession, UserSession.user_id == User.id)
        .outerjoin(partner, partner_rule(partner, User.id, User.couple_id))
        .where(UserSession.token_hash == bindparam("token_hash"))
    )


#: Built once per process: the user's columns, what the session row says, the header's
#: unread count and the partner (`Scope.partner`'s rule), read as columns in one statement
#: (every request runs it; most pages name the partner).
_LOAD = _load_statement()


def _user_from_columns(columns) -> User:
    """The user whose columns (`_USER_KEYS`, in order) `_LOAD` read, as the ORM would have
    loaded them into this request's session: in its identity map, with no changes pending,
    so a page can read, change and commit them as usual. Reading columns on the session's
    connection and attaching the user costs a third of what the ORM's own query path did
    (every request pays it)."""
    existing = db.session.identity_map.get(User.__mapper__.identity_key_from_primary_key((columns[0],)))
    if existing is not None:  # this request already loaded them: the same object, as the ORM gives
        return existing
    user = User.__mapper__.class_manager.new_instance()
    instance_dict(user).update(zip(_USER_KEYS, columns, strict=True))  # as the ORM's loader fills an object
    make_transient_to_detached(user)  # loaded, unchanged: nothing to write back
    db.session.add(user)
    return user


def session_load(token: str | None) -> User | None:
    """The user of a live session with their unread count and their partner, in one
    statement; None if unknown or too old."""
    if not token:
        return None
    row = db.session.connection().execute(_LOAD, {"token_hash": token_digest(token)}).first()
    if row is None:
        return None
    # Unpacked, not read by name: on a Row each name first fails a lookup on its class.
    *columns, remember, created_at, authenticated_at, unread, partner_id, partner_name = row
    if not _within_lifetime(remember, created_at):
        return None
    user = _user_from_columns(columns)
    user.session_token = token
    user.session_remember = remember
    user.session_authenticated_at = authenticated_at
    user.unread_count = unread
    # For `Scope.partner`, with the couple it was read for (the row's): a couple changed
    # later in the request is read again.
    user.partner_loaded = (columns[_COUPLE_AT], None if partner_id is None else Partner(partner_id, partner_name))
    return user


def session_lifetime_ok(user_session: UserSession, *, now=None) -> bool:
    """Whether the session is still within its absolute lifetime."""
    return _within_lifetime(user_session.remember, user_session.created_at, now)


def _within_lifetime(remember: bool, created_at, now=None) -> bool:
    cfg = current_app.config
    lifetime = timedelta(days=cfg["REMEMBER_DAYS"]) if remember else timedelta(hours=cfg["SESSION_ABSOLUTE_HOURS"])
    return (now or now_utc()) - created_at <= lifetime


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
