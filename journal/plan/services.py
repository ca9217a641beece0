"""The plan: schedules, pausing, the postpartum timeline, the time zone."""

import functools
import logging
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, NamedTuple

from sqlalchemy import Integer, bindparam, null, select
from sqlalchemy.orm.attributes import flag_modified

from journal.access import Scope, plan_rule
from journal.bulk import among
from journal.extensions import db
from journal.models import Couple, Plan, PlanPause, Practice, Schedule, User, now_utc
from journal.plan.recurrence import Recurrence, next_occurrence
from journal.plan.rules import pause_active, practice_held, practice_later, prompted
from journal.practices.sealing import practice_text_of

log = logging.getLogger(__name__)

#: Library practices offered as check-up milestones when a birth date is known:
#: (slug, suggested weeks after the birth, how the plan page names it).
MILESTONES = (
    ("early-postnatal-contact", 2, "An early check in the first weeks"),
    ("full-postnatal-check-up", 12, "A fuller check-up, usually by about 12 weeks"),
)


class PlanError(Exception):
    """A plan change that can't happen; the message is for the person."""


#: Said to both partners, naming no symptom, report or person.
RESTING = (
    "Touch practices are resting for now, so this can't be scheduled or changed. Everything else goes on as usual."
)


class PlanRow(NamedTuple):
    """The plan's columns a page reads, as `plan_view` reads them when the plan isn't
    loaded (a page that only reads it loads no object)."""

    id: int
    timezone: str
    stage: int
    birth_date: date | None
    hold_by_id: int | None
    hold_told: bool


@dataclass(frozen=True)
class PlanView:
    """What pages need to know about the current plan, also when none exists yet."""

    #: The Plan when it is loaded, else a `PlanRow`: ask it only its id (or whether there is one).
    plan: Any
    timezone: str
    stage: int
    paused: bool
    #: The viewer's own pause while it is on (or one carried over from before pauses
    #: belonged to a person): the viewer may lift it. A `PauseRow`.
    my_pause: Any
    #: The partner's pause is on. Its end date shows only if they chose to share it.
    partner_paused: bool
    partner_until: date | None
    on_hold: bool
    hold_by_id: int | None
    birth_date: date | None
    #: The person whose check-in started the hold chose to tell their partner why.
    hold_told: bool = False
    #: Every pause of the plan, as `PauseRow`s (for surfaces that ask the rule at other
    #: instants: the calendar feed).
    pauses: tuple = ()
    #: The partner who leads the couple's pace, None until the two of them choose (or for
    #: someone on their own): Today asks them to, and only the leader plans stage 3 on.
    pace_leader_id: int | None = None

    def weeks_since_birth(self, today: date) -> int | None:
        if self.birth_date is None or self.birth_date > today:
            return None
        return (today - self.birth_date).days // 7

    def is_later(self, practice: Practice) -> bool:
        """Above the current stage: shown as "later", can't be scheduled yet."""
        return practice_later(stage=practice.stage, plan_stage=self.stage)

    def is_held(self, practice: Practice) -> bool:
        return practice_held(kind=practice.kind, hold_by_id=self.hold_by_id)

    def prompts(self, schedule: "ListedSchedule", practice: "ListedPractice", user_id: int) -> bool:
        """The schedule prompts this person now: it is theirs (or both of yours), and its
        practice is neither held nor above the stage. Today, prompt links and the feed."""
        return (
            prompted(prompt_user_id=schedule.prompt_user_id, user_id=user_id)
            and not self.is_held(practice)
            and not self.is_later(practice)
        )


