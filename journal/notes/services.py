"""Progress notes and sensation maps: writing, reading, sharing, deleting.

Every free-text answer and the whole sensation map are sealed with the
author's own key, bound to the row, field and visibility; changing who sees
a note or a map re-seals what it holds.
"""

import json
import logging
from collections import namedtuple
from dataclasses import dataclass
from datetime import datetime
from functools import cache

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import Integer, Select, bindparam, delete, select
from sqlalchemy.orm import joinedload

from journal.access import PRIVATE, SHARED, Scope, visible_rule
from journal.crypto import DecryptError, cipher, key_given, owner_key_columns, with_owner_keys
from journal.crypto.fields import SealedFields
from journal.extensions import db
from journal.models import Practice, User, now_utc
from journal.models.notes import AREAS, FEELINGS, ProgressNote, SensationMap
from journal.pagination import PER_PAGE, cut_bound, cut_written, page_read
from journal.plan.services import plan_view
from journal.today.services import Prompt, prompt_act

log = logging.getLogger(__name__)

NOTE_TABLE = ProgressNote.__tablename__
MAP_TABLE = SensationMap.__tablename__
TEXT_FIELDS = ("went", "keep", "change")
#: The notes list's order, newest first.
NEWEST = (ProgressNote.created_at, ProgressNote.id)


class NoteError(Exception):
    """A change that can't happen; the message is for the person."""


@dataclass(frozen=True)
class SensationInput:
    """A sensation map as answered: {area: feeling}, only the areas answered."""

    areas: dict[str, str]
    visibility: str = PRIVATE
    for_clinician: bool = False


@dataclass(frozen=True)
class Opened:
    """One sealed value, opened: `readable` is False when it can't be opened any more."""

    value: object = None
    readable: bool = True


# -- sealing ------------------------------------------------------------------------


NOTE_TEXT = SealedFields(NOTE_TABLE, TEXT_FIELDS)
MAP_TEXT = SealedFields(MAP_TABLE, ("areas",))


def _seal_note_field(note: ProgressNote, field: str, text: str | None) -> None:
    NOTE_TEXT.seal_one(note, field, text)


def _open_note_field(note: ProgressNote, field: str) -> Opened:
    try:
        return Opened(NOTE_TEXT.open_one(note, field))
    except DecryptError:
        log.warning("progress note %s: field %s can't be opened", note.id, field)
        return Opened(readable=False)


def _seal_map(sensation_map: SensationMap, areas: dict[str, str]) -> None:
    MAP_TEXT.seal_one(sensation_map, "areas", json.dumps(areas, sort_keys=True))


def map_open(sensation_map: SensationMap, key: AESGCM | None = None) -> Opened:
    """The map's {area: feeling}, or unreadable. With `key`, its author's data key in hand
    (made ready by `journal.crypto.cipher`), else the key is found by its owner."""
    try:
        if key is None:
            text = MAP_TEXT.open_one(sensation_map, "areas")
        else:
            text = MAP_TEXT.open_with(key, sensation_map, "areas")
        areas = json.loads(text)
    except (DecryptError, ValueError):
        log.warning("sensation map %s can't be opened", sensation_map.id)
        return Opened(readable=False)
    return Opened({a: f for a, f in areas.items() if a in AREAS and f in FEELINGS})


def note_open(note: ProgressNote) -> dict[str, Opened]:
    """Each free-text answer of the note, opened."""
    return {field: _open_note_field(note, field) for field in TEXT_FIELDS}


# -- writing ------------------------------------------------------------------------


def note_create(
    *,
    scope: Scope,
    author: User,
    practice: Practice | None = None,
    prompt: Prompt | None = None,
    went: str | None = None,
    comfort: int | None = None,
    keep: str | None = None,
    change: str | None = None,
    pace: str | None = None,
    visibility: str = PRIVATE,
    sensation: SensationInput | None = None,
    now: datetime | None = None,
) -> ProgressNote:
    """Save a note (and its map); when written from a prompt, that prompt is done."""
    now = now or now_utc()
    if prompt is not None:
        practice = prompt.practice
    note = ProgressNote(
        author_id=author.id,
        couple_id=author.couple_id,
        visibility=visibility,
        practice_id=practice.id if practice else None,
        schedule_id=prompt.schedule.id if prompt else None,
        occurrence_at=prompt.occurrence_at if prompt else None,
        stage=plan_view(scope).stage,
        comfort=comfort,
        pace=pace,
        created_at=now,
    )
    db.session.add(note)
    db.session.flush()
    for field, text in zip(TEXT_FIELDS, (went, keep, change)):
        _seal_note_field(note, field, text or None)
    if sensation is not None and sensation.areas:
        sensation_map = SensationMap(
            note_id=note.id,
            author_id=author.id,
            couple_id=author.couple_id,
            visibility=sensation.visibility,
            for_clinician=sensation.for_clinician,
            areas_sealed=b"",
            created_at=now,
        )
        db.session.add(sensation_map)
        db.session.flush()
        _seal_map(sensation_map, sensation.areas)
    if prompt is not None:
        prompt_act(user=author, prompt=prompt, action="done", now=now)
    db.session.flush()
    log.info("user %s wrote progress note %s", author.id, note.id)
    return note


