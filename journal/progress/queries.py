"""The statements behind the progress page: each one an aggregate over what the viewer
may see, a fixed handful per page whatever the amount of data."""
from datetime import date, datetime, timedelta

from sqlalchemy import func, select

from journal.access import Scope
from journal.extensions import db
from journal.models import Practice, PromptAction, Schedule, StageChange
from journal.models.checkins import CheckIn
from journal.models.entries import MOMENT, Entry
from journal.models.notes import ProgressNote
from journal.checkins.services import checkins_open_to
from journal.progress.weeks import day_number, day_start_utc, week_number


def _open_checkins(scope: Scope, since: date | None, until: date | None, now: datetime):
    rows = checkins_open_to(scope, now=now)
    if since is not None:
        rows = rows.where(CheckIn.day >= since)
    if until is not None:
        rows = rows.where(CheckIn.day <= until)
    return rows


def checkin_weeks(scope: Scope, since: date | None, until: date | None, now: datetime, fields: tuple[str, ...]):
    """Per author and week: the number of check-ins, and each field's average and count."""
    rows = _open_checkins(scope, since, until, now)
    sq = rows.subquery()
    week = week_number(sq.c.day)
    columns = [sq.c.author_id, week.label("week"), func.count().label("n")]
    for name in fields:
        columns += [func.avg(sq.c[name]).label(f"avg_{name}"), func.count(sq.c[name]).label(f"n_{name}")]
    return db.session.execute(select(*columns).group_by(sq.c.author_id, week)).all()


def checkin_days(scope: Scope, since: date | None, until: date | None, now: datetime, fields: tuple[str, ...]):
    """Per author and day: each field's average."""
    rows = _open_checkins(scope, since, until, now)
    sq = rows.subquery()
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


def practice_weeks(scope: Scope, since: date | None, until: date | None):
    sq = _done_actions(scope, since, until).subquery()
    week = week_number(sq.c.occurrence_at, timestamp=True)
    return db.session.execute(select(sq.c.kind, week.label("week"), func.count()).group_by(sq.c.kind, week)).all()


def practice_days(scope: Scope, since: date | None, until: date | None):
    """Days each person did a practice of each kind, as far as the viewer may know: their
    own done prompts, and the progress notes they may see (the partner's shared ones)."""
    done = _done_actions(scope, since, until).subquery()
    own_day = day_number(done.c.occurrence_at, timestamp=True)
    own = select(done.c.kind, own_day.label("day")).distinct()
    notes = scope.visible(ProgressNote).join(Practice, Practice.id == ProgressNote.practice_id)
    if since is not None:
        notes = notes.where(ProgressNote.created_at >= day_start_utc(since))
    if until is not None:
        notes = notes.where(ProgressNote.created_at < day_start_utc(until + timedelta(days=1)))
    nq = notes.with_only_columns(ProgressNote.author_id, Practice.kind, ProgressNote.created_at).subquery()
    note_day = day_number(nq.c.created_at, timestamp=True)
    noted = select(nq.c.author_id, nq.c.kind, note_day.label("day")).distinct()
    return db.session.execute(own).all(), db.session.execute(noted).all()


def moment_weeks(scope: Scope, since: date | None, until: date | None):
    stmt = scope.visible(Entry).where(Entry.kind == MOMENT)
    if since is not None:
        stmt = stmt.where(Entry.created_at >= day_start_utc(since))
    if until is not None:
        stmt = stmt.where(Entry.created_at < day_start_utc(until + timedelta(days=1)))
    sq = stmt.with_only_columns(Entry.author_id, Entry.created_at).subquery()
    week = week_number(sq.c.created_at, timestamp=True)
    return db.session.execute(
        select(sq.c.author_id, week.label("week"), func.count()).group_by(sq.c.author_id, week)
    ).all()


def stage_changes(scope: Scope) -> list[StageChange]:
    """Every change of the couple's pace stage, oldest first."""
    plan = scope.plan
    if plan is None:
        return []
    return list(db.session.scalars(
        select(StageChange).where(StageChange.plan_id == plan.id).order_by(StageChange.created_at, StageChange.id)
    ))