def plan_view(scope: Scope, *, now: datetime | None = None) -> PlanView:
    plan, pauses, leader_id = _plan_read(scope)
    if plan is None:
        return PlanView(
            None, scope.user.timezone, 1, False, None, False, None, False, None, None, pace_leader_id=leader_id
        )
    now = now or now_utc()
    active = [p for p in pauses if pause_active(p.since, p.until, plan.timezone, now)]
    mine = next((p for p in active if pause_lifted_by(p, scope.user)), None)
    theirs = [p for p in active if not pause_lifted_by(p, scope.user)]
    return PlanView(
        plan=plan,
        timezone=plan.timezone,
        stage=plan.stage,
        paused=plan_paused_at(active, plan.timezone, now=now),
        my_pause=mine,
        partner_paused=bool(theirs),
        partner_until=theirs[0].until if len(theirs) == 1 and theirs[0].shared else None,
        on_hold=plan.hold_by_id is not None,
        hold_by_id=plan.hold_by_id,
        birth_date=plan.birth_date,
        hold_told=plan.hold_by_id is not None and plan.hold_told,
        pauses=tuple(pauses),
        pace_leader_id=leader_id,
    )


class PauseRow(NamedTuple):
    """A pause as `plan_view` reads it with the plan: its columns, nothing loaded."""

    id: int
    user_id: int | None
    since: datetime
    until: date | None
    shared: bool


_PLAN_COLUMNS = (Plan.id, Plan.timezone, Plan.stage, Plan.birth_date, Plan.hold_by_id, Plan.hold_told)
_PLAN_WIDTH = len(_PLAN_COLUMNS)
_PAUSE_COLUMNS = (PlanPause.id, PlanPause.user_id, PlanPause.since, PlanPause.until, PlanPause.shared)


@functools.cache
def _plan_statement(in_couple: bool):
    """The plan's columns (`access.plan_rule`), the couple's pace leader and each of the
    plan's pauses, one row a pause (a row of NULL pauses for none): nearly every page reads
    the plan, and most ask its pauses; Today asks who leads the pace. A couple's row comes
    from the couple, so its pace leader is read also before the two of them make a plan.
    Built once per process for each shape, the values bound as it runs."""
    if in_couple:
        return (
            select(*_PLAN_COLUMNS, Couple.pace_leader_id, *_PAUSE_COLUMNS)
            .select_from(Couple)
            .outerjoin(Plan, plan_rule(True))
            .outerjoin(PlanPause, PlanPause.plan_id == Plan.id)
            .where(Couple.id == bindparam("couple", type_=Integer))
        )
    return (
        select(*_PLAN_COLUMNS, null(), *_PAUSE_COLUMNS)
        .outerjoin(PlanPause, PlanPause.plan_id == Plan.id)
        .where(plan_rule(False))
    )


def _plan_read(scope: Scope) -> tuple[Any, list[PauseRow], int | None]:
    """The plan, its pauses and the couple's pace leader, in one statement run on the
    session's connection (the session's own execution cost twice the statement): the
    plan is the object when it is loaded (it holds this request's changes), else the row
    read, whose id the scope keeps. What this request changed is flushed first, as the
    session's own statements would."""
    db.session.flush()
    rows = db.session.connection().execute(_plan_statement(scope.couple_id is not None), scope.plan_values()).all()
    n = _PLAN_WIDTH
    first = rows[0] if rows else None
    if scope.plan_known:
        plan = scope.plan
    else:
        plan = PlanRow(*first[:n]) if first is not None and first[0] is not None else None
        scope.plan_id_found(None if plan is None else plan.id)
    leader_id = None if first is None else first[n]
    return plan, [PauseRow(*row[n + 1 :]) for row in rows if row[n + 1] is not None], leader_id


def plan_paused_at(pauses, zone: str, *, now: datetime | None = None) -> bool:
    """The pause rule, asked by every surface: the plan rests while any one person's
    pause is on. `pauses` are rows (or any objects) with `since` and `until`; bulk
    readers (the tick, the dispatcher) pass the columns they loaded."""
    now = now or now_utc()
    return any(pause_active(p.since, p.until, zone, now) for p in pauses)


def pause_lifted_by(pause, user: User) -> bool:
    """A pause is a boundary: only the person who set it lifts it (either partner, for
    one carried over from before pauses belonged to a person)."""
    return pause.user_id is None or pause.user_id == user.id


