"""Today: the prompts due now and in the next 24 hours for the person logged in.

Time logic is tested at the service level with an explicit `now`; the HTTP flow
uses schedules placed relative to the real current time (never asserting the
clock itself).
"""

import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from journal.access import Scope
from journal.extensions import db
from journal.models import Plan, PlanPause, PromptAction, Schedule, now_utc
from journal.practices.services import practice_create
from journal.testing import (
    client_for,
    count_queries,
    couple_plan,
    elements,
    login_as,
    make_couple,
    make_practice,
    make_schedule,
    make_user,
    texts_of,
    without_csrf_tokens,
)
from journal.today.services import prompt_act, prompts_for

UTC = UTC
GUILT_WORDS = ("streak", "missed", "failed", "overdue", "behind")
#: Where a schedule starts unless a test says otherwise: before every fixed `now` here
#: (make_schedule's own default follows the real clock).
START = date(2026, 1, 1)


# -- helpers ------------------------------------------------------------------


def plan_for(user, zone: str | None = None) -> Plan:
    plan = Scope(user).plan_or_create()
    if zone is not None:
        plan.timezone = zone
    db.session.commit()
    return plan


def prompts(user, now):
    """The prompts of `user` at `now`, with a fresh Scope (as a new request would)."""
    db.session.expire_all()
    return prompts_for(Scope(user), user, now=now)[1]


def instants(found):
    return [p.due_at for p in found]


def due_now(found, now):
    return [p for p in found if p.due_at <= now]


def soon_once(plan, practice, *, hours=2, prompt_user=None):
    """A one-off schedule at a time `hours` from the real now (to the minute, in the plan's zone)."""
    local = (now_utc() + timedelta(hours=hours)).astimezone(ZoneInfo(plan.timezone))
    return make_schedule(
        plan,
        practice,
        kind="once",
        times=[local.strftime("%H:%M")],
        start=local.date(),
        prompt_user_id=prompt_user.id if prompt_user else None,
    )


def due_once(plan, practice, *, prompt_user=None):
    """A one-off schedule at the current minute: due now, earlier today."""
    return soon_once(plan, practice, hours=0, prompt_user=prompt_user)


def keys_on(page: str) -> list[str]:
    """The prompt keys of the page's forms, in order, each once."""
    return list(dict.fromkeys(el.get("value") for el in elements(page, "input[name=prompt]")))


def today_page(client) -> str:
    response = client.get("/today")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def action_rows(**where):
    db.session.expire_all()
    stmt = select(PromptAction)
    for name, value in where.items():
        stmt = stmt.where(getattr(PromptAction, name) == value)
    return db.session.scalars(stmt).all()


def assert_calm(page: str):
    lowered = page.lower()
    for word in GUILT_WORDS:
        assert word not in lowered, f"guilt wording {word!r} on the Today page"


# -- the page -------------------------------------------------------------------


def test_today_lists_due_and_upcoming_prompts_with_link_and_every_choice(app, couple, ana_client):
    ana, bo, _ = couple
    plan = plan_for(ana)
    earlier = make_practice(title="Hands on the kettle")
    later = make_practice(title="A slow evening walk")
    due_once(plan, earlier)
    soon_once(plan, later)

    page = today_page(ana_client)

    assert "Hands on the kettle" in page and "A slow evening walk" in page
    assert f'href="/practices/{earlier.id}"' in page
    assert f'href="/practices/{later.id}"' in page
    assert len(keys_on(page)) == 2
    for action in ("done", "skip", "15min", "1h", "tomorrow"):
        assert page.count(f'name="action" value="{action}"') == 2, action
    # due earlier today comes first
    assert page.index("Hands on the kettle") < page.index("A slow evening walk")
    assert ana_client.get(f"/practices/{earlier.id}").status_code == 200


def test_today_is_ascii_and_its_dots_read_as_dots(app, couple, ana_client):
    # A page of ASCII alone encodes as a copy: the prompts write their dots as references.
    ana, bo, _ = couple
    plan = plan_for(ana)
    soon_once(plan, make_practice(title="A slow evening walk"))
    soon_once(plan, make_practice(title="Tea together"), hours=3)
    prompt_act(user=bo, prompt=prompts(bo, now_utc())[1], action="done")
    db.session.commit()
    at = prompts(ana, now_utc())[0].occurrence_at
    prompt_act(user=ana, prompt=prompts(ana, now_utc())[0], action="15min", now=at - timedelta(hours=3))
    db.session.commit()

    response = ana_client.get("/today")

    assert response.get_data().isascii()
    metas = texts_of(response, "li.prompt p.meta")
    assert any(m.endswith(" · brought back") for m in metas) and any(m.endswith(" · done together") for m in metas)
    assert "Done, and note how it went · Write about it" in " ".join(texts_of(response, "li.prompt p"))


