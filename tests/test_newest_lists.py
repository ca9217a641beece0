"""The newest-first lists (journal, check-ins, progress notes) are cut per branch of
the access rule (own rows; the partner's rows shared in the current couple), each
branch ordered and limited in the database, then merged (`Scope.newest_visible`).

They must show exactly what the one OR rule (`Scope.visible_clause`) shows, in the
same order: for a partnered person, a single one, someone whose earlier couple
ended, with the journal's filters, at the first page, a middle one and past the
end. Timestamps and days are drawn with many ties, so the tie-breaks (the id) are
walked across both branches. On PostgreSQL, each branch must be an ordered index
scan under its own Limit, so a page costs the same whatever the couple's history.
"""

import json
import random
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import StatementError

from journal.access import PRIVATE, SHARED, Scope
from journal.checkins.services import checkin_create, checkins_newest, checkins_page
from journal.entries import listing
from journal.entries.listing import Filters, journal_page
from journal.entries.services import entry_create, moment_create
from journal.extensions import db
from journal.models import CheckIn, Entry, ProgressNote
from journal.notes import services as notes_services
from journal.notes.services import note_create, notes_page
from journal.practices.services import practices_load
from journal.testing import make_couple, make_user

PER_PAGE = 3
PAGES = (1, 2, 4, 40)
START = datetime(2026, 3, 1, 8, tzinfo=UTC)


def _when(rng: random.Random) -> datetime:
    """Few distinct instants, so rows of both branches often share one."""
    return START + timedelta(hours=rng.randint(0, 12))


def _write(rng: random.Random, author, n: int) -> None:
    for i in range(n):
        visibility = rng.choice((PRIVATE, SHARED))
        now = _when(rng)
        if i % 3 == 2:
            moment_create(author=author, moment_kind="own", line=f"a walk {i}", visibility=visibility, now=now)
        else:
            entry_create(
                author=author, title=f"walk {i}", body="slow walk", tags=["walk"], visibility=visibility, now=now
            )
        checkin_create(
            author=author,
            answers={"mood": 3, "note": "walk"},
            day=date(2026, 3, 1 + rng.randint(0, 3)),
            visibility=rng.choice((PRIVATE, SHARED)),
            now=_when(rng),
        )
        if i % 2:
            note_create(
                scope=Scope(author),
                author=author,
                went=f"walk {i}",
                visibility=rng.choice((PRIVATE, SHARED)),
                now=_when(rng),
            )


@pytest.fixture
def people(app):
    """Ana and Cy were a couple, and Bo and Di; both couples ended, Ana and Bo are
    partners now. Everyone wrote private and shared rows in each couple they were in;
    Cy and Di are single now (and still wrote some), Ed has written nothing."""
    rng = random.Random(17)
    ana, bo, cy, di, ed = (make_user(display_name=name) for name in ("Ana", "Bo", "Cy", "Di", "Ed"))
    make_couple(ana, cy)
    make_couple(bo, di)
    for person in (ana, cy, bo, di):
        _write(rng, person, 6)
    for person in (ana, bo, cy, di):
        person.couple_id = None
    make_couple(ana, bo)
    for person in (ana, bo, cy, di):
        _write(rng, person, 9)
    db.session.commit()
    return {"ana": ana, "bo": bo, "cy": cy, "di": di, "ed": ed}


VIEWERS = ("ana", "bo", "cy", "ed")


def _by_old_rule(scope: Scope, model, order, *where) -> list[int]:
    """The ids the one OR rule gives, newest first."""
    stmt = select(model.id).where(scope.visible_clause(model), *where).order_by(*(c.desc() for c in order))
    return list(db.session.scalars(stmt))


def _cut(ids: list[int], page: int) -> tuple[list[int], bool]:
    start = (page - 1) * PER_PAGE
    return ids[start : start + PER_PAGE], len(ids) > start + PER_PAGE


FILTERS = [
    Filters(),
    Filters(kind="moment"),
    Filters(kind="entry", visibility=SHARED),
    Filters(visibility=PRIVATE),
    Filters(visibility=SHARED),
    Filters(author="me"),
    Filters(author="partner"),
    Filters(author="partner", visibility=PRIVATE),
    Filters(author="me", kind="entry", visibility=SHARED),
]