#: Built once per process, the id bound as it runs.
_PAUSES_OF = select(PlanPause).where(PlanPause.plan_id == bindparam("plan_id", type_=Integer))


def pauses_of(plan: Plan) -> list[PlanPause]:
    """The plan's pauses as objects, for a change to them (`plan_resume`)."""
    return list(db.session.scalars(_PAUSES_OF, {"plan_id": plan.id}))


def pauses_by_plan(plan_ids: set[int]) -> dict[int, list]:
    """Every pause of these plans, in one statement (for the reminder pipeline)."""
    found: dict[int, list] = {}
    if plan_ids:
        for row in db.session.execute(
            select(PlanPause.plan_id, PlanPause.since, PlanPause.until).where(among(PlanPause.plan_id, plan_ids))
        ):
            found.setdefault(row.plan_id, []).append(row)
    return found


def plan_pause(*, scope: Scope, until: date | None, shared: bool = False) -> None:
    """Pause everything, as this person. No reason is asked; nothing written is hidden.
    The partner sees only "paused for now", and the end date only if `shared`."""
    plan = scope.plan_or_create()
    pause = db.session.scalar(select(PlanPause).where(PlanPause.plan_id == plan.id, PlanPause.user_id == scope.user.id))
    if pause is None:
        pause = PlanPause(plan_id=plan.id, user_id=scope.user.id)
        db.session.add(pause)
    pause.since, pause.until, pause.shared = now_utc(), until, shared
    db.session.flush()
    log.info("plan %s paused by user %s", plan.id, scope.user.id)


def plan_resume(*, scope: Scope) -> bool:
    """Lift this person's own pause. Returns whether the plan now runs again (it stays
    paused while the partner's pause is on). A partner's pause is theirs to lift."""
    plan = scope.plan
    if plan is None:
        return True
    pauses = pauses_of(plan)
    mine = [p for p in pauses if pause_lifted_by(p, scope.user)]
    if not mine and plan_paused_at(pauses, plan.timezone):
        raise PlanError("Your partner paused the plan. It rests until they're ready; only they can resume it.")
    for pause in mine:
        db.session.delete(pause)
    db.session.flush()
    running = not plan_paused_at([p for p in pauses if p not in mine], plan.timezone)
    if running:
        schedules_refresh_due(plan=plan)  # from now: no burst of reminders for the pause
    log.info("plan %s pause lifted by user %s", plan.id, scope.user.id)
    return running


def plan_settings_update(*, scope: Scope, timezone: str, birth_date: date | None) -> None:
    plan = scope.plan_or_create()
    zone_changed = plan.timezone != timezone
    plan.timezone = timezone
    flag_modified(plan, "timezone")  # stored as chosen, also when a zone read as UTC is kept (ZoneName)
    plan.birth_date = birth_date
    if zone_changed:
        schedules_refresh_due(plan=plan)


def schedule_refresh_due(schedule: Schedule, zone: str, *, now: datetime | None = None) -> None:
    """Point the reminder tick at the schedule's next occurrence from now on (one it can't
    read keeps its time: the tick parks it)."""
    now = now or now_utc()
    rec = recurrence_readable(schedule)
    if rec is not None:
        schedule.next_due_at = next_occurrence(rec, zone, now - timedelta(seconds=1))


def schedules_refresh_due(*, plan: Plan, now: datetime | None = None) -> None:
    for schedule in db.session.scalars(
        select(Schedule).where(Schedule.plan_id == plan.id, Schedule.removed_at.is_(None))
    ):
        schedule_refresh_due(schedule, plan.timezone, now=now)


def _own_hold(scope: Scope, user: User, refusal: str) -> Plan | None:
    """The plan, when a hold is on; only the person whose check-in started it may act
    on it (PlanError with `refusal` for anyone else)."""
    plan = scope.plan
    if plan is None or plan.hold_by_id is None:
        return None
    if plan.hold_by_id != user.id:
        raise PlanError(refusal)
    return plan


