"""Revealed together means together: with a prompt for both partners, each sees the
other's answers to an occurrence only while their own answer to that same occurrence
is shared too. Hiding yours hides theirs from you again, and yesterday's answer to a
daily prompt never unlocks today's. Every order of answering, sharing, reading and
hiding is walked on the service; the pages that show a check-in are checked too.
"""

import itertools
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete

from bench.seed import history
from journal.access import Scope
from journal.checkins.services import (
    NEWEST,
    _listed,
    checkin_create,
    checkin_views,
    checkin_visibility_set,
    checkins_open_to_both,
    checkins_page,
    checkins_visible_to,
)
from journal.extensions import db
from journal.models import PromptAction, now_utc
from journal.models.checkins import CheckIn
from journal.pagination import PER_PAGE
from journal.practices.services import practices_load
from journal.testing import client_for, count_queries, make_practice, make_schedule, read_text
from journal.today.services import Prompt


@pytest.fixture
def daily(app, couple):
    """A daily prompt for both Ana and Bo at 20:00 (UTC), and its occurrences of
    yesterday and today."""
    ana, _, _ = couple
    plan = Scope(ana).plan_or_create()
    practice = make_practice("How are we doing tonight")
    today = now_utc().date()
    schedule = make_schedule(plan, practice, start=today - timedelta(days=5))
    at = datetime(today.year, today.month, today.day, 20, tzinfo=UTC)
    return schedule, practice, at - timedelta(days=1), at


def answer(user, daily, at, *, shared: bool, note: str = "words", created_at=None) -> int:
    schedule, practice, _, _ = daily
    checkin = checkin_create(
        author=user,
        answers={"mood": 3, "note": note},
        day=at.date(),
        visibility="shared" if shared else "private",
        prompt=Prompt(schedule, practice, at, at, False),
        now=created_at,
    )
    db.session.commit()
    return checkin.id


def set_visibility(checkin_id: int, visibility: str) -> None:
    checkin_visibility_set(checkin=db.session.get(CheckIn, checkin_id), visibility=visibility)
    db.session.commit()


def seen_by(viewer) -> dict[int, str]:
    """What `viewer` sees of each check-in: "open", "answered" (only that they answered),
    "waiting" (their own, not yet open to the partner) or "mine". The same whether the
    check-ins are objects (the rule asked in a statement of its own) or the list's rows
    (the rule asked with them)."""
    db.session.expire_all()
    scope = Scope(viewer)
    seen = [
        _seen(checkin_views(scope, list(db.session.scalars(checkins_visible_to(scope))))),
        _seen(checkin_views(scope, checkins_page(scope, page=1, per_page=100).items)),
    ]
    assert seen[0] == seen[1]
    return seen[0]


def _seen(views) -> dict[int, str]:
    out = {}
    for v in views:
        if v.mine:
            out[v.checkin.id] = "waiting" if v.waiting else "mine"
        else:
            assert (v.note is None) == v.answered_only
            out[v.checkin.id] = "answered" if v.answered_only else "open"
    return out


#: Each person's three steps for today's occurrence: answer (private or shared), then
#: change who sees it twice.
STEPS = {
    "private-first": (("answer", "private"), ("set", "shared"), ("set", "private")),
    "shared-first": (("answer", "shared"), ("set", "private"), ("set", "shared")),
}


def interleavings(a_steps, b_steps):
    """Every order of Ana's and Bo's steps that keeps each person's own order."""
    n = len(a_steps) + len(b_steps)
    for a_slots in itertools.combinations(range(n), len(a_steps)):
        a, b = iter(a_steps), iter(b_steps)
        yield [("ana", next(a)) if i in a_slots else ("bo", next(b)) for i in range(n)]


def test_every_order_of_answer_share_read_and_hide(app, couple, daily):
    ana, bo, _ = couple
    people = {"ana": ana, "bo": bo}
    _, _, yesterday, today = daily
    runs = 0
    for a_kind, b_kind in itertools.product(STEPS, STEPS):
        for order in interleavings(STEPS[a_kind], STEPS[b_kind]):
            db.session.execute(delete(CheckIn))
            db.session.execute(delete(PromptAction))
            db.session.commit()
            # Ana shared her answer to yesterday's occurrence; Bo never answered it.
            ana_yesterday = answer(ana, daily, yesterday, shared=True)
            ids, state = {}, {"ana": None, "bo": None}
            for step, (who, (what, visibility)) in enumerate(order):
                if what == "answer":
                    ids[who] = answer(people[who], daily, today, shared=visibility == "shared")
                else:
                    set_visibility(ids[who], visibility)
                state[who] = visibility
                # read, after every step, as each of them
                for me, other in (("ana", "bo"), ("bo", "ana")):
                    seen = seen_by(people[me])
                    where = f"{a_kind}/{b_kind} {order[: step + 1]}, seen by {me}"
                    if state[other] == "shared":
                        expected = "open" if state[me] == "shared" else "answered"
                        assert seen.get(ids[other]) == expected, where
                    elif other in ids:
                        assert ids[other] not in seen, where
                    if me in ids:
                        expected = "waiting" if state[me] == "shared" and state[other] != "shared" else "mine"
                        assert seen[ids[me]] == expected, where
                    # yesterday's answer neither opens nor is opened by today's
                    assert seen[ana_yesterday] == ("waiting" if me == "ana" else "answered"), where
            runs += 1
    assert runs == 4 * 20


