"""The journal's rules: writing, sealing and reading entries and small moments.

Every text a person types (title, body, tags, a moment's line) is sealed with the
author's own key, its context naming the row, field, author and visibility, so
changing the visibility re-seals everything. Reads go through `journal.access`;
listing, filtering and searching the journal live in `journal.entries.listing`.
"""

import logging
from collections import namedtuple
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from sqlalchemy.orm.exc import StaleDataError

from journal.access import PRIVATE, SHARED, Scope
from journal.crypto import DecryptError, cipher, data_key, key_given, keys_preload, unseal_with, user_owner
from journal.crypto.fields import UNREADABLE, SealedFields  # noqa: F401 (UNREADABLE: pages read it here)
from journal.edits import EditConflict, version_check
from journal.extensions import db
from journal.models import Practice, User, now_utc
from journal.models.entries import ENTRY, MOMENT, Entry
from journal.plan.services import schedules_listed
from journal.practices.library import library_data
from journal.practices.services import practices_visible
from journal.today.prompts import prompt_key
from journal.today.services import prompt_link
from journal.zones import today_for

log = logging.getLogger(__name__)

TITLE_MAX = 200
BODY_MAX = 100_000
TAG_MAX = 40
TAGS_MAX = 20
LINE_MAX = 300
#: How long after keeping a moment its Undo still works.
UNDO_WINDOW = timedelta(minutes=10)
SEALED_FIELDS = ("title", "body", "tags", "line")


# -- small pieces ------------------------------------------------------------------


def tags_split(text: str | None) -> list[str]:
    """Comma-separated tags, trimmed, empty ones dropped, repeats (any case) once."""
    tags, seen = [], set()
    for raw in (text or "").split(","):
        tag = " ".join(raw.split())
        if tag and tag.casefold() not in seen:
            seen.add(tag.casefold())
            tags.append(tag)
    return tags


@lru_cache(maxsize=1)
def _moment_labels() -> tuple[tuple[str, str], ...]:
    return tuple((item["slug"], item["label"]) for item in library_data()["moment_kinds"])


def moment_labels() -> dict[str, str]:
    """Moment slug -> label, in the order of the library file."""
    return dict(_moment_labels())


def writing_prompt(user: User, *, now: datetime | None = None) -> str:
    """One of the library's journal prompts, the same all day, a new one tomorrow."""
    prompts = library_data()["journal_prompts"]
    day = today_for(user, now=now)
    return prompts[day.toordinal() % len(prompts)]


def author_name(entry: Entry) -> str:
    author = db.session.get(User, entry.author_id)
    return author.display_name if author else ""


def default_title(user: User, at: datetime) -> str:
    """The name of an entry written without a title: the author's local date."""
    return f"Untitled, {at.astimezone(ZoneInfo(user.timezone)).strftime('%-d %B %Y')}"


# -- sealing -----------------------------------------------------------------------


ENTRY_TEXT = SealedFields("entries", SEALED_FIELDS)


def _seal(entry: Entry, author: User, texts: dict[str, str | None]) -> None:
    """Seal every field of a flushed `entry` with the author's key and its current visibility."""
    ENTRY_TEXT.seal(entry, texts)


@dataclass
class EntryText:
    """What an entry says, opened. A field that fails to open is None and sets `unreadable`."""

    title: str | None = None
    body: str | None = None
    tags_text: str | None = None
    line: str | None = None
    unreadable: bool = False

    @property
    def tags(self) -> list[str]:
        return tags_split(self.tags_text)


#: Where each sealed field goes in an EntryText.
_ATTRIBUTES = {"title": "title", "body": "body", "tags": "tags_text", "line": "line"}
#: Each sealed field's column.
_COLUMNS = {name: f"{name}_sealed" for name in SEALED_FIELDS}


class Reader:
    """Opens entries by several authors with their keys loaded in one statement.
    An author whose key is gone costs one more statement, once, not one per row.
    An entry is an Entry or a row of its columns (`id`, `author_id`, `visibility` and the
    `<field>_sealed` asked for: a list reads only those)."""

    def __init__(self, author_ids: set[int], *, also: User | None = None):
        owners = {("user", author_id) for author_id in author_ids}
        keys_preload(owners | ({user_owner(also)} if also else set()))
        #: Each author's data key, made ready once to open many fields; an author whose
        #: key is gone has none.
        self.keys = {owner: cipher(key) for owner in owners if (key := data_key(owner)) is not None}

    @classmethod
    def of_rows(cls, rows) -> "Reader":
        """A reader for a list's rows read with their authors' wrapped keys
        (`journal.crypto.with_owner_keys`): no statement of its own."""
        given = {}
        for row in rows:
            owner = ("user", row.author_id)
            if owner not in given:
                given[owner] = key_given(owner, row.key_wrapped, row.key_master)
        return cls._of_keys(given)

    @classmethod
    def of_key(cls, author_id: int, key_wrapped: bytes | None, key_master: str | None) -> "Reader":
        """A reader for one author's entries, their wrapped key read with the entry
        (`journal.access.Scope.get_visible_with_key_or_404`): no statement of its own."""
        owner = ("user", author_id)
        return cls._of_keys({owner: key_given(owner, key_wrapped, key_master)})

    @classmethod
    def _of_keys(cls, given: dict) -> "Reader":
        reader = cls.__new__(cls)
        reader.keys = {owner: cipher(key) for owner, key in given.items() if key is not None}
        return reader

    def open(self, entry, fields: tuple[str, ...] = SEALED_FIELDS) -> EntryText:
        key = self.keys.get(ENTRY_TEXT.owner(entry))
        text = EntryText()
        for name in fields:
            blob = getattr(entry, _COLUMNS[name])
            if blob is None:
                continue
            if key is None:
                text.unreadable = True
                continue
            try:
                setattr(text, _ATTRIBUTES[name], unseal_with(key, blob, ENTRY_TEXT.context(entry, name)))
            except DecryptError:
                text.unreadable = True
        if text.unreadable:
            log.warning("entry %s has text that can't be opened", entry.id)
        return text


