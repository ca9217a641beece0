"""Today: the prompts due now and in the next 24 hours for one person.

Computed from the plan on every request (no stored occurrences): respects a
paused plan, the safety hold, the current stage, and what this person already
did, skipped or snoozed. A few statements whatever the data size: the plan and its
pauses, then the schedules with their practices and the couple's recent actions on each.
"""

import functools
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Integer, and_, bindparam, select

from journal.access import Scope
from journal.extensions import db
from journal.models import Plan, PromptAction, Schedule, User, now_utc
from journal.pagination import cut_written
from journal.plan.recurrence import local_to_utc, occurrences, occurrences_by_day, occurs_at
from journal.plan.services import (
    LISTED_WIDTH,
    ListedPractice,
    ListedSchedule,
    PlanView,
    plan_view,
    recurrence_readable,
    schedule_and_practice,
    schedule_listed,
    schedules_statement,
)
from journal.today.prompts import prompt_key, prompt_parse  # noqa: F401 (prompt_key: callers read it here)
from journal.zones import local_day_start

HORIZON = timedelta(hours=24)
#: How far back a snoozed prompt is still looked for.
LOOKBACK = timedelta(days=2)
SNOOZES = {"15min": timedelta(minutes=15), "1h": timedelta(hours=1)}
#: "tomorrow": the same local time the next day (shown as "another day" for intimate practices).
LATER = ("15min", "1h", "tomorrow")


class PromptError(Exception):
    """The prompt named in a request isn't one of this person's."""


@dataclass(frozen=True)
class Prompt:
    #: As `schedules_listed` reads them (columns, nothing loaded).
    schedule: ListedSchedule
    practice: ListedPractice
    occurrence_at: datetime
    #: When it shows: the occurrence, or the end of a snooze.
    due_at: datetime
    snoozed: bool
    #: Done by the partner for the two of you (see `done_together`): shown as done, nothing asked.
    done_together: bool = False

    @property
    def key(self) -> str:
        return prompt_key(self.schedule.id, self.occurrence_at)

    @property
    def snoozes(self) -> tuple[str, ...]:
        return snoozes_offered(self.practice)


def done_together(*, prompt_user_id: int | None, together: bool, kind: str) -> bool:
    """Whether one partner marking a prompt done marks it done for both: a practice the
    two of you do together (`together`), prompted to both (`prompt_user_id` None).
    Check-ins are never done for someone else (each answers for themself). Today and
    every reminder channel ask this."""
    return prompt_user_id is None and bool(together) and kind != "check-in"


def prompt_done_together(prompt: "Prompt") -> bool:
    return done_together(
        prompt_user_id=prompt.schedule.prompt_user_id, together=prompt.practice.together, kind=prompt.practice.kind
    )


@functools.cache
def _schedules_and_actions_statement(in_couple: bool, written: bool):
    """The plan's current schedules with their practices, as `schedules_listed` reads them,
    each with the recent prompt actions on it of the person and their partner (just the
    person while single): a row an action, one row of NULL actions for a schedule without
    any. One statement where Today ran two (a round trip less on PostgreSQL); only
    actions since `since` (two days before today) are read, so the rows are a few a
    schedule however long the history. Built once per process for each shape, values bound
    as it runs (`since` written into the SQL on PostgreSQL, `journal.pagination.cut_written`:
    as a parameter, PostgreSQL planned the statement anew on every run)."""
    members = (
        select(User.id).where(User.couple_id == bindparam("couple_id", type_=Integer))
        if in_couple
        else select(User.id).where(User.id == bindparam("user_id", type_=Integer))
    )
    recent = and_(
        PromptAction.schedule_id == Schedule.id,
        PromptAction.user_id.in_(members),
        PromptAction.occurrence_at >= bindparam("since", literal_execute=written),
    )
    return (
        schedules_statement()
        .add_columns(PromptAction.user_id, PromptAction.occurrence_at, PromptAction.state, PromptAction.snoozed_until)
        .outerjoin(PromptAction, recent)
    )


def snoozes_offered(practice: ListedPractice) -> tuple[str, ...]:
    """How a prompt may be put off. An intimate practice only ever waits for another
    day: "in 15 minutes" would read as "soon, then"."""
    return ("tomorrow",) if practice.is_intimate else LATER


def prompts_for(scope: Scope, user: User, *, now: datetime | None = None) -> tuple[PlanView, list[Prompt]]:
    """What `user` has to do from the start of their local day until 24 hours from now."""
    now = now or now_utc()
    view = plan_view(scope, now=now)
    if view.plan is None or view.paused:
        return view, []
    start = local_day_start(user.timezone, now=now)
    end = now + HORIZON
    listed = {}  # schedule id -> (schedule, practice), in the plan's order
    actions, partner_done = {}, set()  # actions: (schedule, occurrence) -> (state, snoozed until)
    # Read as columns through the connection: nothing is loaded, and the ORM's part of
    # running a statement cost as much as the statement.
    values = {"plan_id": scope.plan_id, "couple_id": user.couple_id, "user_id": user.id, "since": start - LOOKBACK}
    for row in db.session.connection().execute(
        _schedules_and_actions_statement(user.couple_id is not None, cut_written()), values
    ):
        schedule_id = row[0]
        if schedule_id not in listed:
            listed[schedule_id] = schedule_and_practice(row)
        user_id, occurrence_at, state, snoozed_until = row[LISTED_WIDTH:]
        if user_id == user.id:
            actions[(schedule_id, occurrence_at)] = (state, snoozed_until)
        elif user_id is not None and state == "done":
            partner_done.add((schedule_id, occurrence_at))
    prompts = []
    own = set()  # (schedule, occurrence) of every occurrence in the window, done or not
    for schedule, practice in listed.values():
        if not view.prompts(schedule, practice, user.id):
            continue
        rec = recurrence_readable(schedule)
        if rec is None:
            continue
        for at in occurrences_by_day(rec, view.timezone, start - LOOKBACK, end):
            own.add((schedule.id, at))
            state, snoozed_until = actions.get((schedule.id, at), (None, None))
            if state is None:
                if at >= start:
                    together = (schedule.id, at) in partner_done and done_together(
                        prompt_user_id=schedule.prompt_user_id, together=practice.together, kind=practice.kind
                    )
                    prompts.append(Prompt(schedule, practice, at, at, False, done_together=together))
            elif state == "snoozed" and start <= snoozed_until < end:
                together = (schedule.id, at) in partner_done and done_together(
                    prompt_user_id=schedule.prompt_user_id, together=practice.together, kind=practice.kind
                )
                prompts.append(Prompt(schedule, practice, at, snoozed_until, True, done_together=together))
    # A daily prompt snoozed until tomorrow lands on tomorrow's own occurrence, which
    # stands for both: one item, gone once that one is done or skipped.
    prompts = [p for p in prompts if not (p.snoozed and (p.schedule.id, p.due_at) in own)]
    prompts.sort(key=lambda p: (p.due_at, p.practice.title))
    return view, prompts


