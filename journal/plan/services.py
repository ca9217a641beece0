"""The plan: schedules, pausing, the postpartum timeline, the time zone."""
import logging
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from journal.access import Scope
from journal.extensions import db
from journal.models import Couple, Plan, Practice, Schedule, User, now_utc
from journal.plan.recurrence import Recurrence, next_occurrence

log = logging.getLogger(__name__)

#: Library practices offered as check-up milestones when a birth date is known:
#: (slug, suggested weeks after the birth, how the plan page names it).
MILESTONES = (
    ("early-postnatal-contact", 2, "An early check in the first weeks"),
    ("full-postnatal-check-up", 8, "A fuller check-up, usually by about 12 weeks"),
)


class PlanError(Exception):
    """A plan change that can't happen; the message is for the person."""


@dataclass(frozen=True)
class PlanView:
    """What pages need to know about the current plan, also when none exists yet."""

    plan: Plan | None
    timezone: str
    stage: int
    paused: bool
    paused_until: date | None
    on_hold: bool
    hold_by_id: int | None
    birth_date: date | None

    def weeks_since_birth(self, today: date) -> int | None:
        if self.birth_date is None or self.birth_date > today:
            return None
        return (today - self.birth_date).days // 7

    def is_later(self, practice: Practice) -> bool:
        """Above the current stage: shown as "later", can't be scheduled yet."""
        return practice.stage is not None and practice.stage > self.stage

    def is_held(self, practice: Practice) -> bool:
        return self.on_hold and practice.kind == "touch"


def plan_view(scope: Scope, *, now: datetime | None = None) -> PlanView:
    plan = scope.plan
    if plan is None:
        return PlanView(None, scope.user.timezone, 1, False, None, False, None, None)
    return PlanView(
        plan=plan,
        timezone=plan.timezone,
        stage=plan.stage,
        paused=plan_is_paused(plan, now=now),
        paused_until=plan.paused_until,
        on_hold=plan.hold_by_id is not None,
        hold_by_id=plan.hold_by_id,
        birth_date=plan.birth_date,
    )


def plan_is_paused(plan: Plan, *, now: datetime | None = None) -> bool:
    """Paused, and not past the chosen end date (inclusive, in the plan's zone)."""
    return paused_on(plan.paused_at, plan.paused_until, plan.timezone, now=now)


def paused_on(paused_at: datetime | None, paused_until: date | None, zone: str, *, now: datetime | None = None) -> bool:
    """`plan_is_paused` from the plan's columns alone (for bulk readers like the dispatcher)."""
    if paused_at is None:
        return False
    if paused_until is None:
        return True
    today = (now or now_utc()).astimezone(ZoneInfo(zone)).date()
    return today <= paused_until


def plan_pause(*, scope: Scope, until: date | None) -> None:
    """Pause everything. No reason is asked; nothing written is hidden."""
    plan = scope.plan_or_create()
    plan.paused_at = now_utc()
    plan.paused_until = until
    log.info("plan %s paused", plan.id)


def plan_resume(*, scope: Scope) -> None:
    plan = scope.plan_or_create()
    plan.paused_at = None
    plan.paused_until = None
    schedules_refresh_due(plan=plan)  # from now: no burst of reminders for the pause
    log.info("plan %s resumed", plan.id)


def plan_settings_update(*, scope: Scope, timezone: str, birth_date: date | None) -> None:
    plan = scope.plan_or_create()
    zone_changed = plan.timezone != timezone
    plan.timezone = timezone
    plan.birth_date = birth_date
    if zone_changed:
        schedules_refresh_due(plan=plan)


def schedule_refresh_due(schedule: Schedule, zone: str, *, now: datetime | None = None) -> None:
    """Point the reminder tick at the schedule's next occurrence from now on."""
    now = now or now_utc()
    schedule.next_due_at = next_occurrence(recurrence_of(schedule), zone, now - timedelta(seconds=1))


def schedules_refresh_due(*, plan: Plan, now: datetime | None = None) -> None:
    for schedule in db.session.scalars(
        select(Schedule).where(Schedule.plan_id == plan.id, Schedule.removed_at.is_(None))
    ):
        schedule_refresh_due(schedule, plan.timezone, now=now)


def hold_lift(*, scope: Scope, user: User) -> None:
    """Only the person whose check-in started the hold lifts it."""
    plan = scope.plan
    if plan is None or plan.hold_by_id is None:
        return
    if plan.hold_by_id != user.id:
        raise PlanError("The hold can only be lifted by the partner whose check-in started it.")
    plan.hold_by_id = None
    plan.hold_since = None
    log.info("plan %s hold lifted", plan.id)


def hold_start(*, plan: Plan, user: User) -> None:
    """Hold touch practices (called by a check-in reporting strong pain, bleeding that has changed, or a fever)."""
    if plan.hold_by_id is None:
        plan.hold_by_id = user.id
        plan.hold_since = now_utc()
        log.info("plan %s hold started", plan.id)


def recurrence_of(schedule: Schedule) -> Recurrence:
    return Recurrence(
        kind=schedule.kind,
        times=tuple(time.fromisoformat(t) for t in schedule.times),
        start=schedule.start_date,
        end=schedule.end_date,
        weekdays=tuple(schedule.weekdays or ()),
        interval=schedule.interval,
    )


def schedule_refused_for(*, scope: Scope, author: User, practice: Practice) -> str | None:
    """Why `author` may not plan `practice`, or None. Intimate practices (stage 3 and 4)
    are planned only by the partner who leads the pace, so they never arrive as a
    request from the other. Someone on their own leads their own pace."""
    if not practice.is_intimate or scope.couple_id is None:
        return None
    leader_id = db.session.scalar(select(Couple.pace_leader_id).where(Couple.id == scope.couple_id))
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
    refused = schedule_refused_for(scope=scope, author=author, practice=practice)
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


def schedules_with_practices(scope: Scope):
    """The plan's current schedules with their practices, as one statement."""
    return (
        scope.in_plan(Schedule)
        .add_columns(Practice)
        .join(Practice, Practice.id == Schedule.practice_id)
        .where(Schedule.removed_at.is_(None))
        .order_by(Schedule.created_at, Schedule.id)
    )


def milestones_offered(view: PlanView) -> list[tuple[Practice, date, str]]:
    """Check-up milestones to schedule, with a suggested date, when a birth date is known."""
    if view.birth_date is None:
        return []
    slugs = {slug: (weeks, label) for slug, weeks, label in MILESTONES}
    practices = db.session.scalars(select(Practice).where(Practice.slug.in_(slugs))).all()
    return [
        (p, view.birth_date + timedelta(weeks=slugs[p.slug][0]), slugs[p.slug][1])
        for p in sorted(practices, key=lambda p: slugs[p.slug][0])
    ]