def test_today_never_uses_guilt_or_streak_language(app, couple, ana_client):
    ana, _, _ = couple
    assert_calm(today_page(ana_client))  # nothing planned yet
    plan = plan_for(ana)
    practices = [make_practice() for _ in range(4)]
    for practice in practices:
        due_once(plan, practice)  # due earlier today and not yet done
    page = today_page(ana_client)
    assert len(keys_on(page)) == 4
    assert_calm(page)
    for action, key in zip(("done", "skip", "15min", "tomorrow"), keys_on(page)):
        response = ana_client.post("/today/act", data={"prompt": key, "action": action}, follow_redirects=True)
        assert response.status_code == 200
        assert_calm(response.get_data(as_text=True))
    # a key that was already answered
    response = ana_client.post("/today/act", data={"prompt": keys_on(page)[0], "action": "done"}, follow_redirects=True)
    assert_calm(response.get_data(as_text=True))
    plan = db.session.get(Plan, plan.id)
    db.session.add(PlanPause(plan_id=plan.id, user_id=ana.id, since=now_utc()))
    db.session.commit()
    assert_calm(today_page(ana_client))


def test_done_skip_and_snooze_through_the_page(app, couple, ana_client):
    ana, _, _ = couple
    plan = plan_for(ana)
    first, second = make_practice(title="Tea on the step"), make_practice(title="Shoulder rest")
    third = make_practice(title="Feet on the floor together")
    due_once(plan, first)
    soon_once(plan, second)
    due_once(plan, third)
    keys = {key.split("@")[0]: key for key in keys_on(today_page(ana_client))}
    assert len(keys) == 3
    by_practice = {p.practice_id: keys[str(p.id)] for p in db.session.scalars(select(Schedule))}

    for practice, action in ((first, "done"), (second, "skip")):
        response = ana_client.post("/today/act", data={"prompt": by_practice[practice.id], "action": action})
        assert response.status_code == 302
        assert response.headers["Location"].endswith("/today")

    before = now_utc()
    response = ana_client.post(
        "/today/act", data={"prompt": by_practice[third.id], "action": "1h"}, follow_redirects=True
    )
    after = now_utc()
    assert response.status_code == 200
    assert "an hour" in response.get_data(as_text=True)

    page = today_page(ana_client)
    assert "Tea on the step" not in page and "Shoulder rest" not in page
    # the snoozed one is listed at the end of its snooze, marked as brought back
    assert keys_on(page) == [by_practice[third.id]]
    assert "brought back" in page
    rows = {a.schedule_id: a for a in action_rows(user_id=ana.id)}
    assert sorted(a.state for a in rows.values()) == ["done", "skipped", "snoozed"]
    (snoozed,) = [a for a in rows.values() if a.state == "snoozed"]
    assert before + timedelta(hours=1) <= snoozed.snoozed_until <= after + timedelta(hours=1)


# -- what was done, skipped or snoozed (service level) ----------------------------


def test_done_or_skipped_prompt_is_not_shown_again(app, couple):
    ana, _, _ = couple
    plan = plan_for(ana)
    first, second = make_practice(), make_practice()
    make_schedule(plan, first, kind="once", times=["08:00"], start=date(2026, 5, 10))
    make_schedule(plan, second, kind="once", times=["09:00"], start=date(2026, 5, 10))
    now = datetime(2026, 5, 10, 12, 0, tzinfo=UTC)

    found = prompts(ana, now)
    assert [p.practice.id for p in found] == [first.id, second.id]
    prompt_act(user=ana, prompt=found[0], action="done", now=now)
    prompt_act(user=ana, prompt=found[1], action="skip", now=now)
    prompt_act(user=ana, prompt=found[0], action="done", now=now)  # twice: still one row
    db.session.commit()

    assert prompts(ana, now) == []
    assert prompts(ana, now + timedelta(hours=6)) == []
    assert db.session.scalar(select(func.count()).select_from(PromptAction)) == 2


