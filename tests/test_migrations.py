"""Migrations reach head on an empty database, agree with the models, and keep every row
written at any earlier revision."""

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade
from sqlalchemy import Column, MetaData, Table, create_engine, insert, inspect, select, text

from journal import create_app
from journal.checkins.services import checkin_needs_clinician_note
from journal.extensions import db
from journal.models.checkins import CheckIn
from tests import conftest
from tests.test_access_matrix import MASTER_KEYS, build_world


@pytest.fixture
def empty_database_url(backend, database_url):
    """An empty database: a fresh SQLite file, or a freshly emptied PostgreSQL schema."""
    if backend == "postgresql":
        engine = create_engine(database_url)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()

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
    app = create_app({**app_config, "SQLALCHEMY_DATABASE_URI": empty_database_url})
    with app.app_context():
        upgrade(revision="0004")
        meta = MetaData()
        meta.reflect(db.engine, only=["couples", "users", "plans", "practices", "schedules"])
        t0 = datetime(2026, 1, 1, tzinfo=UTC)
        with db.engine.begin() as conn:
            conn.execute(meta.tables["couples"].insert(), [{"id": 1, "created_at": t0}])
            conn.execute(
                meta.tables["users"].insert(),
                [
                    {
                        "id": 1,
                        "email": "solo@example.com",
                        "display_name": "Solo",
                        "password_hash": "x",
                        "timezone": "UTC",
                        "created_at": t0,
                        "failed_logins": 0,
                    }
                ],
            )
            plans = meta.tables["plans"]
            base = {c.name: None for c in plans.columns} | {"timezone": "UTC", "stage": 1, "created_at": t0}
            if "reveal_after_48h" in plans.c:
                base["reveal_after_48h"] = False
            conn.execute(
                plans.insert(),
                [
                    base
                    | {
                        "id": 1,
                        "couple_id": 1,
                        "paused_at": datetime(2026, 2, 1, 10, tzinfo=UTC),
                        "paused_until": date(2026, 2, 20),
                    },
                    base | {"id": 2, "owner_id": 1, "paused_at": datetime(2026, 2, 2, 10, tzinfo=UTC)},
                ],
            )
            practices = meta.tables["practices"]
            conn.execute(
                practices.insert(),
                [
                    {c.name: None for c in practices.columns}
                    | {
                        "id": 1,
                        "plan_id": 1,
                        "kind": "closeness",
                        "title": "Walk",
                        "summary": "",
                        "steps": [],
                        "duration_minutes": 10,
                        "together": True,
                        "created_at": t0,
                        "updated_at": t0,
                    }
                ],
            )
            schedules = meta.tables["schedules"]
            conn.execute(
                schedules.insert(),
                [
                    {c.name: None for c in schedules.columns}
                    | {
                        "id": 1,
                        "plan_id": 1,
                        "practice_id": 1,
                        "kind": "daily",
                        "times": ["20:00"],
                        "weekdays": [],
                        "interval": 1,
                        "start_date": date(2026, 1, 1),
                        "created_at": t0,
                    }
                ],
            )
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


# -- every earlier revision keeps its rows ---------------------------------------------------

MIGRATIONS = Path(__file__).resolve().parents[1] / "migrations"


def _revisions_before_head() -> list[str]:
    """Every revision Alembic knows except the heads, oldest first (new lanes' ones included)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    script = ScriptDirectory.from_config(config)
    heads = set(script.get_heads())
    return [r.revision for r in reversed(list(script.walk_revisions("base", "heads"))) if r.revision not in heads]


_samples: list[dict] = []


def _sample_rows(app_config, tmp_path) -> dict[str, list[dict]]:
    """Rows in (nearly) every table, made through the services at head on a scratch SQLite
    file, once per test process (a third of each upgrade test's time; they only read it)."""
    if not _samples:
        _samples.append(_sample_rows_made({**app_config, "TANDEM_MASTER_KEYS": MASTER_KEYS}, tmp_path))
    return _samples[0]


def _sample_rows_made(app_config, tmp_path) -> dict[str, list[dict]]:
    config = {
        **app_config,
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'sample.sqlite'}",
        "SQLALCHEMY_ENGINE_OPTIONS": {"hide_parameters": True},
    }
    sample_app = create_app(config)
    with sample_app.app_context():
        db.create_all()
        build_world()
        rows = {}
        with db.engine.connect() as conn:
            for table in db.metadata.sorted_tables:
                rows[table.name] = [dict(row._mapping) for row in conn.execute(select(table))]
        db.session.remove()
        db.engine.dispose()
    return rows


def _stand_in(type_):
    """A value for a required column of an older revision that head no longer has."""
    python = type_.python_type
    return {str: "stand-in", bytes: b"stand-in", int: 0, bool: False}.get(python, "stand-in")


#: Columns a later migration rewrites on purpose (each has its own test): left out here.
REWRITTEN = {
    ("checkins", "bleeding"),  # 0005_content: yes / no became words
    # 0005_harden: a couple's own practice's words are sealed, the clear columns hold a placeholder
    ("practices", "title"),
    ("practices", "summary"),
    ("practices", "steps"),
    ("practices", "safety_note"),
}


