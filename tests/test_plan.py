"""The plan: schedules and their recurrence, who is prompted, the plan's zone,
bad input, later stages, the postpartum timeline, pausing, the safety hold,
access, the plan-of-one that becomes the couple's, and a fixed statement count.

Time is never waited for: dates are computed from "today" in the plan's zone
and rows are edited directly when a test needs the past.
"""

import re
from datetime import date, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, update

from journal.access import Scope
from journal.couple.services import invite_accept, invite_by_token, invite_create
from journal.crypto.fields import UNREADABLE as UNREADABLE_TEXT
from journal.extensions import db
from journal.models import PaceReady, Plan, PlanPause, Practice, Schedule, StageChange, now_utc
from journal.plan.recurrence import Recurrence, next_occurrence
from journal.practices.services import practice_create, practices_load
from journal.testing import (
    Element,
    checked_values,
    client_for,
    count,
    count_queries,
    couple_plan,
    element,
    elements,
    field_error,
    field_value,
    flashes,
    make_practice,
    make_schedule,
    make_user,
    path_of,
    plan_today,
    read_text,
    selected_values,
)

# -- helpers --------------------------------------------------------------------------


def form_problem(response) -> str | None:
    found = element(response, "p.form-problem")
    return found.text if found else None


def row_text(item: Element) -> str:
    """A list item's text; its tags ("later", "on hold") read as "[later]", "[on hold]"."""
    for tag in item.select("span.tag"):
        tag.children = [f" [{tag.text}] "]
    return item.text


def schedule_rows(response) -> dict[str, str]:
    """Scheduled practices on /plan: title -> the row's text."""
    return {
        item.select_one("a[href^=/practices/]").text: row_text(item)
        for item in elements(response, "ul.schedule-list > li")
    }


def library_rows(response) -> dict[str, str]:
    """Practices on /practices: title -> the card's text."""
    return {item.select_one("h2 > a").text: row_text(item) for item in elements(response, "li.card.practice")}


def today_titles(response) -> list[str]:
    """The titles of the prompts still open on Today (not those done together), each once.
    Today runs from the start of the local day to 24 hours ahead, so once a daily time has
    passed it shows that practice twice (today's and tomorrow's): which it is depends on
    the clock, never on the rule a test checks."""
    return list(
        dict.fromkeys(
            item.select_one("h3 > a").text
            for item in elements(response, "li.card.prompt")
            if "prompt-done" not in item.classes
        )
    )


def library() -> dict[str, Practice]:
    practices_load()
    db.session.commit()
    return {p.slug: p for p in db.session.scalars(select(Practice).where(Practice.slug.is_not(None)))}


def form(**overrides) -> dict:
    data = {
        "kind": "daily",
        "time_1": "20:00",
        "time_2": "",
        "time_3": "",
        "interval": "",
        "start_date": (plan_today() - timedelta(days=7)).isoformat(),
        "end_date": "",
        "prompt": "both",
    }
    data.update(overrides)
    return data


# -- adding, changing and removing schedules ------------------------------------------

START = date(2026, 3, 2)  # a Monday

RECURRENCES = {
    "once": (
        {"kind": "once", "time_1": "09:00"},
        {"kind": "once", "times": ["09:00"], "weekdays": [], "interval": 1},
        "Once, 2 March 2026 at 09:00",
    ),
    "daily, two times": (
        {"kind": "daily", "time_1": "20:00", "time_2": "08:30"},
        {"kind": "daily", "times": ["08:30", "20:00"], "weekdays": [], "interval": 1},
        "Every day at 08:30, 20:00",
    ),
    "daily, three times": (
        {"kind": "daily", "time_1": "21:00", "time_2": "07:00", "time_3": "13:15"},
        {"kind": "daily", "times": ["07:00", "13:15", "21:00"], "weekdays": [], "interval": 1},
        "Every day at 07:00, 13:15, 21:00",
    ),
    "chosen weekdays": (
        {"kind": "weekdays", "time_1": "07:00", "weekdays": ["0", "2", "4"]},
        {"kind": "weekdays", "times": ["07:00"], "weekdays": [0, 2, 4], "interval": 1},
        "Mon, Wed, Fri at 07:00",
    ),
    "every N days": (
        {"kind": "interval", "time_1": "18:30", "interval": "3"},
        {"kind": "interval", "times": ["18:30"], "weekdays": [], "interval": 3},
        "Every 3 days at 18:30",
    ),
    "weekly": (
        {"kind": "weekly", "time_1": "10:00"},
        {"kind": "weekly", "times": ["10:00"], "weekdays": [], "interval": 1},
        "Every Monday at 10:00",
    ),
}


