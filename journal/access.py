"""The one access helper every data query goes through.

Rules: a private row is seen by its author only; a shared row by both partners
of the couple it was written in, while both are still in that couple; nothing
is ever seen across couples. Anything missing or not yours is a 404, so the
existence of another couple's row is never revealed.

Models that hold a person's writing carry `author_id`, `couple_id` (the couple at
the time of writing, NULL when written alone) and `visibility`. Models a couple
owns together carry `couple_id`.
"""

from functools import cache
from typing import Any, NamedTuple

from flask import abort, g
from flask_login import current_user
from sqlalchemy import Integer, Select, and_, bindparam, false, or_, select, union_all
from sqlalchemy.orm import aliased

from journal.crypto import with_owner_keys
from journal.extensions import db
from journal.models import Plan, User
from journal.pagination import cut_bound, cut_param, cut_written

_UNLOADED = object()


def plan_rule(in_couple: bool):
    """Which plan is a person's: their couple's (the bound parameter `couple`), or their own
    while single (`person`); `Scope.plan_values` gives the values."""
    if in_couple:
        return Plan.couple_id == bindparam("couple", type_=Integer)
    return Plan.owner_id == bindparam("person", type_=Integer)


# Statements nearly every page runs, built once per process with their values bound as they
# run (building one cost about as much as running it).
_PLAN_OF_COUPLE = select(Plan).where(plan_rule(True))
_PLAN_OF_PERSON = select(Plan).where(plan_rule(False))


@cache
def _plan_setting_statement(name: str, in_couple: bool) -> Select:
    """One column of a person's plan (`plan_rule`), built once per process for each."""
    return select(getattr(Plan, name)).where(plan_rule(in_couple))


def partner_rule(partner, me, couple):
    """The rule of `Scope.partner`: `partner` (User, or an alias of it) is the other member
    of `couple`, the couple of `me`. `me` and `couple` are values, bound parameters, or the
    columns of the person's own row (the session's load reads the partner with the person:
    journal.auth.sessions)."""
    return and_(partner.couple_id == couple, partner.id != me)


_PARTNER = select(User.id, User.display_name).where(
    partner_rule(User, bindparam("me", type_=Integer), bindparam("couple", type_=Integer))
)

#: `Scope.newest_visible(whose=...)`: the person's own rows, or the partner's shared ones.
ME = "me"
PARTNER = "partner"

PRIVATE = "private"
SHARED = "shared"
VISIBILITIES = (PRIVATE, SHARED)
#: The words for who sees something, the same on every form (check-ins, journal, notes).
JUST_ME = "Just me"


def visibility_words(partner_name: str | None = None, *, together: bool = False) -> dict[str, str]:
    """The two "who sees it" choices, worded once for every form: "Just me", and sharing
    with the partner (by name when known; for a prompt sent to both partners, said as
    the reveal works: the answers open once the partner has answered too)."""
    partner = partner_name or "my partner"
    if together and partner_name:
        return {PRIVATE: JUST_ME, SHARED: f"Share with {partner_name} once they've answered too"}
    return {PRIVATE: JUST_ME, SHARED: f"Me and {partner}"}


class Partner(NamedTuple):
    """The other member of a couple as pages name them: read as columns, nothing loaded
    (a write that needs the person loads them by `id`)."""

    id: int
    display_name: str


