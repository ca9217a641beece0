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



def test_a_pause_from_before_0005_is_carried_over_with_its_person_when_known(empty_database_url, app_config):
    """0005_promises moves plans.paused_at/paused_until into plan_pauses: a single
    person's pause becomes theirs; a couple's (nobody recorded who) has no person, so
    either partner may lift it, as before. Downgrading puts the columns back."""
    from datetime import UTC, date, datetime

    from sqlalchemy import MetaData

    app = create_app({**app_config, "SQLALCHEMY_DATABASE_URI": empty_database_url})
    with app.app_context():
        upgrade(revision="0004")
        meta = MetaData()
        meta.reflect(db.engine, only=["couples", "users", "plans", "practices", "schedules"])
        t0 = datetime(2026, 1, 1, tzinfo=UTC)
        with db.engine.begin() as conn:
            conn.execute(meta.tables["couples"].insert(), [{"id": 1, "created_at": t0}])
            conn.execute(meta.tables["users"].insert(), [{
                "id": 1, "email": "solo@example.com", "display_name": "Solo", "password_hash": "x",
                "timezone": "UTC", "created_at": t0, "failed_logins": 0}])
            plans = meta.tables["plans"]
            base = {c.name: None for c in plans.columns} | {"timezone": "UTC", "stage": 1, "created_at": t0}
            if "reveal_after_48h" in plans.c:
                base["reveal_after_48h"] = False
            conn.execute(plans.insert(), [
                base | {"id": 1, "couple_id": 1, "paused_at": datetime(2026, 2, 1, 10, tzinfo=UTC),
                        "paused_until": date(2026, 2, 20)},
                base | {"id": 2, "owner_id": 1, "paused_at": datetime(2026, 2, 2, 10, tzinfo=UTC)},
            ])
            practices = meta.tables["practices"]
            conn.execute(practices.insert(), [{c.name: None for c in practices.columns} | {
                "id": 1, "plan_id": 1, "kind": "closeness", "title": "Walk", "summary": "", "steps": [],
                "duration_minutes": 10, "together": True, "created_at": t0, "updated_at": t0}])
            schedules = meta.tables["schedules"]
            conn.execute(schedules.insert(), [{c.name: None for c in schedules.columns} | {
                "id": 1, "plan_id": 1, "practice_id": 1, "kind": "daily", "times": ["20:00"], "weekdays": [],
                "interval": 1, "start_date": date(2026, 1, 1), "created_at": t0}])
        upgrade()
        with db.engine.connect() as conn:
            rows = conn.execute(text("SELECT plan_id, user_id, until FROM plan_pauses ORDER BY plan_id")).all()
            assert [(r[0], r[1], str(r[2])) for r in rows] == [(1, None, "2026-02-20"), (2, 1, "None")]
            assert "paused_at" not in {c["name"] for c in inspect(conn).get_columns("plans")}
            assert conn.execute(text("SELECT count(*) FROM schedules")).scalar() == 1, "no plan's rows are lost"
        downgrade(revision="0004")
        with db.engine.connect() as conn:
            back = conn.execute(text("SELECT id, paused_until FROM plans ORDER BY id")).all()
            assert [(r[0], str(r[1])) for r in back] == [(1, "2026-02-20"), (2, "None")]
        downgrade(revision="base")
        db.engine.dispose()
