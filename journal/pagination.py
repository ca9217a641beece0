"""One way to cut a list into pages: ask for one row more than a page holds.

The extra row says whether an older page exists, so no page ever counts the
couple's whole history (no COUNT, no "page 3 of 40"): "Newer" and "Older" links
only. `?page=` numbers stay (bounded by `journal.inputs.query_int` where they are
read, and by MAX_PAGE here); a page past the end is an empty page, never an error.
Journal search filters in Python and pages its matches here too, the same way.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import Integer, Select, bindparam

from journal.extensions import db

#: Pages past this are not asked of the database (an absurd ?page= stays a calm empty page).
MAX_PAGE = 100_000
#: Rows on one page of every list: the journal (and its search), check-ins, progress notes.
PER_PAGE = 20


@dataclass(frozen=True)
class Page:
    """The rows of one page, newest first, and whether there are newer and older pages."""

    items: list[Any]
    page: int
    has_next: bool

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1


def page_number(value: int | None) -> int:
    """A requested page number, kept between 1 and MAX_PAGE."""
    return min(max(value or 1, 1), MAX_PAGE)


def page_of(
    stmt: Select | Callable[[int], Select] | Sequence, *, page: int | None, per_page: int, rows: bool = False
) -> Page:
    """One page of an ordered statement in one statement: the first column's objects
    (or whole rows with `rows=True`), per_page of them, plus whether another follows.

    `stmt` may also be a function of n giving a statement that holds the newest n rows
    (a list cut per branch of the access rule, `Scope.newest_visible`): it is asked for
    as many rows as this page needs, the rows of the pages before it included. Or a
    list already read and filtered (journal search): the page is cut from it."""
    number = page_number(page)
    offset = (number - 1) * per_page
    if isinstance(stmt, Sequence):
        found = list(stmt[offset : offset + per_page + 1])
    else:
        if callable(stmt):
            stmt = stmt(offset + per_page + 1)
        cut = stmt.limit(per_page + 1).offset(offset)
        found = list(db.session.execute(cut).all() if rows else db.session.scalars(cut).all())
    return Page(items=found[:per_page], page=number, has_next=len(found) > per_page)


def page_read(read: Callable[[int, int], Sequence], *, page: int | None, per_page: int) -> Page:
    """One page from `read(offset, limit)`, a function that reads `limit` rows after the
    first `offset` (a statement built once per process, its cut bound as it runs, rather
    than cut here by building a new statement per request)."""
    number = page_number(page)
    found = list(read((number - 1) * per_page, per_page + 1))
    return Page(items=found[:per_page], page=number, has_next=len(found) > per_page)


def cut_written() -> bool:
    """Whether a list's cut (`first`, `limit` and `offset`), or a window's ends (Today's
    recent actions, progress's weeks), is written into its SQL as the statement runs
    (SQLAlchemy's `literal_execute`) rather than sent as parameters: on PostgreSQL only. Sent as parameters, PostgreSQL's generic plan guesses a tenth of the
    rows for each, costs the check-ins list above its custom plans and so plans it anew on
    every run (planning took twice as long as running it); written, a page's statement
    has the same text each time it runs for the same page, which psycopg prepares once and
    PostgreSQL keeps a plan for. SQLite plans nothing ahead, and writing the values into
    the SQL cost a quarter of running the statement there."""
    return db.engine.dialect.name == "postgresql"


def cut_param(name: str, *, written: bool):
    """A list's cut `name` as a bound parameter, written into the SQL as it runs when
    `written` (`cut_written`)."""
    return bindparam(name, type_=Integer, literal_execute=written)


def cut_bound(stmt: Select) -> Select:
    """`stmt` (a statement made once per process) cut to a page whose `limit` and `offset`
    are bound as it runs, made once per statement: a cut made per request was a new
    statement whose cache key, and the matching of its result's columns, cost as much as a
    third of running it. Run it with the values "limit" and "offset" (`page_read`). Its
    SQL is compiled once; on PostgreSQL the values are written into it as it runs
    (`cut_written`)."""
    return _cut_bound(stmt, cut_written())


@cache
def _cut_bound(stmt: Select, written: bool) -> Select:
    return stmt.limit(cut_param("limit", written=written)).offset(cut_param("offset", written=written))
