"""Workers: claim due outbox rows with a lease, send them, mark them.

Claims are one UPDATE of the oldest due rows: on PostgreSQL their ids are picked
with `FOR UPDATE SKIP LOCKED`, so concurrent workers take disjoint batches; on
SQLite the single UPDATE statement holds the database's one write lock (what
`BEGIN IMMEDIATE` would do), so one dispatcher claims at a time. A row whose
worker died is claimable again when its lease ends. In-app reminders are
written and marked in one transaction (exactly once); other channels commit the
mark right after the channel accepts, so a worker dying in between is the only
way a reminder goes out twice.
"""
import logging
import os
import socket
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from journal.extensions import db, mail
from journal.models import (
    Notification,
    Outbox,
    Plan,
    Practice,
    PromptAction,
    ReminderSettings,
    Schedule,
    User,
    now_utc,
)
from journal.plan.services import plan_is_paused
from journal.reminders.channels import SENT, SendResult
from journal.reminders.tick import GRACE, in_quiet_hours

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=2)
MAX_ATTEMPTS = 5
BACKOFF = timedelta(seconds=30)


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def claim(*, now: datetime | None = None, limit: int = 200, worker: str | None = None) -> list[int]:
    """Take up to `limit` due rows for this worker; commits the claim."""
    now = now or now_utc()
    due = or_(
        and_(Outbox.state == "pending", Outbox.due_at <= now),
        and_(Outbox.state == "claimed", Outbox.lease_until < now),
    )
    pick = select(Outbox.id).where(due).order_by(Outbox.due_at).limit(limit)
    if db.session.get_bind().dialect.name == "postgresql":
        pick = pick.with_for_update(skip_locked=True)
    ids = list(
        db.session.scalars(
            update(Outbox)
            .where(Outbox.id.in_(pick.scalar_subquery()), due)
            .values(state="claimed", lease_until=now + LEASE, claimed_by=worker or worker_name())
            .returning(Outbox.id)
            .execution_options(synchronize_session=False)
        )
    )
    db.session.commit()
    return ids


def _mark(row: Outbox, result: SendResult, now: datetime) -> None:
    row.lease_until = None
    if result.ok:
        row.state, row.sent_at, row.error = "sent", now, None
        return
    row.attempts += 1
    row.error = result.error
    if result.temporary and row.attempts < MAX_ATTEMPTS:
        row.state, row.due_at = "pending", now + BACKOFF * (2 ** (row.attempts - 1))
    else:
        row.state = "failed"


def _notifications_insert(values: list[dict]) -> None:
    if not values:
        return
    dialect = db.session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    db.session.execute(insert(Notification).values(values).on_conflict_do_nothing(index_elements=["outbox_id"]))


def deliver(ids: list[int], *, now: datetime | None = None) -> dict[str, int]:
    """Send the claimed rows `ids`; returns counts by final state."""
    now = now or now_utc()
    counts: dict[str, int] = {}
    if not ids:
        return counts
    rows = db.session.execute(
        select(Outbox, User, Schedule, Plan, Practice, ReminderSettings)
        .join(User, User.id == Outbox.user_id)
        .join(Schedule, Schedule.id == Outbox.schedule_id)
        .join(Plan, Plan.id == Schedule.plan_id)
        .join(Practice, Practice.id == Schedule.practice_id)
        .outerjoin(ReminderSettings, ReminderSettings.user_id == Outbox.user_id)
        .where(Outbox.id.in_(ids), Outbox.state == "claimed")
        .order_by(Outbox.id)
    ).all()
    acted = set(
        db.session.execute(
            select(PromptAction.user_id, PromptAction.schedule_id, PromptAction.occurrence_at).where(
                PromptAction.user_id.in_({r[0].user_id for r in rows}),
                PromptAction.schedule_id.in_({r[0].schedule_id for r in rows}),
                PromptAction.state.in_(("done", "skipped")),
            )
        ).all()
    )
    # In-app rows first: their notifications go in with one statement and the
    # rows are marked in the same transaction (exactly once). Then the other
    # channels, each marked and committed as soon as the channel accepted.
    rows.sort(key=lambda r: r[0].channel != "inapp")
    notifications: list[dict] = []
    smtp = SmtpConnection()
    try:
        for row, user, schedule, plan, practice, settings in rows:
            if row.channel != "inapp" and notifications:
                _notifications_insert(notifications)
                db.session.commit()
                notifications = []
            state = _deliver_one(row, user, schedule, plan, practice, settings, acted, now, smtp, notifications)
            counts[state] = counts.get(state, 0) + 1
            if row.channel != "inapp":
                db.session.commit()
        _notifications_insert(notifications)
        db.session.commit()
    finally:
        smtp.close()
    return counts


class SmtpConnection:
    """One SMTP connection for a whole batch, opened on the first email."""

    def __init__(self):
        self._context = None
        self._connection = None

    def get(self):
        if self._connection is None:
            self._context = mail.connect()
            self._connection = self._context.__enter__()
        return self._connection

    def close(self) -> None:
        if self._context is not None:
            try:
                self._context.__exit__(None, None, None)
            except OSError:
                pass
        self._context = self._connection = None


def _deliver_one(row, user, schedule, plan, practice, settings, acted, now, smtp, notifications) -> str:
    from journal.reminders.senders import send

    if row.occurrence_at < now - GRACE:
        row.state, row.lease_until = "missed", None
    elif (row.user_id, row.schedule_id, row.occurrence_at) in acted or schedule.removed_at is not None:
        row.state, row.lease_until, row.error = "skipped", None, "done"
    elif plan_is_paused(plan, now=now):
        row.state, row.lease_until, row.error = "skipped", None, "paused"
    else:
        quiet_end = in_quiet_hours(settings, user.timezone, now)
        if quiet_end is not None:
            row.state, row.lease_until, row.due_at = "pending", None, quiet_end
            return "held"
        if row.channel == "inapp":
            notifications.append({"user_id": row.user_id, "outbox_id": row.id, "schedule_id": row.schedule_id,
                                  "occurrence_at": row.occurrence_at, "created_at": now_utc()})
            _mark(row, SENT, now)
        else:
            _mark(row, send(row, user, practice, settings, smtp), now)
    return row.state


def drain(*, now: datetime | None = None, max_batches: int = 50, limit: int = 200) -> dict[str, int]:
    """Claim and deliver batches until nothing is due (or `max_batches`)."""
    totals: dict[str, int] = {}
    worker = worker_name()
    for _ in range(max_batches):
        ids = claim(now=now, limit=limit, worker=worker)
        if not ids:
            break
        for state, n in deliver(ids, now=now).items():
            totals[state] = totals.get(state, 0) + n
    return totals
