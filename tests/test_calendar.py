"""The calendar feed: a secret per-person iCalendar URL of the practices that prompt them,
with discreet titles, checked against rrule.js (an independent RFC 5545 expansion)."""

import datetime
import logging
import re
import urllib.request
from zoneinfo import ZoneInfo

import pytest
import recurring_ical_events
from icalendar import Calendar

from journal.calendar.services import DISCREET_TITLE
from journal.extensions import db
from journal.models import Plan, PlanPause, Practice, PromptAction, ReminderSettings, Schedule, now_utc
from journal.models.calendar import CalendarFeed
from journal.plan.recurrence import occurrences
from journal.plan.services import recurrence_of
from journal.testing import count_queries, field_value, live_server, login_as, make_couple, make_schedule, make_user
from tests.test_recurrence import rrule_js  # noqa: F401  (the module-scoped oracle fixture)

D = datetime.date
UTC = datetime.UTC
NY, KOLKATA, LONDON = "America/New_York", "Asia/Kolkata", "Europe/London"
FEED_URL = re.compile(r"http://localhost/feed/[A-Za-z0-9_-]+\.ics")


# -- helpers -------------------------------------------------------------------------


def make_plan(*, couple=None, owner=None, zone=NY, **kw) -> Plan:
    plan = Plan(couple_id=couple.id if couple else None, owner_id=owner.id if owner else None, timezone=zone, **kw)
    db.session.add(plan)
    db.session.commit()
    return plan


def make_scheduled_practice(
    plan,
    *,
    title="Our slow evening walk",
    kind="daily",
    times=("20:00",),
    start=D(2026, 1, 1),  # noqa: B008 (a date is immutable)
    practice_kind="closeness",
    stage=None,
    duration=20,
    prompt=None,
    **kw,
) -> Schedule:
    """A practice of `plan`'s own and its schedule (journal.testing.make_schedule)."""
    practice = Practice(
        plan_id=plan.id,
        kind=practice_kind,
        title=title,
        summary="",
        steps=["Slowly."],
        duration_minutes=duration,
        stage=stage,
    )
    db.session.add(practice)
    db.session.flush()
    return make_schedule(
        plan, practice, kind=kind, times=times, start=start, prompt_user_id=prompt.id if prompt else None, **kw
    )


def make_feed(client, user) -> str:
    """Turn the feed on through the page; return the URL path it showed once."""
    login_as(client, user)
    response = client.post("/calendar/regenerate", follow_redirects=True)
    assert response.status_code == 200
    url = field_value(response, "feed-link")
    assert url is not None and FEED_URL.fullmatch(url), url
    body = response.get_data(as_text=True)
    assert body.count("http://localhost/feed/") == body.count(url), "one feed URL on the page"
    return url.removeprefix("http://localhost")


def fetch(client, path) -> tuple[Calendar, str]:
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert response.headers["Cache-Control"] == "no-store"
    text = response.get_data(as_text=True)
    return Calendar.from_ical(text), text


def events(cal: Calendar) -> dict[str, object]:
    return {str(e["UID"]): e for e in cal.walk("VEVENT")}


# -- the page and the feed -----------------------------------------------------------


def test_the_page_explains_and_shows_the_url_once(client, couple):
    ana, _, _ = couple
    login_as(client, ana)
    page = client.get("/calendar").get_data(as_text=True)
    assert "No calendar feed yet" in page and "Tandem" in page and not FEED_URL.search(page)
    path = make_feed(client, ana)
    again = client.get("/calendar").get_data(as_text=True)
    assert not FEED_URL.search(again) and path not in again
    assert "Your calendar feed is on" in again