def test_add_a_schedule_with_each_recurrence(app, couple):
    ana, bo, c = couple
    plan = couple_plan(c, timezone="Europe/London")
    client = client_for(app, ana)
    practices = {case: make_practice(f"Practice {i}") for i, case in enumerate(RECURRENCES)}
    assert "Times are in your plan's time zone (London; yours is UTC)." in read_text(
        client.get(f"/plan/add/{practices['once'].id}")
    )

    for case, (posted, saved, shown) in RECURRENCES.items():
        practice = practices[case]
        response = client.post(
            f"/plan/add/{practice.id}", data=form(start_date=START.isoformat(), end_date="2026-06-30", **posted)
        )

        assert response.status_code == 302 and response.headers["Location"] == "/plan", case
        schedule = db.session.scalar(select(Schedule).where(Schedule.practice_id == practice.id))
        assert {k: getattr(schedule, k) for k in saved} == saved, case
        assert schedule.plan_id == plan.id
        assert (schedule.start_date, schedule.end_date) == (START, date(2026, 6, 30)), case
        assert schedule.prompt_user_id is None, case  # both of us
        assert schedule.created_by_id == ana.id and schedule.removed_at is None
        page = client.get("/plan")
        assert ("success", f"Added to your plan: {practice.title}.") in flashes(page), case
        assert shown in schedule_rows(page)[practice.title], case
    assert count(Schedule) == len(RECURRENCES)


def test_a_schedules_dates_say_their_year(app, couple):
    """A schedule started or ending in another year says which: "from 21 November" alone
    would read as this year's. The line words its days as every page does ("4 May 2026")."""
    ana, bo, c = couple
    plan = couple_plan(c)
    make_schedule(plan, make_practice("Evening walk"), start=date(2024, 11, 21), end_date=date(2031, 1, 5))
    make_schedule(plan, make_practice("Morning stretch"), kind="once", start=date(2031, 3, 2), times=["09:00"])

    rows = schedule_rows(client_for(app, ana).get("/plan"))

    assert "Every day at 20:00, from 21 November 2024 until 5 January 2031" in rows["Evening walk"]
    assert "Once, 2 March 2031 at 09:00" in rows["Morning stretch"]


def test_a_schedules_line_is_ascii_and_escapes_the_partners_name(app, couple):
    """The line's dots are written as references (a page of ASCII alone encodes as a copy)
    and read as dots; the partner's name in it is text, never markup."""
    ana, bo, c = couple
    bo.display_name = "Bo <b>&</b>"
    db.session.commit()
    plan = couple_plan(c)
    make_schedule(plan, make_practice("Evening walk"), prompt_user_id=bo.id)

    page = client_for(app, ana).get("/plan")

    assert page.get_data().isascii()
    assert "· for Bo <b>&</b> · next " in schedule_rows(page)["Evening walk"]
    assert "<b>&</b>" not in page.text and "Bo &lt;b&gt;&amp;&lt;/b&gt;" in page.text


def test_who_is_prompted(app, couple):
    ana, bo, c = couple
    couple_plan(c)
    practices = {who: make_practice(f"For {who}") for who in ("me", "partner", "both")}
    ana_client, bo_client = client_for(app, ana), client_for(app, bo)

    for who, practice in practices.items():
        assert ana_client.post(f"/plan/add/{practice.id}", data=form(prompt=who)).status_code == 302

    saved = {s.practice_id: s.prompt_user_id for s in db.session.scalars(select(Schedule))}
    assert saved == {practices["me"].id: ana.id, practices["partner"].id: bo.id, practices["both"].id: None}
    assert sorted(today_titles(ana_client.get("/today"))) == ["For both", "For me"]
    assert sorted(today_titles(bo_client.get("/today"))) == ["For both", "For partner"]
    rows = schedule_rows(ana_client.get("/plan"))
    assert "for me" in rows["For me"] and "for Bo" in rows["For partner"]
    assert "· for" not in rows["For both"]
    # Bo reads the same plan from his side.
    rows = schedule_rows(bo_client.get("/plan"))
    assert "for Ana" in rows["For me"] and "for me" in rows["For partner"]