def _sql_filters(filters: Filters, viewer) -> list:
    where = []
    if filters.kind:
        where.append(Entry.kind == filters.kind)
    if filters.author == "me":
        where.append(Entry.author_id == viewer.id)
    elif filters.author == "partner":
        where.append(Entry.author_id != viewer.id)
    if filters.visibility:
        where.append(Entry.visibility == filters.visibility)
    return where


# Each test walks every viewer over one set of rows (making the rows is most of the time).


def test_the_journal_shows_what_the_rule_shows(people, monkeypatch):
    monkeypatch.setattr(listing, "PER_PAGE", PER_PAGE)
    names = {p.id: p.display_name for p in people.values()}
    for viewer in VIEWERS:
        person = people[viewer]
        scope = Scope(person)
        for filters in FILTERS:
            expected = _by_old_rule(scope, Entry, (Entry.created_at, Entry.id), *_sql_filters(filters, person))
            for page in PAGES:
                shown = journal_page(scope, filters=filters, page=page)
                ids, has_next = _cut(expected, page)
                assert [item.entry.id for item in shown.items] == ids, (viewer, filters, page)
                assert shown.has_next is has_next, (viewer, filters, page)
                assert all(item.author_name == names[item.entry.author_id] for item in shown.items), viewer
                assert all(item.mine is (item.entry.author_id == person.id) for item in shown.items), viewer


def test_a_search_reads_the_newest_visible_rows_up_to_the_cap(people, monkeypatch):
    monkeypatch.setattr(listing, "PER_PAGE", PER_PAGE)
    monkeypatch.setattr(listing, "SEARCH_CAP", 7)
    for viewer in VIEWERS:
        person = people[viewer]
        scope = Scope(person)
        for filters in (Filters(q="walk"), Filters(q="walk", author="partner"), Filters(tag="walk", kind="entry")):
            expected = _by_old_rule(scope, Entry, (Entry.created_at, Entry.id), *_sql_filters(filters, person))
            looked_at = expected[:7]
            if filters.tag:
                looked_at = [i for i in looked_at if db.session.get(Entry, i).kind == "entry"]
            for page in (1, 2, 3, 4):  # 7 rows at most, 3 a page: page 4 is past the end
                shown = journal_page(scope, filters=filters, page=page)
                ids, has_next = _cut(looked_at, page)
                assert [item.entry.id for item in shown.items] == ids, (viewer, filters, page)
                assert shown.has_next is has_next, (viewer, filters, page)
                assert shown.total == len(looked_at), (viewer, filters)
                assert shown.capped is (len(expected) >= 7), (viewer, filters)


@pytest.mark.parametrize("left_out", ["me", "couple", "where_kind"])
def test_the_journal_statement_never_runs_without_a_value_of_its_rule(people, left_out):
    """The journal's statement is built once per process and each request binds its
    own values: one left out fails, it never runs with another person's."""
    scope = Scope(people[VIEWERS[0]])
    stmt, values = listing.entries_visible_to(scope, limit=3, where={"kind": "entry"}, body=False)
    assert left_out in values
    del values[left_out]
    with pytest.raises(StatementError, match=left_out):
        db.session.execute(stmt, values)


@pytest.mark.parametrize("left_out", ["me", "couple", "first", "limit", "offset"])
def test_a_list_page_statement_never_runs_without_a_value_of_its_rule_or_cut(people, left_out):
    """`Scope.newest_page` (the check-ins list) is built once per process for each shape,
    its cut included: one value left out fails, it never runs with another's or a default."""
    scope = Scope(people[VIEWERS[0]])
    stmt, _, values = scope.newest_page(
        CheckIn, order_by=(CheckIn.day, CheckIn.created_at, CheckIn.id), offset=0, limit=3
    )
    assert left_out in values
    del values[left_out]
    with pytest.raises((StatementError, KeyError), match=left_out):
        db.session.connection().execute(stmt, values)


def test_the_check_ins_list_shows_what_the_rule_shows(people):
    for viewer in VIEWERS:
        scope = Scope(people[viewer])
        expected = _by_old_rule(scope, CheckIn, (CheckIn.day, CheckIn.created_at, CheckIn.id))
        for page in PAGES:
            shown = checkins_page(scope, page=page, per_page=PER_PAGE)
            ids, has_next = _cut(expected, page)
            assert [c.id for c in shown.items] == ids, (viewer, page)
            assert shown.has_next is has_next, (viewer, page)


