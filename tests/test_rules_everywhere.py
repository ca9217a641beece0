"""Each rule, walked across every surface that shows or sends what it governs.

Rules: a pause, the safety hold, quiet hours, and privacy (a private check-in that starts
a hold). Surfaces: Today, the plan page, the practice page, the notifications page, each
reminder channel (in-app, email, push, Apprise, with real receivers on loopback) and the
calendar feed (expanded by recurring-ical-events). A new surface belongs in `SURFACES`;
one that ignores a rule then fails here.

Times come from the real clock (pages and the feed read it); the reminder pipeline is
driven with explicit times around the next occurrence T, a couple of hours ahead.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from journal.access import Scope
from journal.extensions import db
from journal.models import Notification, PlanPause, Practice, ReminderSettings, Schedule, now_utc
from journal.plan.services import hold_start, schedule_refresh_due
from journal.practices.services import practices_load
from journal.reminders.dispatch import drain
from journal.reminders.tick import tick
from journal.testing import client_for, read_text
from tests.test_calendar import expand, make_feed
from tests.test_hold import new_private_words
from tests.test_plan import schedule_rows, today_titles
from tests.test_reminder_rules import ALL, Receivers


@dataclass
class World:
    ana: object
    bo: object
    plan: object
    touch: Practice
    schedule: Schedule
    at: datetime  # the next occurrence, T
    receivers: Receivers
    feed_path: str


@pytest.fixture
def world(app, couple, smtp_sink):
    """Ana and Bo; a touch practice (stage 1) for both, daily at T; Ana has every channel."""
    ana, bo, c = couple
    practices_load()
    plan = Scope(ana).plan_or_create()
    plan.timezone = "UTC"
    touch = db.session.scalar(select(Practice).where(Practice.slug == "warm-hands-on-shoulders"))
    at = (now_utc() + timedelta(hours=2)).replace(minute=0, second=0, microsecond=0)
    schedule = Schedule(
        plan_id=plan.id,
        practice_id=touch.id,
        kind="daily",
        times=[at.strftime("%H:%M")],
        start_date=at.date() - timedelta(days=3),
    )
    db.session.add(schedule)
    db.session.flush()
    schedule_refresh_due(schedule, "UTC", now=at - timedelta(minutes=5))
    db.session.commit()
    receivers = Receivers(smtp_sink)
    receivers.clear()
    receivers.give_all_channels(ana)
    feed_path = make_feed(app.test_client(), ana)
    yield World(ana, bo, plan, touch, schedule, at, receivers, feed_path)
    receivers.close()


# -- the surfaces: each answers "is the practice offered to Ana at T here?" ------------


def today(app, w: World) -> bool:
    return w.touch.title in today_titles(client_for(app, w.ana).get("/today"))


def plan_page(app, w: World) -> bool:
    row = schedule_rows(client_for(app, w.ana).get("/plan"))[w.touch.title]
    return "next " in row and "[on hold]" not in row


def practice_page(app, w: World) -> bool:
    page = client_for(app, w.ana).get(f"/practices/{w.touch.id}").get_data(as_text=True)
    return f'href="/plan/add/{w.touch.id}"' in page


def calendar(app, w: World) -> bool:
    found = expand(app.test_client(), w.feed_path, w.at - timedelta(minutes=30), w.at + timedelta(minutes=30))
    return w.at in found and bool(found[w.at].walk("VALARM"))


def reminders(app, w: World) -> set[str]:
    """The channels that reach Ana for T when the pipeline runs at T."""
    tick(now=w.at - timedelta(minutes=1))
    db.session.commit()
    drain(now=w.at + timedelta(minutes=1))
    db.session.expire_all()
    return w.receivers.arrived(w.ana)


def notifications_page(app, w: World) -> bool:
    return "time for a practice you planned" in read_text(client_for(app, w.ana).get("/notifications"))


PAGES = {"today": today, "plan": plan_page, "practice": practice_page, "calendar": calendar}


def test_without_any_rule_every_surface_offers_the_practice(app, world):
    assert {name: surface(app, world) for name, surface in PAGES.items()} == dict.fromkeys(PAGES, True)
    assert reminders(app, world) == ALL
    assert notifications_page(app, world)


# -- pause --------------------------------------------------------------------------------


def test_a_pause_rests_every_surface_that_prompts(app, world):
    db.session.add(PlanPause(plan_id=world.plan.id, user_id=world.bo.id, since=now_utc() - timedelta(minutes=1)))
    db.session.commit()
    assert not today(app, world)
    assert "· paused" in schedule_rows(client_for(app, world.ana).get("/plan"))[world.touch.title]
    assert not calendar(app, world)
    assert reminders(app, world) == set()
    assert not notifications_page(app, world)
    # Bo's pause is Bo's: Ana can't lift it.
    client_for(app, world.ana).post("/plan/resume")
    assert not today(app, world)


# -- the safety hold -----------------------------------------------------------------------


def test_the_hold_rests_touch_on_every_surface(app, world):
    hold_start(plan=world.plan, user=world.bo)
    db.session.commit()
    assert {name: surface(app, world) for name, surface in PAGES.items()} == dict.fromkeys(PAGES, False)
    assert reminders(app, world) == set()
    assert not notifications_page(app, world)
    response = client_for(app, world.ana).post(
        f"/plan/{world.schedule.id}/edit",
        data={"kind": "daily", "time_1": "07:00", "start_date": world.at.date().isoformat(), "prompt": "both"},
    )
    assert response.status_code == 422, "and no route walks around it"


# -- quiet hours ---------------------------------------------------------------------------


def test_quiet_hours_hold_every_channel_until_they_end_and_silence_the_calendar_alarm(app, world):
    settings = db.session.get(ReminderSettings, world.ana.id)
    settings.quiet_start = (world.at - timedelta(hours=1)).time()
    settings.quiet_end = (world.at + timedelta(hours=1)).time()
    db.session.commit()
    assert today(app, world) and plan_page(app, world), "the prompt itself stays in the app"
    assert not calendar(app, world), "no alarm inside quiet hours"
    assert reminders(app, world) == set()
    drain(now=world.at + timedelta(hours=1, minutes=1))
    db.session.expire_all()
    assert world.receivers.arrived(world.ana) == ALL
    assert notifications_page(app, world)


# -- privacy -------------------------------------------------------------------------------

PRIVATE_WORDS = ("pain", "bleeding", "fever", "midwife", "doctor", "nurse", "clinician", "check-in", "symptom")


def test_a_private_check_in_that_starts_a_hold_tells_the_partner_nothing_on_any_surface(app, world):
    """Bo reports privately; Ana is the partner here, on every surface she has."""
    bo_client, ana_client = client_for(app, world.bo), client_for(app, world.ana)
    paths = ("/today", "/plan", f"/practices/{world.touch.id}", "/practices", "/notifications", "/checkins")
    before = {p: read_text(ana_client.get(p)) for p in paths}
    before["feed"] = ana_client.get(world.feed_path).get_data(as_text=True)
    bo_client.post(
        "/checkins/new", data={"pain": "strong", "bleeding": "heavier", "fever": "yes", "visibility": "private"}
    )
    db.session.expire_all()
    assert world.plan.hold_by_id == world.bo.id
    after = {p: read_text(ana_client.get(p)) for p in paths}
    after["feed"] = ana_client.get(world.feed_path).get_data(as_text=True)
    assert new_private_words(before, after) == {}
    # Reminders Ana still gets (a closeness practice) say nothing of it either.
    closeness = db.session.scalar(select(Practice).where(Practice.slug == "holding-hands-a-while"))
    walk = Schedule(
        plan_id=world.plan.id,
        practice_id=closeness.id,
        kind="daily",
        times=[world.at.strftime("%H:%M")],
        start_date=world.at.date(),
    )
    db.session.add(walk)
    db.session.flush()
    schedule_refresh_due(walk, "UTC", now=world.at - timedelta(minutes=5))
    db.session.commit()
    assert reminders(app, world) == ALL
    said = " ".join(
        [m.as_string() for m in world.receivers.smtp.wait_for(world.ana.email)]
        + [str(r) for r in world.receivers.hook.received]
    ).lower()
    assert not [w for w in PRIVATE_WORDS if w in said]
    assert db.session.scalars(select(Notification)).all()
