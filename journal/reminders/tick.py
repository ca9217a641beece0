"""The tick: materialise occurrences due soon into outbox rows.

Reads only the schedules whose `next_due_at` falls before the horizon (an index
scan), so a tick costs what the due reminders cost, not what all users or
schedules would. Rows go in with insert-or-ignore under the outbox's unique
constraint: any number of ticks, at once or again, record each reminder once.
"""

import logging
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, or_, select, update

from journal.bulk import among, insert_ignore
from journal.extensions import db
from journal.models import (
    AppriseTarget,
    Outbox,
    Plan,
    Practice,
    PushSubscription,
    ReminderSettings,
    Schedule,
    User,
    now_utc,
)
from journal.plan.recurrence import local_to_utc, next_occurrence, occurrences
from journal.plan.rules import channel_chosen, email_sendable, plan_current, practice_resting, prompted
from journal.plan.services import RECURRENCE_COLUMNS, pauses_by_plan, plan_paused_at, recurrence_of

log = logging.getLogger(__name__)

LOOKAHEAD = timedelta(minutes=2)
#: A reminder this late is of no use any more: it is marked missed, not sent.
GRACE = timedelta(hours=2)
BATCH = 2000
#: After downtime, occurrences this far back are still recorded (as missed).
MISSED_LOOKBACK = timedelta(days=1)
#: The next due time of a schedule that has ended: never read by a tick again
#: (NULL means "not computed yet", and is read once).
ENDED = datetime(9999, 1, 1, tzinfo=UTC)


def _insert_ignore(rows: list[dict]) -> int:
    """Insert outbox rows, skipping any already recorded; returns how many were new."""
    return insert_ignore(Outbox.__table__, rows, key=["schedule_id", "user_id", "occurrence_at", "channel"])


def _channels(settings: ReminderSettings | None, user: User, extra: dict[str, set[int]]) -> list[str]:
    """In-app always; email, push and Apprise when chosen and set up."""
    set_up = {
        "inapp": True,
        "email": email_sendable(verified_at=user.email_verified_at),
        "push": user.id in extra["push"],
        "apprise": user.id in extra["apprise"],
    }
    return [channel for channel, ready in set_up.items() if ready and channel_chosen(channel, settings)]


def _destinations(user_ids: set[int]) -> dict[str, set[int]]:
    """Who has a push subscription or an Apprise destination (one statement each)."""
    if not user_ids:
        return {"push": set(), "apprise": set()}
    return {
        "push": set(
            db.session.scalars(select(PushSubscription.user_id).where(among(PushSubscription.user_id, user_ids)))
        ),
        "apprise": set(db.session.scalars(select(AppriseTarget.user_id).where(among(AppriseTarget.user_id, user_ids)))),
    }


def tick(*, now: datetime | None = None) -> int:
    """One pass over every due schedule, BATCH at a time, committing each batch (short
    transactions: a schedule being edited waits for one batch at most); returns how
    many outbox rows were new."""
    now = now or now_utc()
    inserted = 0
    while True:
        schedules, new = _tick_batch(now)
        db.session.commit()
        inserted += new
        if schedules < BATCH:
            break
    log.info("tick: %s new reminders", inserted)
    return inserted


#: What a tick reads of a due schedule, its plan and practice: columns, not objects.
_DUE = (
    Schedule.id,
    *RECURRENCE_COLUMNS,
    Schedule.next_due_at,
    Schedule.prompt_user_id,
    Plan.couple_id,
    Plan.owner_id,
    Plan.id.label("plan_id"),
    Plan.timezone.label("plan_timezone"),
    Plan.hold_by_id,
    Plan.stage.label("plan_stage"),
    Practice.kind.label("practice_kind"),
    Practice.stage.label("practice_stage"),
)


#: How long a schedule the tick can't handle (it raised: say, a time an older version
#: stored that this one can't read) waits before it is tried again.
PARKED = timedelta(hours=1)