SNOOZES = (("15min", timedelta(minutes=15)), ("1h", timedelta(hours=1)), ("tomorrow", timedelta(days=1)))


def test_snoozed_prompt_comes_back_at_the_snooze_end_and_not_before(app, couple):
    ana, _, _ = couple
    plan = plan_for(ana)
    at = datetime(2026, 5, 10, 20, 0, tzinfo=UTC)
    now = at + timedelta(minutes=5)
    schedules = {
        action: make_schedule(plan, make_practice(), kind="once", times=["20:00"], start=at.date())
        for action, _ in SNOOZES
    }

    def mine(action, moment):
        return [p for p in due_now(prompts(ana, moment), moment) if p.schedule.id == schedules[action].id]

    found = {p.schedule.id: p for p in prompts(ana, now)}
    for action, _ in SNOOZES:
        prompt = found[schedules[action].id]
        assert prompt.due_at == at and not prompt.snoozed
        prompt_act(user=ana, prompt=prompt, action=action, now=now)
    db.session.commit()

    for action, back_after in SNOOZES:
        back = now + back_after
        for moment in (now, now + timedelta(minutes=1), back - timedelta(minutes=1)):
            assert mine(action, moment) == [], (action, moment)
        for moment in (back, back + timedelta(minutes=10)):
            (again,) = mine(action, moment)
            assert again.due_at == back and again.snoozed, action
            assert again.occurrence_at == at

    # snoozed for tomorrow while still ahead today: back tomorrow at the same time of day
    morning = datetime(2026, 5, 10, 9, 0, tzinfo=UTC)
    schedules["ahead"] = make_schedule(plan, make_practice(), kind="once", times=["20:00"], start=at.date())
    (prompt,) = [p for p in prompts(ana, morning) if p.schedule.id == schedules["ahead"].id]
    prompt_act(user=ana, prompt=prompt, action="tomorrow", now=morning)
    db.session.commit()
    tomorrow_evening = at + timedelta(days=1)
    assert mine("ahead", tomorrow_evening - timedelta(minutes=1)) == []
    (again,) = mine("ahead", tomorrow_evening)
    assert again.due_at == tomorrow_evening


def test_a_snooze_that_ended_yesterday_does_not_carry_into_today(app, couple):
    ana, _, _ = couple
    plan = plan_for(ana)
    make_schedule(plan, make_practice(), kind="once", times=["20:00"], start=date(2026, 5, 10))
    now = datetime(2026, 5, 10, 20, 5, tzinfo=UTC)
    (prompt,) = prompts(ana, now)
    prompt_act(user=ana, prompt=prompt, action="15min", now=now)
    db.session.commit()
    assert len(due_now(prompts(ana, now + timedelta(minutes=20)), now + timedelta(minutes=20))) == 1
    next_morning = datetime(2026, 5, 11, 9, 0, tzinfo=UTC)
    assert prompts(ana, next_morning) == []


def test_snooze_for_tomorrow_keeps_the_clock_time_across_daylight_saving(app):
    person = make_user(timezone="America/New_York")
    plan = plan_for(person, "America/New_York")
    practice = make_practice()
    # Saturday 2026-03-07 20:00 EST; clocks go forward that night.
    make_schedule(plan, practice, kind="once", times=["20:00"], start=date(2026, 3, 7))
    at = datetime(2026, 3, 8, 1, 0, tzinfo=UTC)
    (prompt,) = prompts(person, at)
    prompt_act(user=person, prompt=prompt, action="tomorrow", now=at)
    db.session.commit()
    sunday_evening = datetime(2026, 3, 8, 20, 0, tzinfo=ZoneInfo("America/New_York"))  # 00:00 UTC on the 9th
    (again,) = prompts(person, sunday_evening)
    assert again.due_at == sunday_evening


