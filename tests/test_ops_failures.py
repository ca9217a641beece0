"""A commit that fails because the database connection is lost mid-request: everything
rolls back, the calm error page shows (no stack trace), what the person typed comes back
in a form that sends it again, and the next request works."""

import time

import pytest
from sqlalchemy import event, func, select, text
from sqlalchemy.exc import OperationalError

from journal import create_app
from journal.entries.services import entry_open
from journal.extensions import db
from journal.models import Entry, User
from journal.testing import client_for, elements, read_text, textarea_value
from tests import conftest

TITLE = "Porch light"
BODY = "We sat outside until the baby slept.\nIt felt like before."


#: The connection is ended with PostgreSQL's pg_terminate_backend: no SQLite copy is made.
pytestmark = pytest.mark.parametrize("backend", ["postgresql"], indirect=True)


@pytest.fixture
def lose_connection_at_commit(app, backend):
    """Once armed, on the next COMMIT another connection ends this one's server process
    (pg_terminate_backend), as a restarted or failed-over database would."""
    assert backend == "postgresql", "pg_terminate_backend is PostgreSQL's"
    admin = conftest._admin_engine()
    state = {"armed": False, "ended": 0}

    def _end_it(conn):
        if not state["armed"]:
            return
        state["armed"] = False
        pid = conn.connection.dbapi_connection.info.backend_pid
        with admin.connect() as killer:
            if state.get("stay_down"):  # no new connection either, until the test allows it again
                killer.execute(text(f'ALTER DATABASE "{conn.engine.url.database}" ALLOW_CONNECTIONS false'))
            killer.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            for _ in range(100):  # until the server process is really gone
                if not killer.execute(text("SELECT 1 FROM pg_stat_activity WHERE pid = :pid"), {"pid": pid}).first():
                    break
                time.sleep(0.02)
        state["ended"] += 1

    event.listen(db.engine, "commit", _end_it)
    yield state
    event.remove(db.engine, "commit", _end_it)
    _allow_connections(admin)
    admin.dispose()


def _allow_connections(admin) -> None:
    with admin.connect() as conn:
        conn.execute(text(f'ALTER DATABASE "{db.engine.url.database}" ALLOW_CONNECTIONS true'))


def test_a_lost_connection_at_commit_keeps_what_was_typed(app, couple, lose_connection_at_commit, caplog):
    client = client_for(app, couple[0])
    lose_connection_at_commit["armed"] = True
    response = client.post(
        "/journal/new", data={"title": TITLE, "body": BODY, "tags": "evening", "visibility": "shared"}
    )
    assert lose_connection_at_commit["ended"] == 1

    assert response.status_code == 500
    page = response.get_data(as_text=True)
    assert "Traceback" not in page and "psycopg" not in page and "OperationalError" not in page
    assert "nothing you wrote is lost" in read_text(response)
    # The words come back in a form that sends them again to the same place.
    (form,) = elements(response, "form[action='/journal/new']")
    assert form.get("method") == "post"
    fields = {el.get("name"): el.get("value") for el in form.select("input[name]")}
    fields.update({el.get("name"): textarea_value(response, el.get("id")) for el in form.select("textarea")})
    fields.pop("csrf_token", None)
    assert {name: value.replace("\r\n", "\n") for name, value in fields.items()} == {
        "title": TITLE,
        "body": BODY,
        "tags": "evening",
        "visibility": "shared",
    }
    assert BODY not in caplog.text and TITLE not in caplog.text

    # Rolled back: nothing half-saved. The next request gets a new connection and works.
    assert db.session.scalar(select(func.count()).select_from(Entry)) == 0
    again = client.post("/journal/new", data=fields)
    assert again.status_code == 302
    entry = db.session.scalar(select(Entry))

    opened = entry_open(entry)
    assert (opened.title, opened.body.replace("\r\n", "\n"), entry.visibility) == (TITLE, BODY, "shared")


def test_a_lost_connection_on_a_check_in_keeps_the_answers(app, couple, lose_connection_at_commit):
    client = client_for(app, couple[0])
    lose_connection_at_commit["armed"] = True
    response = client.post(
        "/checkins/new", data={"mood": "2", "note": "A heavy day, but we talked", "visibility": "private"}
    )
    assert response.status_code == 500
    page = response.get_data(as_text=True)
    assert ">A heavy day, but we talked</textarea>" in page and 'name="mood" value="2"' in page


def test_the_error_page_shows_even_while_the_database_stays_down(app, couple, lose_connection_at_commit):
    client = client_for(app, couple[0])
    lose_connection_at_commit.update(armed=True, stay_down=True)
    response = client.post("/journal/new", data={"title": TITLE, "body": BODY, "tags": "", "visibility": "private"})
    assert response.status_code == 500
    page = response.get_data(as_text=True)
    assert "nothing you wrote is lost" in read_text(response)
    assert "We sat outside until the baby slept." in page and "Traceback" not in page
    with pytest.raises(OperationalError):  # it really was down all along
        db.engine.connect()


def _end_backend(pid: int) -> None:
    """End one server process, as a restarted or failed-over database would, and wait
    until it is really gone."""
    admin = conftest._admin_engine()
    with admin.connect() as killer:
        killer.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        for _ in range(100):
            if not killer.execute(text("SELECT 1 FROM pg_stat_activity WHERE pid = :pid"), {"pid": pid}).first():
                break
            time.sleep(0.02)
    admin.dispose()


def test_a_connection_ended_while_idle_costs_no_one_an_error(app_config, couple):
    """The pool as it runs in production (connections kept between requests): a kept
    connection whose server process ended while it waited is put aside before a request
    uses it, and the request gets a new one."""
    config = {key: value for key, value in app_config.items() if key != "SQLALCHEMY_ENGINE_OPTIONS"}
    pooled = create_app(config)
    ana_id = couple[0].id
    kept = set()  # the server processes of the connections the pool keeps
    with pooled.app_context():
        engine = db.engine
        event.listen(engine, "checkin", lambda dbapi, record: dbapi is None or kept.add(dbapi.info.backend_pid))
        client = client_for(pooled, db.session.get(User, ana_id))  # read by this app's own session
        db.session.remove()  # each request below checks a connection out of the pool

    def status(path: str) -> int:
        with client.get(path) as response:  # closed: its request gives its connection back
            return response.status_code

    try:
        assert status("/today") == 200
        ended = set(kept)
        for pid in ended:
            _end_backend(pid)
        for path in ("/today", "/journal", "/care"):
            assert status(path) == 200, path
        assert kept - ended, "the requests ran on a new connection"
    finally:
        engine.dispose()
