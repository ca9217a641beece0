"""Data keys: one per person and one per couple, stored wrapped by a master key."""

from datetime import datetime

from sqlalchemy import LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from journal.models.base import Base, UTCDateTime, now_utc


class DataKey(Base):
    """A 256-bit AES-GCM key that seals one owner's text. The database only ever
    holds it wrapped by a master key from configuration; deleting the row makes
    every text sealed with it unreadable, backups included ("crypto-shredding")."""

    __tablename__ = "data_keys"
    __table_args__ = (UniqueConstraint("owner_type", "owner_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: "user", "couple" or "plan"
    owner_type: Mapped[str] = mapped_column(String(10))
    owner_id: Mapped[int]
    #: nonce + AES-GCM(master key, data key), bound to the owner.
    wrapped: Mapped[bytes] = mapped_column(LargeBinary)
    #: Which master key wrapped it (rotation re-wraps row by row).
    master_key_id: Mapped[str] = mapped_column(String(32), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
