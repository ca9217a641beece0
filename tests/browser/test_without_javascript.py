"""Every core action works with JavaScript switched off, through ordinary form
posts: log in, check in, write a private and a shared journal entry and edit
one, add a practice to the plan, act on Today's prompts, mark ready and step
back, change reminder settings, pause and resume, log out, register with a time zone chosen by hand.

The couple is made in-process by the `partnered` fixture (registering is journey
1's business); both log in through the real form.
"""

import re

from tests.browser.journeys import PHONE, expect, go, heading, status

PRACTICE = "Holding hands for a while"


def _more(page, name):
    page.get_by_role("navigation", name="More").get_by_role("link", name=name, exact=True).click()


def _prompts(page):
    return page.locator(".prompt").filter(has=page.get_by_role("heading", name=PRACTICE))


def _pace_heading(page, stage):
    return heading(page, f"Our pace: stage {stage} of 4")


def test_core_actions_work_without_javascript(journey, partnered):
    # Both log in through the real form with scripts off (the `partnered` fixture).
    couple = partnered(PHONE, java_script_enabled=False)
    a, b = couple.a.page, couple.b.page

    # --- No script runs: the push page says so.
    a.goto("/reminders/push")
    expect(a.get_by_text("Turning notifications on needs JavaScript")).to_be_visible()

    # --- The phone's More tab is a plain page listing the rest.
    go(a, "More")
    expect(heading(a, "More")).to_be_visible()
    a.get_by_role("main").get_by_role("link", name="Consent", exact=True).click()
    expect(a).to_have_url(re.compile(r"/consent$"))

    # --- A check-in: a scale, a yes/no, a note; saved and shown back.
    go(a, "Check in")
    a.get_by_role("group", name="Mood").get_by_role("radio", name="4", exact=True).check()
    a.locator("summary", has_text="Pain, bleeding or fever").click()  # a native <details>
    a.get_by_role("group", name="A fever").get_by_role("radio", name="No").check()
    a.locator("summary", has_text="More about today").click()
    a.get_by_label("Anything else (optional)").fill("Slept a little better.")
    a.get_by_role("button", name="Save", exact=True).click()
    expect(status(a)).to_contain_text("Saved. Thank you for checking in.")
    expect(a.get_by_text("4 of 5 · fairly good")).to_be_visible()
    expect(a.get_by_text("Slept a little better.")).to_be_visible()
    journey.step(a, "check-in saved")

    # --- Journal: a private entry, a shared one, then edit the shared one.
    for title, who, seen_by in (
        ("Just mine", "Just me", "Only you can read this."),
        ("For us both", "Me and my partner", "Bo can read this too."),
    ):
        go(a, "Journal")
        a.get_by_role("link", name="Write", exact=True).click()
        a.get_by_label("Title").fill(title)
        a.get_by_label("What's on your mind").fill(f"{title}: a *quiet* evening.")
        a.get_by_role("group", name="Who sees this").get_by_role("radio", name=who).check()
        a.get_by_role("button", name="Save", exact=True).click()
        expect(status(a)).to_contain_text("Saved.")
        expect(heading(a, title)).to_be_visible()
        expect(a.get_by_text(seen_by)).to_be_visible()
    a.get_by_role("link", name="Edit", exact=True).click()
    a.get_by_label("Title").fill("For us both, edited")
    a.get_by_role("button", name="Save", exact=True).click()
    expect(status(a)).to_contain_text("Saved.")
    expect(heading(a, "For us both, edited")).to_be_visible()
    expect(a.locator(".prose em")).to_have_text("quiet")  # Markdown rendered by the server
    journey.step(a, "entry edited")

    # --- Add a practice to the plan, twice a day, so two prompts fall in the next 24 hours.
    go(a, "Plan")
    a.get_by_role("link", name="Browse the library").click()
    a.get_by_role("link", name="Closeness", exact=True).click()
    a.get_by_role("link", name=PRACTICE).click()
    a.get_by_role("link", name="Add to our plan").click()
    a.get_by_label("At", exact=True).fill("08:00")
    a.get_by_label("And at (optional)").first.fill("20:00")
    a.get_by_role("button", name="Add to the plan").click()
    expect(status(a)).to_contain_text(f"Added to your plan: {PRACTICE}.")
    expect(a.get_by_role("link", name=PRACTICE)).to_be_visible()
    expect(a.get_by_text("Every day at 08:00, 20:00")).to_be_visible()

    # --- Today: Done on one prompt, "Not now" (a native <details>) then Skip on the next.
    go(a, "Today")
    before = _prompts(a).count()
    assert before >= 2, f"expected two prompts in the next 24 hours, found {before}"
    _prompts(a).first.get_by_role("button", name="Done").click()
    expect(status(a)).to_contain_text("Noted, for you both. However it went is fine.")  # done together
    expect(_prompts(a)).to_have_count(before - 1)
    first = _prompts(a).first
    first.get_by_text("Not now").click()
    first.get_by_role("button", name="Skip this time").click()
    expect(status(a)).to_contain_text("Skipped. Rest is part of the plan too.")
    expect(_prompts(a)).to_have_count(before - 2)
    journey.step(a, "prompts done and skipped")

    # --- Pace: A marks ready (privately), B marks ready, the stage opens; A steps back.
    go(a, "Plan")
    expect(_pace_heading(a, 1)).to_be_visible()
    a.get_by_role("button", name="I feel ready for stage 2").click()
    expect(status(a)).to_contain_text("Noted, just for you.")
    expect(a.get_by_text("You've said you feel ready for stage 2.")).to_be_visible()
    go(b, "Plan")
    b.get_by_role("button", name="I feel ready for stage 2").click()
    expect(status(b)).to_contain_text("You're both ready: stage 2 is open.")
    expect(_pace_heading(b, 2)).to_be_visible()
    a.reload()
    expect(_pace_heading(a, 2)).to_be_visible()
    a.get_by_role("button", name="Step back a stage").click()
    expect(status(a)).to_contain_text("You're at stage 1 now.")
    expect(_pace_heading(a, 1)).to_be_visible()

    # --- B reads the shared entry, never the private one.
    go(b, "Journal")
    expect(b.get_by_role("link", name="For us both, edited")).to_be_visible()
    expect(b.get_by_text("Just mine")).to_have_count(0)

    # --- Reminder settings: a checkbox and quiet hours, kept after a reload.
    _more(a, "Reminders")
    discreet = a.get_by_label("Discreet wording")
    was_discreet = discreet.is_checked()
    discreet.set_checked(not was_discreet)
    a.get_by_label("Quiet from (optional)").fill("22:00")
    a.get_by_label("Quiet until (optional)").fill("07:00")
    a.get_by_role("button", name="Save", exact=True).click()
    expect(status(a)).to_contain_text("Saved.")
    a.reload()
    expect(discreet).to_be_checked(checked=not was_discreet)
    expect(a.get_by_label("Quiet from (optional)")).to_have_value("22:00")
    expect(a.get_by_label("Quiet until (optional)")).to_have_value("07:00")

    # --- Pause: Today rests; resume brings the prompts back.
    go(a, "Plan")
    a.get_by_role("button", name="Pause the plan").click()
    expect(status(a)).to_contain_text("Your plan is paused.")
    expect(heading(a, "The plan is paused")).to_be_visible()
    go(a, "Today")
    expect(a.get_by_text("Your plan is paused. Rest is part of it.")).to_be_visible()
    expect(_prompts(a)).to_have_count(0)
    go(a, "Plan")
    a.get_by_role("button", name="Resume the plan").click()
    expect(status(a)).to_contain_text("Welcome back. Your plan is running again.")
    expect(heading(a, "The plan is paused")).to_have_count(0)
    go(a, "Today")
    expect(_prompts(a)).to_have_count(before - 2)

    # --- Log out: the session is gone.
    a.get_by_role("button", name="Log out").click()
    expect(status(a)).to_contain_text("You're logged out.")
    a.goto("/today")
    expect(heading(a, "Welcome back")).to_be_visible()
    journey.step(a, "logged out")

    # --- Registering: with no script to preselect it, the time zone is an ordinary
    # list (UTC until chosen) and the choice is kept.
    a.goto("/register")
    zone = a.get_by_label("Time zone")
    expect(zone).to_have_value("UTC")
    a.get_by_label("Email", exact=True).fill(couple.a.email.replace("a-", "cy-", 1))
    a.get_by_label("What should we call you?").fill("Cy")
    a.get_by_label("Password", exact=True).fill(couple.a.password)
    zone.select_option("Europe/London")
    a.get_by_role("button", name="Create account").click()
    expect(heading(a, "Hello, Cy")).to_be_visible()
    _more(a, "Account")
    expect(a.get_by_label("Time zone")).to_have_value("Europe/London")

    journey.assert_clean()