@pytest.mark.parametrize("revision", _revisions_before_head())
def test_upgrading_from_an_earlier_revision_keeps_every_row(revision, empty_database_url, app_config, tmp_path):
    sample = _sample_rows(app_config, tmp_path)
    # The sample's sealed rows open with the sample's master key.
    app = create_app({**app_config, "SQLALCHEMY_DATABASE_URI": empty_database_url, "TANDEM_MASTER_KEYS": MASTER_KEYS})
    with app.app_context():
        upgrade(revision=revision)
        # The rows, restricted to the tables and columns this revision has.
        written: dict[str, list[dict]] = {}
        with db.engine.begin() as conn:
            old = MetaData()
            old.reflect(conn)
            later = []  # foreign keys to rows not written yet (users <-> couples): set afterwards
            done: set[str] = set()
            for table in db.metadata.sorted_tables:
                if table.name not in old.tables or not sample[table.name]:
                    continue
                columns = {c.name for c in old.tables[table.name].columns}
                rows = [{k: v for k, v in row.items() if k in columns} for row in sample[table.name]]
                ahead = {
                    c.name
                    for c in table.columns
                    if c.name in columns and any(fk.column.table.name not in done for fk in c.foreign_keys)
                }
                keys = [c.name for c in table.primary_key.columns]
                # The old table's columns with the model's types (no defaults of later columns).
                # A column whose type a later migration changes keeps the old table's own type.
                was = old.tables[table.name].c
                # A required column a later migration replaces (a text sealed since) gets a stand-in.
                gone = [c for c in was if c.name not in table.c and not c.nullable and c.server_default is None]
                rows = [{**row, **{c.name: _stand_in(c.type) for c in gone}} for row in rows]
                then = Table(
                    table.name,
                    MetaData(),
                    *(
                        Column(
                            c.name,
                            c.type if was[c.name].type._type_affinity is c.type._type_affinity else was[c.name].type,
                            primary_key=c.primary_key,
                        )
                        for c in table.columns
                        if c.name in columns
                    ),
                    *(Column(c.name, c.type) for c in gone),
                )
                first = [{k: (None if k in ahead else v) for k, v in row.items()} for row in rows]
                conn.execute(insert(then), first)
                for row in rows:
                    if any(row[k] is not None for k in ahead):
                        later.append((then, {k: row[k] for k in keys}, {k: row[k] for k in ahead}))
                written[table.name] = [
                    {k: v for k, v in row.items() if k in table.c and (table.name, k) not in REWRITTEN} for row in rows
                ]
                done.add(table.name)
            for table, key, values in later:
                conn.execute(table.update().where(*(table.c[k] == v for k, v in key.items())).values(values))
        assert written, f"no table to fill at {revision}"
        if db.engine.dialect.name == "postgresql":  # ids were given: move the sequences past them
            with db.engine.begin() as conn:
                for name in written:
                    table = db.metadata.tables[name]
                    if "id" in table.c and table.c.id.autoincrement:
                        conn.execute(
                            text(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), (SELECT max(id) FROM {name}))")
                        )

        upgrade(revision="heads")
        with db.engine.connect() as conn:
            for name, rows in written.items():
                table = db.metadata.tables[name]
                keys = [c.name for c in table.primary_key.columns]
                found = {tuple(m[k] for k in keys): dict(m) for m in conn.execute(select(table)).mappings()}
                assert len(found) >= len(rows), f"{name}: {len(rows)} rows at {revision}, {len(found)} at head"
                for row in rows:
                    now = found[tuple(row[k] for k in keys)]
                    assert {k: now[k] for k in row} == row, f"{name} changed on the way from {revision}"
        db.session.remove()
        db.engine.dispose()


def test_old_bleeding_answers_stay_readable_and_are_not_read_as_worrying(empty_database_url, app_config):
    """0005_content: yes / no becomes "any" / "none"; an old yes starts no hold."""
    app = create_app({**app_config, "SQLALCHEMY_DATABASE_URI": empty_database_url})
    with app.app_context():
        upgrade(revision="0004")
        with db.engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO users (id, email, display_name, password_hash, timezone, created_at, failed_logins)"
                    " VALUES (1, 'a@example.org', 'A', 'x', 'UTC', CURRENT_TIMESTAMP, 0)"
                )
            )
            for row_id, flag in ((1, True), (2, False), (3, None)):
                conn.execute(
                    text(
                        "INSERT INTO checkins (id, author_id, visibility, day, bleeding, together, created_at)"
                        " VALUES (:id, 1, 'private', CURRENT_DATE, :flag, false, CURRENT_TIMESTAMP)"
                    ),
                    {"id": row_id, "flag": flag},
                )
        upgrade()
        rows = {c.id: c for c in db.session.scalars(db.select(CheckIn))}
        assert {i: c.bleeding for i, c in rows.items()} == {1: "any", 2: "none", 3: None}
        assert rows[1].bleeding_words == 'Yes (asked as "any bleeding")'
        assert not any(checkin_needs_clinician_note(c) for c in rows.values())
        db.session.remove()
        downgrade(revision="0004")
        with db.engine.connect() as conn:
            flags = dict(conn.execute(text("SELECT id, bleeding FROM checkins ORDER BY id")).all())
        assert {i: (None if f is None else bool(f)) for i, f in flags.items()} == {1: True, 2: False, 3: None}
        downgrade(revision="base")
        db.engine.dispose()
