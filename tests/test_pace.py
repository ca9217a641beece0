"""Pace: every allowed and refused change of stage, in the rules
(journal.plan.pace, with an explicit `now=`) and through the plan page.

Stepping back is for either partner, alone and at once. Moving forward needs a
live, private "ready" from both partners, one of them the pace leader; a mark
lasts 7 days and is for the next stage only. Nobody is ever told that the
other is waiting.
"""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete, select

from journal.access import Scope
from journal.couple.services import invite_accept, invite_by_token, invite_create
from journal.extensions import db
from journal.models import PaceReady, Plan, StageChange, now_utc
from journal.plan import pace
from journal.plan.services import plan_view
from journal.testing import (
    Element,
    client_for,
    couple_plan,
    elements,
    flashes,
    make_couple,
    make_practice,
    make_schedule,
    make_user,
    read_text,
    without_csrf_tokens,
)

NOW = datetime(2026, 5, 4, 12, 0, tzinfo=UTC)
NOTED = "Noted, just for you. Nothing changes until you both feel ready."

# -- helpers --------------------------------------------------------------------------


def changes() -> list[tuple[int, int]]:
    return [(c.from_stage, c.to_stage) for c in db.session.scalars(select(StageChange).order_by(StageChange.id))]


def marks() -> dict[int, int]:
    """user id -> the stage they marked ready for."""
    return {m.user_id: m.to_stage for m in db.session.scalars(select(PaceReady))}


def mark(plan, user, to_stage, at):
    db.session.add(PaceReady(plan_id=plan.id, user_id=user.id, to_stage=to_stage, created_at=at))
    db.session.commit()


def ready(user, to_stage, now):
    """`user` says ready through the rules, committed as a request would."""
    moved = pace.pace_mark_ready(scope=Scope(user), user=user, to_stage=to_stage, now=now)
    db.session.commit()
    return moved


def step_back(user, now):
    stage = pace.pace_step_back(scope=Scope(user), now=now)
    db.session.commit()
    return stage


def stage_of(plan) -> int:
    db.session.refresh(plan)
    return plan.stage


# -- stepping back ----------------------------------------------------------------------


def test_either_partner_steps_back_alone_and_at_once(app, couple):
    ana, bo, c = couple
    plan = couple_plan(c, stage=3)

    assert step_back(bo, NOW) == 2  # Bo doesn't lead the pace, and needs nobody

    assert stage_of(plan) == 2
    change = db.session.scalar(select(StageChange))
    assert (change.plan_id, change.from_stage, change.to_stage, change.created_at) == (plan.id, 3, 2, NOW)

    assert step_back(ana, NOW + timedelta(minutes=5)) == 1
    assert stage_of(plan) == 1
    assert changes() == [(3, 2), (2, 1)]

    # At the first stage there's nowhere back to go: refused calmly, nothing recorded.
    with pytest.raises(pace.PaceError, match="gentlest stage already"):
        pace.pace_step_back(scope=Scope(bo), now=NOW + timedelta(minutes=10))
    db.session.commit()
    assert stage_of(plan) == 1
    assert changes() == [(3, 2), (2, 1)]


def test_a_step_back_clears_every_ready_mark(app, couple):
    ana, bo, c = couple
    plan = couple_plan(c, stage=2)
    cy = make_user(email="cy@example.com", display_name="Cy")
    other = couple_plan(make_couple(cy, make_user(email="di@example.com"), pace_leader=cy), stage=2)
    mark(plan, ana, 3, NOW - timedelta(hours=1))
    mark(plan, bo, 3, NOW - timedelta(hours=2))
    mark(other, cy, 3, NOW - timedelta(hours=1))

    step_back(bo, NOW)

    assert stage_of(plan) == 1
    assert marks() == {cy.id: 3}  # every mark of this plan went, no one else's


# -- moving forward -------------------------------------------------------------------


