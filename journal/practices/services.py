"""Loading the library into the database, browsing it, and a couple's own practices."""

import functools
import logging
from typing import NamedTuple

from flask import abort
from sqlalchemy import and_, bindparam, case, or_, select, update

from journal.access import Scope, plan_rule
from journal.extensions import db
from journal.models import KINDS, Plan, Practice, User, now_utc
from journal.models.practice import OWN_TEXT_FIELDS
from journal.plan.rules import practice_held, practice_later
from journal.practices.library import FIELDS, library_data
from journal.practices.sealing import PLACEHOLDER, practice_text_of, practice_text_seal

log = logging.getLogger(__name__)


def practices_load(*, data: dict | None = None) -> dict[str, int]:
    """Insert new library practices and update changed ones by slug. Practices that
    left the file are retired, never deleted, so nobody's history loses them.
    Safe to run again and from several processes at once (slugs are unique)."""
    data = data or library_data()
    existing = {p.slug: p for p in db.session.scalars(select(Practice).where(Practice.slug.is_not(None)))}
    counts = {"added": 0, "updated": 0, "unchanged": 0, "retired": 0}
    for item in data["practices"]:
        values = {field: item.get(field) for field in FIELDS}
        practice = existing.get(item["slug"])
        if practice is None:
            db.session.add(Practice(**values))
            counts["added"] += 1
            continue
        changed = {k: v for k, v in values.items() if getattr(practice, k) != v}
        if changed or practice.retired_at is not None:
            for key, value in changed.items():
                setattr(practice, key, value)
            practice.retired_at = None
            counts["updated"] += 1
        else:
            counts["unchanged"] += 1
    slugs = [item["slug"] for item in data["practices"]]
    counts["retired"] = db.session.execute(
        update(Practice)
        .where(Practice.slug.is_not(None), Practice.slug.not_in(slugs), Practice.retired_at.is_(None))
        .values(retired_at=now_utc())
    ).rowcount
    db.session.flush()
    log.info("practice library loaded: %s", counts)
    return counts


def _visible(plan_id):
    """The rule of which practices a plan's people see: the library (not retired) and the
    plan's own (`plan_id` a value, a bound parameter, or None for no plan)."""
    library = and_(Practice.plan_id.is_(None), Practice.retired_at.is_(None))
    return library if plan_id is None else or_(library, Practice.plan_id == plan_id)


def practices_visible(scope: Scope):
    """The library (not retired) and this plan's own practices, as a select."""
    return select(Practice).where(_visible(scope.plan_id))


def practice_get_or_404(scope: Scope, practice_id: int) -> Practice:
    """Any library practice (retired ones too: a plan may still hold them) or one of
    this plan's own; anything else is a 404."""
    mine = Practice.plan_id.is_(None)
    if scope.plan_id is not None:
        mine = or_(mine, Practice.plan_id == scope.plan_id)
    practice = db.session.scalar(select(Practice).where(mine, Practice.id == practice_id))
    if practice is None:
        abort(404)
    return practice


def practice_create(*, scope: Scope, author: User, **fields) -> Practice:
    """A practice of the plan's own, visible to that plan only; its words are sealed."""
    plan = scope.plan_or_create()
    clear = {k: v for k, v in fields.items() if k not in OWN_TEXT_FIELDS}
    practice = Practice(plan_id=plan.id, author_id=author.id, slug=None, topics=[], **PLACEHOLDER, **clear)
    db.session.add(practice)
    db.session.flush()
    practice_text_seal(practice, fields)
    db.session.flush()
    log.info("plan %s wrote practice %s", plan.id, practice.id)
    return practice


def practice_update(*, practice: Practice, **fields) -> None:
    """Change a plan's own practice; its words are sealed again as a whole."""
    for key, value in fields.items():
        if key not in OWN_TEXT_FIELDS:
            setattr(practice, key, value)
    if set(OWN_TEXT_FIELDS) & fields.keys():
        current = {name: getattr(practice, name) for name in OWN_TEXT_FIELDS} if practice.text_sealed else {}
        practice_text_seal(practice, {**current, **{k: v for k, v in fields.items() if k in OWN_TEXT_FIELDS}})