def hold_lift(*, scope: Scope, user: User) -> None:
    """Only the person whose check-in started the hold lifts it."""
    plan = _own_hold(scope, user, "The hold can only be lifted by the partner whose check-in started it.")
    if plan is None:
        return
    plan.hold_by_id = None
    plan.hold_since = None
    plan.hold_told = False
    log.info("plan %s hold lifted", plan.id)


def hold_tell_partner(*, scope: Scope, user: User) -> None:
    """The person whose check-in started the hold lets their partner see why. Until
    they do, the partner sees only that touch practices are resting for now."""
    plan = _own_hold(scope, user, "Only the partner whose check-in started the hold can share why.")
    if plan is None:
        return
    plan.hold_told = True
    log.info("plan %s hold reason shared", plan.id)


def hold_start(*, plan: Plan, user: User) -> None:
    """Hold touch practices (called by a check-in reporting strong pain, bleeding that has changed, or a fever)."""
    if plan.hold_by_id is None:
        plan.hold_by_id = user.id
        plan.hold_since = now_utc()
        plan.hold_told = False
        log.info("plan %s hold started", plan.id)


#: The columns `recurrence_of` reads, for statements that read a schedule as columns
#: (the reminder tick and dispatcher): their own names, so such a row is read directly.
RECURRENCE_COLUMNS = (
    Schedule.kind,
    Schedule.times,
    Schedule.start_date,
    Schedule.end_date,
    Schedule.weekdays,
    Schedule.interval,
)


class UnreadableSchedule(ValueError):
    """A stored schedule this version's rules refuse: written by an older version, or by hand."""


def recurrence_of(schedule: Schedule) -> Recurrence:
    """The schedule's rules (from a Schedule, or a row with `RECURRENCE_COLUMNS` and `id`);
    UnreadableSchedule when this version can't read them."""
    try:
        rec = Recurrence(
            kind=schedule.kind,
            times=tuple(time.fromisoformat(t) for t in schedule.times or ()),
            start=schedule.start_date,
            end=schedule.end_date,
            weekdays=tuple(schedule.weekdays or ()),
            interval=schedule.interval,
        )
    except (TypeError, ValueError) as exc:
        raise UnreadableSchedule(schedule.id) from exc
    if not rec.valid:
        raise UnreadableSchedule(schedule.id)
    return rec


def recurrence_readable(schedule: Schedule) -> Recurrence | None:
    """`recurrence_of`, or None (logged by id) for a schedule this version can't read:
    Today, prompt links, the feed and the plan page leave it out or say so, rather than fail
    for the whole couple. The reminder tick parks such a schedule and the dispatcher fails
    its reminders alone (they call `recurrence_of`)."""
    try:
        return recurrence_of(schedule)
    except UnreadableSchedule:
        log.warning("schedule %s can't be read by this version; left out", schedule.id)
        return None


def schedule_refused_for(*, scope: Scope, view: PlanView, author: User, practice: Practice) -> str | None:
    """Why `author` may not plan `practice`, or None. Intimate practices (stage 3 and 4)
    are planned only by the partner who leads the pace (`view`'s, as `plan_view` read it),
    so they never arrive as a request from the other. Someone on their own leads their
    own pace."""
    if not practice.is_intimate or scope.couple_id is None:
        return None
    leader_id = view.pace_leader_id
    if leader_id is None:
        return "First choose together who leads the pace, on the Partner page."
    if leader_id != author.id:
        return (
            "Practices from stage 3 on are planned by the partner who leads the pace, "
            "so they never arrive as a request. Everything before stage 3 is yours to plan too."
        )
    return None


