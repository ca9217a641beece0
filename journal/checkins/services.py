"""Check-ins: saving and sealing them, who sees what (answers revealed together),
and the care notes a worrying check-in brings to its author."""

import logging
from collections import namedtuple
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from functools import cache
from types import MappingProxyType
from typing import NamedTuple

from sqlalchemy import Integer, Select, and_, bindparam, case, func, insert, not_, null, or_, select
from sqlalchemy.orm import aliased, make_transient_to_detached
from sqlalchemy.orm.attributes import instance_dict

from journal.access import SHARED, Scope, plan_rule, visible_rule
from journal.crypto import DecryptError, cipher, data_key, key_given, keys_preload, with_owner_keys
from journal.crypto.fields import UNREADABLE, SealedFields
from journal.extensions import db
from journal.models import Plan, User, now_utc
from journal.models.checkins import (
    SCORE_FIELDS,
    SEALED_FIELDS,
    WORRYING_BLEEDING,
    CareNotice,
    CheckIn,
)
from journal.pagination import Page, page_read
from journal.plan.services import hold_start
from journal.today.services import Prompt, prompt_act

log = logging.getLogger(__name__)

TABLE = "checkins"
#: With the plan's setting on, answers given together open to the partner after this long.
REVEAL_AFTER = timedelta(hours=48)
#: A care note shows at most once in this period, per condition and person.
NOTICE_EVERY = timedelta(days=7)
LOW_MOOD_DAYS = 14
LOW_MOOD_SCORE = 2
LOW_MOOD_MIN_COUNT = 4
CLINICIAN = "clinician"
LOW_MOOD = "low_mood"
CONDITIONS = (CLINICIAN, LOW_MOOD)
#: Clear columns copied from the form's answers.
CLEAR_FIELDS = (*SCORE_FIELDS, "sleep_hours", "pain", "bleeding", "fever", "boundary")
#: The sealed columns, empty in a new check-in's INSERT.
_SEALED_COLUMNS_ONLY = tuple(f"{name}_sealed" for name in SEALED_FIELDS)


class CheckInError(Exception):
    """A check-in change that can't happen; the message is for the person."""


CHECKIN_TEXT = SealedFields(TABLE, SEALED_FIELDS)


def _owner(checkin: CheckIn):
    return CHECKIN_TEXT.owner(checkin)


def _texts(checkin: CheckIn) -> dict[str, str | None]:
    """The sealed fields opened; DecryptError goes to the caller."""
    return CHECKIN_TEXT.open(checkin)


def _seal(checkin: CheckIn, texts: dict[str, str | None]) -> None:
    CHECKIN_TEXT.seal(checkin, texts)


# -- writing ---------------------------------------------------------------------------


#: A new check-in's INSERT, every column given and its id returned, built once per process.
_INSERT = insert(CheckIn).returning(CheckIn.id)


def checkin_create(
    *,
    author: User,
    answers: dict,
    day: date,
    visibility: str,
    prompt: Prompt | None = None,
    now: datetime | None = None,
) -> CheckIn:
    """Save a check-in, sealed with the author's key; from a prompt, mark it done."""
    together = prompt is not None and prompt.schedule.prompt_user_id is None and author.couple_id is not None
    columns = {
        "author_id": author.id,
        "couple_id": author.couple_id,
        "visibility": visibility,
        "day": day,
        "schedule_id": prompt.schedule.id if prompt else None,
        "occurrence_at": prompt.occurrence_at if prompt else None,
        "together": together,
        "created_at": now or now_utc(),
        **{name: answers.get(name) for name in CLEAR_FIELDS},
        **dict.fromkeys(_SEALED_COLUMNS_ONLY),
    }
    # Inserted on the session's connection and attached as if the ORM had loaded it (the
    # ORM's flush of one new object cost as much as the rest of the POST's own work):
    # what changes it afterwards (its words sealed, its visibility) is written as usual.
    columns["id"] = db.session.connection().execute(_INSERT, columns).scalar_one()
    checkin = CheckIn.__mapper__.class_manager.new_instance()
    instance_dict(checkin).update(columns)
    make_transient_to_detached(checkin)
    db.session.add(checkin)
    # Sealed once the row has its id (bound into each text's context); the INSERT stored
    # every field empty, so only the fields written are sealed (none: no UPDATE).
    written = [name for name in SEALED_FIELDS if answers.get(name)]
    if written:
        CHECKIN_TEXT.seal(checkin, answers, only=written)
    if prompt is not None:
        prompt_act(user=author, prompt=prompt, action="done", now=now)
    db.session.flush()
    log.info("user %s saved check-in %s", author.id, checkin.id)
    return checkin