def test_hiding_your_answer_hides_theirs_on_every_page(app, couple, daily):
    """The issue's steps: both share, Bo reads Ana's answer, then makes his private."""
    ana, bo, _ = couple
    _, _, _, today = daily
    ana_client, bo_client = client_for(app, ana), client_for(app, bo)
    ana_id = answer(ana, daily, today, shared=True, note="Ana's quiet answer")
    bo_id = answer(bo, daily, today, shared=True, note="Bo's own answer")
    assert "Ana's quiet answer" in read_text(bo_client.get(f"/checkins/{ana_id}"))
    assert "Bo's own answer" in read_text(ana_client.get("/checkins"))

    assert bo_client.post(f"/checkins/{bo_id}/visibility", data={"visibility": "private"}).status_code == 302
    single, listed = read_text(bo_client.get(f"/checkins/{ana_id}")), read_text(bo_client.get("/checkins"))
    for page in (single, listed):
        assert "Ana answered a prompt for you both" in page and "Ana's quiet answer" not in page
    assert "Mood" not in single
    assert ana_client.get(f"/checkins/{bo_id}").status_code == 404
    assert "Waiting for your partner" in read_text(ana_client.get(f"/checkins/{ana_id}"))

    bo_client.post(f"/checkins/{bo_id}/visibility", data={"visibility": "shared"})
    assert "Ana's quiet answer" in read_text(bo_client.get(f"/checkins/{ana_id}"))
    assert "Bo's own answer" in read_text(ana_client.get(f"/checkins/{bo_id}"))


def test_yesterdays_answer_to_a_daily_prompt_does_not_open_todays(app, couple, daily):
    ana, bo, _ = couple
    _, _, yesterday, today = daily
    ana_client = client_for(app, ana)
    answer(ana, daily, yesterday, shared=True, note="Ana yesterday")
    bo_today = answer(bo, daily, today, shared=True, note="Bo today")
    for page in (read_text(ana_client.get(f"/checkins/{bo_today}")), read_text(ana_client.get("/checkins"))):
        assert "Bo today" not in page and "answered a prompt for you both" in page


def test_after_48_hours_still_opens_when_the_couple_chooses(app, couple, daily):
    ana, bo, _ = couple
    _, _, yesterday, _ = daily
    plan = Scope(ana).plan
    plan.reveal_after_48h = True
    db.session.commit()
    old = answer(ana, daily, yesterday, shared=True, created_at=now_utc() - timedelta(hours=49))
    recent = answer(ana, daily, yesterday + timedelta(hours=1), shared=True)
    assert seen_by(bo) == {old: "open", recent: "answered"}
    assert seen_by(ana) == {old: "mine", recent: "waiting"}


def test_the_page_asks_the_database_not_python_and_costs_the_same_for_any_history(app, couple, daily):
    """Whether each check-in is open is asked with the page's rows, in the statement that
    reads them (an EXISTS through an index for each), not a read of the couple's whole
    history of answers."""
    ana, bo, _ = couple
    _, _, _, today = daily
    ana_client = client_for(app, ana)
    answer(ana, daily, today, shared=True)
    answer(bo, daily, today, shared=True)
    ana_client.get("/checkins")
    with count_queries(app) as few:
        ana_client.get("/checkins")
    for n in range(1, 41):
        at = today - timedelta(days=n)
        answer(ana, daily, at, shared=True)
        answer(bo, daily, at, shared=n % 3 != 0)
    with count_queries(app) as many:
        page = read_text(ana_client.get("/checkins"))
    assert page.count("answered a prompt for you both") == 0  # none of Bo's hidden ones are shared
    assert few.count == many.count, many.statements
    reveal = [s for s in many.statements if re.search(r"\bEXISTS\b", s, re.I)]
    assert len(reveal) == 1, many.statements
    # asked of each of the page's own rows, as the list reads them
    assert "AS open_to_both" in reveal[0] and re.search(r"\bLIMIT\b", reveal[0]), reveal[0]


def test_the_partners_answer_is_found_through_an_index(app, backend, couple, daily):
    """The EXISTS looks the partner's answer up by (schedule, occurrence, couple) in an
    index, whatever the size of the table."""
    ana, bo, _ = couple
    _, _, _, today = daily
    ids = [answer(ana, daily, today - timedelta(days=n), shared=True) for n in range(3)]
    answer(bo, daily, today, shared=True)
    # A table of a few rows lets PostgreSQL's planner pick any index; give it a couple's
    # year of answers given together, as it will meet them, so the choice is the real one.
    practices_load()
    history(a=ana, b=bo, days=365, end=today - timedelta(days=10))
    db.session.commit()
    stmt = checkins_open_to_both(ids=ids)
    newest, alias, values = Scope(ana).newest_page(CheckIn, order_by=NEWEST, offset=0, limit=PER_PAGE + 1)
    listed = _listed(newest, alias, True).params(values, reveal_before=now_utc() - timedelta(hours=48))
    for asked in (stmt, listed):  # a check-in's page, the list
        compiled = asked.compile(db.engine, compile_kwargs={"literal_binds": True})
        with db.engine.connect() as conn:
            if backend == "sqlite":
                plan = " ".join(str(row[-1]) for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}"))
            else:
                conn.exec_driver_sql("ANALYZE checkins")
                conn.exec_driver_sql("SET enable_seqscan = off")
                plan = " ".join(row[0] for row in conn.exec_driver_sql(f"EXPLAIN {compiled}"))
        assert "ix_checkins_schedule_id_occurrence_at_couple_id" in plan, plan
    assert set(db.session.scalars(stmt)) == {ids[0]}