def test_edit_a_schedule(app, couple):
    ana, bo, c = couple
    plan = couple_plan(c)
    practice = make_practice("Evening walk")
    schedule = make_schedule(plan, practice, times=["20:00"], start=START)
    client = client_for(app, bo)  # either partner may change the plan

    page = client.get(f"/plan/{schedule.id}/edit")
    assert page.status_code == 200
    assert field_value(page, "time_1") == "20:00"
    assert checked_values(page, "kind") == ["daily"]

    response = client.post(
        f"/plan/{schedule.id}/edit",
        data=form(
            kind="weekdays",
            time_1="07:15",
            weekdays=["1", "3"],
            start_date="2026-04-01",
            end_date="2026-05-01",
            prompt="me",
        ),
    )

    assert response.status_code == 302
    db.session.refresh(schedule)
    assert (schedule.kind, schedule.times, schedule.weekdays) == ("weekdays", ["07:15"], [1, 3])
    assert (schedule.start_date, schedule.end_date) == (date(2026, 4, 1), date(2026, 5, 1))
    assert schedule.prompt_user_id == bo.id  # "me", said by Bo
    assert count(Schedule) == 1  # changed in place, not added again
    assert "Tue, Thu at 07:15" in schedule_rows(client.get("/plan"))["Evening walk"]

    # Bad input when changing it is refused and leaves it as it was.
    response = client.post(f"/plan/{schedule.id}/edit", data=form(time_1="25:00", start_date="2026-09-01"))

    assert response.status_code == 422
    assert field_error(response, "time_1") == "Please give a time of day like 08:30 or 20:00."
    db.session.refresh(schedule)
    assert (schedule.kind, schedule.times, schedule.start_date) == ("weekdays", ["07:15"], date(2026, 4, 1))


def test_remove_a_schedule_is_soft(app, couple):
    ana, bo, c = couple
    plan = couple_plan(c)
    keep = make_schedule(plan, make_practice("Holding hands"))
    gone = make_schedule(plan, make_practice("Evening walk"))
    client = client_for(app, ana)
    assert "Evening walk" in today_titles(client.get("/today"))

    response = client.post(f"/plan/{gone.id}/remove")

    assert response.status_code == 302
    db.session.refresh(gone)
    assert gone.removed_at is not None  # kept for history
    assert db.session.get(Schedule, keep.id).removed_at is None
    page = client.get("/plan")
    assert list(schedule_rows(page)) == ["Holding hands"]
    assert ("info", "Taken out of your plan. What you did stays in your history.") in flashes(page)
    assert today_titles(client.get("/today")) == ["Holding hands"]
    assert client.get(f"/plan/{gone.id}/edit").status_code == 404


def test_each_row_links_its_own_practice_and_schedule(app, couple):
    ana, bo, c = couple
    plan = couple_plan(c)
    walk, hands = make_practice("Evening walk"), make_practice("Holding hands")
    schedules = {
        "Evening walk": (make_schedule(plan, walk), walk),
        "Holding hands": (make_schedule(plan, hands), hands),
    }
    for item in elements(client_for(app, ana).get("/plan"), "ul.schedule-list > li"):
        schedule, practice = schedules[item.select_one("a[href^=/practices/]").text]
        links = [a.get("href") for a in item.select("a")] + [f.get("action") for f in item.select("form")]
        assert links == [f"/practices/{practice.id}", f"/plan/{schedule.id}/edit", f"/plan/{schedule.id}/remove"]


# -- bad input: a clear message by the field, 422, nothing saved -------------------------

BAD_SCHEDULES = {
    "end before start": (
        {"start_date": "2026-03-10", "end_date": "2026-03-09"},
        "end_date",
        "The end date is before the start date.",
    ),
    "interval 0": ({"kind": "interval", "interval": "0"}, "interval", "Please choose between 1 and 365 days."),
    "interval -1": ({"kind": "interval", "interval": "-1"}, "interval", "Please choose between 1 and 365 days."),
    "time 25:00": ({"time_1": "25:00"}, "time_1", "Please give a time of day like 08:30 or 20:00."),
    "time 7pm": ({"time_1": "7pm"}, "time_1", "Please give a time of day like 08:30 or 20:00."),
    "second time 24:30": ({"time_2": "24:30"}, "time_2", "Please give a time of day like 08:30 or 20:00."),
    "weekdays without a day": ({"kind": "weekdays"}, "weekdays", "Please choose at least one day."),
    "no start date": ({"start_date": ""}, "start_date", "Please choose a start date."),
}


def test_bad_schedule_input_is_refused_and_nothing_saved(app, couple):
    ana, bo, c = couple
    couple_plan(c)
    practice = make_practice("Evening walk")
    client = client_for(app, ana)

    for case, (posted, field, message) in BAD_SCHEDULES.items():
        response = client.post(f"/plan/add/{practice.id}", data=form(**posted))

        assert response.status_code == 422, case
        assert field_error(response, field) == message, case
        assert form_problem(response) == "Please look at the note below.", case
        assert count(Schedule) == 0, case