def _check_share(row, scope: Scope, visibility: str) -> None:
    if visibility not in (PRIVATE, SHARED):
        raise NoteError("Please choose who sees it.")
    if visibility == SHARED and (row.couple_id is None or row.couple_id != scope.couple_id):
        raise NoteError("This was written outside your current couple, so it stays yours alone.")


def note_visibility_set(*, scope: Scope, note: ProgressNote, visibility: str) -> None:
    """Share or unshare a note: every sealed answer is re-sealed for its new visibility."""
    _check_share(note, scope, visibility)
    if visibility == note.visibility:
        return
    texts = note_open(note)
    if not all(t.readable for t in texts.values()):
        raise NoteError("This note can't be read any more, so who sees it can't change.")
    note.visibility = visibility
    for field, opened in texts.items():
        _seal_note_field(note, field, opened.value)
    db.session.flush()
    log.info("progress note %s is now %s", note.id, visibility)


def map_visibility_set(*, scope: Scope, sensation_map: SensationMap, visibility: str) -> None:
    """Share or unshare a sensation map, re-sealing it for its new visibility."""
    _check_share(sensation_map, scope, visibility)
    if visibility == sensation_map.visibility:
        return
    opened = map_open(sensation_map)
    if not opened.readable:
        raise NoteError("This map can't be read any more, so who sees it can't change.")
    sensation_map.visibility = visibility
    _seal_map(sensation_map, opened.value)
    db.session.flush()
    log.info("sensation map %s is now %s", sensation_map.id, visibility)


def note_delete(*, note: ProgressNote) -> None:
    """Delete a note and its sensation map."""
    db.session.execute(delete(SensationMap).where(SensationMap.note_id == note.id))
    db.session.delete(note)
    db.session.flush()
    log.info("progress note %s deleted", note.id)


# -- reading ------------------------------------------------------------------------


def notes_visible(scope: Scope):
    """Own notes and the partner's shared ones, newest first, practice loaded (all of
    them, for the export; the list page uses `notes_page`)."""
    return (
        scope.visible(ProgressNote)
        .options(joinedload(ProgressNote.practice))
        .order_by(*(column.desc() for column in NEWEST))
    )


#: The columns a list row reads: what the page shows and what opening its answers needs
#: (id, author and visibility are in each answer's context).
LIST_COLUMNS = (
    "id",
    "author_id",
    "visibility",
    "created_at",
    "comfort",
    "pace",
    "went_sealed",
    "keep_sealed",
    "change_sealed",
)


@cache
def _list_statement(newest: Select, note) -> Select:
    """A page of the history as columns, with the title of each note's practice (`practice`,
    None without one) and its author's wrapped key (`journal.crypto.with_owner_keys`), on a shape of `Scope.newest_shape` (`newest`, selecting `note`),
    built once per process, its cut bound as it runs."""
    columns = [getattr(note, name) for name in LIST_COLUMNS]
    listed = newest.with_only_columns(*columns, Practice.title.label("practice")).outerjoin(
        Practice, Practice.id == note.practice_id
    )
    return cut_bound(with_owner_keys(listed, "user", note.author_id))


@cache
def _columns(names: tuple[str, ...]) -> type:
    """A list row as a named tuple of its columns, its class made once per set of columns:
    a database row looks each name up by attribute (over a microsecond each)."""
    return namedtuple("NoteColumns", names)


def notes_page(scope: Scope, *, page: int):
    """One page of the history, with each note's first answer opened (one statement).
    Its rows are the notes' columns (`LIST_COLUMNS`, attributes named as the note's),
    `practice`: the title of the note's practice, read with the page (None without one),
    and the author's wrapped key (`key_wrapped`, `key_master`)."""

    def read(offset: int, limit: int) -> list:
        newest, note, values = scope.newest_shape(ProgressNote, order_by=NEWEST, first=offset + limit)
        result = db.session.connection().execute(
            _list_statement(newest, note), {**values, "limit": limit, "offset": offset}
        )
        return list(map(_columns(tuple(result.keys()))._make, result.all()))

    pagination = page_read(read, page=page, per_page=PER_PAGE)
    keys: dict = {}
    previews = {}
    for n in pagination.items:
        owner = ("user", n.author_id)
        if owner not in keys:  # each author's key made ready once (None: destroyed)
            key = key_given(owner, n.key_wrapped, n.key_master)
            keys[owner] = None if key is None else cipher(key)
        previews[n.id] = _preview(n, keys[owner])
    return pagination, previews


