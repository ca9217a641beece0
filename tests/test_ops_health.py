"""/healthz says the process answers; /readyz says the database and the reminder queue
answer, and 503 when either does not (real unreachable ports, no mocks)."""

import pytest
from huey import SqliteHuey

from journal import create_app
from journal.extensions import db
from journal.testing import free_port


@pytest.fixture
def sqlite_queue(tmp_path, monkeypatch):
    """The worker's SQLite queue, made by Huey itself as the consumer makes it."""
    monkeypatch.setenv("TANDEM_INSTANCE_PATH", str(tmp_path / "queue"))
    (tmp_path / "queue").mkdir()
    SqliteHuey("tandem", filename=str(tmp_path / "queue" / "huey.sqlite")).pending_count()


@pytest.fixture
def redis_url(redis_server):
    return f"{redis_server}/15"


def test_healthz_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json == {"status": "ok"}


def test_ready_with_database_and_sqlite_queue(client, sqlite_queue):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "checks": {"database": "ok", "keys": "ok", "queue": "ok"}}


def test_not_ready_without_the_sqlite_queue(client, tmp_path, monkeypatch):
    monkeypatch.setenv("TANDEM_INSTANCE_PATH", str(tmp_path / "no-worker-ever-ran"))
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json["checks"] == {"database": "ok", "keys": "ok", "queue": "unreachable"}


def test_ready_with_redis_and_not_when_redis_is_unreachable(app_config, redis_url):
    app = create_app({**app_config, "REDIS_URL": redis_url})
    with app.app_context():
        db.create_all()
    assert app.test_client().get("/readyz").status_code == 200

    gone = create_app({**app_config, "REDIS_URL": f"redis://127.0.0.1:{free_port()}/0"})
    response = gone.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.json["checks"] == {"database": "ok", "keys": "ok", "queue": "unreachable"}


def test_not_ready_when_the_database_is_unreachable(app_config, backend, tmp_path, sqlite_queue, caplog):
    if backend == "postgresql":
        url = f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/tandem"
    else:
        url = f"sqlite:///{tmp_path / 'missing-folder' / 'tandem.sqlite'}"
    app = create_app({**app_config, "SQLALCHEMY_DATABASE_URI": url})
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.json == {
        "status": "unavailable",
        "checks": {"database": "unreachable", "keys": "unchecked", "queue": "ok"},
    }
    assert "127.0.0.1" not in response.get_data(as_text=True) and "127.0.0.1" not in caplog.text
    # The process itself still answers.
    assert app.test_client().get("/healthz").status_code == 200
