"""Reminder settings, the person's reminders page, and in-app notifications."""
from datetime import datetime

from sqlalchemy import func, select, update

from journal.extensions import db
from journal.models import Notification, Outbox, Practice, ReminderSettings, Schedule, User, now_utc
from journal.plan.forms import parse_time


def settings_for(user: User) -> ReminderSettings:
    """The person's settings, or unsaved defaults (reading never writes)."""
    return db.session.get(ReminderSettings, user.id) or ReminderSettings(user_id=user.id, discreet=True)


def settings_save(*, user: User, email_on: bool, push_on: bool, apprise_on: bool, discreet: bool,
                  quiet_start: str | None, quiet_end: str | None) -> ReminderSettings:
    settings = db.session.get(ReminderSettings, user.id)
    if settings is None:
        settings = ReminderSettings(user_id=user.id)
        db.session.add(settings)
    settings.email_on, settings.push_on, settings.apprise_on = email_on, push_on, apprise_on
    settings.discreet = discreet
    settings.quiet_start = parse_time(quiet_start) if quiet_start else None
    settings.quiet_end = parse_time(quiet_end) if quiet_end else None
    db.session.flush()
    return settings


def channel_off(*, user_id: int, channel: str) -> bool:
    """Turn one channel off (the unsubscribe link). True when something changed."""
    column = {"email": "email_on", "push": "push_on", "apprise": "apprise_on"}.get(channel)
    if column is None or db.session.get(User, user_id) is None:
        return False
    settings = db.session.get(ReminderSettings, user_id)
    if settings is None:
        settings = ReminderSettings(user_id=user_id)
        db.session.add(settings)
    changed = getattr(settings, column) is not False
    setattr(settings, column, False)
    db.session.flush()
    return changed


def recent_reminders(user: User, limit: int = 20):
    """This person's latest reminders with their practice, newest first (one statement)."""
    return db.session.execute(
        select(Outbox, Practice)
        .join(Schedule, Schedule.id == Outbox.schedule_id)
        .join(Practice, Practice.id == Schedule.practice_id)
        .where(Outbox.user_id == user.id)
        .order_by(Outbox.created_at.desc(), Outbox.id.desc())
        .limit(limit)
    ).all()


def notifications_for(user: User, limit: int = 30):
    return db.session.execute(
        select(Notification, Practice)
        .join(Schedule, Schedule.id == Notification.schedule_id)
        .join(Practice, Practice.id == Schedule.practice_id)
        .where(Notification.user_id == user.id)
        .order_by(Notification.created_at.desc(), Notification.id.desc())
        .limit(limit)
    ).all()


def unread_count(user: User) -> int:
    return db.session.scalar(
        select(func.count(Notification.id)).where(Notification.user_id == user.id, Notification.read_at.is_(None))
    )


def notifications_mark_read(*, user: User, now: datetime | None = None) -> None:
    db.session.execute(
        update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=now or now_utc())
    )
    user.unread_count = 0  # the header of this same page counts none


def status_counts() -> dict[str, int]:
    """Outbox rows by state (for `flask reminders status`)."""
    return dict(db.session.execute(select(Outbox.state, func.count(Outbox.id)).group_by(Outbox.state)).all())