def _preview(note, key) -> Opened:
    """The note's first answer given, opened with its author's key made ready (None: gone)."""
    for field in TEXT_FIELDS:
        if getattr(note, f"{field}_sealed") is not None:
            try:
                if key is None:
                    raise DecryptError("the data key was destroyed")
                opened = Opened(NOTE_TEXT.open_with(key, note, field))
            except DecryptError:
                log.warning("progress note %s: field %s can't be opened", note.id, field)
                opened = Opened(readable=False)
            if not opened.readable or opened.value:
                return opened
    return Opened(None)


def map_get(scope: Scope, note: ProgressNote) -> SensationMap | None:
    """The note's map, if this person may see it (its visibility is its own)."""
    return db.session.scalar(scope.visible(SensationMap).where(SensationMap.note_id == note.id))


def map_get_own(scope: Scope, note: ProgressNote) -> SensationMap | None:
    """The note's map, if this person wrote it (to change it)."""
    return db.session.scalar(scope.own(SensationMap).where(SensationMap.note_id == note.id))


def note_practice(note: ProgressNote) -> Practice | None:
    """The practice a note is about (readable: the note is, and it names it)."""
    return db.session.get(Practice, note.practice_id) if note.practice_id else None


@dataclass(frozen=True)
class SensationHistory:
    """One person's maps over time: per area, (date, feeling) oldest first."""

    author_id: int
    #: The maps, as rows of the columns `_history_statement` reads.
    maps: list
    by_area: dict[str, list[tuple[datetime, str]]]
    unreadable: int


def sensation_exists(scope: Scope) -> bool:
    """Whether this person may see any sensation map at all."""
    return bool(db.session.scalar(select(scope.visible(SensationMap).exists())))


@cache
def _history_statement(in_couple: bool, since: bool, before: bool, written: bool):
    """The maps a person may see (the rule of `Scope.visible`), in the time asked, oldest
    first: the columns the pages and `map_open` read, and the wrapped data key of each
    map's author (`journal.crypto.owner_key_columns`: no statement of its own), by a
    statement built once per process for each shape, the values bound as it runs
    (building it cost more than reading 24 maps). On PostgreSQL the time asked is written
    into the SQL as it runs (`journal.pagination.cut_written`): as parameters, PostgreSQL
    planned the statement anew on every run."""
    couple = bindparam("couple", type_=Integer) if in_couple else None
    m = SensationMap
    stmt = select(
        m.id, m.note_id, m.author_id, m.couple_id, m.visibility, m.for_clinician, m.areas_sealed, m.created_at
    ).where(visible_rule(m, bindparam("me", type_=Integer), couple))
    if since:
        stmt = stmt.where(m.created_at >= bindparam("since", literal_execute=written))
    if before:
        stmt = stmt.where(m.created_at < bindparam("before", literal_execute=written))
    return stmt.add_columns(*owner_key_columns("user", m.author_id)).order_by(m.created_at, m.id)


def sensation_history(
    scope: Scope, *, since: datetime | None = None, before: datetime | None = None
) -> list[SensationHistory]:
    """The maps this person may see, grouped by author (their own first); with `since`
    and `before`, only those made in that time (read and opened in it alone, so a view
    of some weeks costs the same after two years as after two months)."""
    in_couple = scope.couple_id is not None
    stmt = _history_statement(in_couple, since is not None, before is not None, cut_written())
    values = {"me": scope.user.id, "since": since, "before": before}
    if in_couple:
        values["couple"] = scope.couple_id
    # Columns as named tuples (`_columns`), run on the session's connection: each map's
    # columns are read by name a dozen times, here and in `map_open`.
    result = db.session.connection().execute(stmt, values)
    maps = list(map(_columns(tuple(result.keys()))._make, result.all()))
    # Each author's key, read with the maps: unwrapped and made ready once a request.
    keys = {}
    for m in maps:
        if m.author_id not in keys:
            key = key_given(("user", m.author_id), m.key_wrapped, m.key_master)
            keys[m.author_id] = None if key is None else cipher(key)
    authors = sorted(keys, key=lambda a: a != scope.user.id)
    result = []
    for author_id in authors:
        mine = [m for m in maps if m.author_id == author_id]
        key = keys[author_id]
        by_area: dict[str, list[tuple[datetime, str]]] = {area: [] for area in AREAS}
        unreadable = 0
        for m in mine:
            if key is None:  # the author's key was destroyed: nothing of theirs opens
                log.warning("sensation map %s can't be opened", m.id)
                unreadable += 1
                continue
            opened = map_open(m, key)
            if not opened.readable:
                unreadable += 1
                continue
            for area, feeling in opened.value.items():
                by_area[area].append((m.created_at, feeling))
        result.append(SensationHistory(author_id, mine, {a: v for a, v in by_area.items() if v}, unreadable))
    return result