def checkin_visibility_set(*, checkin: CheckIn, visibility: str) -> None:
    """Share or keep private: every sealed field is sealed again for the new visibility."""
    if visibility == checkin.visibility:
        return
    try:
        texts = _texts(checkin)
    except DecryptError as exc:
        raise CheckInError("This check-in's words can't be read any more, so who sees it can't change.") from exc
    checkin.visibility = visibility
    _seal(checkin, texts)
    db.session.flush()
    log.info("check-in %s is now %s", checkin.id, visibility)


def checkin_delete(*, checkin: CheckIn) -> None:
    db.session.delete(checkin)
    db.session.flush()
    log.info("check-in %s deleted", checkin.id)


def reveal_setting_set(*, scope: Scope, on: bool) -> None:
    """The couple's choice: answers given together open after 48 hours anyway."""
    plan = scope.plan_or_create()
    plan.reveal_after_48h = on
    log.info("plan %s reveal after 48h: %s", plan.id, on)


# -- care notes -------------------------------------------------------------------------


def checkin_needs_clinician_note(checkin: CheckIn) -> bool:
    """Strong pain, a fever, or bleeding that has changed (heavier than before, bright red
    again, large clots, or a bad smell). Light bleeding that is settling is usual for
    weeks after a birth and starts nothing."""
    return checkin.pain == "strong" or checkin.bleeding in WORRYING_BLEEDING or bool(checkin.fever)


def checkin_last_reported_health(*, author: User) -> bool:
    """Whether the author's latest check-in reported pain, bleeding or a fever: then the
    next check-in form opens with those questions showing (never folded away)."""
    last = db.session.execute(
        select(CheckIn.pain, CheckIn.bleeding, CheckIn.fever)
        .where(CheckIn.author_id == author.id)
        .order_by(CheckIn.created_at.desc(), CheckIn.id.desc())
        .limit(1)
    ).first()
    return last is not None and (last.pain not in (None, "none") or bool(last.bleeding) or bool(last.fever))


def _low_mood_pattern(*, user: User, today: date) -> bool:
    """A low mood on most check-ins (more than half, and at least 4) over the last 14 days."""
    total, low = db.session.execute(
        select(func.count(), func.coalesce(func.sum(case((CheckIn.mood <= LOW_MOOD_SCORE, 1), else_=0)), 0)).where(
            CheckIn.author_id == user.id,
            CheckIn.mood.is_not(None),
            CheckIn.day > today - timedelta(days=LOW_MOOD_DAYS),
            CheckIn.day <= today,
        )
    ).one()
    return low >= LOW_MOOD_MIN_COUNT and low * 2 > total


def care_notes_issue(*, scope: Scope, checkin: CheckIn, today: date, now: datetime | None = None) -> list[str]:
    """What a new check-in means for its author: a hold on touch practices after strong
    pain, bleeding that has changed or a fever, and the care notes to show now (each at most once a week)."""
    now = now or now_utc()
    user = scope.user
    conditions = []
    if checkin_needs_clinician_note(checkin):
        hold_start(plan=scope.plan_or_create(), user=user)
        conditions.append(CLINICIAN)
    if checkin.mood is not None and checkin.mood <= LOW_MOOD_SCORE and _low_mood_pattern(user=user, today=today):
        conditions.append(LOW_MOOD)
    if not conditions:
        return []
    recent = set(
        db.session.scalars(
            select(CareNotice.condition).where(
                CareNotice.user_id == user.id,
                CareNotice.condition.in_(conditions),
                CareNotice.shown_at > now - NOTICE_EVERY,
            )
        )
    )
    due = [c for c in conditions if c not in recent]
    for condition in due:
        db.session.add(CareNotice(user_id=user.id, condition=condition, shown_at=now))
    db.session.flush()
    if due:
        log.info("user %s shown care notes %s", user.id, ",".join(due))
    return due


# -- reading -----------------------------------------------------------------------------


