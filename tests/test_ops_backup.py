"""`flask backup create` copies the live database; `flask backup restore` brings it back
into an empty database (refusing one with rows unless --force), every table identical and
the sealed text readable with the same master keys."""

import os
import shutil

import pytest
from flask_migrate import upgrade
from sqlalchemy import select, text

from journal import create_app
from journal.entries.services import entry_create
from journal.extensions import db
from journal.models import User
from journal.testing import client_for, make_user, read_text
from tests import conftest
from tests.test_access_matrix import build_world


def _all_rows(engine) -> dict:
    """Every row of every table the models know, in primary-key order."""
    found = {}
    with engine.connect() as conn:
        for table in db.metadata.sorted_tables:
            order = list(table.primary_key.columns) or list(table.columns)
            found[table.name] = [tuple(row) for row in conn.execute(select(table).order_by(*order))]
    return found


@pytest.fixture
def fresh_database_url(backend, tmp_path):
    """A second, empty database beside the test's own. On PostgreSQL the backup needs
    pg_dump and pg_restore: without them the test is skipped, and fails under CI (CI=true)."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'restored.sqlite'}"
        return
    if shutil.which("pg_dump") is None or shutil.which("pg_restore") is None:
        message = "PostgreSQL's client tools (pg_dump, pg_restore) are not installed"
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI needs them: {message}")
        pytest.skip(message)
    name = f"tandem_test_restore_{os.getpid()}"
    admin = conftest._admin_engine()
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield conftest.POSTGRES_URL.rsplit("/", 1)[0] + f"/{name}"
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_backup_while_live_then_restore_into_a_fresh_database(app, app_config, fresh_database_url, tmp_path):
    world = build_world()

    author = world.people["author"]
    entry = entry_create(
        author=author, title="Kept safe", body="The words *we* wrote in March", tags=["spring"], visibility="private"
    )
    db.session.commit()
    entry_id, author_id = entry.id, author.id
    db.session.remove()

    # Live: another connection is in the middle of a write while the backup runs.
    backup = tmp_path / "tandem.backup"
    with db.engine.connect() as other:
        busy = other.begin()
        other.execute(text("UPDATE users SET display_name = 'Halfway' WHERE id = :id"), {"id": author_id})
        result = app.test_cli_runner().invoke(args=["backup", "create", str(backup)])
        busy.rollback()
    assert result.exit_code == 0, result.output
    assert "master keys" in result.output
    assert backup.stat().st_size > 0 and backup.stat().st_mode & 0o077 == 0
    assert b"words *we* wrote" not in backup.read_bytes()  # the text is sealed in the backup too
    again = app.test_cli_runner().invoke(args=["backup", "create", str(backup)])
    assert again.exit_code != 0 and "exists already" in again.output

    original = _all_rows(db.engine)
    restored_app = create_app({**app_config, "SQLALCHEMY_DATABASE_URI": fresh_database_url})
    with restored_app.app_context():
        result = restored_app.test_cli_runner().invoke(args=["backup", "restore", str(backup)])
        assert result.exit_code == 0, result.output
        restored = _all_rows(db.engine)
        assert restored == original
        assert sum(1 for rows in restored.values() if rows) >= 14
        assert db.session.scalar(select(User.display_name).where(User.id == author_id)) == "Author"

        # The same master keys (the instance folder) open the sealed text.
        page = client_for(restored_app, db.session.get(User, author_id)).get(f"/journal/{entry_id}")
        assert page.status_code == 200 and "The words we wrote in March" in read_text(page)
        db.session.remove()

        # Now it has rows: a second restore is refused unless forced.
        refused = restored_app.test_cli_runner().invoke(args=["backup", "restore", str(backup)])
        assert refused.exit_code != 0 and "not empty" in refused.output
        forced = restored_app.test_cli_runner().invoke(args=["backup", "restore", "--force", str(backup)])
        assert forced.exit_code == 0, forced.output
        assert _all_rows(db.engine) == original
        db.session.remove()
        for engine in db.engines.values():
            engine.dispose()


def test_restore_accepts_a_database_made_by_db_upgrade(app, app_config, fresh_database_url, tmp_path):
    """An operator's first step on a new machine is often `flask db upgrade`: empty tables
    are still an empty database."""
    make_user(email="one@example.com")
    db.session.commit()
    backup = tmp_path / "one.backup"
    assert app.test_cli_runner().invoke(args=["backup", "create", str(backup)]).exit_code == 0
    original = _all_rows(db.engine)
    db.session.remove()

    fresh = create_app({**app_config, "SQLALCHEMY_DATABASE_URI": fresh_database_url})
    with fresh.app_context():
        upgrade()
        result = fresh.test_cli_runner().invoke(args=["backup", "restore", str(backup)])
        assert result.exit_code == 0, result.output
        assert _all_rows(db.engine) == original
        db.session.remove()
        for engine in db.engines.values():
            engine.dispose()
