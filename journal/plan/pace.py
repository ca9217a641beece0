"""Pace: the stage of touch practices.

Stepping back is for either partner, alone and at once. Moving forward needs a
private "ready" from both, and the partner who leads the pace is always one of
them. A "ready" lasts 7 days, and every "ready" goes when anyone steps back.
Nothing ever tells one partner that the other is waiting.
"""

import logging
from datetime import datetime, timedelta
from typing import NamedTuple

from sqlalchemy import Integer, bindparam, delete, literal_column, null, select, union_all

from journal.access import Scope
from journal.extensions import db
from journal.models import Couple, PaceReady, Plan, StageChange, User, now_utc

log = logging.getLogger(__name__)

FIRST_STAGE, LAST_STAGE = 1, 4
READY_LIFETIME = timedelta(days=7)


class PaceError(Exception):
    """A pace change that can't happen; the message is for the person."""


def _record(plan: Plan, to_stage: int, now: datetime) -> None:
    db.session.add(StageChange(plan_id=plan.id, from_stage=plan.stage, to_stage=to_stage, created_at=now))
    plan.stage = to_stage
    db.session.execute(delete(PaceReady).where(PaceReady.plan_id == plan.id))


def pace_step_back(*, scope: Scope, now: datetime | None = None) -> int:
    """One stage back, at once. Returns the new stage."""
    now = now or now_utc()
    plan = scope.plan
    if plan is None or plan.stage <= FIRST_STAGE:
        raise PaceError("You're at the gentlest stage already. You can pause the whole plan at any time.")
    _record(plan, plan.stage - 1, now)
    log.info("plan %s stepped back to stage %s", plan.id, plan.stage)
    return plan.stage


# The plan page's statements, built once per process, the values bound as they run.
#: One person's ready mark: loaded to be changed (`pace_mark_ready`), or run on the session's
#: connection for its columns when only read (`my_ready`).
_READY_MARK = select(PaceReady).where(
    PaceReady.plan_id == bindparam("plan_id", type_=Integer), PaceReady.user_id == bindparam("user_id", type_=Integer)
)
#: How many of the latest stage changes the plan page shows.
HISTORY_SHOWN = 10
#: The page only shows them: columns, run on the session's connection (no objects loaded).
#: The cut is written into the statement once: a LIMIT's parameter is written into the SQL
#: each time it runs (a quarter of the statement's cost).
_STAGE_HISTORY = (
    select(StageChange.created_at, StageChange.from_stage, StageChange.to_stage)
    .where(StageChange.plan_id == bindparam("plan_id", type_=Integer))
    .order_by(StageChange.created_at.desc(), StageChange.id.desc())
    .limit(literal_column(str(HISTORY_SHOWN)))
)


def my_ready(*, scope: Scope, view=None, now: datetime | None = None) -> bool:
    """Whether *this* person has a live ready mark (never the partner's). `view`: the page's
    `plan_view`, when it has one (its plan, which may be a row: nothing more is loaded)."""
    plan = scope.plan if view is None else view.plan
    if plan is None:
        return False
    mark = db.session.connection().execute(_READY_MARK, {"plan_id": plan.id, "user_id": scope.user.id}).first()
    return _live(mark, plan, now or now_utc())


def _live(mark, plan, now: datetime) -> bool:
    """Whether a mark (a PaceReady, or a row of its columns) counts for `plan` (a Plan, or a
    row of its columns): for the next stage, and fresh."""
    return mark is not None and mark.to_stage == plan.stage + 1 and now - mark.created_at < READY_LIFETIME


def pace_mark_ready(*, scope: Scope, user: User, to_stage: int, now: datetime | None = None) -> bool:
    """Mark this person ready for `to_stage` (the next stage only). Returns True when
    this mark completed the agreement and the stage moved forward."""
    now = now or now_utc()
    plan = scope.plan_or_create()
    if plan.stage >= LAST_STAGE:
        raise PaceError("This is the last stage. There's nowhere further to go, and nothing to reach.")
    if to_stage != plan.stage + 1:
        raise PaceError("Stages open one at a time.")
    members = [user.id]
    leader_id = user.id
    if scope.couple_id is not None:
        partner = scope.partner()
        couple = db.session.get(Couple, scope.couple_id)
        members += [partner.id] if partner else []
        leader_id = couple.pace_leader_id
        if leader_id is None:
            raise PaceError("First choose together who leads the pace, on the Partner page.")
    mark = db.session.scalar(_READY_MARK, {"plan_id": plan.id, "user_id": user.id})
    if mark is None:
        db.session.add(PaceReady(plan_id=plan.id, user_id=user.id, to_stage=to_stage, created_at=now))
    else:
        mark.to_stage, mark.created_at = to_stage, now
    db.session.flush()
    marks = db.session.scalars(select(PaceReady).where(PaceReady.plan_id == plan.id)).all()
    ready = {m.user_id for m in marks if _live(m, plan, now)}
    if set(members) <= ready and leader_id in ready:
        _record(plan, to_stage, now)
        log.info("plan %s moved forward to stage %s", plan.id, plan.stage)
        return True
    return False


def pace_restart_for_couple(*, plan: Plan, now: datetime | None = None) -> None:
    """A plan that becomes a couple's starts at the first stage: the new partner
    agreed to nothing yet."""
    if plan.stage != FIRST_STAGE:
        _record(plan, FIRST_STAGE, now or now_utc())
    else:
        db.session.execute(delete(PaceReady).where(PaceReady.plan_id == plan.id))


def pace_unmark(*, scope: Scope, user: User) -> None:
    if scope.plan is not None:
        db.session.execute(delete(PaceReady).where(PaceReady.plan_id == scope.plan.id, PaceReady.user_id == user.id))


def stage_history(scope: Scope) -> list:
    """The plan's `HISTORY_SHOWN` latest stage changes, newest first, as rows of
    `created_at`, `from_stage` and `to_stage`."""
    if scope.plan_id is None:
        return []
    return db.session.connection().execute(_STAGE_HISTORY, {"plan_id": scope.plan_id}).all()


class PaceShown(NamedTuple):
    """The plan page's pace: the latest stage changes (`stage_history`) and whether this
    person has a live ready mark (`my_ready`)."""

    history: list
    my_ready: bool


_HISTORY_CUT = _STAGE_HISTORY.add_columns(StageChange.id, literal_column("0").label("mark")).subquery()
#: `stage_history` and this person's ready mark in one statement (two were two round
#: trips): the changes, newest first, then the mark, if any, as the row marked 1.
_PACE_SHOWN = union_all(
    select(_HISTORY_CUT),
    select(PaceReady.created_at, null(), PaceReady.to_stage, PaceReady.id, literal_column("1")).where(
        PaceReady.plan_id == bindparam("plan_id", type_=Integer),
        PaceReady.user_id == bindparam("user_id", type_=Integer),
    ),
).order_by(literal_column("mark"), literal_column("created_at").desc(), literal_column("id").desc())


def pace_shown(*, scope: Scope, view, now: datetime | None = None) -> PaceShown:
    """`stage_history` and `my_ready` for the plan page, in one statement. `view`: the
    page's `plan_view`."""
    if view.plan is None:
        return PaceShown([], False)
    values = {"plan_id": view.plan.id, "user_id": scope.user.id}
    rows = db.session.connection().execute(_PACE_SHOWN, values).all()
    mark = rows.pop() if rows and rows[-1].mark else None
    return PaceShown(rows, _live(mark, view.plan, now or now_utc()))