#: The check-ins list's order: newest day first.
NEWEST = (CheckIn.day, CheckIn.created_at, CheckIn.id)


def checkins_visible_to(scope: Scope) -> Select:
    """This person's check-ins and the partner's shared ones, newest day first (all of
    them: for the export and, unordered, for aggregates; a list page uses `checkins_page`)."""
    return scope.visible(CheckIn).order_by(*(column.desc() for column in NEWEST))


def checkins_newest(scope: Scope, *, first: int) -> Select:
    """The `first` newest check-ins this person may see, cut per branch of the rule."""
    stmt, _ = scope.newest_visible(CheckIn, order_by=NEWEST, first=first)
    return stmt


#: The columns a list's card and its view read (`checkin_views`, `checkin_cards`): not
#: `created_at` nor `occurrence_at` (the reveal rule reads them in SQL, by id), whose
#: times cost more to read than the rest of the row.
LIST_COLUMNS = (
    "id",
    "author_id",
    "couple_id",
    "visibility",
    "day",
    *SCORE_FIELDS,
    "sleep_hours",
    "pain",
    "bleeding",
    "fever",
    "boundary",
    "boundary_note_sealed",
    "note_sealed",
    "schedule_id",
    "together",
)
#: A list's row: `LIST_COLUMNS`, then whether the reveal rule opens its answers to both
#: (`_open_to_both`, asked of every row), the couple's reveal setting (`_REVEAL_SETTING`)
#: and its author's wrapped key (`journal.crypto.with_owner_keys`), read with the rows
#: rather than in statements of their own. A named tuple: a database row looks each name
#: up by attribute (over a microsecond each, and a card reads about thirty; profiles miss
#: it, as it runs in compiled code), a named tuple reads it by position.
CheckInColumns = namedtuple(
    "CheckInColumns", (*LIST_COLUMNS, "open_to_both", "reveal_after_48h", "key_wrapped", "key_master")
)

#: The couple's choice to open answers given together after 48 hours (`plan_rule`: the
#: plan of the couple bound as `couple`), None without a plan.
_REVEAL_SETTING = select(Plan.reveal_after_48h).where(plan_rule(True)).scalar_subquery()


def checkins_page(scope: Scope, *, page: int | None, per_page: int, now: datetime | None = None) -> Page:
    """One page of the check-ins list, newest day first (one statement at any size, built
    once per process), as `CheckInColumns` (`checkin_views` reads either those or
    `CheckIn` objects). In a couple, the statement asks the reveal rule with the couple's
    setting as stored, and reads the setting with the rows for the scope
    (`Scope.plan_setting`): a statement of its own was a round trip."""
    in_couple = scope.couple_id is not None
    if in_couple and scope.plan_known:
        db.session.flush()  # the plan this request loaded may hold a change to the setting
    reveal_before = (now or now_utc()) - REVEAL_AFTER

    def read(offset: int, limit: int) -> list:
        stmt, row, values = scope.newest_page(CheckIn, order_by=NEWEST, offset=offset, limit=limit)
        listed = _listed(stmt, row, in_couple)
        rows = db.session.connection().execute(listed, {**values, "reveal_before": reveal_before}).all()
        if rows and in_couple:
            scope.plan_setting_read("reveal_after_48h", rows[0].reveal_after_48h)
        return list(map(CheckInColumns._make, rows))

    return page_read(read, page=page, per_page=per_page)


@cache
def _listed(stmt: Select, row, in_couple: bool) -> Select:
    """`stmt` (a list's statement, one per shape and process) reading `CheckInColumns`:
    `LIST_COLUMNS`, the reveal rule's answer and the couple's reveal setting (both
    None outside a couple, where nothing waits for a partner), and the author's wrapped key."""
    columns = [getattr(row, name) for name in LIST_COLUMNS]
    if in_couple:
        revealed = _open_to_both(_reveal_param(), row, chosen=_REVEAL_SETTING.is_(True))
        setting = _REVEAL_SETTING
    else:
        revealed = setting = null()
    extra = (revealed.label("open_to_both"), setting.label("reveal_after_48h"))
    return with_owner_keys(stmt.with_only_columns(*columns, *extra), "user", row.author_id)


