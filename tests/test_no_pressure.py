"""Nothing pressures, in behaviour too: intimate practices (touch from stage 3 on) are
planned only by the partner who leads the pace, only ever wait for another day, and
every reminder of them says they are optional. "Done" is met without praise.
"""

from types import SimpleNamespace

import pytest
from sqlalchemy import select

from journal.calendar.services import feed_calendar
from journal.extensions import db
from journal.models import Couple, Notification, PromptAction, Schedule, now_utc
from journal.models.practice import NO_PRESSURE
from journal.reminders.channels import send
from journal.reminders.channels.apprise import apprise_target_save
from journal.testing import client_for, count, couple_plan, elements, make_practice, make_schedule, read_text
from tests.test_apprise import Hook
from tests.test_plan import form

LEADER_ONLY = "planned by the partner who leads the pace"


@pytest.fixture
def hook():
    h = Hook()
    yield h
    h.close()


@pytest.fixture
def stage_three(couple):
    """Ana (who leads the pace) and Bo at stage 3, with an intimate and a gentle practice."""
    ana, bo, c = couple
    plan = couple_plan(c, stage=3)
    return SimpleNamespace(
        ana=ana,
        bo=bo,
        plan=plan,
        intimate=make_practice("Slow steps", kind="touch", stage=3),
        gentle=make_practice("Warm hands", kind="touch", stage=2),
    )


# -- planning -------------------------------------------------------------------------------


def test_only_the_partner_who_leads_the_pace_plans_an_intimate_practice(app, stage_three):
    s = stage_three
    bo = client_for(app, s.bo)
    page = bo.get(f"/practices/{s.intimate.id}")
    assert LEADER_ONLY in read_text(page) and f'href="/plan/add/{s.intimate.id}"' not in page.get_data(as_text=True)
    assert f'href="/plan/add/{s.intimate.id}"' in client_for(app, s.ana).get(f"/practices/{s.intimate.id}").get_data(
        as_text=True
    )
    assert LEADER_ONLY in read_text(bo.get(f"/plan/add/{s.intimate.id}"))
    response = bo.post(f"/plan/add/{s.intimate.id}", data=form())
    assert response.status_code == 422
    assert LEADER_ONLY in read_text(response)
    assert count(Schedule) == 0

    assert bo.post(f"/plan/add/{s.gentle.id}", data=form()).status_code == 302  # earlier stages: either of you
    assert client_for(app, s.ana).post(f"/plan/add/{s.intimate.id}", data=form()).status_code == 302
    assert count(Schedule) == 2


def test_the_other_partner_cannot_change_an_intimate_schedule_either(app, stage_three):
    s = stage_three
    schedule = make_schedule(s.plan, s.intimate)
    response = client_for(app, s.bo).post(f"/plan/{schedule.id}/edit", data=form(time_1="07:00"))
    assert response.status_code == 422 and LEADER_ONLY in read_text(response)
    db.session.expire_all()
    assert db.session.get(Schedule, schedule.id).times == ["20:00"]


def test_without_a_pace_leader_nobody_plans_an_intimate_practice_yet(app, stage_three):
    s = stage_three
    db.session.get(Couple, s.ana.couple_id).pace_leader_id = None
    db.session.commit()
    response = client_for(app, s.ana).post(f"/plan/add/{s.intimate.id}", data=form())
    assert response.status_code == 422 and "choose together who leads the pace" in read_text(response)


# -- Today ----------------------------------------------------------------------------------


def _key(page) -> str:
    """The key of the first prompt on Today (the earliest due: after its daily time,
    tomorrow's occurrence shows too)."""
    keys = list(dict.fromkeys(el.get("value") for el in elements(page, "input[name=prompt]")))
    assert keys, "no prompt on Today"
    return keys[0]


def test_an_intimate_prompt_only_waits_for_another_day(app, stage_three):
    s = stage_three
    make_schedule(s.plan, s.intimate, prompt_user_id=s.ana.id)
    ana = client_for(app, s.ana)
    page = ana.get("/today")
    text = read_text(page)
    assert "Another day" in text and NO_PRESSURE in text
    assert "In 15 minutes" not in text and "In an hour" not in text
    key = _key(page)

    for action in ("15min", "1h"):  # the POST refuses too, calmly
        response = ana.post("/today/act", data={"prompt": key, "action": action})
        assert response.status_code == 302
        assert "can wait for another day" in read_text(ana.get("/today"))
    assert db.session.scalars(select(PromptAction)).all() == []

    ana.post("/today/act", data={"prompt": key, "action": "tomorrow"})
    assert "Another day, then." in read_text(ana.get("/today"))
    (action,) = db.session.scalars(select(PromptAction)).all()
    assert action.state == "snoozed"


def test_other_prompts_keep_every_snooze(app, stage_three):
    s = stage_three
    make_schedule(s.plan, s.gentle, prompt_user_id=s.bo.id)
    text = read_text(client_for(app, s.bo).get("/today"))
    assert "In 15 minutes" in text and "Tomorrow" in text
    assert NO_PRESSURE not in text


def test_done_is_met_without_praise(app, stage_three):
    s = stage_three
    make_schedule(s.plan, s.intimate, prompt_user_id=s.ana.id)
    ana = client_for(app, s.ana)
    ana.post("/today/act", data={"prompt": _key(ana.get("/today")), "action": "done"})
    text = read_text(ana.get("/today"))
    assert "However it went is fine." in text
    for praise in ("Lovely", "That counts", "Well done", "Great job", "Nice work"):
        assert praise not in text, praise


# -- every channel --------------------------------------------------------------------------


@pytest.mark.parametrize("discreet", [True, False])
def test_apprise_bodies_say_it_is_optional(app, stage_three, hook, discreet):
    s = stage_three
    apprise_target_save(user=s.ana, url=hook.url)
    db.session.commit()
    row = SimpleNamespace(
        id=1, channel="apprise", user_id=s.ana.id, email=s.ana.email, title=s.intimate.title, discreet=discreet
    )
    assert send(row).ok
    assert hook.received[-1]["message"].endswith(NO_PRESSURE)
    assert (s.intimate.title in hook.received[-1]["message"]) == (not discreet)


def test_the_calendar_feed_and_the_inbox_say_it_for_intimate_practices(app, stage_three):
    s = stage_three
    schedule = make_schedule(s.plan, s.intimate)
    make_schedule(s.plan, s.gentle)
    feed = feed_calendar(user=s.ana).decode()
    unfolded = feed.replace("\r\n ", "")
    assert unfolded.count("Skipping is fine too.") == 1

    db.session.add(Notification(user_id=s.ana.id, schedule_id=schedule.id, occurrence_at=now_utc()))
    db.session.commit()
    assert NO_PRESSURE in read_text(client_for(app, s.ana).get("/notifications"))