def test_a_daily_prompt_snoozed_until_tomorrow_shows_once_tomorrow(app, couple):
    ana, _, _ = couple
    plan = plan_for(ana, "UTC")
    schedule = make_schedule(plan, make_practice(), times=["20:00"], start=START)
    evening = datetime(2026, 5, 10, 20, 5, tzinfo=UTC)
    (prompt,) = due_now(prompts(ana, evening), evening)
    prompt_act(user=ana, prompt=prompt, action="tomorrow", now=evening)
    db.session.commit()
    tomorrow = datetime(2026, 5, 11, 20, 10, tzinfo=UTC)
    found = [p for p in due_now(prompts(ana, tomorrow), tomorrow) if p.schedule.id == schedule.id]
    assert len(found) == 1, "yesterday's snooze and today's own prompt are the same moment"
    assert found[0].due_at == datetime(2026, 5, 11, 20, 0, tzinfo=UTC) and not found[0].snoozed
    prompt_act(user=ana, prompt=found[0], action="done", now=tomorrow)
    db.session.commit()
    assert [
        p for p in prompts(ana, tomorrow) if p.schedule.id == schedule.id and p.due_at.date() == tomorrow.date()
    ] == [], "done once counts for both"


# -- several times a day ----------------------------------------------------------


def test_a_schedule_with_two_times_prompts_twice_and_doing_one_leaves_the_other(app, couple):
    ana, _, _ = couple
    plan = plan_for(ana)
    practice = make_practice()
    make_schedule(plan, practice, times=["08:00", "20:00"], start=START)
    now = datetime(2026, 5, 10, 7, 0, tzinfo=UTC)

    found = prompts(ana, now)
    assert instants(found) == [datetime(2026, 5, 10, 8, 0, tzinfo=UTC), datetime(2026, 5, 10, 20, 0, tzinfo=UTC)]
    assert len({p.key for p in found}) == 2
    prompt_act(user=ana, prompt=found[0], action="done", now=now + timedelta(hours=1))
    db.session.commit()

    later = now + timedelta(hours=2)
    today = [at for at in instants(prompts(ana, later)) if at.date() == date(2026, 5, 10)]
    assert today == [datetime(2026, 5, 10, 20, 0, tzinfo=UTC)]


def test_each_occurrences_actions_are_read_with_its_schedule(app, couple):
    """Today reads the schedules and the couple's recent actions on them in one statement,
    a row an action: each occurrence keeps its own, the partner's "done" for a practice
    done together counts, and an action of someone outside the couple on the same
    schedule (a partner who has since left) counts for nothing."""
    ana, bo, _ = couple
    cy = make_user(email="cy@example.com", display_name="Cy")
    plan = plan_for(ana)
    together = make_schedule(plan, make_practice(), times=["08:00", "14:00", "20:00"], start=START)
    other = make_schedule(plan, make_practice(), times=["09:00"], start=START)
    day = datetime(2026, 5, 10, tzinfo=UTC)
    for user, schedule, hour, state in (
        (bo, together, 8, "done"),
        (ana, together, 14, "skipped"),
        (cy, together, 20, "done"),
        (cy, other, 9, "skipped"),
    ):
        db.session.add(
            PromptAction(schedule_id=schedule.id, user_id=user.id, occurrence_at=day.replace(hour=hour), state=state)
        )
    db.session.commit()

    found = [p for p in prompts(ana, day.replace(hour=7)) if p.due_at.date() == day.date()]
    assert [(p.schedule.id, p.due_at.hour, p.done_together) for p in found] == [
        (together.id, 8, True),
        (other.id, 9, False),
        (together.id, 20, False),
    ]


# -- who is prompted ---------------------------------------------------------------


