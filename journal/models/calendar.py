"""The calendar feed: one secret iCalendar URL per person.

Only the SHA-256 of the token is stored; the raw token is shown once, in the URL.
"""

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from journal.models.base import Base, UTCDateTime, now_utc


class CalendarFeed(Base):
    __tablename__ = "calendar_feeds"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: One feed per person; regenerating replaces the token on the same row.
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    #: hex SHA-256 of the raw token (the feed is looked up by it).
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