def test_the_notes_list_shows_what_the_rule_shows(people, monkeypatch):
    monkeypatch.setattr(notes_services, "PER_PAGE", PER_PAGE)
    for viewer in VIEWERS:
        scope = Scope(people[viewer])
        expected = _by_old_rule(scope, ProgressNote, (ProgressNote.created_at, ProgressNote.id))
        for page in PAGES:
            shown, previews = notes_page(scope, page=page)
            ids, has_next = _cut(expected, page)
            assert [n.id for n in shown.items] == ids, (viewer, page)
            assert shown.has_next is has_next, (viewer, page)
            assert set(previews) == set(ids), (viewer, page)
            assert all(n.practice is None for n in shown.items), "the practice is loaded with the page"


def test_the_data_walks_every_case(people):
    """The rows above hold each case the rule separates (so the tests above mean something)."""
    ana, bo, cy = people["ana"], people["bo"], people["cy"]

    def some(*where):
        return db.session.scalar(select(Entry.id).where(*where).limit(1)) is not None

    assert some(Entry.author_id == bo.id, Entry.couple_id == ana.couple_id, Entry.visibility == SHARED)
    assert some(Entry.author_id == bo.id, Entry.couple_id == ana.couple_id, Entry.visibility == PRIVATE)
    assert some(Entry.author_id == bo.id, Entry.couple_id != ana.couple_id, Entry.visibility == SHARED)
    assert some(Entry.author_id == cy.id, Entry.couple_id.is_not(None), Entry.visibility == SHARED)
    assert some(Entry.author_id == ana.id, Entry.couple_id != ana.couple_id, Entry.visibility == SHARED)
    assert some(Entry.author_id == cy.id, Entry.couple_id.is_(None))


# -- the plan on PostgreSQL ------------------------------------------------------------


def _plan_nodes(plan: dict):
    yield plan
    for child in plan.get("Plans", ()):
        yield from _plan_nodes(child)


def _branches(plan: dict) -> list[dict]:
    """The children of the Append that merges the branches."""
    (append,) = [node for node in _plan_nodes(plan) if node["Node Type"] in ("Append", "Merge Append")]
    return append["Plans"]


def _ordered_scan_under_limit(branch: dict, index: str) -> bool:
    """A Limit over an ordered backward scan of `index`, with no Sort between them (an
    Incremental Sort sorts only the rows of one day or instant, so it may). Above the
    Limit, a Sort of the rows cut is bounded by the page."""
    (limit, *_) = [node for node in _plan_nodes(branch) if node["Node Type"] == "Limit"]
    under = list(_plan_nodes(limit))
    scans = [node for node in under if node["Node Type"] in ("Index Scan", "Index Only Scan")]
    return (
        not any(node["Node Type"] == "Sort" for node in under)
        and len(scans) == 1
        and scans[0]["Index Name"] == index
        and scans[0]["Scan Direction"] == "Backward"
    )


def _bound(stmt, values):
    """A statement built once per process, with one run's values in it (to EXPLAIN it)."""
    return stmt.params(values)


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_each_branch_is_an_ordered_index_scan_with_its_own_limit(app, couple):
    """With hundreds of rows in the couple and sequential scans switched off (the
    table is small here; on a real one the planner makes the same choice unasked),
    the journal's and check-ins' statements read each branch newest first through
    its index and stop at the page: no Sort over everything the person may see."""
    from bench.seed import END, history

    ana, bo, _ = couple
    practices_load()
    history(a=ana, b=bo, days=200, end=END)
    db.session.commit()
    db.session.execute(text("ANALYZE"))
    db.session.commit()
    scope = Scope(ana)
    statements = {
        "entries": (
            _bound(*listing.entries_visible_to(scope, limit=21, body=False)),
            "ix_entries_author_id_created_at",
            "ix_entries_couple_id_visibility_created_at",
        ),
        "checkins": (
            checkins_newest(scope, first=21),
            "ix_checkins_author_id_day_created_at_id",
            "ix_checkins_couple_id_visibility_day_created_at_id",
        ),
    }
    for table, (stmt, own_index, shared_index) in statements.items():
        compiled = stmt.compile(dialect=db.engine.dialect, compile_kwargs={"literal_binds": True})
        with db.engine.connect() as conn:
            conn.exec_driver_sql("SET enable_seqscan = off")
            conn.exec_driver_sql("SET enable_bitmapscan = off")
            (plan,) = conn.exec_driver_sql("EXPLAIN (FORMAT JSON) " + str(compiled).replace("%", "%%")).scalar()
            generic = _generic_plan(conn, stmt)
        for how, found in (("with its values", plan), ("prepared, planned without its values", generic)):
            own, shared = _branches(found["Plan"])
            assert _ordered_scan_under_limit(own, own_index), (table, how, json.dumps(own, indent=1))
            assert _ordered_scan_under_limit(shared, shared_index), (table, how, json.dumps(shared, indent=1))