def schedule_save(
    *,
    scope: Scope,
    author: User,
    practice: Practice,
    recurrence: Recurrence,
    prompt_user_id: int | None,
    schedule: Schedule | None = None,
) -> Schedule:
    """Add `practice` to the plan (or change `schedule`) after checking the rules."""
    view = plan_view(scope)
    if schedule is None and practice.retired_at is not None:
        raise PlanError("This practice is no longer in the library, so it can't be added again.")
    if view.is_later(practice):
        raise PlanError("This practice belongs to a later stage. It opens when you both are ready.")
    if view.is_held(practice):
        raise PlanError(RESTING)
    refused = schedule_refused_for(scope=scope, view=view, author=author, practice=practice)
    if refused:
        raise PlanError(refused)
    problems = recurrence.problems()
    if problems:
        raise PlanError(" ".join(problems.values()))
    partner = scope.partner()
    members = {scope.user.id} | ({partner.id} if partner else set())
    if prompt_user_id is not None and prompt_user_id not in members:
        raise PlanError("Please choose who gets the prompt.")
    plan = scope.plan_or_create()
    if schedule is None:
        schedule = Schedule(plan_id=plan.id, practice_id=practice.id, created_by_id=author.id)
        db.session.add(schedule)
    schedule.kind = recurrence.kind
    schedule.times = [t.strftime("%H:%M") for t in recurrence.times]
    schedule.weekdays = list(recurrence.weekdays)
    schedule.interval = recurrence.interval
    schedule.start_date = recurrence.start
    schedule.end_date = recurrence.end
    schedule.prompt_user_id = prompt_user_id
    schedule_refresh_due(schedule, plan.timezone)
    db.session.flush()
    log.info("plan %s saved schedule %s", plan.id, schedule.id)
    return schedule


def schedule_remove(*, schedule: Schedule) -> None:
    schedule.removed_at = now_utc()


class ListedSchedule(NamedTuple):
    """A current schedule as `schedules_listed` reads it: columns, nothing loaded (the
    recurrence's under their own names, so `recurrence_readable` reads it)."""

    id: int
    plan_id: int
    prompt_user_id: int | None
    kind: str
    times: list
    start_date: date
    end_date: date | None
    weekdays: list
    interval: int | None


class ListedPractice:
    """A listed schedule's practice: the columns the plan's rules ask about (kind, stage,
    `is_intimate`) and the pages show. A plan's own practice's words are sealed: they are
    opened when first read, once for this object, which lives for one request."""

    __slots__ = ("id", "kind", "stage", "together", "duration_minutes", "plan_id", "text_sealed", "_clear", "_text")

    def __init__(self, id, kind, stage, together, duration_minutes, plan_id, text_sealed, title, summary, steps):
        self.id, self.kind, self.stage, self.together = id, kind, stage, together
        self.duration_minutes, self.plan_id, self.text_sealed = duration_minutes, plan_id, text_sealed
        self._clear = (title, summary, steps)
        self._text = None

    #: The one rule, the model's own (it reads only `stage`).
    is_intimate = property(Practice.is_intimate.fget)

    def _words(self, name: str, clear):
        if self.text_sealed is None:
            return clear
        if self._text is None:
            self._text = practice_text_of(self)
        return self._text[name]

    @property
    def title(self) -> str:
        return self._words("title", self._clear[0])

    @property
    def summary(self) -> str:
        return self._words("summary", self._clear[1])

    @property
    def steps(self) -> list:
        return self._words("steps", self._clear[2])


_SCHEDULE_WIDTH = len(ListedSchedule._fields)


@functools.cache
def _schedules_statement(one: bool):
    """The plan's current schedules with their practices, in the order they were added
    (or the one named), as the columns of `ListedSchedule` then `ListedPractice`: built
    once per process, the ids bound as it runs (building it and its cache key cost more
    than half of running it)."""
    stmt = (
        select(
            Schedule.id,
            Schedule.plan_id,
            Schedule.prompt_user_id,
            *RECURRENCE_COLUMNS,
            Practice.id,
            Practice.kind,
            Practice.stage,
            Practice.together,
            Practice.duration_minutes,
            Practice.plan_id,
            Practice.text_sealed,
            # The clear columns: a placeholder for a plan's own practice, whose words are sealed.
            Practice._title,
            Practice._summary,
            Practice._steps,
        )
        .join(Practice, Practice.id == Schedule.practice_id)
        .where(Schedule.plan_id == bindparam("plan_id", type_=Integer), Schedule.removed_at.is_(None))
        .order_by(Schedule.created_at, Schedule.id)
    )
    return stmt.where(Schedule.id == bindparam("schedule_id", type_=Integer)) if one else stmt


