"""A check-in prompt for both partners, end to end: each answers from Today and
shares it; until both have answered, the one who answered first is told they're
waiting and the other sees only *that* they answered, never what; once both
have answered, both see both answers."""

import pytest

from tests.browser.journeys import VIEWPORT_IDS, VIEWPORTS, expect, go, heading, status

CHECK_IN = "A two-minute daily check-in"
WAITING = "Waiting for your partner. Your answers open to them once they've answered too"


def _check_in_from_today(page, *, partner: str, mood: str, note: str):
    go(page, "Today")
    prompt = page.get_by_role("listitem").filter(has=page.get_by_role("heading", name=CHECK_IN)).first
    prompt.get_by_role("link", name="Check in now").click()
    expect(heading(page, "Check in")).to_be_visible()
    expect(page.get_by_text(f"For: {CHECK_IN} · a prompt for you both")).to_be_visible()
    expect(page.get_by_text(f"If you share it, {partner} sees that you answered")).to_be_visible()
    page.get_by_role("group", name="Mood").get_by_role("radio", name=mood, exact=True).check()
    page.get_by_role("group", name="Today's boundaries").get_by_role(
        "radio", name="Yellow: gently, and ask first"
    ).check()
    page.locator("summary", has_text="More about today").click()
    page.get_by_label("Anything else (optional)").fill(note)
    # A prompt for both starts shared, said as it works; "Just me" is one tap away.
    who = page.get_by_role("group", name="Who can see it")
    expect(who.get_by_role("radio", name=f"Share with {partner} once they've answered too")).to_be_checked()
    expect(who.get_by_role("radio", name="Just me")).not_to_be_checked()
    page.get_by_role("button", name="Save", exact=True).click()
    expect(status(page)).to_contain_text("Saved. Thank you for checking in.")


def _check_ins(page):
    go(page, "Journal")
    page.get_by_role("link", name="Check-ins", exact=True).click()
    expect(heading(page, "Check-ins")).to_be_visible()


@pytest.mark.parametrize("viewport", VIEWPORT_IDS, ids=VIEWPORT_IDS)
def test_answers_to_a_prompt_for_both_open_once_both_answered(journey, partnered, viewport):
    couple = partnered(VIEWPORTS[viewport])
    couple.schedule("two-minute-daily-check-in", prompt="both")
    a, b = couple.a.page, couple.b.page
    a_note = f"Slept a little better after the walk ({viewport})"
    b_note = f"Tired but glad we talked ({viewport})"

    # --- A answers first and shares it: A sees their own answers, and that they wait.
    _check_in_from_today(a, partner="Bo", mood="4", note=a_note)
    expect(a.get_by_text(a_note)).to_be_visible()
    expect(a.get_by_text("4 of 5 · fairly good")).to_be_visible()
    expect(a.get_by_text(WAITING)).to_be_visible()
    expect(a.get_by_text("shared with your partner · from a prompt")).to_be_visible()
    journey.step(a, "A answered, waiting")

    _check_ins(a)
    expect(a.get_by_text(WAITING)).to_be_visible()
    expect(a.get_by_text(b_note)).to_have_count(0)
    expect(a.get_by_text("Bo answered")).to_have_count(0)

    # --- Before answering, B sees that A answered, never what.
    _check_ins(b)
    expect(
        b.get_by_text("Ana answered a prompt for you both. Their answers open to you once you've shared yours")
    ).to_be_visible()
    expect(b.get_by_text(a_note)).to_have_count(0)
    expect(b.get_by_text("fairly good")).to_have_count(0)
    expect(b.get_by_text("Yellow: gently, and ask first")).to_have_count(0)
    journey.step(b, "B sees Ana answered, not what")

    # --- B answers the same prompt and shares it: B sees both at once.
    _check_in_from_today(b, partner="Ana", mood="2", note=b_note)
    expect(b.get_by_text(b_note)).to_be_visible()
    expect(b.get_by_text(WAITING)).to_have_count(0)
    _check_ins(b)
    checkins_b = b.get_by_role("list").filter(has=b.get_by_role("heading")).first
    expect(checkins_b.get_by_text(a_note)).to_be_visible()
    expect(checkins_b.get_by_text(b_note)).to_be_visible()
    expect(checkins_b.get_by_text("4 of 5 · fairly good")).to_be_visible()
    expect(checkins_b.get_by_text("2 of 5 · a bit low")).to_be_visible()
    expect(b.get_by_text("answered a prompt for you both")).to_have_count(0)
    journey.step(b, "B sees both answers")

    # --- A, no longer waiting, sees B's answers too.
    a.reload()
    expect(a.get_by_text(b_note)).to_be_visible()
    expect(a.get_by_text(a_note)).to_be_visible()
    expect(a.get_by_text("2 of 5 · a bit low")).to_be_visible()
    expect(a.get_by_text(WAITING)).to_have_count(0)
    journey.step(a, "A sees both answers")

    journey.assert_clean()