def test_prompting_a_partner_you_do_not_have_is_refused(app, user):
    practice = make_practice("Evening walk")
    client = client_for(app, user)

    page = client.get(f"/plan/add/{practice.id}")
    assert 'value="partner"' not in page.get_data(as_text=True)  # not even offered
    response = client.post(f"/plan/add/{practice.id}", data=form(prompt="partner"))

    assert response.status_code == 422
    assert field_error(response, "prompt")  # said next to "Who gets the prompt"
    assert form_problem(response)
    assert count(Schedule) == 0 and count(Plan) == 0


# -- later stages ------------------------------------------------------------------------


def test_the_librarys_marks_follow_the_viewers_own_plan_read_with_the_practices(app, couple):
    """The library reads the viewer's plan (their couple's, or their own while on their
    own) in its one statement with the practices: its stage and hold mark the cards;
    without a plan the cards read as at stage 1, and nobody else's plan counts."""
    ana, bo, c = couple
    touch = [p for p in library().values() if p.kind == "touch"]
    solo = make_user(email="solo@example.com", display_name="Solo")
    other = make_user(email="other@example.com", display_name="Other")

    def marks(user):
        client = client_for(app, user)
        with count_queries(app) as q:
            cards = library_rows(client.get("/practices?kind=touch"))
        assert q.count == 2, q.statements  # the person with their session; the practices with the plan
        return {p.slug: ("[later]" in cards[p.title], "[on hold]" in cards[p.title]) for p in touch}

    assert marks(solo) == {p.slug: (p.stage > 1, False) for p in touch}  # no plan yet
    own = Scope(other).plan_or_create()
    own.stage, own.hold_by_id = 3, other.id
    plan = couple_plan(c)
    plan.stage = 2
    db.session.commit()
    assert marks(other) == {p.slug: (p.stage > 3, p.stage <= 3) for p in touch}
    assert marks(ana) == {p.slug: (p.stage > 2, False) for p in touch}
    assert marks(solo) == {p.slug: (p.stage > 1, False) for p in touch}


def test_practices_above_the_stage_are_later_and_cannot_be_scheduled(app, couple):
    ana, bo, c = couple
    plan = couple_plan(c)
    lib = library()
    client = client_for(app, ana)

    cards = library_rows(client.get("/practices?kind=touch"))
    touch = [p for p in lib.values() if p.kind == "touch"]
    assert {p.title for p in touch} == set(cards)
    for p in touch:
        assert ("[later]" in cards[p.title]) == (p.stage > 1), p.title

    later = lib["revisiting-familiar-places"]  # stage 3
    page = client.get(f"/practices/{later.id}")
    assert "This belongs to a later stage." in read_text(page)
    assert f'href="/plan/add/{later.id}"' not in page.get_data(as_text=True)
    now_ok = lib["slow-hand-massage"]  # stage 1
    assert f'href="/plan/add/{now_ok.id}"' in client.get(f"/practices/{now_ok.id}").get_data(as_text=True)

    assert "can't be scheduled yet" in read_text(client.get(f"/plan/add/{later.id}"))
    response = client.post(f"/plan/add/{later.id}", data=form())
    assert response.status_code == 422
    assert "This belongs to a later stage, so it can't be scheduled yet." in read_text(response)
    assert count(Schedule) == 0

    # Once the pace reaches stage 3, it can be scheduled.
    plan.stage = 3
    db.session.commit()
    assert "[later]" not in library_rows(client.get("/practices?kind=touch"))[later.title]
    assert client.post(f"/plan/add/{later.id}", data=form()).status_code == 302
    assert count(Schedule) == 1
    assert today_titles(client.get("/today")) == [later.title]

    # After a step back, what was scheduled waits as "later" and leaves Today.
    assert client_for(app, bo).post("/plan/pace/back").status_code == 302
    assert "[later]" in schedule_rows(client.get("/plan"))[later.title]
    assert today_titles(client.get("/today")) == []


# -- the postpartum timeline ----------------------------------------------------------


def test_postpartum_timeline(app, couple):
    ana, bo, c = couple
    plan = couple_plan(c)
    lib = library()
    client = client_for(app, ana)

    before = client.get("/plan")
    assert not re.search(r"\d+ weeks? since the birth", read_text(before))
    assert "The usual check-ups" not in read_text(before)
    assert "/plan/add/" not in before.get_data(as_text=True)

    # A birth date in the future is refused.
    tomorrow = plan_today() + timedelta(days=1)
    response = client.post("/plan/settings", data={"timezone": "UTC", "birth_date": tomorrow.isoformat()})
    assert response.status_code == 302
    page = client.get("/plan")
    assert ("error", "That date is in the future.") in flashes(page)
    assert not re.search(r"\d+ weeks? since the birth", read_text(page))
    assert "The usual check-ups" not in read_text(page)
    db.session.refresh(plan)
    assert plan.birth_date is None

    born = plan_today() - timedelta(weeks=7)
    response = client.post("/plan/settings", data={"timezone": "UTC", "birth_date": born.isoformat()})
    assert response.status_code == 302
    db.session.refresh(plan)
    assert plan.birth_date == born

    page = client.get("/plan")
    body = page.get_data(as_text=True)
    assert "7 weeks since the birth." in read_text(page)
    for slug in ("early-postnatal-contact", "full-postnatal-check-up"):
        practice = lib[slug]
        assert f'href="/plan/add/{practice.id}"' in body, slug
        assert f"schedule “{practice.title}”" in read_text(page)
    # The link leads to a form that schedules it.
    early = lib["early-postnatal-contact"]
    assert client.get(f"/plan/add/{early.id}").status_code == 200
    response = client.post(f"/plan/add/{early.id}", data=form(kind="once", start_date=plan_today().isoformat()))
    assert response.status_code == 302


