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


@cache
def cut_bound(stmt: Select) -> Select:
    """`stmt` (a statement made once per process) cut to a page whose `limit` and `offset`
    are bound as it runs, made once per statement: a cut made per request was a new
    statement whose cache key, and the matching of its result's columns, cost as much as a
    third of running it. Run it with the values "limit" and "offset" (`page_read`). They
    are ordinary parameters, so its SQL is compiled once (written into the SQL, it was
    compiled again on every run: 7% of a list page)."""
    return stmt.limit(bindparam("limit", type_=Integer)).offset(bindparam("offset", type_=Integer))
