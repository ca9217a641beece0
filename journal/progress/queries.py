"""The statements behind the progress page: each one over what the viewer may see (an
aggregate, or the check-ins' answers in the window), a fixed handful per page whatever
the amount of data."""

from datetime import date, datetime
from functools import cache

from sqlalchemy import Date, Integer, bindparam, func, literal, null, select, union_all

from journal.access import Scope, visible_rule
from journal.checkins.services import checkins_open_to
from journal.extensions import db
from journal.models import Practice, PromptAction, Schedule, StageChange
from journal.models.base import UTCDateTime
from journal.models.checkins import CheckIn
from journal.models.entries import MOMENT, Entry
from journal.models.notes import ProgressNote
from journal.progress.weeks import day_number, days_utc, dialect_name

# Each statement is built once per process for each shape (the database, the
# viewer in a couple or not, the answers-after-48-hours choice, which ends of the window
# are given), with the viewer's values and the window as bound parameters: building them
# cost more than running them. `_run` runs one with a viewer's values and the window.


def _run(stmt, values: dict):
    # Columns, never objects: run on the session's connection, without the ORM's execution
    # path (about 0.1 ms a statement of nothing to do here).
    return db.session.connection().execute(stmt, values).all()


def _window(since: date | None, until: date | None) -> dict:
    """The window's values: days for check-ins (their own local day), and the instants
    that start and end it for timestamps (taken on their UTC date)."""
    since_at, before_at = days_utc(since, until)
    return {"since": since, "until": until, "since_at": since_at, "before_at": before_at}


def _viewer(scope: Scope) -> dict:
    return {"me": scope.user.id, "couple": scope.couple_id}


def _open_checkins(open_to, has_since: bool, has_until: bool, fields: tuple[str, ...]):
    """The open check-ins in the window, as a subquery of only the columns the page
    reads (a subquery of every column cost a column object each to build)."""
    rows = open_to.with_only_columns(CheckIn.author_id, CheckIn.day, *(CheckIn.__table__.c[name] for name in fields))
    if has_since:
        rows = rows.where(CheckIn.day >= bindparam("since", type_=Date))
    if has_until:
        rows = rows.where(CheckIn.day <= bindparam("until", type_=Date))
    return rows.subquery()


def checkin_answers(scope: Scope, since: date | None, until: date | None, now: datetime, fields: tuple[str, ...]):
    """Each check-in open to the viewer in the window, as its author, its day (counted
    from 1970-01-01) and each field's answer. The page adds them up by week and by day
    itself (`services.progress_build`): grouping them in SQLite, a sort and then an
    average a field, cost several times reading them."""
    open_to, values = checkins_open_to(scope, now=now)
    stmt = _checkin_answers(dialect_name(), open_to, since is not None, until is not None, fields)
    return _run(stmt, {**values, **_window(since, until)})


@cache
def _checkin_answers(dialect: str, open_to, has_since: bool, has_until: bool, fields: tuple[str, ...]):
    sq = _open_checkins(open_to, has_since, has_until, fields)
    return select(sq.c.author_id, day_number(sq.c.day).label("day"), *(sq.c[name] for name in fields))


def practice_day_counts(scope: Scope, since: date | None, until: date | None):
    """Per kind and day: how many of the viewer's own prompts were marked done. The
    weekly bars and "what seems to help" both come from these rows (one statement)."""
    stmt = _practice_day_counts(dialect_name(), since is not None, until is not None)
    return _run(stmt, {**_viewer(scope), **_window(since, until)})


@cache
def _practice_day_counts(dialect: str, has_since: bool, has_until: bool):
    done = (
        select(PromptAction.occurrence_at, Practice.kind)
        .join(Schedule, Schedule.id == PromptAction.schedule_id)
        .join(Practice, Practice.id == Schedule.practice_id)
        .where(PromptAction.user_id == bindparam("me", type_=Integer), PromptAction.state == "done")
    )
    if has_since:
        done = done.where(PromptAction.occurrence_at >= _since_at())
    if has_until:
        done = done.where(PromptAction.occurrence_at < _before_at())
    sq = done.subquery()
    day = day_number(sq.c.occurrence_at, timestamp=True)
    return select(sq.c.kind, day.label("day"), func.count()).group_by(sq.c.kind, day)


def _since_at():
    """The instant the window starts, for the timestamp columns (all `UTCDateTime`)."""
    return bindparam("since_at", type_=UTCDateTime())


def _before_at():
    """The instant after the window's last day, for the timestamp columns."""
    return bindparam("before_at", type_=UTCDateTime())


def moments_and_notes_by_day(scope: Scope, since: date | None, until: date | None):
    """In one statement, two things the viewer may see, per author and day: small moments
    kept (`source` "moment", with a count), and progress notes after a practice of each
    kind (`source` "note"): the partner's shared ones and the viewer's own."""
    stmt = _moments_and_notes_by_day(dialect_name(), scope.couple_id is not None, since is not None, until is not None)
    return _run(stmt, {**_viewer(scope), **_window(since, until)})


@cache
def _moments_and_notes_by_day(dialect: str, in_couple: bool, has_since: bool, has_until: bool):
    me = bindparam("me", type_=Integer)
    couple = bindparam("couple", type_=Integer) if in_couple else None
    moments = select(Entry.author_id, Entry.created_at).where(visible_rule(Entry, me, couple), Entry.kind == MOMENT)
    notes = (
        select(ProgressNote.author_id, Practice.kind, ProgressNote.created_at)
        .join(Practice, Practice.id == ProgressNote.practice_id)
        .where(visible_rule(ProgressNote, me, couple))
    )
    if has_since:
        moments = moments.where(Entry.created_at >= _since_at())
        notes = notes.where(ProgressNote.created_at >= _since_at())
    if has_until:
        moments = moments.where(Entry.created_at < _before_at())
        notes = notes.where(ProgressNote.created_at < _before_at())
    mq, nq = moments.subquery(), notes.subquery()
    moment_day = day_number(mq.c.created_at, timestamp=True)
    note_day = day_number(nq.c.created_at, timestamp=True)
    by_moment = select(
        literal("moment").label("source"),
        mq.c.author_id,
        null().label("kind"),
        moment_day.label("day"),
        func.count().label("n"),
    ).group_by(mq.c.author_id, moment_day)
    by_note = select(
        literal("note").label("source"),
        nq.c.author_id,
        nq.c.kind,
        note_day.label("day"),
        func.count().label("n"),
    ).group_by(nq.c.author_id, nq.c.kind, note_day)
    return union_all(by_moment, by_note)


_STAGE_CHANGES = (
    select(StageChange.created_at, StageChange.from_stage, StageChange.to_stage)
    .where(StageChange.plan_id == bindparam("plan_id", type_=Integer))
    .order_by(StageChange.created_at, StageChange.id)
)


def stage_changes(scope: Scope) -> list:
    """Every change of the couple's pace stage, oldest first: (when, from, to)."""
    plan = scope.plan
    if plan is None:
        return []
    return _run(_STAGE_CHANGES, {"plan_id": plan.id})
