"""Reading the journal: one page of entries and moments, filtered, searched and cut.

Kind, author and visibility filter in SQL; search and the tag filter read the
sealed text, so they open the newest SEARCH_CAP visible rows and filter in Python.
Both read the newest rows per branch of the access rule (`Scope.newest_visible`),
so a page costs the same however long the couple's history.
"""

from collections import namedtuple
from dataclasses import dataclass, field
from functools import cache
from typing import NamedTuple

from sqlalchemy import Select

from journal.access import ME, PARTNER, PRIVATE, SHARED, Scope
from journal.crypto import with_owner_keys
from journal.entries.services import SEALED_FIELDS, TAG_MAX, EntryText, Reader, author_name, moment_labels
from journal.extensions import db
from journal.models import User
from journal.models.entries import ENTRY, MOMENT, Entry
from journal.pagination import PER_PAGE, cut_bound, page_of, page_read

#: How many of the newest visible rows a search or tag filter looks through.
SEARCH_CAP = 2_000
#: What a list page opens: the body is only read to search it.
LIST_FIELDS = ("title", "tags", "line")


#: The journal's order, newest first.
NEWEST = (Entry.created_at, Entry.id)


#: The columns a list row reads: what the page shows, what opening its sealed fields needs
#: (id, author and visibility are in each field's context), never the body (searching
#: adds it) nor the columns only the entry's own page uses.
ROW_COLUMNS = (
    "id",
    "author_id",
    "kind",
    "moment_kind",
    "visibility",
    "created_at",
    "edited_at",
    "title_sealed",
    "tags_sealed",
    "line_sealed",
)


@cache
def _rows_statement(newest: Select, entry, body: bool) -> Select:
    """The statement of `entries_visible_to`, built once per shape of `Scope.newest_shape`
    (`newest`, selecting `entry`), with every value bound as it runs: the rule's (`me`,
    `couple`, `first`, `where_<column>`) and the page's cut (`limit`, `offset`). Building it
    per request (a join, the columns, the cut) cost about as much as running it."""
    columns = [getattr(entry, name) for name in ROW_COLUMNS + (("body_sealed",) if body else ())]
    return cut_bound(with_owner_keys(newest.with_only_columns(*columns), "user", entry.author_id))


def entries_visible_to(
    scope: Scope,
    *,
    offset: int = 0,
    limit: int,
    where: dict | None = None,
    whose: str | None = None,
    body: bool = True,
) -> tuple[Select, dict]:
    """Entries and moments this person may read, newest first, with each author's
    wrapped key: rows `offset` to `offset + limit`, as columns named as the Entry's
    (`ROW_COLUMNS`, then `key_wrapped` and `key_master`), the bodies only
    with `body` (they are only read to search them).
    `where` and `whose` filter before the cut (`Scope.newest_visible`).

    Returns the statement and its values, to run as `db.session.execute(stmt, values)`:
    the values `Scope.newest_shape` gives for the shape, and the cut."""
    newest, entry, values = scope.newest_shape(Entry, order_by=NEWEST, first=offset + limit, where=where, whose=whose)
    return _rows_statement(newest, entry, body), {**values, "limit": limit, "offset": offset}


@dataclass(frozen=True)
class Filters:
    q: str = ""
    tag: str = ""
    #: "entry" | "moment"
    kind: str = ""
    #: "me" | "partner"
    author: str = ""
    #: "private" | "shared"
    visibility: str = ""

    @classmethod
    def from_args(cls, args) -> "Filters":
        """Filters from a query string; values that mean nothing are ignored."""
        if not args:  # the journal as opened: each name asked of an empty query raised and caught a KeyError
            return cls()

        def pick(name, allowed):
            value = args.get(name, "")
            return value if value in allowed else ""

        return cls(
            q=" ".join(args.get("q", "").split())[:200],
            tag=" ".join(args.get("tag", "").split())[:TAG_MAX],
            kind=pick("kind", (ENTRY, MOMENT)),
            author=pick("author", ("me", "partner")),
            visibility=pick("visibility", (PRIVATE, SHARED)),
        )

    @property
    def textual(self) -> bool:
        return bool(self.q or self.tag)

    @property
    def active(self) -> bool:
        return any(self.args().values())

    def args(self) -> dict[str, str]:
        return {k: v for k, v in vars(self).items() if v}


