"""Time zones on the plan: every time is shown in the viewer's own zone, and when the
plan's zone is another, both are named ("20:00 in New York, 01:00 for you")."""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import text, update

from journal.extensions import db
from journal.models import Plan, User, now_utc
from journal.models.base import zone_known
from journal.plan.recurrence import Recurrence, next_occurrence
from journal.testing import (
    client_for,
    couple_plan,
    field_value,
    make_practice,
    make_schedule,
    path_of,
    read_text,
    selected_values,
)
from journal.zones import ZoneView, local_today, today_for, zone_place


def evening_walk(couple_row, zone="America/New_York"):
    plan = couple_plan(couple_row, timezone=zone)
    practice = make_practice("Evening walk")
    make_schedule(plan, practice, start=date(2025, 1, 1))
    return plan, practice


def walk_row(client) -> str:
    page = read_text(client.get("/plan"))
    return page.split("Evening walk", 1)[1].split("Change", 1)[0]


def test_a_partner_in_another_zone_sees_both_times_named(app, couple):
    ana, bo, c = couple
    ana.timezone, bo.timezone = "America/New_York", "Europe/London"
    db.session.commit()
    evening_walk(c)
    rec = Recurrence(kind="daily", times=(time(20, 0),), start=date(2025, 1, 1))
    before = now_utc()
    bo_row, ana_row = walk_row(client_for(app, bo)), walk_row(client_for(app, ana))
    after = now_utc()
    nexts = {next_occurrence(rec, "America/New_York", moment) for moment in (before, after)}

    london = {n.astimezone(ZoneInfo("Europe/London")) for n in nexts}
    assert any(f"Every day at 20:00 in New York, {t:%H:%M} for you" in bo_row for t in london), bo_row
    assert any(f"next {t.day} {t:%B %Y, %H:%M} for you" in bo_row for t in london), bo_row
    # the one living in the plan's zone reads it plainly
    assert "Every day at 20:00 ·" in ana_row or "Every day at 20:00, from" in ana_row, ana_row
    assert "for you" not in ana_row and "New York" not in ana_row
    new_york = {n.astimezone(ZoneInfo("America/New_York")) for n in nexts}
    assert any(f"next {t.day} {t:%B %Y}, 20:00" in ana_row for t in new_york), ana_row


def test_the_schedule_form_names_both_zones(app, couple):
    ana, bo, c = couple
    bo.timezone = "Europe/London"
    ana.timezone = "America/New_York"
    db.session.commit()
    _, practice = evening_walk(c)
    assert "Times are in your plan's time zone (New York; yours is London)." in read_text(
        client_for(app, bo).get(f"/plan/add/{practice.id}")
    )
    assert "Times are in your plan's time zone." in read_text(client_for(app, ana).get(f"/plan/add/{practice.id}"))


def test_the_zone_helper_follows_daylight_saving_on_the_day_asked():
    zones = ZoneView("America/New_York", "Europe/London")
    assert zones.clock(["20:00"], on=date(2026, 11, 27)) == "20:00 in New York, 01:00 for you"
    # 1 November 2026: New York is back on standard time, London has been since 25 October
    assert zones.clock(["20:00"], on=date(2026, 10, 28)) == "20:00 in New York, 00:00 for you"
    assert zones.clock(["08:00", "20:00"], on=date(2026, 7, 1)) == "08:00, 20:00 in New York, 13:00, 01:00 for you"
    same = ZoneView("Europe/London", "Europe/London")
    assert same.clock(["20:00"], on=date(2026, 7, 1)) == "20:00" and not same.differs
    assert zone_place("America/Argentina/Buenos_Aires") == "Buenos Aires" and zone_place("UTC") == "UTC"
    at = datetime(2026, 11, 28, 1, 0, tzinfo=ZoneInfo("Europe/London"))
    assert zones.moment(at) == "28 November 2026, 01:00 for you"
    assert local_today("Pacific/Kiritimati", now=datetime(2026, 11, 27, 12, tzinfo=ZoneInfo("UTC"))) == date(
        2026, 11, 28
    )
    assert zones.today(now=datetime(2026, 11, 28, 3, tzinfo=ZoneInfo("UTC"))) == date(2026, 11, 27)


def test_today_is_the_persons_own_day_for_their_things_and_the_plans_for_the_plans(app, couple):
    """journal.zones.today_for: a check-in's day in the person's zone, the plan's calendar
    in the plan's zone (the person's own until there is a plan)."""
    ana, _, c = couple
    ana.timezone = "Pacific/Kiritimati"
    now = datetime(2026, 11, 27, 12, tzinfo=ZoneInfo("UTC"))  # 28 Nov there, 27 Nov in New York
    assert today_for(ana, plan=None, now=now) == date(2026, 11, 28)
    plan = Plan(couple_id=c.id, timezone="America/New_York")
    assert today_for(ana, now=now) == date(2026, 11, 28)
    assert today_for(ana, plan=plan, now=now) == date(2026, 11, 27)


# -- a stored zone this system doesn't know ------------------------------------------


PERSON_PAGES = (
    "/today",
    "/plan",
    "/journal",
    "/checkins",
    "/checkins/new",
    "/progress",
    "/notes",
    "/account",
    "/calendar",
    "/reminders",
)


def test_a_stored_zone_the_system_doesnt_know_is_read_as_utc_everywhere(app, couple, log_output):
    """Zones are checked on input, but a row written by an older version (or a zone a tzdata
    update dropped) used to answer 500 on every page of that person and plan, and on their
    calendar feed. Such a zone is read as UTC, once, where rows are read: every surface
    then works, the settings show UTC to choose from, and the log names the zone (never a person)."""
    ana, bo, c = couple
    plan, practice = evening_walk(c)
    zone_known.cache_clear()  # it logs once a process: an earlier test may have read these zones
    db.session.execute(update(User).where(User.id == ana.id).values(timezone="Mars/Olympus"))
    db.session.execute(update(Plan).where(Plan.id == plan.id).values(timezone="Atlantis/Capital"))
    db.session.commit()
    db.session.expire_all()
    client = client_for(app, ana)
    for path in PERSON_PAGES:
        assert client.get(path).status_code == 200, path
    assert "Every day at 20:00" in walk_row(client)
    assert selected_values(client.get("/account"), "timezone") == ["UTC"]
    client.post("/calendar/regenerate")
    feed = path_of(field_value(client.get("/calendar"), "feed-link"))
    response = client.get(feed)
    assert response.status_code == 200 and b"BEGIN:VEVENT" in response.data
    logged = log_output.getvalue()
    assert "Mars/Olympus" in logged and "Atlantis/Capital" in logged
    assert ana.email not in logged

    # Nothing was written back by reading: choosing a zone again is the person's own step.
    def stored():
        return db.session.execute(
            text("SELECT u.timezone, p.timezone FROM users u, plans p WHERE u.id = :u AND p.id = :p"),
            {"u": ana.id, "p": plan.id},
        ).one()

    assert tuple(stored()) == ("Mars/Olympus", "Atlantis/Capital")
    # Saving the settings as shown (UTC) stores UTC, though UTC is what was read already.
    assert client.post("/account/profile", data={"display_name": "Ana", "timezone": "UTC"}).status_code == 302
    assert client.post("/plan/settings", data={"timezone": "UTC", "birth_date": ""}).status_code == 302
    assert tuple(stored()) == ("UTC", "UTC")
