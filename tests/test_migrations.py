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