def test_forward_needs_both_partners_with_the_leader(app, couple):
    ana, bo, c = couple  # Ana leads the pace
    plan = couple_plan(c)

    assert ready(bo, 2, NOW) is False
    assert stage_of(plan) == 1
    assert pace.my_ready(scope=Scope(bo), now=NOW) is True
    assert pace.my_ready(scope=Scope(ana), now=NOW) is False  # Bo's mark is his alone

    assert ready(ana, 2, NOW + timedelta(days=2)) is True

    assert stage_of(plan) == 2
    change = db.session.scalar(select(StageChange))
    assert (change.from_stage, change.to_stage, change.created_at) == (1, 2, NOW + timedelta(days=2))
    assert marks() == {}  # a new stage starts with no marks

    # The leader alone doesn't move it either; once Bo joins her, it moves.
    assert ready(ana, 3, NOW + timedelta(days=3)) is False
    assert stage_of(plan) == 2
    assert ready(bo, 3, NOW + timedelta(days=4)) is True
    assert stage_of(plan) == 3
    assert changes() == [(1, 2), (2, 3)]


def test_the_plan_page_reads_the_history_and_only_its_own_mark_together(app, couple):
    """`pace_shown` (one statement) says what `stage_history` and `my_ready` say."""
    ana, bo, c = couple
    plan = couple_plan(c)
    ready(bo, 2, NOW)
    ready(ana, 2, NOW + timedelta(days=1))
    ready(bo, 3, NOW + timedelta(days=2))
    ready(ana, 3, NOW + timedelta(days=3))
    mark(plan, bo, 4, NOW + timedelta(days=4))
    db.session.commit()
    later = NOW + timedelta(days=5)
    for person, mine in ((bo, True), (ana, False)):
        scope = Scope(person)
        shown = pace.pace_shown(scope=scope, view=plan_view(scope), now=later)
        assert [(row.from_stage, row.to_stage) for row in shown.history] == [(2, 3), (1, 2)]
        assert [tuple(row[:3]) for row in shown.history] == [tuple(row) for row in pace.stage_history(scope)]
        assert shown.my_ready is mine is pace.my_ready(scope=scope, now=later)
    assert pace.pace_shown(scope=Scope(bo), view=plan_view(Scope(bo)), now=NOW + timedelta(days=12)).my_ready is False


def test_marks_that_do_not_count(app, couple):
    ana, bo, c = couple
    plan = couple_plan(c)

    # Older than 7 days.
    mark(plan, bo, 2, NOW - timedelta(days=8))
    assert ready(ana, 2, NOW) is False
    assert stage_of(plan) == 1
    assert pace.my_ready(scope=Scope(bo), now=NOW) is False

    # Within the 7 days it still counts.
    db.session.execute(delete(PaceReady))
    mark(plan, bo, 2, NOW - timedelta(days=7) + timedelta(minutes=1))
    assert ready(ana, 2, NOW) is True
    assert stage_of(plan) == 2

    # A mark for another stage than the next one.
    mark(plan, bo, 4, NOW)
    assert ready(ana, 3, NOW + timedelta(minutes=1)) is False
    assert stage_of(plan) == 2
    assert changes() == [(1, 2)]


def test_forward_refusals(app, couple):
    ana, bo, c = couple
    plan = couple_plan(c)

    c.pace_leader_id = None
    db.session.commit()
    with pytest.raises(pace.PaceError, match="First choose together who leads the pace"):
        pace.pace_mark_ready(scope=Scope(bo), user=bo, to_stage=2, now=NOW)
    db.session.rollback()
    assert marks() == {} and stage_of(plan) == 1

    c.pace_leader_id = ana.id
    db.session.commit()
    for jump in (3, 4, 1, 0):
        with pytest.raises(pace.PaceError, match="Stages open one at a time."):
            pace.pace_mark_ready(scope=Scope(ana), user=ana, to_stage=jump, now=NOW)
        db.session.rollback()
    assert marks() == {} and stage_of(plan) == 1

    plan.stage = 4
    db.session.commit()
    with pytest.raises(pace.PaceError, match="This is the last stage"):
        pace.pace_mark_ready(scope=Scope(ana), user=ana, to_stage=5, now=NOW)
    db.session.rollback()
    assert marks() == {} and stage_of(plan) == 4
    assert changes() == []