class CheckInView(NamedTuple):
    """A check-in as one viewer may see it. `checkin` is a `CheckIn`, or a row of the
    columns a list reads (`checkins_page`). A page words it as a card
    (`journal.checkins.cards`)."""

    checkin: CheckIn
    mine: bool
    #: The partner answered a prompt for you both, and their answers open once you've answered too.
    answered_only: bool
    #: The viewer's own answers to a prompt for you both, not yet open to the partner.
    waiting: bool
    note: str | None
    boundary_note: str | None


def _pending(scope: Scope, checkin: CheckIn) -> bool:
    """Shared from a prompt for both partners of the viewer's current couple."""
    return (
        checkin.together
        and checkin.visibility == SHARED
        and scope.couple_id is not None
        and checkin.couple_id == scope.couple_id
    )


#: The partner's answer in the reveal rule: one alias for every statement (each new alias
#: made a column object for each of the table's columns, on every view that counts).
_OTHER = aliased(CheckIn)


def _open_to_both(reveal_before, checkin=CheckIn, *, chosen=None):
    """The reveal rule as SQL, for the `checkin` row in the query (`CheckIn`, or the
    alias a list selects): the other partner's answer to the same occurrence (same
    schedule, same occurrence time, same couple) is shared too, or (when `reveal_before`
    is given: the couple chose to open answers after 48 hours) the answer was written
    before it. `chosen`, when given, is that choice as SQL read in the same statement
    (the check-ins list reads the couple's setting with its rows), and the 48 hours count
    only where it holds. The partner's answer is looked up through
    `ix_checkins_schedule_id_occurrence_at_couple_id`, so the cost follows the page,
    never the couple's history."""
    other = _OTHER
    answered_too = (
        select(other.id)
        .where(
            other.schedule_id == checkin.schedule_id,
            other.occurrence_at == checkin.occurrence_at,
            other.couple_id == checkin.couple_id,
            other.visibility == SHARED,
            other.author_id != checkin.author_id,
            other.together.is_(True),
        )
        .exists()
    )
    if reveal_before is None:
        return answered_too
    waited = checkin.created_at <= reveal_before
    return or_(answered_too, waited if chosen is None else and_(waited, chosen))


def _reveal_param():
    """`reveal_before` left as a bound parameter, for a statement built once per process."""
    return bindparam("reveal_before", type_=CheckIn.created_at.type)


def _reveal_values(reveal_before: datetime | None) -> dict:
    """The values a statement built with `_reveal_param` runs with (none without it)."""
    return {} if reveal_before is None else {"reveal_before": reveal_before}


def _reveal_before(scope: Scope, now: datetime) -> datetime | None:
    after_48h = bool(scope.plan_setting("reveal_after_48h"))
    return now - REVEAL_AFTER if after_48h else None


def checkins_open_to_both(*, ids: list[int], reveal_before: datetime | None = None) -> Select:
    """Of the answers-given-together `ids`, those open to both partners."""
    return _open_to_both_shape(reveal_before is not None).params(_open_to_both_values(ids, reveal_before))


@cache
def _open_to_both_shape(after_48h: bool) -> Select:
    """`checkins_open_to_both` with its values left as bound parameters (`ids`, and
    `reveal_before` when the couple opens answers after 48 hours), built once per
    process: building the statement cost ten times running it. A page runs it with its
    values (`_revealed`) rather than copying it with them."""
    reveal_before = _reveal_param() if after_48h else None
    return select(CheckIn.id).where(CheckIn.id.in_(bindparam("ids", expanding=True)), _open_to_both(reveal_before))


def _open_to_both_values(ids: list[int], reveal_before: datetime | None) -> dict:
    return {"ids": ids, **_reveal_values(reveal_before)}


def checkins_open_to(scope: Scope, *, now: datetime | None = None) -> tuple[Select, dict]:
    """The check-ins whose answers this viewer may see and count: their own, and the
    partner's shared ones that are open to them (the same rule as `checkin_views`, in
    SQL, for aggregates: progress charts, sentences, the clinician summary).

    Returns a `select(CheckIn)`, unordered, to filter further, with the viewer's values
    left as bound parameters (`me`, `couple`, `reveal_before`), and those values, to
    run it (or a statement built on it) with. The statement is one object per shape for
    the whole process, so a caller can build its own statement on it once too
    (`journal.progress.queries`): building them cost more than running them."""
    in_couple = scope.couple_id is not None
    reveal_before = _reveal_before(scope, now or now_utc()) if in_couple else None
    values = {"me": scope.user.id, "couple": scope.couple_id, "reveal_before": reveal_before}
    return _open_to_shape(in_couple, reveal_before is not None), values