def test_who_is_prompted_and_each_answer_is_their_own(app, couple, ana_client, bo_client):
    ana, bo, _ = couple
    plan = plan_for(ana)
    bo_only = soon_once(plan, make_practice(title="Bo's own quiet walk"), prompt_user=bo)
    assert "Bo&#39;s own quiet walk" not in today_page(ana_client)
    assert keys_on(today_page(ana_client)) == []
    bo_page = today_page(bo_client)
    assert "Bo&#39;s own quiet walk" in bo_page
    (bo_only_key,) = keys_on(bo_page)
    assert ana_client.post("/today/act", data={"prompt": bo_only_key, "action": "done"}).status_code == 302
    assert action_rows() == []
    assert bo_client.post("/today/act", data={"prompt": bo_only_key, "action": "done"}).status_code == 302
    assert [(a.user_id, a.schedule_id) for a in action_rows()] == [(bo.id, bo_only.id)]
    for row in action_rows():
        db.session.delete(row)
    db.session.commit()
    db.session.get(Schedule, bo_only.id).removed_at = now_utc()  # out of the plan: no longer prompted
    db.session.commit()
    assert keys_on(today_page(bo_client)) == []

    # Something each of them does alone (done together is in tests/test_phone.py).
    practice = make_practice(title="A slow walk on your own", together=False)
    due_once(plan, practice)

    ana_keys, bo_keys = keys_on(today_page(ana_client)), keys_on(today_page(bo_client))
    assert len(ana_keys) == 1 and ana_keys == bo_keys
    assert ana_client.post("/today/act", data={"prompt": ana_keys[0], "action": "done"}).status_code == 302

    assert keys_on(today_page(ana_client)) == []
    assert keys_on(today_page(bo_client)) == bo_keys  # Ana's done is not Bo's
    assert bo_client.post("/today/act", data={"prompt": bo_keys[0], "action": "skip"}).status_code == 302
    assert keys_on(today_page(bo_client)) == []
    assert {(a.user_id, a.state) for a in action_rows()} == {(ana.id, "done"), (bo.id, "skipped")}

    # the same at the service level, with an explicit time
    make_schedule(plan, make_practice(), times=["20:00"], start=START)
    now = datetime(2026, 5, 10, 19, 0, tzinfo=UTC)
    (ana_prompt,) = prompts(ana, now)
    prompt_act(user=ana, prompt=ana_prompt, action="skip", now=now)
    db.session.commit()
    assert prompts(ana, now) == []
    assert instants(prompts(bo, now)) == [datetime(2026, 5, 10, 20, 0, tzinfo=UTC)]


# -- pause, safety hold, stage -----------------------------------------------------


def test_paused_plan_prompts_nothing_until_its_end_date_has_passed(app, couple, ana_client):
    ana, _, _ = couple
    plan = plan_for(ana)
    make_schedule(plan, make_practice(), times=["20:00"], start=START)
    now = datetime(2026, 5, 10, 12, 0, tzinfo=UTC)
    assert len(prompts(ana, now)) == 1

    pause = PlanPause(plan_id=plan.id, user_id=ana.id, since=now - timedelta(days=3))
    db.session.add(pause)
    db.session.commit()
    assert prompts(ana, now) == []

    pause.until = date(2026, 5, 10)  # inclusive: still paused today
    db.session.commit()
    assert prompts(ana, now) == []

    pause.until = date(2026, 5, 9)  # ended yesterday
    db.session.commit()
    assert len(prompts(ana, now)) == 1

    # through the page, at the real time
    soon_once(plan, make_practice(title="Cup of tea together"))
    pause.since, pause.until = now_utc(), None
    db.session.commit()
    page = today_page(ana_client)
    assert "Cup of tea together" not in page and keys_on(page) == []
    assert "paused" in page

    pause.until = (now_utc() - timedelta(days=2)).date()
    db.session.commit()
    page = today_page(ana_client)
    assert "Cup of tea together" in page


def test_safety_hold_hides_touch_practices_only(app, couple, ana_client):
    ana, bo, _ = couple
    plan = plan_for(ana)
    touch = make_practice(kind="touch", stage=1, title="Resting a hand on a shoulder")
    talk = make_practice(kind="check-in", title="Two-minute check-in")
    make_schedule(plan, touch, times=["20:00"], start=START)
    make_schedule(plan, talk, times=["20:00"], start=START)
    now = datetime(2026, 5, 10, 12, 0, tzinfo=UTC)
    assert {p.practice.id for p in prompts(ana, now)} == {touch.id, talk.id}

    plan = db.session.get(Plan, plan.id)
    plan.hold_by_id = bo.id
    plan.hold_since = now
    db.session.commit()
    for person in (ana, bo):
        assert [p.practice.id for p in prompts(person, now)] == [talk.id]

    soon_once(plan, touch)
    page = today_page(ana_client)
    assert "Resting a hand on a shoulder" not in page

    plan = db.session.get(Plan, plan.id)
    plan.hold_by_id = None
    db.session.commit()
    assert "Resting a hand on a shoulder" in today_page(ana_client)