def test_a_solo_user_moves_forward_alone(app, user):
    ana = user  # no partner yet: her plan-of-one

    assert ready(ana, 2, NOW) is True

    plan = db.session.scalar(select(Plan))
    assert (plan.owner_id, plan.stage) == (ana.id, 2)
    assert changes() == [(1, 2)]
    assert db.session.scalar(select(StageChange)).created_at == NOW

    # And through the page.
    client = client_for(app, ana)
    assert client.post("/plan/pace/ready", data={"to_stage": "3"}).status_code == 302
    page = client.get("/plan")
    assert "Stage 3 is open" in " ".join(msg for _, msg in flashes(page))
    assert stage_of(plan) == 3
    assert "Our pace: stage 3 of 4" in read_text(page)
    assert "stage 2 to 3" in read_text(page)
    assert client.post("/plan/pace/back").status_code == 302
    assert stage_of(plan) == 2


# -- through the plan page ------------------------------------------------------------


def history_lines(response) -> list[str]:
    for heading in elements(response, "h3"):
        if heading.text == "How the pace has moved":
            siblings = [c for c in heading.parent.children if isinstance(c, Element)]
            following = siblings[siblings.index(heading) + 1 :]
            if following and following[0].tag == "ul":
                return [li.text for li in following[0].select("li")]
    return []


def test_step_back_through_the_page(app, couple):
    ana, bo, c = couple
    plan = couple_plan(c, stage=3)
    mark(plan, ana, 4, now_utc())
    client = client_for(app, bo)

    response = client.post("/plan/pace/back")

    assert response.status_code == 302
    page = client.get("/plan")
    assert ("success", "You're at stage 2 now. Slowing down is always right.") in flashes(page)
    assert stage_of(plan) == 2
    assert marks() == {}
    change = db.session.scalar(select(StageChange))
    assert (change.from_stage, change.to_stage) == (3, 2)
    assert history_lines(page) == [f"{change.created_at:%-d %B %Y}: stage 3 to 2"]
    assert "Our pace: stage 2 of 4" in read_text(page)

    client.post("/plan/pace/back")
    page = client.get("/plan")
    assert stage_of(plan) == 1
    assert "Step back a stage" not in read_text(page)  # not offered at the first stage

    response = client.post("/plan/pace/back")

    assert response.status_code == 302
    page = client.get("/plan")
    assert ("info", "You're at the gentlest stage already. You can pause the whole plan at any time.") in flashes(page)
    assert stage_of(plan) == 1
    assert changes() == [(3, 2), (2, 1)]


def test_moving_forward_through_the_page(app, couple):
    ana, bo, c = couple
    plan = couple_plan(c)
    ana_client, bo_client = client_for(app, ana), client_for(app, bo)

    bo_client.post("/plan/pace/ready", data={"to_stage": "2"})
    assert ("info", NOTED) in flashes(bo_client.get("/plan"))
    assert stage_of(plan) == 1

    ana_client.post("/plan/pace/ready", data={"to_stage": "2"})
    page = ana_client.get("/plan")
    assert ("success", "You're both ready: stage 2 is open. Go slowly.") in flashes(page)
    assert stage_of(plan) == 2
    assert "Our pace: stage 2 of 4" in read_text(page)

    # The leader alone: nothing moves.
    ana_client.post("/plan/pace/ready", data={"to_stage": "3"})
    assert ("info", NOTED) in flashes(ana_client.get("/plan"))
    assert stage_of(plan) == 2

    bo_client.post("/plan/pace/ready", data={"to_stage": "3"})
    assert stage_of(plan) == 3
    bo_client.post("/plan/pace/back")
    assert stage_of(plan) == 2

    # Every change is kept with its time and shown, newest first, to both.
    rows = db.session.scalars(select(StageChange).order_by(StageChange.id)).all()
    assert [(r.from_stage, r.to_stage) for r in rows] == [(1, 2), (2, 3), (3, 2)]
    assert all(r.created_at is not None and r.plan_id == plan.id for r in rows)
    assert rows[0].created_at <= rows[1].created_at <= rows[2].created_at
    expected = [f"{r.created_at:%-d %B %Y}: stage {r.from_stage} to {r.to_stage}" for r in reversed(rows)]
    assert history_lines(ana_client.get("/plan")) == expected
    assert history_lines(bo_client.get("/plan")) == expected