def entry_open(entry: Entry) -> EntryText:
    return Reader({entry.author_id}).open(entry)


class EntryRow(namedtuple("EntryRow", [column.key for column in Entry.__table__.columns])):
    """An entry as its own page shows it: its columns, named as the Entry's, read without
    loading an Entry (the ORM's load of the one row cost a third of the page's own work)."""

    __slots__ = ()

    @property
    def is_moment(self) -> bool:
        return self.kind == MOMENT


def entry_read_or_404(scope: Scope, entry_id: int) -> tuple[EntryRow, EntryText]:
    """An entry this person may read (`Scope.get_visible_with_key_or_404`), opened with its
    author's key read in the same statement; 404 for anything else."""
    row = scope.get_visible_with_key_or_404(Entry, entry_id)
    entry = EntryRow._make(row[: len(EntryRow._fields)])
    return entry, Reader.of_key(entry.author_id, row.key_wrapped, row.key_master).open(entry)


# -- links to a practice or a Today prompt -----------------------------------------


@dataclass(frozen=True)
class Link:
    practice_id: int | None = None
    schedule_id: int | None = None
    occurrence_at: datetime | None = None


def _kept(entry: Entry | None, prompt: str | None) -> bool:
    """An entry being edited keeps the prompt it already names, however long ago it was."""
    return (
        entry is not None
        and entry.schedule_id is not None
        and prompt == prompt_key(entry.schedule_id, entry.occurrence_at)
    )


def link_resolve(
    scope: Scope,
    *,
    practice_id: int | None,
    prompt: str | None,
    entry: Entry | None = None,
    now: datetime | None = None,
) -> Link:
    """The practice and prompt an entry may point to: a prompt by the rule every writing
    feature shares (`journal.today.services.prompt_link`), or the one `entry` already
    names. Anything that isn't this person's to name (another plan's schedule, a
    practice they can't see, a malformed key) is dropped quietly: the writing is saved
    either way."""
    if _kept(entry, prompt):
        return Link(practice_id=entry.practice_id, schedule_id=entry.schedule_id, occurrence_at=entry.occurrence_at)
    found = prompt_link(scope, scope.user, prompt, now=now)
    if found is not None:
        return Link(practice_id=found.practice.id, schedule_id=found.schedule.id, occurrence_at=found.occurrence_at)
    if practice_id is not None:
        if db.session.scalar(practices_visible(scope).where(Practice.id == practice_id)) is not None:
            return Link(practice_id=practice_id)
    return Link()


def practice_choices(scope: Scope, *, current_id: int | None = None) -> list[tuple[str, str]]:
    """The practices an entry may be about: those in the plan now, and the one it names."""
    choices = {str(p.id): p.title for _, p in schedules_listed(scope)}
    if current_id is not None and str(current_id) not in choices:
        practice = db.session.scalar(practices_visible(scope).where(Practice.id == current_id))
        if practice is not None:
            choices[str(practice.id)] = practice.title
    return list(choices.items())


def link_describe(scope: Scope, entry: Entry) -> tuple[Practice | None, datetime | None]:
    """The practice an entry is about, if this reader may still see it, and the
    prompt's time when it answered one."""
    if entry.practice_id is None:
        return None, None
    practice = db.session.scalar(practices_visible(scope).where(Practice.id == entry.practice_id))
    return practice, (entry.occurrence_at if practice is not None and entry.schedule_id else None)


def prompt_practice(
    scope: Scope, prompt: str | None, *, entry: Entry | None = None
) -> tuple[Practice, datetime] | None:
    """The practice and time of the prompt the editor shows: one `link_resolve` would keep."""
    if _kept(entry, prompt):
        practice, at = link_describe(scope, entry)
        return (practice, at) if practice is not None and at is not None else None
    found = prompt_link(scope, scope.user, prompt)
    return (found.practice, found.occurrence_at) if found else None


# -- writing -----------------------------------------------------------------------


