"""Pace, end to end: moving forward needs both partners' private "ready", the
leader's among them; either partner steps back alone, at once. Nobody is told
that the other is waiting."""

import re

import pytest

from tests.browser.journeys import VIEWPORT_IDS, VIEWPORTS, expect, go, heading, status

STAGE_2_TOUCH = "Warmth along the arms"


def _pace(page, stage: int):
    return page.get_by_role("region", name=f"Our pace: stage {stage} of 4")


def _find_stage_2_practice(page) -> str:
    """Through the library's filters, as a person finds it; returns its address."""
    page.get_by_role("navigation", name="More").get_by_role("link", name="Practice library").click()
    page.get_by_role("navigation", name="Kinds of practice").get_by_role("link", name="Touch").click()
    page.get_by_role("navigation", name="Stages").get_by_role("link", name="Stage 2").click()
    page.get_by_role("link", name=STAGE_2_TOUCH).click()
    expect(heading(page, STAGE_2_TOUCH)).to_be_visible()
    return page.url


@pytest.mark.parametrize("viewport", VIEWPORT_IDS, ids=VIEWPORT_IDS)
def test_forward_together_with_the_leader_back_alone_at_once(journey, partnered, viewport):
    couple = partnered(VIEWPORTS[viewport], leader="a")
    a, b = couple.a.page, couple.b.page

    for page in (a, b):
        go(page, "Plan")
        expect(heading(page, "Our plan")).to_be_visible()
        expect(_pace(page, 1)).to_be_visible()
    a_pace_before = _pace(a, 1).inner_text()

    # A stage-2 touch practice is for later at stage 1.
    practice_url = _find_stage_2_practice(b)
    expect(b.get_by_text("This belongs to a later stage.")).to_be_visible()
    expect(b.get_by_role("link", name="Add to our plan")).to_have_count(0)
    go(b, "Plan")

    # --- B, who doesn't lead, feels ready: privately noted, nothing moves.
    b.get_by_role("button", name="I feel ready for stage 2").click()
    expect(status(b)).to_contain_text("Noted, just for you. Nothing changes until you both feel ready.")
    expect(_pace(b, 1)).to_be_visible()
    expect(_pace(b, 1)).to_contain_text("You've said you feel ready for stage 2. This stays private.")
    expect(b.get_by_role("button", name="Take that back")).to_be_visible()
    journey.step(b, "B ready, still stage 1")

    # A's page is exactly as it was: nothing says B is waiting.
    a.reload()
    expect(_pace(a, 1)).to_be_visible()
    assert _pace(a, 1).inner_text() == a_pace_before
    expect(a.get_by_text(re.compile(r"Bo .*ready|ready .*Bo"))).to_have_count(0)

    # --- A, the leader, feels ready too: the stage moves forward.
    a.get_by_role("button", name="I feel ready for stage 2").click()
    expect(status(a)).to_contain_text("You're both ready: stage 2 is open. Go slowly.")
    expect(_pace(a, 2)).to_be_visible()
    expect(_pace(a, 2).get_by_role("listitem")).to_contain_text(["stage 1 to 2"])
    journey.step(a, "A ready, stage 2")

    b.reload()
    expect(_pace(b, 2)).to_be_visible()
    expect(b.get_by_role("button", name="I feel ready for stage 3")).to_be_visible()
    b.goto(practice_url)
    expect(b.get_by_role("link", name="Add to our plan")).to_be_visible()
    journey.step(b, "B sees stage 2 practice open")

    # --- B steps back alone: at once, no agreement needed.
    go(b, "Plan")
    b.get_by_role("button", name="Step back a stage").click()
    expect(status(b)).to_contain_text("You're at stage 1 now. Slowing down is always right.")
    expect(_pace(b, 1)).to_be_visible()
    expect(b.get_by_role("button", name="Step back a stage")).to_have_count(0)
    journey.step(b, "B stepped back to stage 1")

    a.reload()
    expect(_pace(a, 1)).to_be_visible()
    expect(_pace(a, 1).get_by_role("listitem")).to_contain_text(["stage 2 to 1", "stage 1 to 2"])
    # The step back cleared every "ready": A is asked afresh.
    expect(a.get_by_role("button", name="I feel ready for stage 2")).to_be_visible()
    a.goto(practice_url)
    expect(a.get_by_text("This belongs to a later stage.")).to_be_visible()
    journey.step(a, "A sees stage 1 again")

    journey.assert_clean()
