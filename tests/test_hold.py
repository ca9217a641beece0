"""The safety hold is a rule, not a hidden button, and it tells the partner nothing
private. Every path that schedules, edits or prompts a touch practice refuses during a
hold, for both partners, with the same calm words; the partner sees only that touch
practices are resting for now, unless the person who reported chooses to tell them why."""

import re
from datetime import time

import pytest
from sqlalchemy import func, select

from journal.access import Scope
from journal.extensions import db
from journal.models import Plan, PromptAction, Schedule
from journal.plan.recurrence import Recurrence
from journal.plan.services import RESTING, PlanError, schedule_save
from journal.testing import client_for, couple_plan, elements, flashes, make_schedule, plan_today, read_text
from tests.test_plan import form, library, today_titles

#: Words that would tell the partner what a private check-in said, or that there was one.
PRIVATE_WORDS = (
    "pain",
    "bleeding",
    "fever",
    "midwife",
    "doctor",
    "nurse",
    "clinician",
    "check-in mentioned",
    "symptom",
    "emergency",
)


def schedules_of(plan) -> int:
    return db.session.scalar(
        select(func.count()).select_from(Schedule).where(Schedule.plan_id == plan.id, Schedule.removed_at.is_(None))
    )


@pytest.fixture
def held(app, couple):
    """Ana and Bo's plan with a touch practice and a closeness one scheduled, and Bo's hold."""
    ana, bo, c = couple
    plan = couple_plan(c)
    lib = library()
    touch, other_touch, closeness = (
        lib["slow-hand-massage"],
        lib["warm-hands-on-shoulders"],
        lib["holding-hands-a-while"],
    )
    touch_schedule = make_schedule(plan, touch)
    make_schedule(plan, closeness)
    plan.hold_by_id = bo.id
    db.session.commit()
    return ana, bo, plan, touch, other_touch, touch_schedule


@pytest.mark.parametrize("who", ["reporter", "partner"])
def test_posting_the_add_page_of_a_touch_practice_refuses_during_a_hold(app, held, who):
    ana, bo, plan, touch, other_touch, _ = held
    client = client_for(app, bo if who == "reporter" else ana)
    before = schedules_of(plan)
    page = client.get(f"/plan/add/{other_touch.id}")
    assert RESTING in read_text(page) and 'name="time_1"' not in page.get_data(as_text=True)
    response = client.post(f"/plan/add/{other_touch.id}", data=form())
    assert response.status_code == 422
    assert RESTING in read_text(response)
    assert schedules_of(plan) == before


@pytest.mark.parametrize("who", ["reporter", "partner"])
def test_editing_a_touch_schedule_refuses_during_a_hold(app, held, who):
    ana, bo, plan, touch, other_touch, touch_schedule = held
    client = client_for(app, bo if who == "reporter" else ana)
    response = client.post(f"/plan/{touch_schedule.id}/edit", data=form(time_1="07:15"))
    assert response.status_code == 422 and RESTING in read_text(response)
    db.session.refresh(touch_schedule)
    assert touch_schedule.times == ["20:00"]


def test_the_service_itself_refuses_whatever_the_route(app, held):
    ana, bo, plan, touch, other_touch, _ = held
    with pytest.raises(PlanError, match="resting for now"):
        schedule_save(
            scope=Scope(ana),
            author=ana,
            practice=other_touch,
            prompt_user_id=None,
            recurrence=Recurrence(kind="once", times=(time(20),), start=plan_today()),
        )


def test_a_touch_prompt_cannot_be_acted_on_by_its_key_during_a_hold(app, held):
    ana, bo, plan, touch, other_touch, touch_schedule = held
    client = client_for(app, ana)
    plan.hold_by_id = None
    db.session.commit()
    page = client.get("/today")
    keys = [el.get("value") for el in elements(page, f"input[name=prompt][value^='{touch_schedule.id}@']")]
    assert keys, "the touch prompt shows without a hold"
    plan = db.session.get(Plan, plan.id)
    plan.hold_by_id = bo.id
    db.session.commit()
    assert touch.title not in today_titles(client.get("/today"))
    client.post("/today/act", data={"prompt": keys[0], "action": "done"})
    assert db.session.scalar(select(func.count()).select_from(PromptAction)) == 0


# -- what the partner may see ------------------------------------------------------------


def partner_pages(client, touch):
    return {
        path: read_text(client.get(path))
        for path in (
            "/plan",
            "/today",
            "/practices",
            "/practices?kind=touch",
            f"/practices/{touch.id}",
            "/checkins",
            "/journal",
            "/notifications",
        )
    }


def sentences(text: str) -> set[str]:
    return {s.strip() for s in re.split(r"(?<=[.!?:])\s+|\n", text) if s.strip()}


def new_private_words(before: dict[str, str], after: dict[str, str]) -> dict[str, list[str]]:
    """Per page, the sentences that appeared since `before` and name something private."""
    found = {}
    for path, text in after.items():
        fresh = sentences(text) - sentences(before[path])
        bad = [s for s in fresh if any(w in s.lower() for w in PRIVATE_WORDS)]
        if bad:
            found[path] = bad
    return found


def test_a_private_check_in_that_starts_a_hold_tells_the_partner_nothing_private(app, couple):
    ana, bo, c = couple
    couple_plan(c)
    touch = library()["slow-hand-massage"]
    ana_client, bo_client = client_for(app, ana), client_for(app, bo)
    before = partner_pages(bo_client, touch)
    response = ana_client.post(
        "/checkins/new", data={"pain": "strong", "bleeding": "heavier", "fever": "yes", "visibility": "private"}
    )
    assert response.status_code == 302
    assert db.session.scalar(select(Plan.hold_by_id)) == ana.id

    after = partner_pages(bo_client, touch)
    assert new_private_words(before, after) == {}
    assert "Touch practices are resting for now" in after["/plan"]
    assert "Touch practices are resting for now" in after[f"/practices/{touch.id}"]

    # Ana, who reported, sees her care note on the plan and chooses to tell Bo why.
    ana_plan = read_text(ana_client.get("/plan"))
    assert "midwife, doctor or nurse" in ana_plan and "Tell my partner why" in ana_plan
    bo_client.post("/plan/hold/tell")  # only Ana can
    assert "shared why" not in read_text(bo_client.get("/plan"))
    ana_client.post("/plan/hold/tell")
    assert ("success", "Your partner can now see why touch practices are resting.") in flashes(ana_client.get("/plan"))
    assert "Ana shared why: their check-in mentioned strong pain, bleeding that has changed, or a fever." in read_text(
        bo_client.get("/plan")
    )

    # Lifted and started again: nothing told until Ana chooses again.
    ana_client.post("/plan/hold/lift")
    ana_client.post("/checkins/new", data={"fever": "yes", "visibility": "private"})
    assert "shared why" not in read_text(bo_client.get("/plan"))