class PracticeCard(NamedTuple):
    """What a card of the library shows: read as columns, not as loaded practices (77
    objects a view cost a quarter of the page); a plan's own practice's words opened."""

    id: int
    kind: str
    title: str
    summary: str
    duration_minutes: int
    stage: int | None
    together: bool
    is_custom: bool


class LibraryPlan(NamedTuple):
    """What the library's marks ask of the person's plan, read with the practices
    (`practices_browse`): its stage and its safety hold (stage 1 and none without a plan,
    as `plan_view` says). Asked through the plan's own rules, as `PlanView` asks them."""

    stage: int = 1
    hold_by_id: int | None = None

    def is_later(self, practice) -> bool:
        return practice_later(stage=practice.stage, plan_stage=self.stage)

    def is_held(self, practice) -> bool:
        return practice_held(kind=practice.kind, hold_by_id=self.hold_by_id)


@functools.cache
def _browse_statement(in_couple: bool, by_kind: bool, by_stage: bool):
    """One statement per shape, built once per process; the values are bound as it runs.
    The person's plan (`plan_rule`) is joined: its own practices are listed by it, and
    every row carries its stage and hold for the cards' marks (`LibraryPlan`), where the
    page read the plan in a statement of its own first. The library's order: by kind (as
    KINDS lists them), stage, then title. The columns' order is the one
    `practices_browse` unpacks."""
    stmt = (
        select(
            Practice.id,
            Practice.kind,
            Practice.title,  # the clear columns, labelled "title" and "summary"
            Practice.summary,
            Practice.duration_minutes,
            Practice.stage,
            Practice.together,
            Practice.plan_id,
            Practice.text_sealed,
            Plan.stage.label("plan_stage"),
            Plan.hold_by_id.label("plan_hold_by_id"),
        )
        .select_from(Practice)
        .outerjoin(Plan, plan_rule(in_couple))
        .where(_visible(Plan.id))
    )
    if by_kind:
        stmt = stmt.where(Practice.kind == bindparam("kind"))
    if by_stage:
        stmt = stmt.where(Practice.stage == bindparam("stage"))
    order = case({k: i for i, k in enumerate(KINDS)}, value=Practice.kind)
    return stmt.order_by(order, Practice.stage, Practice._title)


def practices_browse(
    scope: Scope, *, kind: str | None = None, stage: int | None = None
) -> tuple[LibraryPlan, list[PracticeCard]]:
    """The practices this person may see (`_visible`), of one kind and stage if given, in
    the library's order, as cards, and what their marks ask of the plan, in one statement
    (the plan as stored: the library page changes nothing before it reads)."""
    stmt = _browse_statement(scope.couple_id is not None, bool(kind), bool(stage))
    plan, cards = LibraryPlan(), []
    # Through the connection: columns need nothing of the ORM, whose part of reading 77 rows
    # cost as much as the statement. Each row unpacked in the statement's order: a column
    # read by its name on a Row first fails a lookup on Row's class (an AttributeError
    # raised and caught, about half a microsecond: 0.5 ms for the nine columns of 77 rows).
    rows = db.session.connection().execute(stmt, {**scope.plan_values(), "kind": kind, "stage": stage}).all()
    for row in rows:
        id_, kind_, title, summary, minutes, stage_, together, own_plan_id, sealed, _, _ = row
        if sealed is not None:  # a plan's own practice: its words are sealed
            text = practice_text_of(row)
            title, summary = text["title"], text["summary"]
        cards.append(PracticeCard(id_, kind_, title, summary, minutes, stage_, together, own_plan_id is not None))
    if rows and rows[0][-2] is not None:  # the plan's, the same on every row; none without a plan
        plan = LibraryPlan(rows[0][-2], rows[0][-1])
    return plan, cards
