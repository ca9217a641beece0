"""PostgreSQL: reads run outside a transaction and the first write begins one, so a request
that only read sends neither BEGIN nor COMMIT nor ROLLBACK, and keeps the statements psycopg
prepared on the server (its ROLLBACK forgets them, and each statement was planned again on
every request); whatever a request wrote and did not commit is still rolled back, all of it."""

import pytest
from psycopg.pq import TransactionStatus
from sqlalchemy import select, text, update
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

    @app.get("/read-write-then-fail")
    def read_write_then_fail():
        first = db.session.scalar(select(User).order_by(User.id).limit(1))
        first.display_name = "Changed before a failure"
        db.session.flush()
        db.session.add(User(email=first.email, display_name="A copy", password_hash="x", timezone="UTC"))
        db.session.flush()  # the same email twice: refused, and the request fails
        return "never"

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


def test_reads_open_no_transaction_and_the_first_write_begins_one(pooled, couple):
    with pooled.app_context():
        db.session.execute(select(User.id)).all()
        server = db.session.connection().connection.driver_connection
        assert server.info.transaction_status == TransactionStatus.IDLE  # no BEGIN sent for a read
        db.session.execute(update(User).values(display_name="Written in a transaction"))
        assert server.info.transaction_status == TransactionStatus.INTRANS
        db.session.rollback()
        assert db.session.scalar(select(User).where(User.display_name == "Written in a transaction")) is None
        db.session.remove()


def test_a_request_that_wrote_then_failed_keeps_nothing_it_wrote(pooled, couple):
    with pooled.app_context():
        ana = db.session.get(User, couple[0].id)
        client = client_for(pooled, ana)
        db.session.remove()
    assert _get(client, "/read-write-then-fail") == 500
    with pooled.app_context():
        names = db.session.scalars(select(User.display_name)).all()
        db.session.remove()
    assert "Changed before a failure" not in names and "A copy" not in names
