"""Two partners and the invitation that joins them."""

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from journal.models.base import Base, UTCDateTime, now_utc


class Couple(Base):
    """Members are the users whose `couple_id` points here. Leaving ends the couple
    for both: `ended_at` is set and nobody's `couple_id` points here any more, so
    nothing shared in it is visible to either former partner."""

    __tablename__ = "couples"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: The partner who steers the pace (usually the one recovering); NULL until chosen.
    pace_leader_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL", use_alter=True), index=True
    )


class Invite(Base):
    """A single-use invitation: a long link token and a short code, both stored hashed."""

    __tablename__ = "invites"

    id: Mapped[int] = mapped_column(primary_key=True)
    inviter_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    accepted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
