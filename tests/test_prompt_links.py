"""Which Today prompt a piece of writing may name: one rule (`journal.today.services.prompt_link`)
for journal entries, check-ins and progress notes, and one key format (`journal.today.prompts`)."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from journal.access import Scope
from journal.extensions import db
from journal.models import Plan, Practice, PromptAction, Schedule, now_utc
from journal.models.checkins import CheckIn
from journal.models.entries import Entry
from journal.models.notes import ProgressNote
from journal.testing import client_for, make_user
from journal.today.prompts import prompt_key, prompt_parse
from journal.today.services import prompt_link

LONDON = ZoneInfo("Europe/London")


@pytest.fixture
def walk(couple):
    """A daily 20:00 (London) walk in Ana and Bo's plan, prompted to both."""
    ana, bo, c = couple
    plan = Plan(couple_id=c.id, timezone="Europe/London")
    db.session.add(plan)
    db.session.flush()
    practice = Practice(
        plan_id=plan.id, author_id=ana.id, kind="closeness", title="Our walk", summary="", steps=["Walk."]
    )
    db.session.add(practice)
    db.session.flush()
    schedule = Schedule(
        plan_id=plan.id, practice_id=practice.id, kind="daily", times=["20:00"], start_date=date(2026, 1, 1)
    )
    db.session.add(schedule)
    db.session.commit()
    return schedule


def evening(day: date) -> datetime:
    return datetime.combine(day, time(20), tzinfo=LONDON).astimezone(UTC)


def test_the_key_reads_back_what_it_wrote():
    at = datetime(2026, 6, 9, 19, 0, tzinfo=UTC)
    assert prompt_parse(prompt_key(7, at)) == (7, at)
    assert prompt_key(None, at) == prompt_key(7, None) == ""
    for junk in (None, "", "abc@def", "7", "-1@20260609T190000Z", "99999999999@20260609T190000Z"):
        assert prompt_parse(junk) is None


def test_a_prompt_from_today_or_yesterday_links_done_or_not(app, couple, walk):
    ana, bo, _ = couple
    now = datetime(2026, 6, 10, 9, 0, tzinfo=UTC)  # 10:00 in London
    yesterday, today = evening(date(2026, 6, 9)), evening(date(2026, 6, 10))

    def link(user, at):
        found = prompt_link(Scope(user), user, prompt_key(walk.id, at), now=now)
        return (found.schedule.id, found.occurrence_at) if found else None

    assert link(ana, yesterday) == (walk.id, yesterday), "written the morning after"
    assert link(ana, today) == (walk.id, today)
    db.session.add(PromptAction(schedule_id=walk.id, user_id=ana.id, occurrence_at=yesterday, state="done"))
    db.session.commit()
    assert link(ana, yesterday) == (walk.id, yesterday), "already marked done on Today"
    assert link(bo, yesterday) == (walk.id, yesterday)

    assert link(ana, evening(date(2026, 6, 8))) is None, "older than yesterday"
    assert link(ana, evening(date(2026, 6, 11))) is None, "further than 24 hours ahead"
    assert link(ana, yesterday + timedelta(minutes=30)) is None, "a time the schedule never had"
    assert link(make_user(), yesterday) is None, "another plan's schedule"
    walk.prompt_user_id = bo.id
    db.session.commit()
    assert link(ana, yesterday) is None, "the partner's own prompt"


def test_entries_check_ins_and_notes_link_yesterdays_prompt_alike(app, couple, walk):
    ana, _, _ = couple
    at = evening(now_utc().astimezone(LONDON).date() - timedelta(days=1))
    key = prompt_key(walk.id, at)
    db.session.add(PromptAction(schedule_id=walk.id, user_id=ana.id, occurrence_at=at, state="done"))
    db.session.commit()
    client = client_for(app, ana)

    assert (
        client.post(
            "/journal/new", data={"title": "After", "body": "", "tags": "", "visibility": "private", "prompt": key}
        ).status_code
        == 302
    )
    assert client.post(f"/checkins/new?prompt={key}", data={"mood": "3"}).status_code == 302
    assert client.post(f"/notes/new?prompt={key}", data={"went": "Fine."}).status_code == 302
    for model in (Entry, CheckIn, ProgressNote):
        (row,) = db.session.scalars(db.select(model).where(model.author_id == ana.id)).all()
        assert (row.schedule_id, row.occurrence_at) == (walk.id, at), model.__name__


def test_editing_an_entry_keeps_an_old_prompt_it_already_names(app, couple, walk):
    ana, _, _ = couple
    old = evening(date(2026, 2, 1))
    client = client_for(app, ana)
    entry = Entry(
        author_id=ana.id,
        couple_id=ana.couple_id,
        kind="entry",
        visibility="private",
        practice_id=walk.practice_id,
        schedule_id=walk.id,
        occurrence_at=old,
    )
    db.session.add(entry)
    db.session.commit()
    entry_id = entry.id
    assert (
        client.post(
            f"/journal/{entry_id}/edit",
            data={
                "title": "Walk",
                "body": "",
                "tags": "",
                "visibility": "private",
                "prompt": prompt_key(walk.id, old),
                "version": "1",
            },
        ).status_code
        == 302
    )
    db.session.expire_all()
    entry = db.session.get(Entry, entry_id)
    assert (entry.schedule_id, entry.occurrence_at) == (walk.id, old)


def test_an_older_prompt_snoozed_until_today_still_links(app, couple, walk):
    ana, _, _ = couple
    now = datetime(2026, 6, 10, 9, 0, tzinfo=UTC)
    old = evening(date(2026, 6, 8))  # before yesterday, within what Today looks back for
    key = prompt_key(walk.id, old)
    assert prompt_link(Scope(ana), ana, key, now=now) is None
    db.session.add(
        PromptAction(
            schedule_id=walk.id,
            user_id=ana.id,
            occurrence_at=old,
            state="snoozed",
            snoozed_until=now + timedelta(minutes=30),
        )
    )
    db.session.commit()
    found = prompt_link(Scope(ana), ana, key, now=now)
    assert found is not None and found.occurrence_at == old, "shown on Today, so it can be answered"
