"""The one access helper: private = author only, shared = both partners, nothing across couples."""

import pytest
from sqlalchemy import String, select
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from werkzeug.exceptions import NotFound

from journal.access import PRIVATE, SHARED, Scope
from journal.couple.services import couple_leave
from journal.crypto import data_key, user_owner
from journal.extensions import db
from journal.models.keys import DataKey
from journal.testing import make_couple, make_user


class _Scratch(DeclarativeBase):
    """A throwaway table shaped like every written row (kept out of the app's metadata)."""


class Note(_Scratch):
    __tablename__ = "scratch_notes"
    id: Mapped[int] = mapped_column(primary_key=True)
    author_id: Mapped[int]
    couple_id: Mapped[int | None]
    visibility: Mapped[str] = mapped_column(String(10))
    text: Mapped[str] = mapped_column(String(50))


@pytest.fixture
def people(app):
    ana, bo = make_user(display_name="Ana"), make_user(display_name="Bo")
    cy, di = make_user(display_name="Cy"), make_user(display_name="Di")
    solo = make_user(display_name="Solo")
    make_couple(ana, bo)
    make_couple(cy, di)
    Note.__table__.create(db.engine, checkfirst=True)
    yield {"ana": ana, "bo": bo, "cy": cy, "di": di, "solo": solo}
    db.session.rollback()
    Note.__table__.drop(db.engine)


def write(author, visibility, text):
    note = Note(author_id=author.id, couple_id=author.couple_id, visibility=visibility, text=text)
    db.session.add(note)
    db.session.commit()
    return note


def seen_by(user):
    return sorted(n.text for n in db.session.scalars(Scope(user).visible(Note)))


def test_visibility_rules(people):
    ana, bo, cy, solo = people["ana"], people["bo"], people["cy"], people["solo"]
    write(ana, PRIVATE, "ana private")
    write(ana, SHARED, "ana shared")
    write(bo, SHARED, "bo shared")
    write(cy, SHARED, "cy shared")
    write(solo, SHARED, "solo shared")
    assert seen_by(ana) == ["ana private", "ana shared", "bo shared"]
    assert seen_by(bo) == ["ana shared", "bo shared"]
    assert seen_by(cy) == ["cy shared"]
    assert seen_by(solo) == ["solo shared"]


def test_loaders_answer_404_for_anything_not_yours(people):
    ana, bo, cy = people["ana"], people["bo"], people["cy"]
    private = write(ana, PRIVATE, "ana private")
    shared = write(ana, SHARED, "ana shared")
    assert Scope(ana).get_own_or_404(Note, private.id).text == "ana private"
    assert Scope(bo).get_visible_or_404(Note, shared.id).text == "ana shared"
    with pytest.raises(NotFound):
        Scope(bo).get_visible_or_404(Note, private.id)
    with pytest.raises(NotFound):
        Scope(bo).get_own_or_404(Note, shared.id), "partners read shared rows but never edit them"
    with pytest.raises(NotFound):
        Scope(cy).get_visible_or_404(Note, shared.id)
    with pytest.raises(NotFound):
        Scope(ana).get_visible_or_404(Note, 999_999)


def test_the_loader_that_reads_the_authors_key_answers_as_the_plain_one(people):
    """`get_visible_with_key_or_404` (a page that opens the row: the entry page) lets
    exactly whom `get_visible_or_404` lets read the row, 404 for everyone else, and reads
    the row's columns and the author's wrapped key with them (None while the author has
    none)."""
    ana, bo, cy, solo = people["ana"], people["bo"], people["cy"], people["solo"]
    private, shared = write(ana, PRIVATE, "ana private"), write(ana, SHARED, "ana shared")
    keyless = write(bo, SHARED, "bo shared")
    data_key(user_owner(ana), create=True)
    db.session.commit()
    stored = db.session.scalar(select(DataKey).where(DataKey.owner_type == "user", DataKey.owner_id == ana.id))

    def answer(load, viewer, row_id):
        try:
            return load(Scope(viewer), row_id)
        except NotFound:
            return None

    for viewer in (ana, bo, cy, solo):
        for row_id in (private.id, shared.id, keyless.id, 999_999):
            plain = answer(lambda s, i: s.get_visible_or_404(Note, i), viewer, row_id)
            keyed = answer(lambda s, i: s.get_visible_with_key_or_404(Note, i), viewer, row_id)
            assert (keyed is None) == (plain is None), (viewer.display_name, row_id)
            if keyed is not None:
                *columns, wrapped, master = keyed
                assert columns == [getattr(plain, column.key) for column in Note.__table__.columns]
                if plain.author_id == ana.id:
                    assert (wrapped, master) == (stored.wrapped, stored.master_key_id)
                else:
                    assert (wrapped, master) == (None, None)
    assert answer(lambda s, i: s.get_visible_with_key_or_404(Note, i), bo, private.id) is None


def test_leaving_the_couple_hides_everything_shared_in_it(people):
    ana, bo = people["ana"], people["bo"]
    write(ana, SHARED, "ana shared")
    write(bo, SHARED, "bo shared")
    couple_leave(user=ana)
    db.session.commit()
    db.session.refresh(bo)
    assert seen_by(ana) == ["ana shared"]
    assert seen_by(bo) == ["bo shared"]


def test_partner_and_couple_rows(people):
    ana, bo, solo = people["ana"], people["bo"], people["solo"]
    assert Scope(ana).partner().id == bo.id
    assert Scope(solo).partner() is None
    write(ana, SHARED, "x")
    assert db.session.scalars(Scope(solo).couple_owned(Note)).all() == []
    assert len(db.session.scalars(Scope(bo).couple_owned(Note)).all()) == 1


def test_the_partner_read_with_the_session_is_the_one_the_rule_gives(app, people):
    """The session's load reads the partner with the person (one statement fewer for
    every page that names them), by `partner_rule`: the same answer `Scope.partner` reads
    on its own, for a partner, for nobody, and after the couple changed in the request."""
    from sqlalchemy import event

    from journal.auth.sessions import session_load, session_start

    ana, bo, solo = people["ana"], people["bo"], people["solo"]
    tokens = {p.id: session_start(user=p, remember=False) for p in (ana, bo, solo)}
    db.session.commit()
    ana, bo, solo = ((p.id, p.display_name) for p in (ana, bo, solo))
    statements = []

    def note(conn, cursor, statement, *rest):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", note)
    try:
        for person, partner in ((ana, bo), (bo, ana), (solo, None)):
            db.session.expunge_all()  # each load as a new request makes it
            loaded = session_load(tokens[person[0]])
            statements.clear()
            named = Scope(loaded).partner()
            assert statements == [], "read with the session"
            if partner is None:
                assert named is None
            else:
                assert (named.id, named.display_name) == partner
            db.session.expunge_all()
            fresh = db.session.get(type(loaded), person[0])
            assert Scope(fresh).partner() == named, "as the rule reads it on its own"

        # Ana leaves during a request, then partners with Solo: the partner read at the
        # request's start is not used any more.
        db.session.expunge_all()
        loaded = session_load(tokens[ana[0]])
        couple_leave(user=loaded)
        db.session.flush()
        assert Scope(loaded).partner() is None
        make_couple(loaded, db.session.get(type(loaded), solo[0]))
        named = Scope(loaded).partner()
        assert (named.id, named.display_name) == solo
    finally:
        event.remove(db.engine, "before_cursor_execute", note)
        db.session.rollback()