@pytest.mark.sqlite_only  # SQLite's own plan; PostgreSQL's is checked above
def test_check_ins_of_one_busy_day_are_read_in_order_not_sorted(app, couple):
    """The check-ins list's branches read their index in the list's whole order (day, time,
    id) and stop at the page: with the day alone in the index, every check-in of the newest
    day was read and sorted first (a person who checked in 300 times one day made the list
    read 300)."""
    ana, bo, _ = couple
    for _ in range(30):
        checkin_create(author=ana, answers={"mood": 3}, day=date(2026, 3, 1), visibility=SHARED)
        checkin_create(author=bo, answers={"mood": 3}, day=date(2026, 3, 1), visibility=SHARED)
    db.session.commit()
    stmt = checkins_newest(Scope(ana), first=21)
    compiled = stmt.compile(dialect=db.engine.dialect, compile_kwargs={"literal_binds": True})
    plan = [row[3] for row in db.session.execute(text("EXPLAIN QUERY PLAN " + str(compiled)))]
    searches = [step for step in plan if step.startswith("SEARCH checkins")]
    assert len(searches) == 2 and all("_day_created_at_id" in step for step in searches), plan
    assert not any("RIGHT PART OF ORDER BY" in step for step in plan), plan


def _generic_plan(conn, stmt) -> dict:
    """The plan of `stmt` prepared with its values as parameters (but its cuts, written into
    the SQL as on PostgreSQL they run: `journal.pagination.cut_written`) and planned
    without knowing them, as PostgreSQL plans a statement psycopg prepared once it ran
    a few times (`plan_cache_mode = force_generic_plan`)."""
    from psycopg import sql

    compiled = stmt.compile(dialect=db.engine.dialect).construct_expanded_state()
    values = compiled.parameters
    names: list[str] = []

    def numbered(match) -> str:
        if match.group(1) not in names:
            names.append(match.group(1))
        return f"${names.index(match.group(1)) + 1}"

    raw = conn.connection.driver_connection
    raw.execute("SET plan_cache_mode = force_generic_plan")
    raw.execute("PREPARE listed AS " + re.sub(r"%\((\w+)\)s", numbered, compiled.statement), prepare=False)
    run = sql.SQL("EXPLAIN (FORMAT JSON) EXECUTE listed({})").format(
        sql.SQL(", ").join(sql.Literal(values[name]) for name in names)
    )
    ((plan,),) = raw.execute(run, prepare=False).fetchall()
    raw.execute("DEALLOCATE listed")
    raw.execute("RESET plan_cache_mode")
    return plan[0]


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_on_postgresql_each_list_page_runs_the_same_text(app, couple):
    """On PostgreSQL a list's cut is written into its SQL (`pagination.cut_written`): a
    page's statement is the same text on every run, which psycopg prepares once and
    PostgreSQL keeps a plan for (as parameters, PostgreSQL planned the check-ins list
    anew on every run of the benchmark's data). Each page still reads its own rows."""
    from journal.testing import client_for, count_queries

    ana, bo, _ = couple
    for n in range(30):
        checkin_create(author=ana, answers={"mood": 3}, day=date(2026, 1, 1) + timedelta(days=n), visibility=SHARED)
    db.session.commit()
    client = client_for(app, ana)
    listed = {}
    for page in (1, 2, 1):
        with count_queries(app) as q:
            html = client.get(f"/checkins?page={page}").get_data(as_text=True)
        (statement,) = [s for s in q.statements if "open_to_both" in s]
        assert listed.setdefault(page, (statement, html)) == (statement, html)
        assert "%(first)s" not in statement and "%(limit)s" not in statement
    assert listed[1][0] != listed[2][0] and listed[1][1] != listed[2][1]
