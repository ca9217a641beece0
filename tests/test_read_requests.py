"""PostgreSQL: a request that only read ends its transaction with a COMMIT, which keeps the
statements psycopg prepared on the server (its ROLLBACK forgets them, and each statement was
planned again on every request); a request that wrote anything it did not commit still ends
with a ROLLBACK."""

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from journal import create_app
from journal.extensions import db
from journal.models import User
from journal.testing import client_for

pytestmark = pytest.mark.parametrize("backend", ["postgresql"], indirect=True)


@pytest.fixture
def pooled(app_config):
    """The pool as production runs it: connections kept between requests."""
    config = {key: value for key, value in app_config.items() if key != "SQLALCHEMY_ENGINE_OPTIONS"}
    app = create_app(config)

    @app.get("/write-then-walk-away")
    def write_then_walk_away():
        user = db.session.scalar(select(User).order_by(User.id).limit(1))
        user.display_name = "Changed and never committed"
        db.session.flush()
        return "written, not committed"

    @app.get("/fail-then-walk-away")
    def fail_then_walk_away():
        first = db.session.scalar(select(User).order_by(User.id).limit(1))
        db.session.add(User(email=first.email, display_name="A copy", password_hash="x", timezone="UTC"))
        try:
            db.session.flush()  # the same email twice: refused
        except IntegrityError:
            pass  # and left for the teardown, which must not fail on it
        return "refused, not rolled back"

    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def _get(client, path: str) -> int:
    with client.get(path) as response:  # closed: its request gives its connection back
        return response.status_code


def test_pages_keep_their_prepared_statements_between_requests(pooled, couple):
    with pooled.app_context():
        client = client_for(pooled, db.session.get(User, couple[0].id))
        db.session.remove()
    for _ in range(8):
        assert _get(client, "/today") == 200
    with pooled.app_context():
        prepared = db.session.connection().execute(text("SELECT count(*) FROM pg_prepared_statements")).scalar()
        db.session.remove()
    assert prepared > 0, "the statements Today runs are prepared once and kept"


def test_a_write_left_uncommitted_is_rolled_back(pooled, couple):
    with pooled.app_context():
        ana = db.session.get(User, couple[0].id)
        before = ana.display_name
        client = client_for(pooled, ana)
        db.session.remove()
    assert _get(client, "/write-then-walk-away") == 200
    with pooled.app_context():
        names = db.session.scalars(select(User.display_name).order_by(User.id)).all()
        db.session.remove()
    assert "Changed and never committed" not in names and before in names


def test_a_failed_write_left_behind_still_ends_the_request_calmly(pooled, couple):
    with pooled.app_context():
        client = client_for(pooled, db.session.get(User, couple[0].id))
        db.session.remove()
    assert _get(client, "/fail-then-walk-away") == 200
    assert _get(client, "/today") == 200
    with pooled.app_context():
        assert db.session.scalar(select(User).where(User.display_name == "A copy")) is None
        db.session.remove()