def entry_create(
    *,
    author: User,
    title: str,
    body: str,
    tags: list[str],
    visibility: str,
    link: Link = Link(),
    now: datetime | None = None,
) -> Entry:
    """A new entry in the author's current couple (NULL while single)."""
    now = now or now_utc()
    entry = Entry(
        author_id=author.id,
        couple_id=author.couple_id,
        kind=ENTRY,
        visibility=visibility,
        created_at=now,
        practice_id=link.practice_id,
        schedule_id=link.schedule_id,
        occurrence_at=link.occurrence_at,
    )
    db.session.add(entry)
    db.session.flush()
    _seal(entry, author, {"title": title or default_title(author, now), "body": body, "tags": ", ".join(tags)})
    db.session.flush()
    log.info("user %s wrote entry %s (%s)", author.id, entry.id, visibility)
    return entry


def _visibility_set(entry: Entry, author: User, visibility: str) -> None:
    """Sharing shares with the partner the author has now, never with a former one."""
    if entry.visibility == PRIVATE and visibility == SHARED:
        entry.couple_id = author.couple_id
    entry.visibility = visibility


def entry_update(
    *,
    entry: Entry,
    author: User,
    title: str,
    body: str,
    tags: list[str],
    visibility: str,
    link: Link,
    now: datetime | None = None,
    version=None,
) -> bool:
    """Change an entry; returns whether anything changed (only then is it marked edited).
    Raises EditConflict when `version` (the one the form was loaded at) is no longer current."""
    texts = {
        "title": title or default_title(author, entry.created_at),
        "body": body or None,
        "tags": ", ".join(tags) or None,
    }
    return _update(
        entry=entry,
        author=author,
        texts=texts,
        visibility=visibility,
        now=now,
        version=version,
        practice_id=link.practice_id,
        schedule_id=link.schedule_id,
        occurrence_at=link.occurrence_at,
    )


def moment_create(*, author: User, moment_kind: str, line: str, visibility: str, now: datetime | None = None) -> Entry:
    """A small moment: a kind from the library, or the person's own words in the line."""
    now = now or now_utc()
    entry = Entry(
        author_id=author.id,
        couple_id=author.couple_id,
        kind=MOMENT,
        moment_kind=moment_kind,
        visibility=visibility,
        created_at=now,
    )
    db.session.add(entry)
    db.session.flush()
    _seal(entry, author, {"line": line})
    db.session.flush()
    log.info("user %s kept moment %s (%s, %s)", author.id, entry.id, moment_kind, visibility)
    return entry


def moment_update(
    *,
    entry: Entry,
    author: User,
    moment_kind: str,
    line: str,
    visibility: str,
    now: datetime | None = None,
    version=None,
) -> bool:
    return _update(
        entry=entry,
        author=author,
        texts={"line": line or None},
        visibility=visibility,
        now=now,
        version=version,
        moment_kind=moment_kind,
    )


def _update(
    *, entry: Entry, author: User, texts: dict, visibility: str, now: datetime | None, version, **columns
) -> bool:
    current = entry_open(entry)
    before = {"title": current.title, "body": current.body, "tags": current.tags_text, "line": current.line}
    changed = (
        current.unreadable
        or visibility != entry.visibility
        or any(before[name] != texts.get(name) for name in SEALED_FIELDS)
        or any(getattr(entry, name) != value for name, value in columns.items())
    )
    if not changed:
        return False
    version_check(current=entry.version, loaded=version)
    try:
        _visibility_set(entry, author, visibility)
        for name, value in columns.items():
            setattr(entry, name, value)
        _seal(entry, author, texts)
        entry.edited_at = now or now_utc()
        db.session.flush()  # UPDATE ... WHERE version = the one read: a save in between fails it
    except StaleDataError:
        raise EditConflict from None
    log.info("user %s edited entry %s (%s)", author.id, entry.id, entry.visibility)
    return True


def entry_delete(*, entry: Entry) -> None:
    entry_id, author_id = entry.id, entry.author_id
    db.session.delete(entry)
    db.session.flush()
    log.info("user %s deleted entry %s", author_id, entry_id)


def moment_get(*, scope: Scope, entry_id: int) -> Entry | None:
    """The person's own moment kept a moment ago, for its Undo (`moment_undoable` then
    decides); None when it is gone or not theirs."""
    return db.session.scalar(scope.own(Entry).where(Entry.id == entry_id, Entry.kind == MOMENT))


def moment_undoable(*, entry: Entry, user: User, now: datetime | None = None) -> bool:
    """Whether `user` may still take back this moment with one tap: their own moment,
    kept within UNDO_WINDOW. Later, deleting it goes through its own page."""
    now = now or now_utc()
    return entry.is_moment and entry.author_id == user.id and now - entry.created_at <= UNDO_WINDOW


def moment_undo(*, entry: Entry, user: User, now: datetime | None = None) -> bool:
    """Delete a moment just kept, if `moment_undoable`; False (nothing changed) otherwise."""
    if not moment_undoable(entry=entry, user=user, now=now):
        return False
    entry_delete(entry=entry)
    return True