def prompt_find(scope: Scope, user: User, key: str, *, now: datetime | None = None) -> Prompt:
    """The prompt behind a key from the Today page, if it is one `user` can act on now
    (shown on Today: not yet done or skipped). Acting on Today asks this."""
    parsed = prompt_parse(key)
    if parsed is None:
        raise PromptError("unknown prompt")
    _, prompts = prompts_for(scope, user, now=now or now_utc())
    for prompt in prompts:
        if (prompt.schedule.id, prompt.occurrence_at) == parsed:
            return prompt
    raise PromptError("unknown prompt")


#: How far back a prompt can still be written about: from the start of yesterday.
LINK_DAYS_BACK = 1


def prompt_link(scope: Scope, user: User, key: str | None, *, now: datetime | None = None) -> Prompt | None:
    """The prompt a journal entry, a check-in or a progress note written now may name.

    The rule, the same for all three: the key names a schedule of this person's current
    plan, prompted to them or to both partners, for a practice Today would show them
    (not held, not a later stage), at one of its real occurrences from the start of
    yesterday in their own zone until 24 hours from now, or any prompt Today shows them
    now (an older one snoozed until today). Whether it was already done, skipped or
    snoozed does not matter: people write about a practice after doing it, often the
    next morning. Anything else (another plan, the partner's own prompt, a time the
    schedule never had, a malformed key) is None, and the writing is saved without the
    link."""
    parsed = prompt_parse(key)
    if parsed is None:
        return None
    now = now or now_utc()
    schedule_id, at = parsed
    start = local_day_start(user.timezone, now=now) - timedelta(days=LINK_DAYS_BACK)
    if not start <= at < now + HORIZON:
        try:
            return prompt_find(scope, user, key, now=now)
        except PromptError:
            return None
    row = schedule_listed(scope, schedule_id)
    if row is None:
        return None
    schedule, practice = row
    view = plan_view(scope, now=now)
    if not view.prompts(schedule, practice, user.id):
        return None
    rec = recurrence_readable(schedule)
    if rec is None or not occurs_at(rec, view.timezone, at):
        return None
    return Prompt(schedule, practice, at, at, False)


#: A snooze ending this close to one of the schedule's own prompts becomes that prompt.
JOIN_WITHIN = timedelta(hours=1)


def _join_own_prompt(schedule: ListedSchedule, until: datetime) -> datetime:
    """`until`, or the schedule's own occurrence nearest to it within JOIN_WITHIN: a daily
    prompt snoozed until tomorrow then shows once tomorrow, not twice a few minutes apart."""
    zone = db.session.scalar(select(Plan.timezone).where(Plan.id == schedule.plan_id))
    rec = recurrence_readable(schedule)
    if rec is None:
        return until
    near = occurrences(rec, zone, until - JOIN_WITHIN, until + JOIN_WITHIN)
    return min(near, key=lambda at: abs(at - until), default=until)


def prompt_act(*, user: User, prompt: Prompt, action: str, now: datetime | None = None) -> None:
    """Record done, skip or a snooze (15 minutes, an hour, or tomorrow at the same time)."""
    now = now or now_utc()
    if action in LATER and action not in snoozes_offered(prompt.practice):
        raise PromptError("This one only waits for another day.")
    if action in ("done", "skip"):
        state, until = ("done" if action == "done" else "skipped"), None
    elif action in SNOOZES:
        state, until = "snoozed", now + SNOOZES[action]
    elif action == "tomorrow":
        # The same local time tomorrow (not 24 hours: a DST change may fall between).
        zone = ZoneInfo(user.timezone)
        local = max(prompt.due_at, now).astimezone(zone).replace(tzinfo=None) + timedelta(days=1)
        state, until = "snoozed", _join_own_prompt(prompt.schedule, local_to_utc(local, zone))
    else:
        raise PromptError("unknown action")
    row = db.session.scalar(
        select(PromptAction).where(
            PromptAction.schedule_id == prompt.schedule.id,
            PromptAction.user_id == user.id,
            PromptAction.occurrence_at == prompt.occurrence_at,
        )
    )
    if row is None:
        row = PromptAction(schedule_id=prompt.schedule.id, user_id=user.id, occurrence_at=prompt.occurrence_at)
        db.session.add(row)
    row.state, row.snoozed_until = state, until
    db.session.flush()