#: Where a listed row's practice ends: a statement built on `schedules_statement` reads its
#: own columns after this.
LISTED_WIDTH = _SCHEDULE_WIDTH + 10


def _listed(rows) -> list[tuple[ListedSchedule, ListedPractice]]:
    return [schedule_and_practice(row) for row in rows]


def schedules_statement():
    """The statement `schedules_listed` runs (the plan's id bound as `plan_id`), for a
    surface that reads more with each schedule (Today: the recent prompt actions on it);
    `schedule_and_practice` reads a row's first `LISTED_WIDTH` columns as
    `schedules_listed` gives them."""
    return _schedules_statement(False)


def schedule_and_practice(row) -> tuple[ListedSchedule, ListedPractice]:
    n = _SCHEDULE_WIDTH
    return ListedSchedule(*row[:n]), ListedPractice(*row[n:LISTED_WIDTH])


def schedules_listed(scope: Scope) -> list[tuple[ListedSchedule, ListedPractice]]:
    """(schedule, practice) of each of the plan's current schedules, read as columns on the
    session's connection; none without a plan. Every surface that lists a plan's schedules
    reads them here (Today, the plan page, the calendar feed, the export)."""
    plan_id = scope.plan_id
    if plan_id is None:
        return []
    return _listed(db.session.connection().execute(_schedules_statement(False), {"plan_id": plan_id}))


def schedule_listed(scope: Scope, schedule_id: int) -> tuple[ListedSchedule, ListedPractice] | None:
    """The (schedule, practice) of one of the plan's current schedules, as `schedules_listed`
    reads them, or None."""
    plan_id = scope.plan_id
    if plan_id is None:
        return None
    values = {"plan_id": plan_id, "schedule_id": schedule_id}
    found = _listed(db.session.connection().execute(_schedules_statement(True), values))
    return found[0] if found else None


def schedule_practice(schedule: Schedule) -> Practice:
    """A schedule's practice: readable because the schedule is this plan's, even if retired since."""
    return db.session.get(Practice, schedule.practice_id)


@dataclass(frozen=True)
class Milestone:
    """A check-up to offer: the practice, the date it usually falls by, and whether
    that date has gone (it may not have happened yet, and it's not too late to ask)."""

    practice: Practice
    suggested: date
    label: str
    past: bool


#: The milestones' practices not already in the plan: built once per process, the plan bound as it runs.
_MILESTONES_OFFERED = select(Practice).where(
    Practice.slug.in_([slug for slug, _, _ in MILESTONES]),
    Practice.retired_at.is_(None),
    ~select(Schedule.id)
    .where(
        Schedule.plan_id == bindparam("plan_id", type_=Integer),
        Schedule.practice_id == Practice.id,
        Schedule.removed_at.is_(None),
    )
    .exists(),
)


def milestones_offered(view: PlanView, *, today: date) -> list[Milestone]:
    """Check-up milestones to schedule, with the date the label's weeks give, when a
    birth date is known; one already in the plan is not offered again (one statement)."""
    if view.birth_date is None or view.plan is None:  # a birth date is the plan's
        return []
    slugs = {slug: (weeks, label) for slug, weeks, label in MILESTONES}
    offered = []
    found = db.session.scalars(_MILESTONES_OFFERED, {"plan_id": view.plan.id})
    for practice in sorted(found, key=lambda p: slugs[p.slug][0]):
        weeks, label = slugs[practice.slug]
        suggested = view.birth_date + timedelta(weeks=weeks)
        offered.append(Milestone(practice, suggested, label, suggested < today))
    return offered
