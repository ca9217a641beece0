"""The statements behind the progress page: each one over what the viewer may see (an
aggregate, or the check-ins' answers in the window), a fixed handful per page whatever
the amount of data."""

from datetime import date, datetime
from functools import cache

from sqlalchemy import Date, Integer, bindparam, literal, null, select, union_all

from journal.access import Scope, visible_rule
from journal.checkins.services import checkins_open_to
from journal.extensions import db
from journal.models import Practice, PromptAction, Schedule, StageChange
from journal.models.base import UTCDateTime
from journal.models.checkins import CheckIn
from journal.models.entries import MOMENT, Entry
from journal.models.notes import ProgressNote
from journal.pagination import cut_written
from journal.progress.weeks import day_number, days_utc, dialect_name

# Each statement is built once per process for each shape (the database, the
# viewer in a couple or not, the answers-after-48-hours choice, which ends of the window
# are given), with the viewer's values and the window as bound parameters: building them
# cost more than running them. `_run` runs one with a viewer's values and the window. On
# PostgreSQL the window's ends are written into the SQL as it runs (`cut_written`): sent as
# parameters, PostgreSQL planned the events' and the maps' statements anew on every run.


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


def _open_checkins(open_to, has_since: bool, has_until: bool, fields: tuple[str, ...], written: bool):
    """The open check-ins in the window, as a subquery of only the columns the page
    reads (a subquery of every column cost a column object each to build)."""
    rows = open_to.with_only_columns(CheckIn.author_id, CheckIn.day, *(CheckIn.__table__.c[name] for name in fields))
    if has_since:
        rows = rows.where(CheckIn.day >= bindparam("since", type_=Date, literal_execute=written))
    if has_until:
        rows = rows.where(CheckIn.day <= bindparam("until", type_=Date, literal_execute=written))
    return rows.subquery()


def checkin_answers(scope: Scope, since: date | None, until: date | None, now: datetime, fields: tuple[str, ...]):
    """Each check-in open to the viewer in the window, as its author, its day (counted
    from 1970-01-01) and each field's answer. The page adds them up by week and by day
    itself (`services.progress_build`): grouping them in SQLite, a sort and then an
    average a field, cost several times reading them."""
    open_to, values = checkins_open_to(scope, now=now)
    stmt = _checkin_answers(dialect_name(), open_to, since is not None, until is not None, fields, cut_written())
    return _run(stmt, {**values, **_window(since, until)})


@cache
def _checkin_answers(dialect: str, open_to, has_since: bool, has_until: bool, fields: tuple[str, ...], written: bool):
    sq = _open_checkins(open_to, has_since, has_until, fields, written)
    return select(sq.c.author_id, day_number(sq.c.day).label("day"), *(sq.c[name] for name in fields))


def day_events(scope: Scope, since: date | None, until: date | None):
    """In one statement (each is a round trip), the day of each of three things the
    viewer may see: their own prompts marked done (`source` "practice", with its kind),
    small moments kept (`source` "moment"), and progress notes after a practice (`source`
    "note", with its kind): the partner's shared ones and the viewer's own. Rows of
    (source, author_id, kind, day), one an event; the page counts them (a GROUP BY cost
    SQLite a sort of rows that were mostly one a day already). The weekly bars, the
    sentences and "what seems to help" all come from them."""
    stmt = _day_events(dialect_name(), scope.couple_id is not None, since is not None, until is not None, cut_written())
    return _run(stmt, {**_viewer(scope), **_window(since, until)})


def _since_at(written: bool):
    """The instant the window starts, for the timestamp columns (all `UTCDateTime`)."""
    return bindparam("since_at", type_=UTCDateTime(), literal_execute=written)


def _before_at(written: bool):
    """The instant after the window's last day, for the timestamp columns."""
    return bindparam("before_at", type_=UTCDateTime(), literal_execute=written)


def _in_window(stmt, column, has_since: bool, has_until: bool, written: bool):
    if has_since:
        stmt = stmt.where(column >= _since_at(written))
    if has_until:
        stmt = stmt.where(column < _before_at(written))
    return stmt


@cache
def _day_events(dialect: str, in_couple: bool, has_since: bool, has_until: bool, written: bool):
    me = bindparam("me", type_=Integer)
    couple = bindparam("couple", type_=Integer) if in_couple else None
    # Each prompt's kind looked up by the schedule's and the practice's keys: PostgreSQL
    # answered a join by hashing every schedule of every couple (1 ms on the medium data).
    kind = (
        select(Practice.kind)
        .join(Schedule, Schedule.practice_id == Practice.id)
        .where(Schedule.id == PromptAction.schedule_id)
        .scalar_subquery()
    )
    done = select(
        literal("practice").label("source"),
        PromptAction.user_id.label("author_id"),
        kind.label("kind"),
        day_number(PromptAction.occurrence_at, timestamp=True).label("day"),
    ).where(PromptAction.user_id == me, PromptAction.state == "done")
    moments = select(
        literal("moment").label("source"),
        Entry.author_id,
        null().label("kind"),
        day_number(Entry.created_at, timestamp=True).label("day"),
    ).where(visible_rule(Entry, me, couple), Entry.kind == MOMENT)
    notes = (
        select(
            literal("note").label("source"),
            ProgressNote.author_id,
            Practice.kind,
            day_number(ProgressNote.created_at, timestamp=True).label("day"),
        )
        .join(Practice, Practice.id == ProgressNote.practice_id)
        .where(visible_rule(ProgressNote, me, couple))
    )
    return union_all(
        _in_window(done, PromptAction.occurrence_at, has_since, has_until, written),
        _in_window(moments, Entry.created_at, has_since, has_until, written),
        _in_window(notes, ProgressNote.created_at, has_since, has_until, written),
    )


def stage_changes(scope: Scope, since: date | None = None, until: date | None = None) -> list:
    """The changes of the couple's pace stage from `since` to `until` (either end open
    when None), oldest first: (when, from, to). Read in the window alone, so a chart of
    some weeks costs the same however long the plan has run."""
    plan_id = scope.plan_id
    if plan_id is None:
        return []
    stmt = _stage_changes(since is not None, until is not None, cut_written())
    return _run(stmt, {"plan_id": plan_id, **_window(since, until)})


@cache
def _stage_changes(has_since: bool, has_until: bool, written: bool):
    stmt = select(StageChange.created_at, StageChange.from_stage, StageChange.to_stage).where(
        StageChange.plan_id == bindparam("plan_id", type_=Integer)
    )
    return _in_window(stmt, StageChange.created_at, has_since, has_until, written).order_by(
        StageChange.created_at, StageChange.id
    )
