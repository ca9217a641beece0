"""The statements behind the progress page: each one an aggregate over what the viewer
may see, a fixed handful per page whatever the amount of data."""
from datetime import date, datetime, timedelta

from sqlalchemy import func, literal, null, select, union_all

from journal.access import Scope
from journal.extensions import db
from journal.models import Practice, PromptAction, Schedule, StageChange
from journal.models.checkins import CheckIn
from journal.models.entries import MOMENT, Entry
from journal.models.notes import ProgressNote
from journal.checkins.services import checkins_open_to
from journal.progress.weeks import day_number, day_start_utc, week_number


def _open_checkins(scope: Scope, since: date | None, until: date | None, now: datetime, fields: tuple[str, ...]):
    """The open check-ins in the window, as a subquery of only the columns the aggregate
    reads (a subquery of every column cost a column object each to build, on every view)."""
    rows = checkins_open_to(scope, now=now).with_only_columns(
        CheckIn.author_id, CheckIn.day, *(CheckIn.__table__.c[name] for name in fields)
    )
    if since is not None:
        rows = rows.where(CheckIn.day >= since)
    if until is not None:
        rows = rows.where(CheckIn.day <= until)
    return rows.subquery()


def checkin_weeks(scope: Scope, since: date | None, until: date | None, now: datetime, fields: tuple[str, ...]):
    """Per author and week: the number of check-ins, and each field's average and count."""
    sq = _open_checkins(scope, since, until, now, fields)
    week = week_number(sq.c.day)
    columns = [sq.c.author_id, week.label("week"), func.count().label("n")]
    for name in fields:
        columns += [func.avg(sq.c[name]).label(f"avg_{name}"), func.count(sq.c[name]).label(f"n_{name}")]
    return db.session.execute(select(*columns).group_by(sq.c.author_id, week)).all()


def checkin_days(scope: Scope, since: date | None, until: date | None, now: datetime, fields: tuple[str, ...]):
    """Per author and day: each field's average."""
    sq = _open_checkins(scope, since, until, now, fields)
    day = day_number(sq.c.day)
    columns = [sq.c.author_id, day.label("day")]
    columns += [func.avg(sq.c[name]).label(name) for name in fields]
    return db.session.execute(select(*columns).group_by(sq.c.author_id, day)).all()


def _done_actions(scope: Scope, since: date | None, until: date | None):
    stmt = (
        select(PromptAction.occurrence_at, Practice.kind)
        .join(Schedule, Schedule.id == PromptAction.schedule_id)
        .join(Practice, Practice.id == Schedule.practice_id)
        .where(PromptAction.user_id == scope.user.id, PromptAction.state == "done")
    )
    if since is not None:
        stmt = stmt.where(PromptAction.occurrence_at >= day_start_utc(since))
    if until is not None:
        stmt = stmt.where(PromptAction.occurrence_at < day_start_utc(until + timedelta(days=1)))
    return stmt


def practice_day_counts(scope: Scope, since: date | None, until: date | None):
    """Per kind and day: how many of the viewer's own prompts were marked done. The
    weekly bars and "what seems to help" both come from these rows (one statement)."""
    sq = _done_actions(scope, since, until).subquery()
    day = day_number(sq.c.occurrence_at, timestamp=True)
    return db.session.execute(select(sq.c.kind, day.label("day"), func.count()).group_by(sq.c.kind, day)).all()


def moments_and_notes_by_day(scope: Scope, since: date | None, until: date | None):
    """In one statement, two things the viewer may see, per author and day: small moments
    kept (`source` "moment", with a count), and progress notes after a practice of each
    kind (`source` "note"): the partner's shared ones and the viewer's own."""
    moments = scope.visible(Entry).where(Entry.kind == MOMENT)
    notes = scope.visible(ProgressNote).join(Practice, Practice.id == ProgressNote.practice_id)
    if since is not None:
        moments = moments.where(Entry.created_at >= day_start_utc(since))
        notes = notes.where(ProgressNote.created_at >= day_start_utc(since))
    if until is not None:
        moments = moments.where(Entry.created_at < day_start_utc(until + timedelta(days=1)))
        notes = notes.where(ProgressNote.created_at < day_start_utc(until + timedelta(days=1)))
    mq = moments.with_only_columns(Entry.author_id, Entry.created_at).subquery()
    nq = notes.with_only_columns(ProgressNote.author_id, Practice.kind, ProgressNote.created_at).subquery()
    moment_day = day_number(mq.c.created_at, timestamp=True)
    note_day = day_number(nq.c.created_at, timestamp=True)
    by_moment = select(
        literal("moment").label("source"), mq.c.author_id, null().label("kind"), moment_day.label("day"),
        func.count().label("n"),
    ).group_by(mq.c.author_id, moment_day)
    by_note = select(
        literal("note").label("source"), nq.c.author_id, nq.c.kind, note_day.label("day"), func.count().label("n"),
    ).group_by(nq.c.author_id, nq.c.kind, note_day)
    return db.session.execute(union_all(by_moment, by_note)).all()


def stage_changes(scope: Scope) -> list[StageChange]:
    """Every change of the couple's pace stage, oldest first."""
    plan = scope.plan
    if plan is None:
        return []
    return list(db.session.scalars(
        select(StageChange).where(StageChange.plan_id == plan.id).order_by(StageChange.created_at, StageChange.id)
    ))