def test_an_old_mark_does_not_count_through_the_page(app, couple):
    ana, bo, c = couple
    plan = couple_plan(c)
    bo_client = client_for(app, bo)
    bo_client.post("/plan/pace/ready", data={"to_stage": "2"})
    assert "Take that back" in read_text(bo_client.get("/plan"))

    mine = db.session.scalar(select(PaceReady))
    mine.created_at = now_utc() - timedelta(days=8)
    db.session.commit()

    assert "I feel ready for stage 2" in read_text(bo_client.get("/plan"))  # his mark has lapsed
    client_for(app, ana).post("/plan/pace/ready", data={"to_stage": "2"})
    assert stage_of(plan) == 1
    assert changes() == []


def test_refused_forward_moves_through_the_page(app, couple):
    ana, bo, c = couple
    plan = couple_plan(c)
    client = client_for(app, ana)

    # A jump of two, or nonsense.
    for to_stage in ("3", "1", "x", ""):
        response = client.post("/plan/pace/ready", data={"to_stage": to_stage})
        assert response.status_code == 302
        assert ("error", "Stages open one at a time.") in flashes(client.get("/plan")), to_stage
    assert stage_of(plan) == 1 and marks() == {}

    # No pace leader chosen yet.
    c.pace_leader_id = None
    db.session.commit()
    client.post("/plan/pace/ready", data={"to_stage": "2"})
    assert ("error", "First choose together who leads the pace, on the Partner page.") in flashes(client.get("/plan"))
    assert stage_of(plan) == 1 and marks() == {}

    # The last stage.
    c.pace_leader_id = ana.id
    plan.stage = 4
    db.session.commit()
    page = client.get("/plan")
    assert "I feel ready" not in read_text(page)
    client.post("/plan/pace/ready", data={"to_stage": "5"})
    assert ("error", "This is the last stage. There's nowhere further to go, and nothing to reach.") in flashes(
        client.get("/plan")
    )
    assert stage_of(plan) == 4 and marks() == {}
    assert changes() == []


# -- readiness is never announced -----------------------------------------------------


def test_readiness_is_never_announced(app, couple):
    ana, bo, c = couple
    plan = couple_plan(c)
    practice = make_practice("Evening walk")
    at = (now_utc() + timedelta(hours=12)).strftime("%H:00")  # far from now: pages don't change meanwhile
    make_schedule(plan, practice, times=[at], start=now_utc().date() - timedelta(days=3))
    ana_client, bo_client = client_for(app, ana), client_for(app, bo)
    bo_before = bo_client.get("/plan")
    assert "Only you see this. Your partner isn't told." in read_text(bo_before)
    ana_plan, ana_today = without_csrf_tokens(ana_client.get("/plan")), without_csrf_tokens(ana_client.get("/today"))

    bo_client.post("/plan/pace/ready", data={"to_stage": "2"})

    assert marks() == {bo.id: 2}
    assert without_csrf_tokens(ana_client.get("/plan")) == ana_plan
    assert without_csrf_tokens(ana_client.get("/today")) == ana_today
    mine = bo_client.get("/plan")
    assert "You've said you feel ready for stage 2. This stays private." in read_text(mine)
    assert "Take that back" in read_text(mine)
    assert "I feel ready for stage 2" not in read_text(mine)

    bo_client.post("/plan/pace/unready")

    assert marks() == {}
    after = bo_client.get("/plan")
    assert ("info", "Taken back. There's no hurry.") in flashes(after)
    assert "I feel ready for stage 2" in read_text(after)
    assert without_csrf_tokens(ana_client.get("/plan")) == ana_plan
    assert stage_of(plan) == 1


def test_a_plan_of_one_starts_again_at_stage_one_when_a_partner_joins(app):
    ana, bo = make_user(display_name="Ana"), make_user(display_name="Bo")
    plan = Scope(ana).plan_or_create()
    plan.stage = 3
    db.session.commit()
    token, _ = invite_create(user=ana)
    invite, inviter = invite_by_token(token)
    invite_accept(invite=invite, inviter=inviter, user=bo)
    db.session.commit()
    db.session.refresh(plan)
    assert plan.couple_id is not None and plan.owner_id is None
    assert plan.stage == 1, "Bo agreed to no stage yet"
    change = db.session.scalar(select(StageChange).where(StageChange.plan_id == plan.id))
    assert (change.from_stage, change.to_stage) == (3, 1)
