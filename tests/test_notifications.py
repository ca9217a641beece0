"""The notifications page: each notification reads as a sentence and links to the
prompt it is about (a check-in opens the check-in form for that prompt; other
practices open Today at that prompt); opening the page marks them read, in the
route's own service call, at a fixed statement count."""

from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from journal.access import Scope
from journal.extensions import db
from journal.models import Notification, ReminderSettings, now_utc
from journal.testing import client_for, count_queries, elements, make_practice, make_schedule, read_text
from journal.today.services import prompt_key, prompts_for


def due_at(plan, local, title, kind):
    practice = make_practice(title, kind=kind)
    return make_schedule(plan, practice, kind="once", times=[local.strftime("%H:%M")], start=local.date())


@pytest.fixture
def reminded(app, couple):
    """Ana has two reminders (a check-in and a walk), due now; Bo has one."""
    ana, bo, _ = couple
    plan = Scope(ana).plan_or_create()
    db.session.commit()
    local = now_utc().astimezone(ZoneInfo(plan.timezone))  # both at this very minute
    checkin = due_at(plan, local, "How are we doing", "check-in")
    walk = due_at(plan, local, "Evening walk", "closeness")
    (prompt,) = {p.occurrence_at for p in prompts_for(Scope(ana), ana)[1]}
    for user, schedule in ((ana, checkin), (ana, walk), (bo, walk)):
        db.session.add(Notification(user_id=user.id, schedule_id=schedule.id, occurrence_at=prompt))
    db.session.commit()
    return {"checkin": checkin, "walk": walk, "at": prompt}


def unread(user) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
    )


def test_each_notification_is_a_sentence_that_links_to_its_prompt(app, couple, reminded):
    ana, bo, _ = couple
    client = client_for(app, ana)
    page = client.get("/notifications")
    html, text = page.get_data(as_text=True), read_text(page)
    when = reminded["at"].astimezone(ZoneInfo(ana.timezone)).strftime("%H:%M on %A %-d %B %Y")
    assert text.count(f"At {when}, it was time for a practice you planned.") == 2  # discreet by default
    assert "Evening walk" not in text
    checkin_key, walk_key = (prompt_key(reminded[k].id, reminded["at"]) for k in ("checkin", "walk"))
    (checkin_link,) = [a.get("href") for a in elements(page, "a[href^='/checkins/new?prompt=']")]
    assert checkin_link.replace("%40", "@") == f"/checkins/new?prompt={checkin_key}"
    form = client.get(checkin_link)
    assert "For: How are we doing" in read_text(form)  # the check-in for that very prompt
    assert f'href="/today#prompt-{walk_key}"' in html
    assert f'id="prompt-{walk_key}"' in client.get("/today").get_data(as_text=True)


def test_without_discreet_wording_the_practice_is_named(app, couple, reminded):
    ana = couple[0]
    db.session.add(ReminderSettings(user_id=ana.id, discreet=False))
    db.session.commit()
    text = read_text(client_for(app, ana).get("/notifications"))
    assert "it was time for “Evening walk”." in text and "it was time for “How are we doing”." in text


def test_opening_the_page_marks_its_notifications_read(app, couple, reminded):
    ana, bo, _ = couple
    client = client_for(app, ana)
    assert '<span class="badge">2' in client.get("/today").get_data(as_text=True)
    first = client.get("/notifications")
    assert read_text(first).count("New ") == 2
    assert 'class="badge"' not in first.get_data(as_text=True)  # the header already counts them read
    assert unread(ana) == 0 and unread(bo) == 1  # only this person's
    second = read_text(client.get("/notifications"))
    assert "New " not in second and second.count("it was time for") == 2


def test_the_page_costs_the_same_statements_for_1_or_25_notifications(app, couple, reminded):
    ana = couple[0]
    client = client_for(app, ana)
    client.get("/notifications")
    with count_queries(app) as few:
        client.get("/notifications")
    for _ in range(23):
        db.session.add(Notification(user_id=ana.id, schedule_id=reminded["walk"].id, occurrence_at=reminded["at"]))
    db.session.commit()
    with count_queries(app) as many:
        client.get("/notifications")
    assert many.count == few.count + 1, many.statements  # + the one UPDATE marking them read
