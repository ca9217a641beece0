"""Sign-in that survives a stolen password: known browsers, recovery codes, passkeys."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from journal.models.base import Base, UTCDateTime, now_utc


class KnownBrowser(Base):
    """A browser this person has signed in from before. The browser keeps a random
    marker in a long-lived cookie; only its SHA-256 is stored here."""

    __tablename__ = "known_browsers"
    __table_args__ = (UniqueConstraint("user_id", "marker_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    marker_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)


class RecoveryCode(Base):
    """A single-use code for when the authenticator app is lost; only its hash is kept."""

    __tablename__ = "recovery_codes"
    __table_args__ = (Index("ix_recovery_codes_user_id_code_hash", "user_id", "code_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    #: SHA-256 of the normalised code (codes are random, 50 bits: no need for a slow hash).
    code_hash: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Passkey(Base):
    """A WebAuthn credential: signing in with it alone counts as strong."""

    __tablename__ = "passkeys"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    credential_id: Mapped[bytes] = mapped_column(LargeBinary(1023), unique=True)
    public_key: Mapped[bytes] = mapped_column(LargeBinary)
    sign_count: Mapped[int] = mapped_column(default=0)
    #: Comma-separated transports the authenticator named ("internal,hybrid").
    transports: Mapped[str] = mapped_column(String(200), default="")
    #: The browser it was added from, in plain words, to tell passkeys apart.
    device: Mapped[str] = mapped_column(String(80), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