@cache
def _columns(names: tuple[str, ...]) -> type:
    """A list's row as a named tuple of its columns (`ROW_COLUMNS`, the body when searching,
    the author's key), its class made once per set of columns: a database row looks each
    name up by attribute (over a microsecond each), a named tuple reads it by position."""
    return namedtuple("EntryColumns", names)


class Item(NamedTuple):
    #: The entry's row as `ROW_COLUMNS` (attributes named as the Entry's).
    entry: tuple
    text: EntryText
    author_name: str
    mine: bool
    #: The tags as shown, split once.
    tags: list[str]

    @property
    def is_moment(self) -> bool:
        return self.entry.kind == MOMENT


@dataclass
class JournalPage:
    items: list[Item]
    page: int
    has_next: bool
    #: Total matches, known when searching or filtering by tag.
    total: int | None = None
    #: The search stopped at SEARCH_CAP rows: older entries were not looked at.
    capped: bool = False
    filters: Filters = field(default_factory=Filters)

    @property
    def has_prev(self) -> bool:
        return self.page > 1


def journal_page(scope: Scope, *, filters: Filters, page: int = 1) -> JournalPage:
    """One page of the journal, in one statement whatever its length (the rows with
    their authors' keys; their names are the person's and the partner's, read with the
    session: `_author_names`).

    Kind, author and visibility filter in SQL and pages are cut in SQL. Search and
    the tag filter have to read the text, which is sealed: they load the newest
    SEARCH_CAP visible rows in one statement (bodies only when searching), open
    each of them and filter in Python; the page is cut from the matches by the
    same pager as every list (a page past the end is empty). That costs one AES-GCM
    decryption per sealed field of up to SEARCH_CAP rows, and the transfer of
    their bodies (up to BODY_MAX characters each), on every search request: fine
    for a couple's journal of a few hundred entries, and why it stops at the cap.
    """
    user = scope.user
    names = _author_names(scope)
    where = {}
    if filters.kind:
        where["kind"] = filters.kind
    if filters.visibility:
        where["visibility"] = filters.visibility
    whose = {"me": ME, "partner": PARTNER}.get(filters.author)

    def newest(offset: int, limit: int) -> list:
        stmt, values = entries_visible_to(
            scope, offset=offset, limit=limit, where=where, whose=whose, body=bool(filters.q)
        )
        result = db.session.connection().execute(stmt, values)
        return list(map(_columns(tuple(result.keys()))._make, result.all()))

    fields = SEALED_FIELDS if filters.q else LIST_FIELDS

    if not filters.textual:
        cut = page_read(newest, page=page, per_page=PER_PAGE)
        reader = Reader.of_rows(cut.items)
        items = [_item(row, reader.open(row, fields), user, names) for row in cut.items]
        return JournalPage(items=items, page=cut.page, has_next=cut.has_next, filters=filters)

    rows = newest(0, SEARCH_CAP)
    reader = Reader.of_rows(rows)
    needle, tag = filters.q.casefold(), filters.tag.casefold()
    labels = moment_labels()
    matched = []
    for row in rows:
        text = reader.open(row, fields)
        if needle:
            label = labels.get(row.moment_kind or "", "")
            haystack = (text.title, text.body, text.line, label)
            if not any(needle in (part or "").casefold() for part in haystack):
                continue
        item = _item(row, text, user, names)  # only for a row the words matched: its tags split once
        if tag and tag not in {t.casefold() for t in item.tags}:
            continue
        matched.append(item)
    cut = page_of(matched, page=page, per_page=PER_PAGE)
    return JournalPage(
        items=cut.items,
        page=cut.page,
        has_next=cut.has_next,
        total=len(matched),
        capped=len(rows) == SEARCH_CAP,
        filters=filters,
    )


def _author_names(scope: Scope) -> dict[int, str]:
    """The names of whoever wrote what the person may read: the person, and the partner
    (the rule's shared rows are the current couple's, and a couple that ends ends for
    both), as the session read them, so the list's statement joins no users."""
    names = {scope.user.id: scope.user.display_name}
    partner = scope.partner()
    if partner is not None:
        names[partner.id] = partner.display_name
    return names


def _item(row, text: EntryText, user: User, names: dict[int, str]) -> Item:
    name = names.get(row.author_id)
    if name is None:  # not the person nor the partner: never expected, read rather than guessed
        name = names[row.author_id] = author_name(row)
    return Item(row, text, name, row.author_id == user.id, text.tags)