def test_touch_practice_above_the_stage_is_not_prompted_after_a_step_back(app, couple, ana_client):
    ana, _, _ = couple
    plan = plan_for(ana)
    plan.stage = 2
    db.session.commit()
    gentle = make_practice(kind="touch", stage=1, title="Hand on a hand")
    closer = make_practice(kind="touch", stage=2, title="A longer shoulder rub")
    make_schedule(plan, gentle, times=["20:00"], start=START)
    make_schedule(plan, closer, times=["20:00"], start=START)
    soon_once(plan, closer)
    now = datetime(2026, 5, 10, 12, 0, tzinfo=UTC)
    assert {p.practice.id for p in prompts(ana, now)} == {gentle.id, closer.id}
    assert "A longer shoulder rub" in today_page(ana_client)

    assert ana_client.post("/plan/pace/back").status_code == 302
    db.session.expire_all()
    assert db.session.get(Plan, plan.id).stage == 1

    assert [p.practice.id for p in prompts(ana, now)] == [gentle.id]
    assert "A longer shoulder rub" not in today_page(ana_client)


# -- time zones and daylight saving -----------------------------------------------


def test_due_now_starts_at_the_users_local_midnight(app):
    kolkata = ZoneInfo("Asia/Kolkata")
    person = make_user(timezone="Asia/Kolkata")
    plan = plan_for(person)
    assert plan.timezone == "Asia/Kolkata"
    just_after_midnight = make_practice()
    late_yesterday = make_practice()
    make_schedule(plan, just_after_midnight, kind="once", times=["00:30"], start=date(2026, 5, 10))
    make_schedule(plan, late_yesterday, kind="once", times=["23:30"], start=date(2026, 5, 9))

    now = datetime(2026, 5, 10, 23, 0, tzinfo=kolkata)
    found = prompts(person, now)
    assert [p.practice.id for p in found] == [just_after_midnight.id]
    assert found[0].due_at == datetime(2026, 5, 10, 0, 30, tzinfo=kolkata)


def test_next_prompt_follows_a_change_of_the_plans_time_zone(app):
    person = make_user(timezone="America/New_York")
    plan = plan_for(person, "Europe/London")
    make_schedule(plan, make_practice(), times=["20:00"], start=START)
    now = datetime(2026, 6, 10, 12, 0, tzinfo=UTC)
    assert instants(prompts(person, now)) == [datetime(2026, 6, 10, 20, 0, tzinfo=ZoneInfo("Europe/London"))]

    plan = db.session.get(Plan, plan.id)
    plan.timezone = "America/New_York"
    db.session.commit()
    upcoming = [p for p in prompts(person, now) if p.due_at > now]
    assert upcoming[0].due_at == datetime(2026, 6, 10, 20, 0, tzinfo=ZoneInfo("America/New_York"))
    assert upcoming[0].due_at.astimezone(ZoneInfo("America/New_York")).strftime("%H:%M") == "20:00"


def test_zone_change_through_the_plan_page_moves_todays_prompts(app, couple):
    ana, _, _ = couple
    ana.timezone = "America/New_York"
    db.session.commit()
    client = app.test_client()
    login_as(client, ana)
    plan = plan_for(ana, "Europe/London")
    make_schedule(
        plan, make_practice(title="Evening unwinding"), times=["20:00"], start=now_utc().date() - timedelta(days=3)
    )

    def shown_times():
        return [
            re.search(r"\d\d:\d\d", meta).group()
            for meta in texts_of(today_page(client), "li.card.prompt p.meta")
            if re.search(r"\d\d:\d\d", meta)
        ]

    before = shown_times()
    assert before and "20:00" not in before  # 20:00 London is mid-afternoon in New York

    response = client.post("/plan/settings", data={"timezone": "America/New_York", "birth_date": ""})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Plan, plan.id).timezone == "America/New_York"
    after = shown_times()
    assert after and set(after) == {"20:00"}


def test_daylight_saving_gap_prompts_once_at_the_end_of_the_gap(app):
    new_york = ZoneInfo("America/New_York")
    person = make_user(timezone="America/New_York")
    plan = plan_for(person, "America/New_York")
    make_schedule(plan, make_practice(), times=["02:30"], start=date(2026, 3, 1))

    for now in (
        datetime(2026, 3, 8, 0, 0, tzinfo=new_york),  # local midnight, before the gap
        datetime(2026, 3, 8, 1, 59, tzinfo=new_york),
    ):
        found = prompts(person, now)
        on_the_day = [p for p in found if p.due_at.astimezone(new_york).date() == date(2026, 3, 8)]
        assert [p.due_at for p in on_the_day] == [datetime(2026, 3, 8, 7, 0, tzinfo=UTC)]
        assert on_the_day[0].due_at.astimezone(new_york).strftime("%H:%M") == "03:00"
    # later that day it is still there, once, as due now
    now = datetime(2026, 3, 8, 9, 0, tzinfo=new_york)
    on_the_day = [p for p in prompts(person, now) if p.due_at.astimezone(new_york).date() == date(2026, 3, 8)]
    assert [p.due_at for p in on_the_day] == [datetime(2026, 3, 8, 7, 0, tzinfo=UTC)]