class Scope:
    """What one user may read and change."""

    def __init__(self, user: User):
        self.user = user
        self.couple_id = user.couple_id
        self._plan = _UNLOADED
        self._plan_id = _UNLOADED
        self._plan_settings: dict[str, Any] = {}

    @classmethod
    def as_single(cls, user: User) -> "Scope":
        """The person as if they were single: their own plan-of-one (kept while they are in a
        couple, for if they are ever single again) and their own rows only. The export reads
        the kept plan through it; it sees nothing of a couple, so it can only see less."""
        scope = cls(user)
        scope.couple_id = None
        return scope

    # -- the plan this user acts on: their couple's, or their own while single
    @property
    def plan(self) -> Plan | None:
        """The current plan, or None if none was made yet (reads never create one)."""
        if self._plan is _UNLOADED:
            stmt = _PLAN_OF_COUPLE if self.couple_id else _PLAN_OF_PERSON
            self._plan = db.session.scalar(stmt, self.plan_values())
        return self._plan

    def plan_values(self) -> dict:
        """The values of `plan_rule` for this person."""
        return {"couple": self.couple_id} if self.couple_id else {"person": self.user.id}

    @property
    def plan_known(self) -> bool:
        """Whether the plan was loaded in this request already."""
        return self._plan is not _UNLOADED

    @property
    def plan_id(self) -> int | None:
        """The plan's id, None while there is none: as `plan_id_found` was told, when the
        plan wasn't loaded (pages that only read it load no object), else the plan's."""
        if self._plan is _UNLOADED and self._plan_id is not _UNLOADED:
            return self._plan_id
        plan = self.plan
        return None if plan is None else plan.id

    def plan_id_found(self, plan_id: int | None) -> None:
        """The plan's id, as a statement read it by `plan_rule` with `plan_values`
        (`plan.services.plan_view` reads the plan's columns with its pauses)."""
        self._plan_id = plan_id

    def plan_setting(self, name: str):
        """One of the plan's columns (None while there is no plan): the plan's own when this
        request loaded it (it holds the request's changes), else that column alone, read by
        `plan_rule` on the session's connection once a request. The check-ins list needs
        nothing else of the plan, and loading it cost a tenth of that page."""
        if self.plan_known:
            return None if self.plan is None else getattr(self.plan, name)
        if name not in self._plan_settings:
            statement = _plan_setting_statement(name, self.couple_id is not None)
            self._plan_settings[name] = db.session.connection().execute(statement, self.plan_values()).scalar()
        return self._plan_settings[name]

    def plan_setting_read(self, name: str, value) -> None:
        """One of the plan's columns as a statement of the request read it (by `plan_rule`
        with `plan_values`), for `plan_setting` to give rather than read it again."""
        self._plan_settings[name] = value

    def plan_or_create(self) -> Plan:
        """The current plan, made on first write. The zone starts as the user's own."""
        if self.plan is None:
            plan = Plan(
                couple_id=self.couple_id, owner_id=None if self.couple_id else self.user.id, timezone=self.user.timezone
            )
            db.session.add(plan)
            db.session.flush()
            self._plan = plan
        return self._plan

    def in_plan(self, model) -> Select:
        """Rows of `model` that belong to this user's current plan."""
        if self.plan_id is None:
            return select(model).where(false())
        return select(model).where(model.plan_id == self.plan_id)

    def get_in_plan_or_404(self, model, row_id):
        return _one_or_404(self.in_plan(model).where(model.id == row_id))

    # -- selectors: each returns a Select so callers can filter, order, paginate
    def visible_clause(self, model):
        return visible_rule(model, self.user.id, self.couple_id)

    def visible(self, model) -> Select:
        """Rows of `model` this user may read."""
        return select(model).where(self.visible_clause(model))

    def newest_visible(
        self, model, *, order_by, first: int, where: dict | None = None, whose: str | None = None
    ) -> tuple[Select, Any]:
        """The `first` newest rows of `model` this user may read (the rule of `visible`),
        newest first by `order_by` (columns compared descending, ending with the id).
        Returns the statement and the entity it selects (an alias of `model`: joins and
        loader options name its attributes).

        For lists, whose cost must not grow with a couple's history. The rule is read
        as its two branches rather than an OR: the user's own rows, and the rows shared
        in the current couple. Each branch is ordered and cut to `first` rows in the
        database through its own index (`ix_<table>_author_id_...`,
        `ix_<table>_couple_id_visibility_...`), then merged with UNION ALL. The user's
        own shared rows are in both cuts: the shared cut drops them after it is cut,
        as the own cut holds every one of them that can be among the newest `first`
        (a row among the newest `first` visible is among the newest `first` of each
        branch it belongs to). So a page reads at most 2 x `first` index entries,
        however long the history and however little either partner shares.

        `where` ({column name: value}) filters both branches by equality before they
        are cut: a filter added to the statement returned would apply after the cut and
        lose rows. `whose` (ME or PARTNER) keeps one branch (the partner's: the shared
        one, without the user's rows). Ask for offset + page + 1 rows, then limit and
        offset the statement returned (`journal.pagination.page_of` does).

        Building this statement costs about 2 ms of Python (two subqueries, a union and
        an alias), ten times what running it costs: each shape is built once per
        process with bound parameters (`_newest_shape`), and only the values change."""
        stmt, row, values = self.newest_shape(model, order_by=order_by, first=first, where=where, whose=whose)
        return stmt.params(values), row

    def newest_page(
        self, model, *, order_by, offset: int, limit: int, where: dict | None = None, whose: str | None = None
    ) -> tuple[Select, Any, dict]:
        """Rows `offset` to `offset + limit` of `newest_visible`, as a statement built once
        per process for each shape, its cut bound as well, the entity it selects, and the
        values to run it with: `db.session.connection().execute(stmt, values)` gives rows of
        the model's columns, nothing loaded (for a list that only shows them), and
        `db.session.scalars(stmt, values)` the objects. `journal.pagination.page_read` asks
        for `limit` = a page and one more."""
        stmt, row, values = self.newest_shape(model, order_by=order_by, first=offset + limit, where=where, whose=whose)
        return cut_bound(stmt), row, {**values, "limit": limit, "offset": offset}

    def newest_shape(
        self, model, *, order_by, first: int, where: dict | None = None, whose: str | None = None
    ) -> tuple[Select, Any, dict]:
        """`newest_visible` as its shape (one statement object per shape and process, its
        values left as bound parameters), the entity it selects, and this user's values for
        it: for a list that builds its own statement on the shape once per process (keyed
        by the shape) and runs it with these values."""
        where = where or {}
        keys = tuple(column.key for column in order_by)
        if keys[-1] != "id":
            raise ValueError("order_by must end with the id, so the order is total")
        in_couple = self.couple_id is not None
        stmt, row = _newest_shape(model, keys, tuple(sorted(where)), whose, in_couple, cut_written())
        values = {"me": self.user.id, "first": first, **{f"where_{k}": v for k, v in where.items()}}
        if in_couple:
            values["couple"] = self.couple_id
        return stmt, row, values

    def own(self, model) -> Select:
        """Rows of `model` this user wrote (the only ones they may edit or delete)."""
        return select(model).where(model.author_id == self.user.id)

    def couple_owned(self, model) -> Select:
        """Rows of `model` that belong to this user's current couple."""
        if self.couple_id is None:
            return select(model).where(false())
        return select(model).where(model.couple_id == self.couple_id)

    # -- load-and-authorise: the row, or 404
    def get_visible_or_404(self, model, row_id):
        return _one_or_404(_visible_one(model, self.couple_id is not None), self._visible_one_values(row_id))

    def get_visible_with_key_or_404(self, model, row_id):
        """`get_visible_or_404` for a page that only shows a row sealed with its author's
        key: the row's columns (the table's, in its order; nothing loaded), then its
        author's wrapped key, `key_wrapped` and `key_master` (None when the author has
        none), read in one statement (`journal.crypto.with_owner_keys`)."""
        stmt = _visible_one_with_key(model, self.couple_id is not None)
        found = db.session.connection().execute(stmt, self._visible_one_values(row_id)).first()
        if found is None:
            abort(404)
        return found

    def _visible_one_values(self, row_id) -> dict:
        values = {"me": self.user.id, "row_id": row_id}
        if self.couple_id is not None:
            values["couple"] = self.couple_id
        return values

    def get_own_or_404(self, model, row_id):
        return _one_or_404(self.own(model).where(model.id == row_id))

    def get_couple_owned_or_404(self, model, row_id):
        return _one_or_404(self.couple_owned(model).where(model.id == row_id))

    # -- people
    def partner(self) -> Partner | None:
        """The other member of this user's couple, or None: read with the person at the
        start of the request (`User.partner_loaded`, the couple it was read for and the
        partner), else on the session's connection each time it is asked. Nothing is kept
        past the request."""
        if self.couple_id is None:
            return None
        loaded = getattr(self.user, "partner_loaded", None)
        if loaded is not None and loaded[0] == self.couple_id:  # the couple hasn't changed since
            return loaded[1]
        row = db.session.connection().execute(_PARTNER, {"couple": self.couple_id, "me": self.user.id}).first()
        return None if row is None else Partner(*row)