def test_the_feed_lists_my_schedules_discreetly(client, couple):
    ana, bo, c = couple
    plan = make_plan(couple=c, zone=NY)
    daily = make_scheduled_practice(plan, title="Our slow evening walk", duration=25)
    weekdays = make_scheduled_practice(
        plan,
        title="Morning hand on the shoulder",
        kind="weekdays",
        times=("08:30",),
        weekdays=[0, 2, 4],
        start=D(2026, 3, 5),
        end_date=D(2026, 6, 30),
        prompt=ana,
    )
    once = make_scheduled_practice(
        plan, title="Talk about the midwife visit", kind="once", times=("07:15", "19:00"), start=D(2026, 4, 2)
    )
    make_scheduled_practice(plan, title="Bo's breathing minute", prompt=bo)  # prompts only my partner
    make_scheduled_practice(plan, title="Slow massage", practice_kind="touch", stage=3)  # above the stage (1)
    cal, text = fetch(client, make_feed(client, ana))

    assert str(cal["X-WR-CALNAME"]) == "Tandem" and str(cal["VERSION"]) == "2.0" and cal.get("PRODID")
    assert [str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")] == [NY]
    found = events(cal)
    assert set(found) == {
        f"schedule-{daily.id}-2000@tandem",
        f"schedule-{weekdays.id}-0830@tandem",
        f"schedule-{once.id}-0715@tandem",
        f"schedule-{once.id}-1900@tandem",
    }
    for event in found.values():
        assert str(event["SUMMARY"]) == DISCREET_TITLE == "Tandem"
        assert event["DTSTART"].params["TZID"] == NY
        assert event["DTSTART"].dt.tzinfo is not None
        assert "http://localhost/today" in str(event["DESCRIPTION"])
        [alarm] = event.walk("VALARM")
        assert str(alarm["ACTION"]) == "DISPLAY" and str(alarm["DESCRIPTION"]) == "Tandem"
        assert alarm["TRIGGER"].dt == datetime.timedelta(minutes=-10)
    first = found[f"schedule-{daily.id}-2000@tandem"]
    assert first["DTSTART"].dt.replace(tzinfo=None) == datetime.datetime(2026, 1, 1, 20, 0)
    assert first["DURATION"].dt == datetime.timedelta(minutes=25)
    assert first["RRULE"].to_ical() == b"FREQ=DAILY"
    week = found[f"schedule-{weekdays.id}-0830@tandem"]
    assert week["DTSTART"].dt.replace(tzinfo=None) == datetime.datetime(2026, 3, 6, 8, 30)  # first Friday
    assert week["RRULE"].to_ical() == b"FREQ=WEEKLY;UNTIL=20260701T035959Z;BYDAY=MO,WE,FR"
    assert "RRULE" not in found[f"schedule-{once.id}-0715@tandem"]
    for title in ("evening walk", "shoulder", "midwife", "breathing", "massage"):
        assert title.lower() not in text.lower()
    assert "DTSTART;TZID=America/New_York:20260101T200000" in text


def test_a_plan_on_hold_leaves_out_touch_and_a_paused_plan_keeps_its_events_before_the_pause(client, couple):
    ana, _, c = couple
    plan = make_plan(couple=c, zone=LONDON, hold_by_id=None)
    walk = make_scheduled_practice(plan, title="Walk")
    touch = make_scheduled_practice(plan, title="Hand holding", practice_kind="touch", stage=1)
    path = make_feed(client, ana)
    assert len(events(fetch(client, path)[0])) == 2
    plan.hold_by_id = ana.id
    plan.hold_since = now_utc()
    db.session.commit()
    assert set(events(fetch(client, path)[0])) == {f"schedule-{walk.id}-2000@tandem"}
    plan.hold_by_id = plan.hold_since = None
    db.session.add(PlanPause(plan_id=plan.id, user_id=ana.id, since=now_utc()))
    db.session.commit()
    assert set(events(fetch(client, path)[0])) == {
        f"schedule-{walk.id}-2000@tandem",
        f"schedule-{touch.id}-2000@tandem",
    }


def test_no_plan_yet_is_an_empty_calendar(client, user):
    cal, _ = fetch(client, make_feed(client, user))
    assert str(cal["X-WR-CALNAME"]) == "Tandem" and not cal.walk("VEVENT")


# -- agreement with rrule.js -----------------------------------------------------------


@pytest.mark.parametrize("zone", [NY, KOLKATA])
def test_a_year_of_the_feed_agrees_with_rrule_js(client, couple, zone, rrule_js):  # noqa: F811
    ana, bo, c = couple
    plan = make_plan(couple=c, zone=zone)
    schedules = [
        make_scheduled_practice(plan, times=("20:00",), start=D(2025, 11, 3)),
        make_scheduled_practice(
            plan,
            kind="weekdays",
            times=("08:30", "21:15"),
            weekdays=[0, 2, 4, 6],
            start=D(2026, 2, 10),
            end_date=D(2026, 11, 20),
            prompt=ana,
        ),
        make_scheduled_practice(plan, kind="interval", interval=3, times=("07:45",), start=D(2025, 12, 30)),
    ]
    make_scheduled_practice(plan, times=("21:00",), prompt=bo)  # not mine: must not be counted
    _, text = fetch(client, make_feed(client, ana))
    low, high = datetime.datetime(2026, 1, 1, tzinfo=UTC), datetime.datetime(2027, 1, 1, tzinfo=UTC)
    theirs = rrule_js(text.encode(), low, high)
    ours = set()
    for schedule in schedules:
        ours |= set(occurrences(recurrence_of(schedule), zone, low, high))
    assert len(theirs) > 700
    assert set(theirs) == ours  # none of these times falls in a gap, and no two coincide
    assert {wall.time() for wall in theirs.values()} == {
        datetime.time(7, 45),
        datetime.time(8, 30),
        datetime.time(20, 0),
        datetime.time(21, 15),
    }
    assert all(i.astimezone(ZoneInfo(zone)).replace(tzinfo=None) == theirs[i] for i in theirs)


# -- the token -----------------------------------------------------------------------


def test_regenerate_and_delete_end_the_old_url_at_once(client, user):
    old = make_feed(client, user)
    assert client.get(old).status_code == 200
    new = make_feed(client, user)
    assert new != old
    assert client.get(old).status_code == 404
    assert client.get(new).status_code == 200
    response = client.post("/calendar/delete", follow_redirects=True)
    assert "No calendar feed yet" in response.get_data(as_text=True)
    assert client.get(new).status_code == 404


def test_a_wrong_token_is_a_plain_404(client, user):
    path = make_feed(client, user)
    client.post("/logout")
    for wrong in (path[:-5] + "x.ics", "/feed/nope.ics", "/feed/" + "a" * 500 + ".ics"):
        response = client.get(wrong)
        assert response.status_code == 404
        assert "text/calendar" not in response.headers["Content-Type"]


def test_only_the_token_hash_is_stored(client, user):
    path = make_feed(client, user)
    token = path.removeprefix("/feed/").removesuffix(".ics")
    row = db.session.scalar(db.select(CalendarFeed))
    assert row.user_id == user.id and len(row.token_hash) == 64 and token not in row.token_hash


def test_nobody_elses_schedules_appear(client, couple):
    ana, bo, c = couple
    plan = make_plan(couple=c, zone=NY)
    mine = make_scheduled_practice(plan, title="Ours")
    bos = make_scheduled_practice(plan, title="Bo alone", prompt=bo)
    stranger, other = make_user(email="s@example.com"), make_user(email="t@example.com")
    theirs = make_scheduled_practice(make_plan(couple=make_couple(stranger, other), zone=KOLKATA), title="Theirs")
    single = make_user(email="single@example.com")
    alone = make_scheduled_practice(make_plan(owner=single, zone=LONDON), title="Alone")

    assert set(events(fetch(client, make_feed(client, ana))[0])) == {f"schedule-{mine.id}-2000@tandem"}
    assert set(events(fetch(client, make_feed(client, bo))[0])) == {
        f"schedule-{mine.id}-2000@tandem",
        f"schedule-{bos.id}-2000@tandem",
    }
    cal, _ = fetch(client, make_feed(client, stranger))
    assert set(events(cal)) == {f"schedule-{theirs.id}-2000@tandem"}
    assert [str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")] == [KOLKATA]
    assert set(events(fetch(client, make_feed(client, single))[0])) == {f"schedule-{alone.id}-2000@tandem"}


def test_the_feed_costs_a_fixed_number_of_statements(app, client, couple):
    ana, _, c = couple
    plan = make_plan(couple=c)
    make_scheduled_practice(plan)
    path = make_feed(client, ana)
    client.post("/logout")
    with count_queries(app) as small:
        fetch(client, path)
    for n in range(6):
        make_scheduled_practice(plan, kind="weekdays", weekdays=[n], times=("08:30", "20:00"))
    with count_queries(app) as large:
        _, text = fetch(client, path)
    assert text.count("BEGIN:VEVENT") == 13
    # The feed owner by token, the plan with its pauses, the schedules with their practices,
    # the person's done and skipped prompts, their reminder settings (for quiet hours).
    assert small.count == large.count == 5


def test_the_token_never_reaches_the_logs(app, client, user, log_output):
    """A calendar app fetching the real feed through werkzeug's server: the feed is
    served, and neither werkzeug's access line nor the app's own line holds the token."""
    path = make_feed(client, user)
    token = path.removeprefix("/feed/").removesuffix(".ics")
    logging.getLogger("werkzeug").setLevel(logging.INFO)
    with live_server(app) as base, urllib.request.urlopen(base + path, timeout=10) as response:
        assert response.status == 200 and b"BEGIN:VCALENDAR" in response.read()
    logged = log_output.getvalue()
    assert any(" werkzeug " in line and "/feed/[redacted]" in line for line in logged.splitlines()), logged
    assert token not in logged


# -- the feed follows the reminders' rules, checked by an independent expansion -------


def expand(client, path, low, high) -> dict[datetime.datetime, object]:
    """Every instance the feed holds that starts from low until high, by recurring-ical-events
    (whose `between` also gives an instance that started before low and is still going: at
    20:10 a 20:00 walk of half an hour would count, depending on the clock)."""
    cal, _ = fetch(client, path)
    found = {e["DTSTART"].dt.astimezone(UTC): e for e in recurring_ical_events.of(cal).between(low, high)}
    return {start: e for start, e in found.items() if low <= start < high}


def daily_instants(zone, hour, low, high) -> list[datetime.datetime]:
    """The instants of a daily local `hour` between low and high (the schedule's own truth)."""
    tz = ZoneInfo(zone)
    day = low.astimezone(tz).date() - datetime.timedelta(days=1)
    found = []
    while day <= high.astimezone(tz).date() + datetime.timedelta(days=1):
        at = datetime.datetime.combine(day, datetime.time(hour), tzinfo=tz).astimezone(UTC)
        if low <= at < high:
            found.append(at)
        day += datetime.timedelta(days=1)
    return found


@pytest.fixture
def fortnight(client, couple):
    """Ana's feed of a daily 20:00 walk and a daily 21:00 touch practice (London), and the
    window of 14 days either side of now."""
    ana, bo, c = couple
    ana.timezone = LONDON
    plan = make_plan(couple=c, zone=LONDON)
    walk = make_scheduled_practice(plan, title="Walk", times=("20:00",), start=D(2026, 1, 1))
    touch = make_scheduled_practice(
        plan, title="Hands", practice_kind="touch", stage=1, times=("21:00",), start=D(2026, 1, 1)
    )
    path = make_feed(client, ana)
    now = now_utc()
    low, high = now - datetime.timedelta(days=14), now + datetime.timedelta(days=14)
    walks, touches = daily_instants(LONDON, 20, low, high), daily_instants(LONDON, 21, low, high)
    assert set(expand(client, path, low, high)) == set(walks) | set(touches)
    return ana, bo, plan, walk, touch, path, low, high, walks, touches


def test_a_paused_span_has_no_events_and_they_come_back_after_resuming(client, fortnight):
    ana, bo, plan, walk, touch, path, low, high, walks, touches = fortnight
    now = now_utc()
    until = now.astimezone(ZoneInfo(LONDON)).date() + datetime.timedelta(days=5)
    end = datetime.datetime.combine(until + datetime.timedelta(days=1), datetime.time(), tzinfo=ZoneInfo(LONDON))
    pause = PlanPause(plan_id=plan.id, user_id=bo.id, since=now, until=until)
    db.session.add(pause)
    db.session.commit()
    found = expand(client, path, low, high)
    assert set(found) == {at for at in walks + touches if not now <= at < end}
    assert all(e.walk("VALARM") for at, e in found.items()), "alarms only on events outside the pause"

    pause.until = None  # until resumed: nothing from the pause on
    db.session.commit()
    assert set(expand(client, path, low, high)) == {at for at in walks + touches if at < now}

    db.session.delete(pause)  # resumed
    db.session.commit()
    assert set(expand(client, path, low, high)) == set(walks) | set(touches)


def test_touch_practices_leave_the_feed_during_a_hold(client, fortnight):
    ana, bo, plan, walk, touch, path, low, high, walks, touches = fortnight
    plan.hold_by_id, plan.hold_since = bo.id, now_utc()
    db.session.commit()
    assert set(expand(client, path, low, high)) == set(walks)
    plan.hold_by_id = plan.hold_since = None
    db.session.commit()
    assert set(expand(client, path, low, high)) == set(walks) | set(touches)


def test_occurrences_done_or_skipped_leave_the_feed(client, fortnight):
    ana, bo, plan, walk, touch, path, low, high, walks, touches = fortnight
    now = now_utc()
    done = max(at for at in walks if at < now)
    skipped = min(at for at in walks if at > now)
    snoozed = min(at for at in touches if at > now)
    db.session.add_all(
        [
            PromptAction(schedule_id=walk.id, user_id=ana.id, occurrence_at=done, state="done"),
            PromptAction(schedule_id=walk.id, user_id=ana.id, occurrence_at=skipped, state="skipped"),
            PromptAction(
                schedule_id=touch.id,
                user_id=ana.id,
                occurrence_at=snoozed,
                state="snoozed",
                snoozed_until=snoozed + datetime.timedelta(hours=1),
            ),
            # Bo's own skip is Bo's: Ana's feed keeps that occurrence.
            PromptAction(schedule_id=touch.id, user_id=bo.id, occurrence_at=max(touches), state="skipped"),
        ]
    )
    db.session.commit()
    assert set(expand(client, path, low, high)) == (set(walks) | set(touches)) - {done, skipped}


def test_an_alarm_that_would_ring_in_quiet_hours_is_left_out(client, fortnight):
    ana, bo, plan, walk, touch, path, low, high, walks, touches = fortnight
    db.session.add(ReminderSettings(user_id=ana.id, quiet_start=datetime.time(20, 30), quiet_end=datetime.time(7)))
    db.session.commit()
    found = expand(client, path, low, high)
    assert set(found) == set(walks) | set(touches), "the events stay"
    assert all(found[at].walk("VALARM") for at in walks), "19:50 rings"
    assert not any(found[at].walk("VALARM") for at in touches), "20:50 is inside quiet hours: no alarm"
