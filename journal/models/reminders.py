"""Reminder settings, the outbox of reminders to send, and the in-app notifications."""

from datetime import datetime, time

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from journal.models.base import Base, UTCDateTime, now_utc

CHANNELS = ("inapp", "email", "push", "apprise")
# An outbox row's state: pending: waiting for due_at; claimed: a worker holds it until
# lease_until; sent / failed / missed (too late to be useful) / skipped (done, skipped or
# snoozed, paused, a resting practice, an unconfirmed email address: see `error`).


class ReminderSettings(Base):
    """One person's reminder choices. No row means the defaults."""

    __tablename__ = "reminder_settings"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    email_on: Mapped[bool] = mapped_column(default=False)
    push_on: Mapped[bool] = mapped_column(default=False)
    apprise_on: Mapped[bool] = mapped_column(default=False)
    #: Reminders say only that it's time for the planned practice.
    discreet: Mapped[bool] = mapped_column(default=True)
    #: Local times in the person's own zone; a reminder due inside waits until the end.
    quiet_start: Mapped[time | None]
    quiet_end: Mapped[time | None]


class Outbox(Base):
    """One reminder for one occurrence, person and channel. The unique constraint is
    what makes any number of ticks record it once; claims with a lease make any
    number of workers send it once (but for one resend if a worker dies between the
    channel accepting and the row being marked)."""

    __tablename__ = "outbox"
    __table_args__ = (
        UniqueConstraint("schedule_id", "user_id", "occurrence_at", "channel"),
        Index("ix_outbox_state_due_at", "state", "due_at"),
        Index("ix_outbox_user_id_created_at", "user_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    schedule_id: Mapped[int] = mapped_column(ForeignKey("schedules.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    occurrence_at: Mapped[datetime] = mapped_column(UTCDateTime())
    channel: Mapped[str] = mapped_column(String(10))
    state: Mapped[str] = mapped_column(String(10), default="pending")
    #: When to (re)try: the occurrence, the end of quiet hours, or a backoff.
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(default=0)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: A short code ("smtp-451", "push-410"); never text a person wrote.
    error: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)


#: What an in-app notification is about: a reminder of one prompt, or the partner leaving.
NOTIFICATION_KINDS = ("reminder", "partner_left")


class Notification(Base):
    """An in-app reminder (or a discreet word that the partner left), listed on the
    notifications page and counted in the header."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_user_id_read_at", "user_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    outbox_id: Mapped[int | None] = mapped_column(ForeignKey("outbox.id", ondelete="SET NULL"), unique=True)
    #: reminder | partner_left (NOTIFICATION_KINDS)
    kind: Mapped[str] = mapped_column(String(20), default="reminder", server_default="reminder")
    #: The prompt a reminder is about (schedule + occurrence); NULL for other kinds.
    schedule_id: Mapped[int | None] = mapped_column(ForeignKey("schedules.id", ondelete="CASCADE"), index=True)
    occurrence_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
