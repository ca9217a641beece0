"""Pausing the plan, end to end: paused through the page, the real reminder
pipeline (tick, then drain) makes nothing for the couple when a practice falls
due; resumed through the page, the next due time brings an in-app reminder that
shows in the browser, with the unread count in the header.

The pipeline runs in-process at an explicit `now` (a due time of the schedule),
as the worker would. A tick sees every couple's schedules in the shared
database; 05:17 keeps the other journeys' times (08:30, 20:00) out of the two
hours before it, so their reminders come out missed, never sent."""

import re
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from journal.extensions import db
from journal.models import Notification, Outbox, Plan, Schedule
from journal.plan.recurrence import next_occurrence
from journal.plan.services import recurrence_of
from journal.reminders.dispatch import drain
from journal.reminders.tick import tick
from tests.browser.journeys import VIEWPORT_IDS, VIEWPORTS, expect, go, heading, inbox, status

PRACTICE = "Holding hands for a while"
AT = "05:17"
NOTHING_YET = "Nothing here. Reminders you plan will show here too."


def _due_times(app, schedule_id: int) -> tuple:
    """The schedule's next due time, and the one after it."""
    with app.app_context():
        schedule = db.session.get(Schedule, schedule_id)
        first = schedule.next_due_at
        zone = db.session.get(Plan, schedule.plan_id).timezone
        return first, next_occurrence(recurrence_of(schedule), zone, first)


def _run_reminders(app, now) -> None:
    """One pass of the reminder worker at `now`: tick (due schedules into the
    outbox), then drain (deliver what is due)."""
    with app.app_context():
        tick(now=now)
        db.session.commit()
        drain(now=now)


def _reminders_made(app, schedule_id: int, user_ids) -> tuple[list, list]:
    """(outbox rows as (user, due time, state), in-app notifications as (user, due time))."""
    with app.app_context():
        rows = db.session.scalars(select(Outbox).where(Outbox.schedule_id == schedule_id)).all()
        notes = db.session.scalars(select(Notification).where(Notification.user_id.in_(user_ids))).all()
        return (
            sorted((r.user_id, r.occurrence_at, r.state) for r in rows),
            sorted((n.user_id, n.occurrence_at) for n in notes),
        )


@pytest.mark.parametrize("viewport", VIEWPORT_IDS, ids=VIEWPORT_IDS)
def test_a_paused_plan_reminds_nobody_and_a_resumed_one_does(journey, partnered, viewport):
    couple = partnered(VIEWPORTS[viewport])
    schedule_id = couple.schedule("holding-hands-a-while", times=(AT,), prompt="both")
    people = (couple.a.user_id, couple.b.user_id)
    a, b = couple.a.page, couple.b.page

    # --- A pauses the plan from the plan page.
    go(a, "Plan")
    scheduled = a.get_by_role("region", name="Scheduled practices")
    expect(scheduled.get_by_role("link", name=PRACTICE)).to_be_visible()
    expect(scheduled).to_contain_text(f"Every day at {AT}")
    a.get_by_role("region", name="Pause").get_by_role("button", name="Pause the plan").click()
    expect(status(a)).to_contain_text("Your plan is paused. Take all the time you need.")
    expect(a.get_by_role("region", name="The plan is paused")).to_contain_text("No prompts or reminders while it rests")
    journey.step(a, "A paused the plan")

    go(b, "Today")
    expect(b.get_by_text("The plan is paused for now. Rest is part of it.")).to_be_visible()
    expect(b.get_by_role("heading", name=PRACTICE)).to_have_count(0)
    go(b, "Plan")  # A's pause is A's: B sees it, with no date and no way to lift it
    expect(b.get_by_role("region", name="The plan is paused")).to_contain_text("paused the plan for now")
    expect(b.get_by_role("button", name="Resume the plan")).to_have_count(0)

    # --- The practice falls due while paused: the pipeline makes nothing for them.
    paused_due, due = _due_times(couple.app, schedule_id)
    _run_reminders(couple.app, paused_due)
    assert _reminders_made(couple.app, schedule_id, people) == ([], [])
    for page in (a, b):
        inbox(page).click()
        expect(heading(page, "Notifications")).to_be_visible()
        expect(page.get_by_text(NOTHING_YET)).to_be_visible()
        expect(inbox(page)).to_have_accessible_name("Notifications")
    journey.step(b, "B nothing while paused")

    # --- A resumes; the practice is back on Today.
    go(a, "Plan")
    a.get_by_role("button", name="Resume the plan").click()
    expect(status(a)).to_contain_text("Welcome back. Your plan is running again.")
    expect(a.get_by_role("region", name="The plan is paused")).to_have_count(0)
    go(a, "Today")
    expect(a.get_by_role("heading", name=PRACTICE).first).to_be_visible()
    journey.step(a, "A resumed, practice on Today")

    # --- The next due time after the paused one: a reminder for each of them.
    _run_reminders(couple.app, due)
    outbox, notifications = _reminders_made(couple.app, schedule_id, people)
    assert notifications == sorted((person, due) for person in people)
    # Nothing sent late for the time that passed while paused.
    assert all(state != "sent" for _, at, state in outbox if at < due), outbox

    local = due.astimezone(ZoneInfo("Europe/London"))
    assert local.strftime("%H:%M") == AT
    when = local.strftime("%H:%M on %A %-d %B %Y")
    a.reload()
    expect(inbox(a)).to_have_accessible_name("Notifications 1 unread")
    journey.step(a, "A sees 1 unread")
    inbox(a).click()
    expect(heading(a, "Notifications")).to_be_visible()
    item = a.get_by_role("listitem").filter(has_text="time for a practice you planned")
    expect(item).to_have_count(1)
    expect(item).to_contain_text(f"At {when}, it was time for a practice you planned.")
    expect(item.get_by_role("link", name="Open it on Today")).to_be_visible()
    journey.step(a, "A notification listed")
    expect(inbox(a)).to_have_accessible_name("Notifications")  # opening the list read it

    go(b, "Today")  # B's open notifications page would read it on a reload
    expect(inbox(b)).to_have_accessible_name(re.compile(r"^Notifications 1 unread$"))
    inbox(b).click()
    expect(b.get_by_text(f"At {when}, it was time for a practice you planned.")).to_be_visible()

    journey.assert_clean()
