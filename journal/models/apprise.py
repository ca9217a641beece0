"""An Apprise destination (ntfy, Matrix, Telegram, a webhook...) for one person's reminders."""

from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary
from sqlalchemy.orm import Mapped, mapped_column

from journal.models.base import Base, UTCDateTime, now_utc


class AppriseTarget(Base):
    """One destination per person; the URL (which often holds a secret) is sealed."""

    __tablename__ = "apprise_targets"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    url_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