# -- pausing --------------------------------------------------------------------------


def pauses(plan) -> dict:
    """{user id: (until, shared)} of the plan's pauses."""
    return {
        p.user_id: (p.until, p.shared)
        for p in db.session.scalars(select(PlanPause).where(PlanPause.plan_id == plan.id))
    }


def test_pause_and_resume(app, couple):
    ana, bo, c = couple
    plan = couple_plan(c)
    make_schedule(plan, make_practice("Evening walk"))
    ana_client, bo_client = client_for(app, ana), client_for(app, bo)
    assert today_titles(ana_client.get("/today")) == ["Evening walk"]

    response = ana_client.post("/plan/pause", data={"until": ""})

    assert response.status_code == 302
    page = ana_client.get("/plan")
    assert "The plan is paused" in read_text(page)
    assert ("info", "Your plan is paused. Take all the time you need.") in flashes(page)
    assert "Evening walk" in schedule_rows(page)  # nothing is hidden
    for client in (ana_client, bo_client):
        today = client.get("/today")
        assert today_titles(today) == []
        assert "paused" in read_text(today)
    assert pauses(plan) == {ana.id: (None, False)}

    response = ana_client.post("/plan/resume")

    assert response.status_code == 302
    assert "The plan is paused" not in read_text(bo_client.get("/plan"))
    assert today_titles(ana_client.get("/today")) == ["Evening walk"]
    assert "paused" not in read_text(ana_client.get("/today"))
    assert pauses(plan) == {}


def test_a_pause_is_lifted_only_by_the_person_who_set_it(app, couple):
    ana, bo, c = couple
    plan = couple_plan(c)
    make_schedule(plan, make_practice("Evening walk"))
    ana_client, bo_client = client_for(app, ana), client_for(app, bo)
    until = plan_today() + timedelta(days=3)
    ana_client.post("/plan/pause", data={"until": until.isoformat()})

    bo_page = read_text(bo_client.get("/plan"))
    assert "Ana paused the plan for now." in bo_page
    assert f"{until.day} {until:%B}" not in bo_page, "no date unless Ana chose to share it"
    assert "Resume the plan" not in bo_page
    bo_client.post("/plan/resume")  # by its address: refused all the same
    assert ("info", "Your partner paused the plan. It rests until they're ready; only they can resume it.") in flashes(
        bo_client.get("/plan")
    )
    assert pauses(plan) == {ana.id: (until, False)}
    assert today_titles(bo_client.get("/today")) == []

    # Both pause: both must lift theirs.
    bo_client.post("/plan/pause", data={"until": ""})
    ana_client.post("/plan/resume")
    assert ("info", "Your pause is lifted. The plan rests until your partner is ready too.") in flashes(
        ana_client.get("/plan")
    )
    assert today_titles(ana_client.get("/today")) == []
    assert "Bo paused the plan for now." in read_text(ana_client.get("/plan"))
    bo_client.post("/plan/resume")
    assert pauses(plan) == {}
    assert today_titles(ana_client.get("/today")) == ["Evening walk"]


def test_a_shared_end_date_shows_to_the_partner(app, couple):
    ana, bo, c = couple
    couple_plan(c)
    until = plan_today() + timedelta(days=3)
    client_for(app, ana).post("/plan/pause", data={"until": until.isoformat(), "share": "y"})
    assert f"Ana paused the plan for now, until {until.day} {until:%B} {until.year}." in read_text(
        client_for(app, bo).get("/plan")
    )


def test_a_paused_plan_says_paused_where_each_schedule_shows_its_next_time(app, couple):
    ana, bo, c = couple
    plan = couple_plan(c)
    make_schedule(plan, make_practice("Evening walk"))
    client = client_for(app, ana)
    assert "next " in schedule_rows(client.get("/plan"))["Evening walk"]
    client.post("/plan/pause", data={"until": ""})
    for who in (ana, bo):
        row = schedule_rows(client_for(app, who).get("/plan"))["Evening walk"]
        assert "· paused" in row and "next " not in row


