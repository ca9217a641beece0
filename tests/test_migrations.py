"""Migrations reach head on an empty database and agree with the models."""
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text

from journal import create_app
from journal.extensions import db


@pytest.fixture
def empty_database_url(backend, database_url):
    """An empty database: a fresh SQLite file, or a freshly emptied PostgreSQL schema."""
    if backend == "postgresql":
        engine = create_engine(database_url)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
        from tests import conftest

        conftest._created_on.clear()  # the next `app` fixture re-creates its tables
    return database_url


def test_upgrade_reaches_head_and_matches_the_models(empty_database_url, app_config):
    app = create_app({**app_config, "SQLALCHEMY_DATABASE_URI": empty_database_url})
    with app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            heads = context.get_current_heads()
            diff = compare_metadata(context, db.metadata)
        assert heads and diff == [], f"models and migrations disagree: {diff}"
        assert {"users", "couples", "invites", "user_sessions", "user_tokens"} <= set(
            inspect(db.engine).get_table_names()
        )
        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        db.engine.dispose()


def test_old_bleeding_answers_stay_readable_and_are_not_read_as_worrying(empty_database_url, app_config):
    """0005_content: yes / no becomes "any" / "none"; an old yes starts no hold."""
    from journal.checkins.services import needs_clinician_note
    from journal.models.checkins import CheckIn

    app = create_app({**app_config, "SQLALCHEMY_DATABASE_URI": empty_database_url})
    with app.app_context():
        upgrade(revision="0004")
        with db.engine.begin() as conn:
            conn.execute(text(
                "INSERT INTO users (id, email, display_name, password_hash, timezone, created_at, failed_logins)"
                " VALUES (1, 'a@example.org', 'A', 'x', 'UTC', CURRENT_TIMESTAMP, 0)"
            ))
            for row_id, flag in ((1, True), (2, False), (3, None)):
                conn.execute(text(
                    "INSERT INTO checkins (id, author_id, visibility, day, bleeding, together, created_at)"
                    " VALUES (:id, 1, 'private', CURRENT_DATE, :flag, false, CURRENT_TIMESTAMP)"
                ), {"id": row_id, "flag": flag})
        upgrade()
        rows = {c.id: c for c in db.session.scalars(db.select(CheckIn))}
        assert {i: c.bleeding for i, c in rows.items()} == {1: "any", 2: "none", 3: None}
        assert rows[1].bleeding_words == 'Yes (asked as "any bleeding")'
        assert not any(needs_clinician_note(c) for c in rows.values())
        db.session.remove()
        downgrade(revision="0004")
        with db.engine.connect() as conn:
            flags = dict(conn.execute(text("SELECT id, bleeding FROM checkins ORDER BY id")).all())
        assert {i: (None if f is None else bool(f)) for i, f in flags.items()} == {1: True, 2: False, 3: None}
        downgrade(revision="base")
        db.engine.dispose()
