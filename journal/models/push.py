"""Web push subscriptions: one row per browser (device) a person turned notifications on in.

The endpoint is a capability URL of the browser's push service: it is stored sealed
with the person's key (found again by its SHA-256), never logged and never shown;
ids only in logs.
"""

from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from journal.models.base import Base, UTCDateTime, now_utc


class PushSubscription(Base):
    __tablename__ = "push_subscriptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: SHA-256 (hex) of the endpoint: how a browser's subscription is found again.
    endpoint_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: The endpoint itself, sealed (`journal.reminders.channels.push.ENDPOINT_TEXT`).
    endpoint_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    #: The browser's P-256 public key, uncompressed point, base64url (65 bytes decoded).
    p256dh: Mapped[str] = mapped_column(String(200))
    #: The browser's authentication secret, base64url (16 bytes decoded).
    auth: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
