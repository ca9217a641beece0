"""How the plan page says each scheduled practice: its days, times and dates, who it
prompts, and when it next happens (or that the plan rests). Worded here, once a row,
rather than by the template: the template's calls for these were most of the page's."""

from dataclasses import dataclass
from datetime import date, datetime
from types import SimpleNamespace

from sqlalchemy import Integer, bindparam, select

from journal.access import Scope
from journal.extensions import db
from journal.models import Practice, Schedule, User
from journal.plan.forms import WEEKDAYS
from journal.plan.recurrence import next_occurrence
from journal.plan.services import RECURRENCE_COLUMNS, PlanView, recurrence_readable
from journal.practices.sealing import practice_text_of
from journal.zones import ZoneView


@dataclass(frozen=True, slots=True)
class ListedPractice:
    """A schedule's practice as the page needs it: its link and title, and the kind and
    stage the plan's rules ask about (`PlanView.is_later`, `is_held`)."""

    id: int
    kind: str
    stage: int | None
    title: str


@dataclass(frozen=True, slots=True)
class ScheduleLine:
    """One row of the plan page's scheduled practices."""

    schedule_id: int
    practice: ListedPractice
    #: "later" (above the stage) or "on hold" (held), as the plan's rules say; else None.
    tag: str | None
    #: "Every day at 20:00, from 21 November · next 28 November 2026, 20:00"; None for a
    #: schedule this version can't read (the page says so instead).
    when: str | None


#: The plan's current schedules in the order they were added, as the columns the page
#: shows (the schedule's own names, so `recurrence_readable` reads a row, and its practice's
#: prefixed): built once per process, run on the session's connection, no objects loaded.
_LISTED = (
    select(
        Schedule.id,
        *RECURRENCE_COLUMNS,
        Schedule.prompt_user_id,
        Practice.id.label("practice_id"),
        Practice.kind.label("practice_kind"),
        Practice.stage.label("practice_stage"),
        Practice.plan_id.label("practice_plan_id"),
        Practice._title.label("practice_title"),  # the clear column: a placeholder for a plan's own
        Practice.text_sealed,
    )
    .join(Practice, Practice.id == Schedule.practice_id)
    .where(Schedule.plan_id == bindparam("plan_id", type_=Integer), Schedule.removed_at.is_(None))
    .order_by(Schedule.created_at, Schedule.id)
)


def schedule_lines(
    scope: Scope, *, view: PlanView, zones: ZoneView, today: date, now: datetime, viewer_id: int, partner: User | None
) -> list[ScheduleLine]:
    """The page's line for each of the plan's current schedules (`schedules_listed`'s, read
    as columns); none without a plan."""
    if scope.plan is None:
        return []
    lines = []
    for row in db.session.connection().execute(_LISTED, {"plan_id": scope.plan.id}):
        practice = ListedPractice(row.practice_id, row.practice_kind, row.practice_stage, _title(row))
        tag = "later" if view.is_later(practice) else "on hold" if view.is_held(practice) else None
        rec = recurrence_readable(row)
        when = None
        if rec is not None:
            next_at = next_occurrence(rec, view.timezone, now)
            when = _when(row, view, zones, next_at, today, viewer_id, partner)
        lines.append(ScheduleLine(row.id, practice, tag, when))
    return lines


def _title(row) -> str:
    if row.text_sealed is None:
        return row.practice_title
    # A plan's own practice: its words are sealed under the plan's key, opened for this page only.
    sealed = SimpleNamespace(id=row.practice_id, plan_id=row.practice_plan_id, text_sealed=row.text_sealed)
    return practice_text_of(sealed)["title"]


def _when(schedule, view, zones, next_at, today, viewer_id, partner) -> str:
    start, end = schedule.start_date, schedule.end_date
    kind = schedule.kind
    if kind == "once":
        days = f"Once, {start:%-d %B}"
    elif kind == "daily":
        days = "Every day"
    elif kind == "weekly":
        days = f"Every {WEEKDAYS[start.weekday()]}"
    elif kind == "interval":
        days = f"Every {schedule.interval} days"
    else:
        days = ", ".join(WEEKDAYS[d][:3] for d in schedule.weekdays)
    parts = [days, " at ", zones.clock(schedule.times, on=zones.plan_day(next_at) if next_at else today)]
    if kind != "once":
        parts.append(f", from {start:%-d %B}")
        if end:
            parts.append(f" until {end:%-d %B}")
    if schedule.prompt_user_id == viewer_id:
        parts.append(" · for me")
    elif schedule.prompt_user_id:
        parts.append(f" · for {partner.display_name if partner else 'my partner'}")
    if view.paused:
        parts.append(" · paused")
    elif next_at:
        parts.append(f" · next {zones.moment(next_at)}")
    return "".join(parts)
