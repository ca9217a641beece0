"""Web push subscriptions: one row per browser (device) a person turned notifications on in.

The endpoint is a capability URL of the browser's push service: it is never logged
and never shown; ids only in logs.
"""
from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from journal.models.base import Base, UTCDateTime, now_utc


class PushSubscription(Base):
    __tablename__ = "push_subscriptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    endpoint: Mapped[str] = mapped_column(String(1000), unique=True)
    #: The browser's P-256 public key, uncompressed point, base64url (65 bytes decoded).
    p256dh: Mapped[str] = mapped_column(String(200))
    #: The browser's authentication secret, base64url (16 bytes decoded).
    auth: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)

    def info(self) -> dict:
        """The subscription in the shape pywebpush expects."""
        return {"endpoint": self.endpoint, "keys": {"p256dh": self.p256dh, "auth": self.auth}}