def _schedule_due(row, now, horizon, members, settings, extra, pauses) -> tuple[list[dict], datetime]:
    """One due schedule's outbox rows, and its next due time."""
    rec = recurrence_of(row)
    start = max(row.next_due_at or now, now - MISSED_LOOKBACK)
    due = occurrences(rec, row.plan_timezone, start, horizon + timedelta(seconds=1))
    quiet = plan_paused_at(pauses.get(row.plan_id, ()), row.plan_timezone, now=now) or practice_resting(
        kind=row.practice_kind, stage=row.practice_stage, plan_stage=row.plan_stage, hold_by_id=row.hold_by_id
    )
    key = ("couple", row.couple_id) if row.couple_id else ("owner", row.owner_id)
    recipients = [
        p
        for p in members.get(key, [])
        if prompted(prompt_user_id=row.prompt_user_id, user_id=p.id)
        and plan_current(couple_id=row.couple_id, owner_id=row.owner_id, user_id=p.id, user_couple_id=p.couple_id)
    ]
    rows = []
    if not quiet:
        for at in due:
            for person in recipients:
                for channel in _channels(settings.get(person.id), person, extra):
                    rows.append(
                        {
                            "schedule_id": row.id,
                            "user_id": person.id,
                            "occurrence_at": at,
                            "channel": channel,
                            "state": "missed" if at < now - GRACE else "pending",
                            "due_at": at,
                            "attempts": 0,
                            "created_at": now,
                        }
                    )
    return rows, next_occurrence(rec, row.plan_timezone, horizon) or ENDED


def _tick_batch(now: datetime) -> tuple[int, int]:
    """Up to BATCH due schedules: their outbox rows, and each one's next due time
    (past the horizon, so the next batch reads the following schedules)."""
    horizon = now + LOOKAHEAD
    rows = db.session.execute(
        select(*_DUE)
        .join(Plan, Plan.id == Schedule.plan_id)
        .join(Practice, Practice.id == Schedule.practice_id)
        # NULL: a schedule from before reminders existed; it is pointed at its next
        # occurrence on its first tick and never read again until then.
        .where(or_(Schedule.next_due_at <= horizon, Schedule.next_due_at.is_(None)), Schedule.removed_at.is_(None))
        .order_by(Schedule.next_due_at)
        .limit(BATCH)
    ).all()
    if not rows:
        return 0, 0
    couple_ids = {row.couple_id for row in rows if row.couple_id}
    owner_ids = {row.owner_id for row in rows if row.owner_id}
    members: dict[tuple[str, int], list[User]] = {}
    people = db.session.scalars(select(User).where(among(User.couple_id, couple_ids) | among(User.id, owner_ids))).all()
    for person in people:
        if person.couple_id in couple_ids:
            members.setdefault(("couple", person.couple_id), []).append(person)
        if person.id in owner_ids:
            members.setdefault(("owner", person.id), []).append(person)
    settings = {
        s.user_id: s
        for s in db.session.scalars(
            select(ReminderSettings).where(among(ReminderSettings.user_id, {p.id for p in people}))
        )
    }
    extra = _destinations({p.id for p in people})
    pauses = pauses_by_plan({row.plan_id for row in rows})
    new_rows, next_due = [], []
    for row in rows:
        try:
            mine, following = _schedule_due(row, now, horizon, members, settings, extra, pauses)
        except Exception as exc:  # one schedule the tick can't handle must not stop everyone's
            log.error("schedule %s can't be ticked (%s); tried again in an hour", row.id, type(exc).__name__)
            next_due.append({"sid": row.id, "due": horizon + PARKED})
            continue
        new_rows.extend(mine)
        next_due.append({"sid": row.id, "due": following})
    inserted = _insert_ignore(new_rows)
    table = Schedule.__table__
    db.session.execute(
        update(table).where(table.c.id == bindparam("sid")).values(next_due_at=bindparam("due")), next_due
    )
    return len(rows), inserted


def in_quiet_hours(settings: ReminderSettings | None, zone: str, at: datetime) -> datetime | None:
    """The end of the person's quiet hours if `at` falls inside them, else None."""
    if settings is None or settings.quiet_start is None or settings.quiet_end is None:
        return None
    local = at.astimezone(ZoneInfo(zone))
    start, end, t = settings.quiet_start, settings.quiet_end, local.time()
    inside = (start <= t < end) if start < end else (t >= start or t < end)
    if not inside:
        return None
    end_day = local.date() if t < end else local.date() + timedelta(days=1)
    return local_to_utc(datetime.combine(end_day, end), ZoneInfo(zone))