def visible_rule(model, me, couple):
    """The rule of `Scope.visible`: rows of `model` that `me` wrote, or that were shared
    in `couple` (None: `me` is in no couple). `me` and `couple` are values, or bound
    parameters for a statement built once per process and run with each viewer's values."""
    if couple is None:
        return _written_by(model, me)
    return or_(_written_by(model, me), _shared_in(model, couple))


def _written_by(model, me):
    """The first branch of the rule: rows `me` wrote."""
    return model.author_id == me


def _shared_in(model, couple):
    """The second branch of the rule: rows shared in `couple`."""
    return and_(model.visibility == SHARED, model.couple_id == couple)


@cache
def _newest_shape(
    model, keys: tuple[str, ...], where: tuple[str, ...], whose: str | None, in_couple: bool, written: bool
) -> tuple[Select, Any]:
    """The statement of `Scope.newest_visible` for one shape, with the values left as
    bound parameters: `me`, `couple`, `first` and `where_<column>` (`first` written into
    the SQL as it runs when `written`: `journal.pagination.cut_written`)."""
    me = bindparam("me", type_=Integer)
    # A parameter, so the statement is compiled once (a number in the statement made a new
    # statement, compiled again on every run). Planned without its value (a generic plan
    # of PostgreSQL's), each branch is still an index scan cut by its Limit
    # (tests/test_newest_lists.py).
    first = cut_param("first", written=written)
    order_by = [getattr(model, key) for key in keys]
    filters = [getattr(model, key) == bindparam(f"where_{key}") for key in where]
    own = _written_by(model, me)
    shared = _shared_in(model, bindparam("couple", type_=Integer))

    def cut(branch):
        return select(model).where(branch, *filters).order_by(*(c.desc() for c in order_by)).limit(first).subquery()

    if not in_couple:
        shared = false()
    if whose == ME:
        merged = cut(own)
    elif whose == PARTNER:
        merged = cut(and_(shared, ~own))
    elif not in_couple:
        merged = cut(own)
    else:  # a UNION's members take ORDER BY and LIMIT only inside a subquery (SQLite)
        shared_cut = cut(shared)
        merged = union_all(select(cut(own)), select(shared_cut).where(shared_cut.c.author_id != me)).subquery()
    row = aliased(model, merged, name="newest")
    return select(row).order_by(*(getattr(row, key).desc() for key in keys)).limit(first), row