# -- keys and actions that aren't right ---------------------------------------------


def test_unknown_or_foreign_prompt_keys_do_nothing_harmful(app, couple, ana_client):
    ana, bo, _ = couple
    plan = plan_for(ana)
    bo_only = soon_once(plan, make_practice(), prompt_user=bo)
    cy, di = make_user(display_name="Cy"), make_user(display_name="Di")
    make_couple(cy, di, pace_leader=cy)
    theirs = plan_for(cy)
    foreign = soon_once(theirs, make_practice())

    cy_client = app.test_client()
    login_as(cy_client, cy)
    (foreign_key,) = keys_on(today_page(cy_client))
    assert foreign_key.startswith(f"{foreign.id}@")
    bo_client = app.test_client()
    login_as(bo_client, bo)
    (bo_key,) = keys_on(today_page(bo_client))
    assert bo_key.startswith(f"{bo_only.id}@")

    for key in (foreign_key, bo_key, "nonsense", "12@not-a-time", "999999@20260510T200000Z", f"{foreign.id}@x"):
        response = ana_client.post("/today/act", data={"prompt": key, "action": "done"})
        assert response.status_code == 302, key
        assert response.headers["Location"].endswith("/today")
        page = today_page(ana_client)
        assert "already been taken care of" in page, key
    assert action_rows() == []
    # their prompts are untouched
    assert keys_on(today_page(cy_client)) == [foreign_key]
    assert keys_on(today_page(bo_client)) == [bo_key]


def test_action_outside_the_list_is_a_bad_request(app, couple, ana_client):
    ana, _, _ = couple
    plan = plan_for(ana)
    soon_once(plan, make_practice())
    (key,) = keys_on(today_page(ana_client))
    for action in ("delete", "", "DONE", "2h", "snooze", "done "):
        response = ana_client.post("/today/act", data={"prompt": key, "action": action})
        assert response.status_code == 400, action
    assert ana_client.post("/today/act", data={"prompt": key}).status_code == 400
    assert action_rows() == []
    assert keys_on(today_page(ana_client)) == [key]


def test_done_twice_leaves_one_row(app, couple, ana_client):
    ana, _, _ = couple
    plan = plan_for(ana)
    schedule = due_once(plan, make_practice())
    (key,) = keys_on(today_page(ana_client))
    first = ana_client.post("/today/act", data={"prompt": key, "action": "done"}, follow_redirects=True)
    assert "However it went is fine." in first.get_data(as_text=True)
    second = ana_client.post("/today/act", data={"prompt": key, "action": "done"}, follow_redirects=True)
    assert second.status_code == 200
    assert "already been taken care of" in second.get_data(as_text=True)
    rows = action_rows(schedule_id=schedule.id)
    assert len(rows) == 1 and rows[0].state == "done" and rows[0].user_id == ana.id


def test_a_couples_own_practice_on_today_is_never_kept_in_the_process_memory(app, couple, ana_client):
    """What a prompt says of a library practice is rendered once per process and kept
    (journal.templating `kept`); a couple's own practice, in their words, each time."""
    ana, _, _ = couple
    plan = plan_for(ana)
    pieces = app.jinja_env.globals["kept"].pieces
    today_page(ana_client)
    before = pieces.cache_info().currsize
    own = practice_create(scope=Scope(ana), author=ana, kind="closeness", title="Our own slow walk", summary="Ours.")
    db.session.commit()
    due_once(plan, own)
    assert "Our own slow walk" in today_page(ana_client)
    assert pieces.cache_info().currsize == before

    due_once(plan, make_practice("A library walk"))
    page = today_page(ana_client)
    assert "Our own slow walk" in page and "A library walk" in page
    assert pieces.cache_info().currsize == before + 1


# -- who leads the pace ------------------------------------------------------------


