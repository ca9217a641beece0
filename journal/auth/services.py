"""Accounts: registering, logging in, verifying, resetting and changing credentials."""

import logging
from datetime import timedelta

from flask import current_app
from sqlalchemy import func, select, update

from journal.account_mail import account_mail_cancel, account_mail_kick, account_mail_queue
from journal.auth.passwords import (
    password_hash,
    password_needs_rehash,
    password_verify,
)
from journal.auth.sessions import sessions_end_all
from journal.auth.tokens import token_consume, token_owner, token_peek
from journal.extensions import db
from journal.models import AccountMail, User, UserToken, now_utc

log = logging.getLogger(__name__)


class EmailTaken(Exception):
    """That email already has an account (told to the registrant in neutral words)."""


def email_normalise(email: str) -> str:
    return email.strip().lower()


def user_by_id(user_id: int) -> User | None:
    return db.session.get(User, user_id)


def user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == email_normalise(email)))


def user_register(*, email: str, display_name: str, password: str, timezone: str) -> User:
    email = email_normalise(email)
    if user_by_email(email) is not None:
        raise EmailTaken(email)
    user = User(
        email=email,
        display_name=display_name.strip(),
        password_hash=password_hash(password),
        timezone=timezone,
    )
    db.session.add(user)
    db.session.flush()
    verification_send(user=user)
    log.info("registered user %s", user.id)
    return user


def verification_send(*, user: User) -> None:
    """Queue an email with a link that confirms the address (`journal.account_mail`)."""
    account_mail_queue(user_id=user.id, kind="verify_email")


def email_verify(*, raw: str) -> User | None:
    token = token_consume(raw=raw, purpose="verify_email")
    if token is None:
        return None
    user = db.session.get(User, token.user_id)
    if user.email_verified_at is None:
        user.email_verified_at = now_utc()
    return user


#: What a verification link can still do: confirm, say it's done already, or nothing.
LINK_LIVE, LINK_CONFIRMED, LINK_EXPIRED = "live", "confirmed", "expired"


def verification_link_state(*, raw: str) -> str:
    """A verification link opened again after the address was confirmed has done its
    work ("confirmed"); one that is unused but too old or replaced is "expired"."""
    if token_peek(raw=raw, purpose="verify_email") is not None:
        return LINK_LIVE
    user_id = token_owner(raw=raw, purpose="verify_email")
    user = db.session.get(User, user_id) if user_id is not None else None
    if user is not None and user.email_verified_at is not None:
        return LINK_CONFIRMED
    return LINK_EXPIRED


class LoginRefused(Exception):
    """Wrong email or password, or the account is waiting after many failures.
    The message never says which."""


def login_attempt(*, email: str, password: str) -> User:
    """Check the credentials, or raise LoginRefused. The caller starts the session,
    or asks for the second factor first (journal.auth.signin_routes).

    A per-account failure counter in the database doubles the wait after a few
    failures, so guessing one account is slow however many processes serve it.
    """
    user = user_by_email(email)
    now = now_utc()
    if user is not None and user.locked_until is not None and user.locked_until > now:
        password_verify(None, password)  # same cost as a real check
        raise LoginRefused()
    # Always one Argon2 verification (a dummy hash for an unknown email), so the time
    # taken doesn't tell whether an account exists.
    matches = password_verify(user.password_hash if user is not None else None, password)
    if user is None or not matches:
        if user is not None:
            _login_failed(user, now)
        raise LoginRefused()
    if password_needs_rehash(user.password_hash):
        user.password_hash = password_hash(password)
    log.info("user %s gave the right password", user.id)
    return user


def login_succeeded(user: User) -> None:
    """The person is fully signed in: forget earlier failures. Not at the password alone
    when a second step follows, or retyping the password would reset the count of
    wrong codes."""
    user.failed_logins = 0
    user.locked_until = None


def login_waiting(user: User, now) -> bool:
    """Whether the account is waiting after many failed tries (passwords or codes)."""
    return user.locked_until is not None and user.locked_until > now


def login_failed(user: User, now) -> None:
    """Count a failed password or second-factor code towards the account's wait."""
    _login_failed(user, now)