def test_pause_until_a_date(app, couple):
    ana, bo, c = couple
    plan = couple_plan(c)
    make_schedule(plan, make_practice("Evening walk"))
    client = client_for(app, ana)

    # A date that has passed is refused, and nothing pauses.
    response = client.post("/plan/pause", data={"until": (plan_today() - timedelta(days=1)).isoformat()})

    assert response.status_code == 302
    page = client.get("/plan")
    assert ("error", "Please choose a date that hasn't passed.") in flashes(page)
    assert "The plan is paused" not in read_text(page)
    assert pauses(plan) == {}
    assert today_titles(client.get("/today")) == ["Evening walk"]

    until = plan_today() + timedelta(days=3)
    client.post("/plan/pause", data={"until": until.isoformat()})

    assert pauses(plan) == {ana.id: (until, False)}
    assert f"You paused the plan until {until.day} {until:%B} {until.year}." in read_text(client.get("/plan"))
    assert today_titles(client.get("/today")) == []


def test_a_pause_ends_after_its_last_day(app, couple):
    ana, bo, c = couple
    plan = couple_plan(c)
    make_schedule(plan, make_practice("Evening walk"))
    client = client_for(app, ana)

    pause = PlanPause(plan_id=plan.id, user_id=bo.id, since=now_utc() - timedelta(days=5), until=plan_today())
    db.session.add(pause)  # the last day is included
    db.session.commit()
    assert "The plan is paused" in read_text(client.get("/plan"))
    assert today_titles(client.get("/today")) == []

    pause.until = plan_today() - timedelta(days=1)
    db.session.commit()
    assert "The plan is paused" not in read_text(client.get("/plan"))
    today = client.get("/today")
    assert today_titles(today) == ["Evening walk"]
    assert "paused" not in read_text(today)


# -- the safety hold ------------------------------------------------------------------


def test_safety_hold(app, couple):
    ana, bo, c = couple
    plan = couple_plan(c)
    lib = library()
    touch, closeness = lib["slow-hand-massage"], lib["holding-hands-a-while"]
    make_schedule(plan, touch)
    make_schedule(plan, closeness)
    plan.hold_by_id = bo.id
    plan.hold_since = now_utc()
    db.session.commit()
    ana_client, bo_client = client_for(app, ana), client_for(app, bo)

    rows = schedule_rows(ana_client.get("/plan"))
    assert "[on hold]" in rows[touch.title]
    assert "[on hold]" not in rows[closeness.title]
    page = ana_client.get(f"/practices/{touch.id}")
    assert "Touch practices are resting for now" in read_text(page)
    assert f'href="/plan/add/{touch.id}"' not in page.get_data(as_text=True)
    assert "[on hold]" in library_rows(ana_client.get("/practices?kind=touch"))[touch.title]
    for client in (ana_client, bo_client):
        assert today_titles(client.get("/today")) == [closeness.title]

    # Only Bo, whose check-in started it, lifts it.
    assert "Lift the hold" not in read_text(ana_client.get("/plan"))
    response = ana_client.post("/plan/hold/lift")
    assert response.status_code == 302
    page = ana_client.get("/plan")
    assert ("error", "The hold can only be lifted by the partner whose check-in started it.") in flashes(page)
    assert "[on hold]" in schedule_rows(page)[touch.title]
    db.session.refresh(plan)
    assert plan.hold_by_id == bo.id

    assert "Lift the hold" in read_text(bo_client.get("/plan"))
    response = bo_client.post("/plan/hold/lift")
    assert response.status_code == 302
    assert ("success", "The hold is lifted. Go gently.") in flashes(bo_client.get("/plan"))
    db.session.refresh(plan)
    assert plan.hold_by_id is None and plan.hold_since is None
    assert "[on hold]" not in schedule_rows(ana_client.get("/plan"))[touch.title]
    assert sorted(today_titles(ana_client.get("/today"))) == sorted([touch.title, closeness.title])


# -- access ---------------------------------------------------------------------------


def test_a_stranger_cannot_touch_another_couples_plan(app, couple, stranger):
    ana, bo, c = couple
    plan = couple_plan(c)
    schedule = make_schedule(plan, make_practice("Evening walk"), times=["20:00"], start=START)
    client = client_for(app, stranger)

    assert client.get(f"/plan/{schedule.id}/edit").status_code == 404
    assert client.post(f"/plan/{schedule.id}/edit", data=form(time_1="06:00")).status_code == 404
    assert client.post(f"/plan/{schedule.id}/remove").status_code == 404
    assert "Evening walk" not in read_text(client.get("/plan"))
    assert today_titles(client.get("/today")) == []

    db.session.refresh(schedule)
    assert (schedule.times, schedule.start_date, schedule.removed_at) == (["20:00"], START, None)
    assert "Evening walk" in schedule_rows(client_for(app, ana).get("/plan"))


