"""The outbox of account emails (see `journal.account_mail`)."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from journal.models.base import Base, UTCDateTime, now_utc

#: What an account email is: a link to confirm an address, reset a password, confirm a
#: new address or put the old one back; a new browser signed in; the partner left.
MAIL_KINDS = ("verify_email", "reset_password", "change_email", "restore_email", "new_browser", "partner_left")


class AccountMail(Base):
    """One account email waiting to go. Written in the transaction of the request that
    asks for it; claimed with a lease and sent by the worker, then deleted. Its link (if
    it has one) is made when it is sent, so no usable token is ever stored here."""

    __tablename__ = "account_mail"
    __table_args__ = (
        Index("ix_account_mail_state_due_at", "state", "due_at"),
        Index("ix_account_mail_user_id", "user_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    #: The address when it isn't the account's own: the new one (change_email), the old
    #: one (restore_email).
    to_email: Mapped[str | None] = mapped_column(String(254))
    #: The browser in plain words (new_browser), as `device_describe` gives it.
    device: Mapped[str | None] = mapped_column(String(80))
    #: pending (waiting for due_at), claimed (a worker holds it until lease_until), or
    #: failed (refused for good, or MAX_ATTEMPTS tries); sent ones are deleted.
    state: Mapped[str] = mapped_column(String(10), default="pending")
    due_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    attempts: Mapped[int] = mapped_column(default=0)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    #: A short code ("smtp-550", "smtp-connection"); never an address or a word of the email.
    error: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