def test_today_asks_a_couple_to_choose_who_leads_the_pace_until_they_do(app, user):
    """Asked with and without a plan (the plan's statement reads the couple's choice: a
    couple's row comes from the couple, also before they make a plan); never asked of
    someone on their own, who is invited to bring their partner instead."""
    ask, made_for_two = "One thing to choose together", "Tandem is made for two"
    assert made_for_two in today_page(client_for(app, user))
    assert ask not in today_page(client_for(app, user))

    bo = make_user(email="bo@example.com", display_name="Bo")
    c = make_couple(user, bo)
    for who in (user, bo):
        assert ask in today_page(client_for(app, who))
    couple_plan(c)
    for who in (user, bo):
        page = today_page(client_for(app, who))
        assert ask in page and made_for_two not in page

    c.pace_leader_id = bo.id
    db.session.commit()
    for who, partner in ((user, "Bo"), (bo, user.display_name)):
        page = today_page(client_for(app, who))
        assert ask not in page and f"You and {partner} are here together." in page


# -- statement count --------------------------------------------------------------


def test_today_issues_a_fixed_number_of_statements(app, couple, ana_client):
    ana, bo, _ = couple
    plan = plan_for(ana)
    soon_once(plan, make_practice())
    today_page(ana_client)  # warm: the session's first request may touch it
    with count_queries(app) as few:
        page = today_page(ana_client)
    assert len(keys_on(page)) == 1

    now = now_utc()
    schedules = [soon_once(plan, make_practice(), hours=1 + i % 5) for i in range(19)]
    schedules += [
        make_schedule(
            plan,
            make_practice(),
            times=["06:00", "18:00"],
            prompt_user_id=(None, ana.id, bo.id)[i % 3],
            start=now.date() - timedelta(days=5),
        )
        for i in range(3)
    ]
    states = ("done", "skipped", "snoozed")
    for i in range(50):
        state = states[i % 3]
        db.session.add(
            PromptAction(
                schedule_id=schedules[i % len(schedules)].id,
                user_id=ana.id,
                occurrence_at=now - timedelta(hours=1 + i // len(schedules), minutes=i),
                state=state,
                snoozed_until=now + timedelta(minutes=30) if state == "snoozed" else None,
            )
        )
    db.session.commit()

    with count_queries(app) as many:
        page = today_page(ana_client)
    assert len(keys_on(page)) > 20
    # The person with their session, the plan with its pauses and the pace leader, the
    # schedules with their practices and the couple's recent prompt actions on each.
    assert few.count == many.count == 3, many.statements


def test_a_couples_own_practice_shows_its_own_words_to_both(app, couple, ana_client, bo_client):
    """Today reads its schedules as columns: a plan's own practice still shows the title,
    summary and steps its couple wrote (sealed, opened for the page, escaped), never the
    clear columns' placeholder."""
    ana, _, _ = couple
    plan = plan_for(ana)
    own = practice_create(
        scope=Scope(ana),
        author=ana,
        kind="closeness",
        title="Our walk to the <river>",
        summary="Slowly, & together.",
        steps=["Shoes on.", "Out <the> door."],
    )
    db.session.commit()
    due_once(plan, own)
    for client in (ana_client, bo_client):
        page = today_page(client)
        assert "Our walk to the &lt;river&gt;" in page
        assert "Slowly, &amp; together." in page
        assert "<li>Shoes on.</li><li>Out &lt;the&gt; door.</li>" in page
        assert "Your own practice" not in page


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_on_postgresql_today_and_progress_run_the_same_text_each_view(app, couple, ana_client):
    """On PostgreSQL the ends of a window (Today's recent actions, progress's weeks, the
    sensation maps' time) are written into the SQL as it runs (`pagination.cut_written`):
    each view of a day runs the same text, which psycopg prepares once and PostgreSQL
    keeps a plan for (as parameters, PostgreSQL planned those statements anew on every run
    of the benchmark's data). The pages say the same each time."""
    ana, _, _ = couple
    plan = plan_for(ana)
    practice = practice_create(scope=Scope(ana), author=ana, kind="grounding", title="Slow breaths", summary="Ours.")
    due_once(plan, practice)
    db.session.commit()
    seen = {}
    for path in ("/today", "/progress", "/today", "/progress"):
        with count_queries(app) as q:
            page = without_csrf_tokens(ana_client.get(path).get_data(as_text=True))
        assert seen.setdefault(path, (q.statements, page)) == (q.statements, page)
        for statement in q.statements:
            for name in ("since", "until", "since_at", "before_at", "before"):
                assert f"%({name})s" not in statement, (name, statement)
    assert "Slow breaths" in seen["/today"][1]