def test_a_single_person_builds_a_plan_that_carries_over(app, user):
    ana = user
    client = client_for(app, ana)
    lib = library()
    practice = lib["shared-silence"]

    today = client.get("/today")
    assert today.status_code == 200
    assert "Tandem is made for two" in read_text(today)
    assert 'href="/couple">Invite your partner</a>' in today.get_data(as_text=True)
    assert practice.title in library_rows(client.get("/practices"))
    assert client.get(f"/practices/{practice.id}").status_code == 200
    add_page = client.get(f"/plan/add/{practice.id}")
    assert checked_values(add_page, "prompt") == ["me"]

    response = client.post(f"/plan/add/{practice.id}", data=form(prompt="me"))

    assert response.status_code == 302
    plan = db.session.scalar(select(Plan))
    assert (plan.owner_id, plan.couple_id) == (ana.id, None)
    page = client.get("/plan")
    assert "My plan" in read_text(page)
    assert practice.title in schedule_rows(page)
    assert today_titles(client.get("/today")) == [practice.title]

    # Ana invites Bo, who accepts: her schedules are now the couple's.
    bo = make_user(email="bo@example.com", display_name="Bo")
    token, _ = invite_create(user=ana)
    invite, inviter = invite_by_token(token)
    invite_accept(invite=invite, inviter=inviter, user=bo)
    db.session.commit()

    bo_page = client_for(app, bo).get("/plan")
    assert "Our plan" in read_text(bo_page)
    assert "for Ana" in schedule_rows(bo_page)[practice.title]
    db.session.refresh(plan)
    assert (plan.owner_id, plan.couple_id) == (None, ana.couple_id)
    assert count(Plan) == 1
    assert today_titles(client.get("/today")) == [practice.title]


# -- the plan's zone ------------------------------------------------------------------


def test_changing_the_plan_zone_keeps_the_local_time(app, couple):
    ana, bo, c = couple
    bo.timezone = "America/New_York"
    db.session.commit()
    plan = couple_plan(c, timezone="Europe/London")
    schedule = make_schedule(plan, make_practice("Evening walk"), times=["20:00"], start=date(2025, 1, 1))
    ana_client, bo_client = client_for(app, ana), client_for(app, bo)

    # An unknown zone is refused, and the zone stays as it was.
    response = ana_client.post("/plan/settings", data={"timezone": "Mars/Olympus_Mons", "birth_date": ""})
    assert response.status_code == 302 and response.headers["Location"] == "/plan"
    assert ("error", "Please choose a time zone from the list.") in flashes(ana_client.get("/plan"))
    db.session.refresh(plan)
    assert plan.timezone == "Europe/London"
    assert selected_values(ana_client.get("/plan"), "timezone") == ["Europe/London"]

    response = ana_client.post("/plan/settings", data={"timezone": "Asia/Kolkata", "birth_date": ""})

    assert response.status_code == 302
    db.session.refresh(plan)
    db.session.refresh(schedule)
    assert plan.timezone == "Asia/Kolkata"
    assert schedule.times == ["20:00"]
    rec = Recurrence(kind="daily", times=(time(20, 0),), start=date(2025, 1, 1))
    for person, client in ((ana, ana_client), (bo, bo_client)):
        before = now_utc()
        row = schedule_rows(client.get("/plan"))["Evening walk"]
        after = now_utc()
        assert "Every day at 20:00" in row
        viewer = ZoneInfo(person.timezone)
        expected = {
            next_occurrence(rec, "Asia/Kolkata", moment).astimezone(viewer).strftime("%-d %B %Y, %H:%M")
            for moment in (before, after)
        }
        shown = re.search(r"next (\d+ \w+ \d{4}, \d\d:\d\d)", row).group(1)
        assert shown in expected, (person.display_name, row)
    # 20:00 in Kolkata is 14:30 UTC (Ana) and 09:30 or 10:30 in New York (Bo).
    assert "14:30" in schedule_rows(ana_client.get("/plan"))["Evening walk"]
    assert re.search(r"next .*, (09|10):30", schedule_rows(bo_client.get("/plan"))["Evening walk"])


# -- statements -----------------------------------------------------------------------