@cache
def _open_to_shape(in_couple: bool, after_48h: bool) -> Select:
    me = bindparam("me", type_=Integer)
    couple = bindparam("couple", type_=Integer) if in_couple else None
    visible = select(CheckIn).where(visible_rule(CheckIn, me, couple))
    if not in_couple:
        return visible
    waiting = and_(
        CheckIn.author_id != me,
        CheckIn.together.is_(True),
        CheckIn.visibility == SHARED,
        CheckIn.couple_id == couple,
        not_(_open_to_both(_reveal_param() if after_48h else None)),
    )
    return visible.where(not_(waiting))


def _revealed(scope: Scope, checkins: list, pending: set[int], now: datetime) -> set[int]:
    """Of the `pending` ids (answers given together), those open to both: as a list's
    rows say (`checkins_page` asks the rule with them), else in one statement."""
    if not pending:
        return set()
    if type(checkins[0]) is CheckInColumns:
        return {c.id for c in checkins if c.open_to_both and c.id in pending}
    reveal_before = _reveal_before(scope, now)
    values = _open_to_both_values(sorted(pending), reveal_before)
    # Ids, never objects: run on the session's connection, without the ORM's execution path.
    return set(db.session.connection().execute(_open_to_both_shape(reveal_before is not None), values).scalars())


#: The texts of a check-in whose answers the viewer may not read yet.
_NO_TEXTS = MappingProxyType(dict.fromkeys(SEALED_FIELDS))
#: Each sealed field with its column's name.
_SEALED_COLUMNS = tuple((field, f"{field}_sealed") for field in SEALED_FIELDS)


def _shown_texts(checkin: CheckIn, key) -> Mapping[str, str | None]:
    """The sealed fields that hold something, opened with the author's data key made
    ready (`journal.crypto.cipher`; None when it is gone); if one can't be opened, each
    says so."""
    sealed = [field for field, column in _SEALED_COLUMNS if getattr(checkin, column) is not None]
    if not sealed:
        return _NO_TEXTS
    try:
        if key is None:
            raise DecryptError("the data key was destroyed")
        return {**_NO_TEXTS, **{name: CHECKIN_TEXT.open_with(key, checkin, name) for name in sealed}}
    except DecryptError:
        log.warning("check-in %s can't be opened", checkin.id)
        return {**_NO_TEXTS, **dict.fromkeys(sealed, UNREADABLE)}


def _keys(checkins: list, hidden: set[int]) -> dict:
    """The data keys of the authors whose answers are shown (none of a hidden card's),
    each made ready once to open their texts (None: destroyed): read with a list's rows
    (`CheckInColumns`), else in one statement."""
    shown = [c for c in checkins if c.id not in hidden]
    if shown and type(shown[0]) is CheckInColumns:
        keys = {}
        for c in shown:
            owner = _owner(c)
            if owner not in keys:
                keys[owner] = key_given(owner, c.key_wrapped, c.key_master)
    else:
        owners = {_owner(c) for c in shown}
        keys_preload(owners)
        keys = {owner: data_key(owner) for owner in owners}
    return {owner: None if key is None else cipher(key) for owner, key in keys.items()}


def checkin_views(scope: Scope, checkins: list[CheckIn], *, now: datetime | None = None) -> list[CheckInView]:
    """What the viewer sees of each check-in, with the notes opened (a fixed number of
    statements whatever the count, none for a list's rows); the texts of a card whose
    answers are hidden are never opened."""
    me = scope.user.id
    pending = {c.id for c in checkins if _pending(scope, c)}
    closed = pending - _revealed(scope, checkins, pending, now or now_utc())
    hidden = {c.id for c in checkins if c.id in closed and c.author_id != me}
    keys = _keys(checkins, hidden)
    views = []
    for c in checkins:
        mine = c.author_id == me
        texts = _NO_TEXTS if c.id in hidden else _shown_texts(c, keys[_owner(c)])
        views.append(
            CheckInView(c, mine, c.id in hidden, mine and c.id in closed, texts["note"], texts["boundary_note"])
        )
    return views