@cache
def _visible_one(model, in_couple: bool) -> Select:
    """`Scope.get_visible_or_404`'s statement for one shape, built once per process (building
    it and its cache key cost about as much as running it): the row whose id is `row_id`, if
    the rule of `visible` lets `me` (in `couple`) read it."""
    couple = bindparam("couple", type_=Integer) if in_couple else None
    rule = visible_rule(model, bindparam("me", type_=Integer), couple)
    return select(model).where(rule, model.id == bindparam("row_id", type_=Integer))


@cache
def _visible_one_with_key(model, in_couple: bool) -> Select:
    """`_visible_one` as the table's columns, with the wrapped data key of the row's author,
    built once per process."""
    columns = _visible_one(model, in_couple).with_only_columns(*model.__table__.columns)
    return with_owner_keys(columns, "user", model.author_id)


def _one_or_404(stmt, values=None):
    row = db.session.scalar(stmt, values)
    if row is None:
        abort(404)
    return row


def scope() -> Scope:
    """The scope of the logged-in user, made once per request (`g` read itself, not
    through its proxy: pages ask for the scope many times)."""
    here, user = g._get_current_object(), current_user._get_current_object()
    found = here.get("scope")
    if found is None or found.user is not user:
        found = here.scope = Scope(user)
    return found