def test_plan_page_statement_count_does_not_grow(app, couple):
    ana, bo, c = couple
    plan = couple_plan(c, timezone="Europe/London")
    plan.birth_date = plan_today() - timedelta(weeks=3)
    db.session.add(StageChange(plan_id=plan.id, from_stage=1, to_stage=2))
    plan.stage = 2
    db.session.add(PaceReady(plan_id=plan.id, user_id=ana.id, to_stage=3))
    db.session.commit()
    kinds = [
        ("daily", {}),
        ("weekdays", {"weekdays": [0, 3]}),
        ("interval", {"interval": 3}),
        ("weekly", {}),
        ("once", {}),
    ]
    make_schedule(plan, make_practice())
    client = client_for(app, ana)
    client.get("/plan")

    with count_queries(app) as one:
        assert client.get("/plan").status_code == 200
    for i in range(14):
        kind, extra = kinds[i % len(kinds)]
        make_schedule(plan, make_practice(), kind=kind, times=["08:00", "20:00"], **extra)
    with count_queries(app) as fifteen:
        page = client.get("/plan")
    assert page.status_code == 200
    assert len(schedule_rows(page)) == 15
    assert one.count == fifteen.count, fifteen.statements


# -- a schedule this version can't read ------------------------------------------------

UNREADABLE = [
    {"kind": "weekdays", "weekdays": []},
    {"kind": "interval", "interval": 900},
    {"times": []},
    {"times": ["25:99"]},
    {"kind": "monthly"},
]


@pytest.mark.parametrize("stored", UNREADABLE, ids=lambda v: "-".join(f"{k}={v[k]}" for k in v))
def test_one_schedule_this_version_cant_read_leaves_every_page_working(app, couple, stored, log_output):
    """Schedules are checked when saved, but a row an older version stored, or one edited
    by hand, that this version's rules refuse used to answer 500 on Today and the plan page
    for both partners (and on their calendar feeds), however many other schedules were fine.
    It is left out of Today, prompt links and the feed, logged by id; the plan page lists
    it with a calm word and a way to change it or take it out."""
    ana, bo, c = couple
    plan = couple_plan(c)
    make_schedule(plan, make_practice("Evening walk"), times=("00:00", "23:59"))
    broken = make_schedule(plan, make_practice("Morning stretch"))
    db.session.execute(update(Schedule).where(Schedule.id == broken.id).values(**stored))
    db.session.commit()
    client = client_for(app, ana)
    today = client.get("/today")
    assert today.status_code == 200
    assert "Evening walk" in read_text(today) and "Morning stretch" not in read_text(today)
    page = client.get("/plan")
    assert page.status_code == 200
    assert "Evening walk" in read_text(page)
    assert "Morning stretch" in read_text(page)
    assert "This schedule can't be read any more, so nothing prompts or reminds from it." in read_text(page)
    assert client.get(f"/plan/{broken.id}/edit").status_code == 200
    client.post("/calendar/regenerate")
    feed = client.get(path_of(field_value(client.get("/calendar"), "feed-link")))
    assert feed.status_code == 200
    assert feed.data.count(b"BEGIN:VEVENT") == 2, "the fine one's two times"
    assert f"schedule {broken.id} can't be read" in log_output.getvalue()
    # Changing the plan's zone re-points every schedule's reminders: the broken one waits.
    assert client.post("/plan/settings", data={"timezone": "Europe/London", "birth_date": ""}).status_code == 302
    # Taking it out works, and the page is as before.
    assert client.post(f"/plan/{broken.id}/remove").status_code == 302
    assert "can't be read" not in read_text(client.get("/plan"))


def test_a_couples_own_practice_is_listed_by_its_own_title_or_as_unreadable(app, couple):
    """The plan page reads its rows as columns: a plan's own practice still shows the title
    its couple wrote (sealed, opened for the page), never the clear column's placeholder;
    one whose words can't be opened any more says so rather than failing the page."""
    ana, bo, _ = couple
    plan = couple_plan(couple[2])
    own = practice_create(
        scope=Scope(ana),
        author=ana,
        kind="closeness",
        title="Our walk to the <river>",
        summary="Slowly.",
        steps=["Go."],
    )
    broken = practice_create(scope=Scope(ana), author=ana, kind="closeness", title="Lost words", summary="", steps=[])
    db.session.commit()
    make_schedule(plan, own)
    make_schedule(plan, broken)
    db.session.execute(update(Practice).where(Practice.id == broken.id).values(text_sealed=b"not sealed"))
    db.session.commit()
    for who in (ana, bo):
        page = client_for(app, who).get("/plan")
        assert page.status_code == 200
        rows = schedule_rows(page)
        assert "Our walk to the <river>" in rows
        assert "Our walk to the &lt;river&gt;" in page.get_data(as_text=True)
        assert UNREADABLE_TEXT in rows
        assert "Your own practice" not in rows and "Lost words" not in rows
