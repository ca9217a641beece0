"""The tick: materialise occurrences due soon into outbox rows.

Reads only the schedules whose `next_due_at` falls before the horizon (an index
scan), so a tick costs what the due reminders cost, not what all users or
schedules would. Rows go in with insert-or-ignore under the outbox's unique
constraint: any number of ticks, at once or again, record each reminder once.
"""
import logging
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select

from journal.bulk import among, insert_ignore
from journal.extensions import db
from journal.models import Outbox, Plan, Practice, ReminderSettings, Schedule, User, now_utc
from journal.plan.recurrence import next_occurrence, occurrences
from journal.plan.services import plan_is_paused, recurrence_of

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
    chosen = ["inapp"]
    if settings is not None:
        if settings.email_on and user.is_verified:
            chosen.append("email")
        if settings.push_on and user.id in extra["push"]:
            chosen.append("push")
        if settings.apprise_on and user.id in extra["apprise"]:
            chosen.append("apprise")
    return chosen


def _destinations(user_ids: set[int]) -> dict[str, set[int]]:
    """Who has a push subscription or an Apprise destination (one statement each)."""
    from journal.models.apprise import AppriseTarget
    from journal.models.push import PushSubscription

    if not user_ids:
        return {"push": set(), "apprise": set()}
    return {
        "push": set(db.session.scalars(select(PushSubscription.user_id).where(among(PushSubscription.user_id, user_ids)))),
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


def _tick_batch(now: datetime) -> tuple[int, int]:
    """Up to BATCH due schedules: their outbox rows, and each one's next due time
    (past the horizon, so the next batch reads the following schedules)."""
    horizon = now + LOOKAHEAD
    rows = db.session.execute(
        select(Schedule, Plan, Practice)
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
    couple_ids = {plan.couple_id for _, plan, _ in rows if plan.couple_id}
    owner_ids = {plan.owner_id for _, plan, _ in rows if plan.owner_id}
    members: dict[int, list[User]] = {}
    people = db.session.scalars(
        select(User).where(among(User.couple_id, couple_ids) | among(User.id, owner_ids))
    ).all()
    for person in people:
        if person.couple_id in couple_ids:
            members.setdefault(("couple", person.couple_id), []).append(person)
        if person.id in owner_ids:
            members.setdefault(("owner", person.id), []).append(person)
    settings = {
        s.user_id: s
        for s in db.session.scalars(select(ReminderSettings).where(among(ReminderSettings.user_id, {p.id for p in people})))
    }
    extra = _destinations({p.id for p in people})
    new_rows = []
    for schedule, plan, practice in rows:
        rec = recurrence_of(schedule)
        start = max(schedule.next_due_at or now, now - MISSED_LOOKBACK)
        due = occurrences(rec, plan.timezone, start, horizon + timedelta(seconds=1))
        quiet = plan_is_paused(plan, now=now) or (
            practice.kind == "touch" and (plan.hold_by_id is not None or (practice.stage or 0) > plan.stage)
        )
        key = ("couple", plan.couple_id) if plan.couple_id else ("owner", plan.owner_id)
        recipients = [p for p in members.get(key, []) if schedule.prompt_user_id in (None, p.id)]
        if not quiet:
            for at in due:
                for person in recipients:
                    for channel in _channels(settings.get(person.id), person, extra):
                        new_rows.append(
                            {"schedule_id": schedule.id, "user_id": person.id, "occurrence_at": at,
                             "channel": channel, "state": "missed" if at < now - GRACE else "pending",
                             "due_at": at, "attempts": 0, "created_at": now}
                        )
        schedule.next_due_at = next_occurrence(rec, plan.timezone, horizon) or ENDED
    inserted = _insert_ignore(new_rows)
    db.session.flush()
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
    from journal.plan.recurrence import local_to_utc

    return local_to_utc(datetime.combine(end_day, end), ZoneInfo(zone))
