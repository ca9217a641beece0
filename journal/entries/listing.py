"""Reading the journal: one page of entries and moments, filtered, searched and cut.

Kind, author and visibility filter in SQL; search and the tag filter read the
sealed text, so they open the newest SEARCH_CAP visible rows and filter in Python.
Both read the newest rows per branch of the access rule (`Scope.newest_visible`),
so a page costs the same however long the couple's history.
"""

from dataclasses import dataclass, field

from sqlalchemy import Select
from sqlalchemy.orm import defer

from journal.access import ME, PARTNER, PRIVATE, SHARED, Scope
from journal.entries.services import SEALED_FIELDS, TAG_MAX, EntryText, Reader, moment_labels
from journal.extensions import db
from journal.models import User
from journal.models.entries import ENTRY, MOMENT, Entry
from journal.pagination import PER_PAGE, page_of

#: How many of the newest visible rows a search or tag filter looks through.
SEARCH_CAP = 2_000
#: What a list page opens: the body is only read to search it.
LIST_FIELDS = ("title", "tags", "line")


#: The journal's order, newest first.
NEWEST = (Entry.created_at, Entry.id)


def entries_visible_to(
    scope: Scope, *, first: int, where: dict | None = None, whose: str | None = None, body: bool = True
) -> Select:
    """The `first` newest entries and moments this person may read, with each author's
    name, newest first; `where` and `whose` filter before the cut (`Scope.newest_visible`).
    Without `body`, bodies are left unread (they are only read to search them)."""
    stmt, entry = scope.newest_visible(Entry, order_by=NEWEST, first=first, where=where, whose=whose)
    stmt = stmt.join(User, User.id == entry.author_id).add_columns(User.display_name)
    return stmt if body else stmt.options(defer(entry.body_sealed))


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


@dataclass
class Item:
    entry: Entry
    text: EntryText
    author_name: str
    mine: bool


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
    """One page of the journal, in two statements whatever its length (the rows with
    their authors' names, then the authors' keys).

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
    where = {}
    if filters.kind:
        where["kind"] = filters.kind
    if filters.visibility:
        where["visibility"] = filters.visibility
    whose = {"me": ME, "partner": PARTNER}.get(filters.author)

    def newest(first: int) -> Select:
        return entries_visible_to(scope, first=first, where=where, whose=whose, body=bool(filters.q))

    fields = SEALED_FIELDS if filters.q else LIST_FIELDS

    if not filters.textual:
        cut = page_of(newest, page=page, per_page=PER_PAGE, rows=True)
        reader = Reader({entry.author_id for entry, _ in cut.items}, also=user)
        items = [_item(reader, entry, name, user, fields) for entry, name in cut.items]
        return JournalPage(items=items, page=cut.page, has_next=cut.has_next, filters=filters)

    rows = db.session.execute(newest(SEARCH_CAP)).all()
    reader = Reader({entry.author_id for entry, _ in rows}, also=user)
    needle, tag = filters.q.casefold(), filters.tag.casefold()
    labels = moment_labels()
    matched = []
    for entry, name in rows:
        item = _item(reader, entry, name, user, fields)
        if tag and tag not in {t.casefold() for t in item.text.tags}:
            continue
        if needle:
            label = labels.get(entry.moment_kind or "", "")
            haystack = (item.text.title, item.text.body, item.text.line, label)
            if not any(needle in (part or "").casefold() for part in haystack):
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


def _item(reader: Reader, entry: Entry, author_name: str, user: User, fields) -> Item:
    return Item(entry=entry, text=reader.open(entry, fields), author_name=author_name, mine=entry.author_id == user.id)
