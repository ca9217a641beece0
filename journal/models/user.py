"""People, their log-in sessions and the single-use tokens sent to them."""

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import ForeignKey, Index, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from journal.models.base import Base, UTCDateTime, ZoneName, now_utc


class User(UserMixin, Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Lower-cased at the edge; unique across the whole app.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(60))
    password_hash: Mapped[str] = mapped_column(String(255))
    #: IANA zone name, e.g. "Europe/London"; every local time shown uses it.
    timezone: Mapped[str] = mapped_column(ZoneName(), default="UTC")
    email_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    #: Failed log-ins since the last success; slows guessing whatever the process count.
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: The couple this person is in now; NULL while single. One couple at a time.
    couple_id: Mapped[int | None] = mapped_column(ForeignKey("couples.id", ondelete="SET NULL"), index=True)

    #: The authenticator-app secret, sealed (journal.crypto); set during set-up,
    #: in force only once `totp_enabled_at` is set (the person typed a code from it).
    totp_secret_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    totp_enabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: The last 30-second time step whose code was accepted: no code works twice.
    totp_last_step: Mapped[int | None] = mapped_column()
    #: The WebAuthn user handle (random, not the id), made with the first passkey.
    webauthn_handle: Mapped[bytes | None] = mapped_column(LargeBinary(64), unique=True)

    couple = relationship("Couple", foreign_keys=[couple_id], lazy="raise")

    #: The raw session token this object was loaded or logged in with (never stored).
    session_token = None
    #: Whether that session was started with "keep me logged in".
    session_remember = False
    #: When the person last proved it was them in that session (password, code, passkey).
    session_authenticated_at = None

    def get_id(self) -> str | None:
        """Flask-Login keeps this in the cookie: the session token, not the user id,
        so ending a session server-side ends every cookie that carries it."""
        return self.session_token

    @property
    def is_verified(self) -> bool:
        return self.email_verified_at is not None


class UserSession(Base):
    """A signed-in browser. Deleting the row ends it, remember-me cookie included."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: SHA-256 of the token in the cookie; the token itself is never stored.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    remember: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    #: The last time the person proved who they are in this session (log-in or
    #: re-authentication); changing email, password, second factors or deleting the
    #: account needs it to be recent (journal.auth.reauth).
    authenticated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    #: The browser in plain words ("Firefox on Android"), from its User-Agent at log-in.
    device: Mapped[str] = mapped_column(String(80), default="")


class UserToken(Base):
    """A single-use emailed link: verify an email, reset a password, confirm a new email."""

    __tablename__ = "user_tokens"
    __table_args__ = (Index("ix_user_tokens_user_id_purpose", "user_id", "purpose"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    #: verify_email | reset_password | change_email
    purpose: Mapped[str] = mapped_column(String(20))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: For change_email: the address that becomes the account's once confirmed.
    new_email: Mapped[str | None] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
