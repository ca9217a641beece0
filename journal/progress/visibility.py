"""Which check-ins' numbers a viewer may count: the seam between the check-in
reveal rule and every aggregate (progress charts, sentences, "what seems to help",
the clinician summary).

`checkins_visible_to` (journal/checkins/services.py) says which rows a person may
read at all. Answers given together to a prompt for both are a further rule: the
partner's answers open only once the viewer has answered the same prompt too (or
after 48 hours, if the plan says so). `checkin_views` applies that rule to rows
loaded into Python; an aggregate needs it as SQL, so `checkins_open_to` expresses
the same rule as a subquery. When the check-ins package offers the reveal rule as
SQL, this one function is the place that calls it instead.
"""
from datetime import datetime

from sqlalchemy import Select, and_, exists, false, not_
from sqlalchemy.orm import aliased

from journal.access import SHARED, Scope
from journal.checkins.services import REVEAL_AFTER, checkins_visible_to
from journal.models import now_utc
from journal.models.checkins import CheckIn


def _hidden_clause(scope: Scope, now: datetime):
    """The partner's answers given together that are not open to this viewer yet."""
    if scope.couple_id is None:
        return false()
    other = aliased(CheckIn)
    answered_too = exists().where(
        other.couple_id == scope.couple_id,
        other.visibility == SHARED,
        other.together.is_(True),
        other.author_id != CheckIn.author_id,
        other.schedule_id == CheckIn.schedule_id,
        other.occurrence_at == CheckIn.occurrence_at,
    )
    waiting = and_(
        CheckIn.author_id != scope.user.id,
        CheckIn.together.is_(True),
        CheckIn.visibility == SHARED,
        CheckIn.couple_id == scope.couple_id,
        not_(answered_too),
    )
    plan = scope.plan
    if plan is not None and plan.reveal_after_48h:
        waiting = and_(waiting, CheckIn.created_at > now - REVEAL_AFTER)
    return waiting


def checkins_open_to(scope: Scope, *, now: datetime | None = None) -> Select:
    """The check-ins whose numbers this viewer may see: their own, and the partner's
    shared ones that are open to them. A `select(CheckIn)`, unordered, to filter further."""
    now = now or now_utc()
    visible = checkins_visible_to(scope).order_by(None)
    return visible.where(not_(_hidden_clause(scope, now)))