def _login_failed(user: User, now) -> None:
    cfg = current_app.config
    db.session.execute(update(User).where(User.id == user.id).values(failed_logins=User.failed_logins + 1))
    failures = db.session.scalar(select(User.failed_logins).where(User.id == user.id))
    over = failures - cfg["LOGIN_FREE_FAILURES"]
    if over >= 0:
        delay = min(2 ** min(over, 20), cfg["LOGIN_MAX_DELAY_SECONDS"])
        user.locked_until = now + timedelta(seconds=delay)
    log.info("failed log-in for user %s (%s in a row)", user.id, failures)


#: Anyone may ask to reset any address, so one account is emailed a reset link at most this
#: many times an hour, whoever asks (the page answers the same): nobody can fill someone's
#: inbox with them.
RESETS_PER_HOUR = 3


def password_reset_request(*, email: str) -> None:
    """Email a reset link if the account exists (and hasn't had RESETS_PER_HOUR in the last
    hour). Callers answer the same either way."""
    user = user_by_email(email)
    if user is None:
        log.info("password reset asked for an unknown email")
        account_mail_kick()  # a task on the queue either way; neither answer waits on the mail server
        return
    since = now_utc() - timedelta(hours=1)
    sent = select(func.count(UserToken.id)).where(
        UserToken.user_id == user.id, UserToken.purpose == "reset_password", UserToken.created_at > since
    )
    waiting = select(func.count(AccountMail.id)).where(
        AccountMail.user_id == user.id, AccountMail.kind == "reset_password"
    )
    if db.session.scalar(select(sent.scalar_subquery() + waiting.scalar_subquery())) >= RESETS_PER_HOUR:
        log.info("password reset for user %s not sent: %s in the last hour", user.id, RESETS_PER_HOUR)
        account_mail_kick()
        return
    account_mail_queue(user_id=user.id, kind="reset_password")


def password_reset(*, raw: str, new_password: str) -> User | None:
    """Use a reset link once: sets the password and ends every session."""
    new_hash = password_hash(new_password)  # before the token's write: SQLite's write lock isn't held through it
    token = token_consume(raw=raw, purpose="reset_password")
    if token is None:
        return None
    user = db.session.get(User, token.user_id)
    user.password_hash = new_hash
    user.failed_logins = 0
    user.locked_until = None
    if user.email_verified_at is None:
        user.email_verified_at = now_utc()  # they proved they read this inbox
    sessions_end_all(user=user)
    log.info("user %s reset their password", user.id)
    return user


def password_change(*, user: User, new_password: str) -> None:
    """Set a new password and end every other session of this user."""
    user.password_hash = password_hash(new_password)
    sessions_end_all(user=user, keep_token=user.session_token)
    log.info("user %s changed their password", user.id)


def email_change_request(*, user: User, new_email: str) -> None:
    """Queue a confirmation link to the new address; the old one stays until it is used."""
    account_mail_queue(user_id=user.id, kind="change_email", to_email=email_normalise(new_email))


def email_change_confirm(*, raw: str) -> User | None:
    token = token_consume(raw=raw, purpose="change_email")
    if token is None:
        return None
    if user_by_email(token.new_email) is not None:
        raise EmailTaken(token.new_email)
    user = db.session.get(User, token.user_id)
    old_email = user.email
    user.email = token.new_email
    user.email_verified_at = now_utc()
    # The old address hears of it (without naming the new one) with a link that puts it
    # back, in case someone else did this.
    account_mail_queue(user_id=user.id, kind="restore_email", to_email=old_email)
    log.info("user %s changed their email", user.id)
    return user


def email_restore(*, raw: str) -> User | None:
    """Put back the address an email change replaced (the link sent to that address).
    Whoever changed it may hold the password, so every session ends and any other
    pending change stops working; the person then resets the password by email."""
    token = token_consume(raw=raw, purpose="restore_email")
    if token is None:
        return None
    user = db.session.get(User, token.user_id)
    if user.email != token.new_email:
        other = user_by_email(token.new_email)
        if other is not None:
            raise EmailTaken(token.new_email)
        user.email = token.new_email
    user.email_verified_at = now_utc()
    db.session.execute(
        update(UserToken)
        .where(UserToken.user_id == user.id, UserToken.purpose == "change_email", UserToken.used_at.is_(None))
        .values(used_at=now_utc())
    )
    account_mail_cancel(user_id=user.id, kind="change_email")  # one still waiting would bring a live link
    sessions_end_all(user=user)
    log.info("user %s put their previous email back", user.id)
    return user


def user_email(*, user_id: int) -> str | None:
    """The address of one account (the reset form compares the new password with it)."""
    return db.session.scalar(select(User.email).where(User.id == user_id))
