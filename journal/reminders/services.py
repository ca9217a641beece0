"""Reminder settings, the person's reminders page, and in-app notifications."""

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, update

from journal.extensions import db
from journal.models import Notification, Outbox, Practice, ReminderSettings, Schedule, User, now_utc
from journal.plan.recurrence import parse_time
from journal.today.services import prompt_key


def reminder_settings_load(user: User) -> ReminderSettings:
    """The person's settings, or unsaved defaults (reading never writes)."""
    return db.session.get(ReminderSettings, user.id) or ReminderSettings(user_id=user.id, discreet=True)


def reminder_settings_save(
    *,
    user: User,
    email_on: bool,
    push_on: bool,
    apprise_on: bool,
    discreet: bool,
    quiet_start: str | None,
    quiet_end: str | None,
    now: datetime | None = None,
) -> ReminderSettings:
    settings = db.session.get(ReminderSettings, user.id)
    if settings is None:
        settings = ReminderSettings(user_id=user.id)
        db.session.add(settings)
    quiet_before = (settings.quiet_start, settings.quiet_end)
    settings.email_on, settings.push_on, settings.apprise_on = email_on, push_on, apprise_on
    settings.discreet = discreet
    settings.quiet_start = parse_time(quiet_start) if quiet_start else None
    settings.quiet_end = parse_time(quiet_end) if quiet_end else None
    db.session.flush()
    if (settings.quiet_start, settings.quiet_end) != quiet_before:
        held_reminders_ask_again(user_id=user.id, now=now)
    return settings


def held_reminders_ask_again(*, user_id: int, now: datetime | None = None) -> None:
    """The person's quiet hours or zone changed: every reminder of theirs held until quiet
    hours end (pending, never tried, due after its occurrence) is due now, so the dispatcher
    decides it again under the new settings: sent now, or held until the new end. Lengthened
    quiet hours were honoured anyway (it asks at the old end); shortened ones were not."""
    now = now or now_utc()
    db.session.execute(
        update(Outbox)
        .where(
            Outbox.user_id == user_id,
            Outbox.state == "pending",
            Outbox.attempts == 0,
            Outbox.due_at > now,
            Outbox.due_at > Outbox.occurrence_at,
        )
        .values(due_at=now)
        .execution_options(synchronize_session=False)
    )


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


def reminders_newest(user: User, limit: int = 20):
    """This person's latest reminders with their practice, newest first (one statement)."""
    return db.session.execute(
        select(Outbox, Practice)
        .join(Schedule, Schedule.id == Outbox.schedule_id)
        .join(Practice, Practice.id == Schedule.practice_id)
        .where(Outbox.user_id == user.id)
        .order_by(Outbox.created_at.desc(), Outbox.id.desc())
        .limit(limit)
    ).all()


@dataclass(frozen=True)
class NotificationView:
    """One notification as its person reads it (plain values: the page is rendered
    after the commit that marks it read)."""

    #: reminder | partner_left
    kind: str
    #: Unread until this visit.
    new: bool
    #: When it happened, in the person's own zone.
    at: datetime
    #: The practice a reminder is about; None when reminders are discreet (or another kind).
    title: str | None
    #: The prompt a reminder is about (journal.today.services.prompt_key), and whether it opens a check-in.
    prompt_key: str | None
    checkin: bool
    #: A stage 3 or 4 practice: the "only if it suits you both" line goes with it.
    intimate: bool = False


def notifications_open(*, user: User, limit: int = 30, now: datetime | None = None) -> list[NotificationView]:
    """This person's latest notifications, newest first, as they read them; opening the
    list marks what was unread as read (a fixed number of statements)."""
    rows = db.session.execute(
        select(Notification, Practice)
        .outerjoin(Schedule, Schedule.id == Notification.schedule_id)
        .outerjoin(Practice, Practice.id == Schedule.practice_id)
        .where(Notification.user_id == user.id)
        .order_by(Notification.created_at.desc(), Notification.id.desc())
        .limit(limit)
    ).all()
    discreet = reminder_settings_load(user).discreet is not False
    zone = ZoneInfo(user.timezone)
    views = []
    for n, practice in rows:
        reminder = n.kind == "reminder" and n.schedule_id is not None and n.occurrence_at is not None
        views.append(
            NotificationView(
                kind=n.kind,
                new=n.read_at is None,
                at=(n.occurrence_at if reminder else n.created_at).astimezone(zone),
                title=practice.title if reminder and practice is not None and not discreet else None,
                prompt_key=prompt_key(n.schedule_id, n.occurrence_at) if reminder else None,
                checkin=reminder and practice is not None and practice.kind == "check-in",
                intimate=reminder and practice is not None and practice.is_intimate,
            )
        )
    if any(v.new for v in views):
        notifications_mark_read(user=user, now=now)
    return views


def unread_count(user: User) -> int:
    return db.session.scalar(
        select(func.count(Notification.id)).where(Notification.user_id == user.id, Notification.read_at.is_(None))
    )


def notifications_mark_read(*, user: User, now: datetime | None = None) -> None:
    db.session.execute(
        update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=now or now_utc())
        .execution_options(synchronize_session=False)
    )
    user.unread_count = 0  # the header of this same page counts none
