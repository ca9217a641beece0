"""Data for the page benchmark and the statement-count test: couples with a history.

    .venv/bin/python bench/seed.py --size small  --backend sqlite --folder /tmp/tandem-bench
    .venv/bin/python bench/seed.py --size medium --backend postgresql

small is 10 couples, medium 1,000; each partner has two years of daily check-ins
(half of them shared, the shared daily one answering the couple's check-in prompt
together), three journal entries and two small moments a week, a weekly progress
note with a sensation map, and the couple five schedules. Rows go into the app's own
tables, sealed as the app seals them (`journal.crypto.seal` with each row's context), in
bulk: ids are given here, each table gets one executemany of up to 2,000 rows a batch (on
PostgreSQL one COPY per table and couple), and couples are committed fifty at a time.

`history()` is the one function the test suite shares (tests/test_page_costs.py):
it gives one couple N days of history.
"""

import argparse
import json
import os
import random
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

PASSWORD = "bench-password-1234"
PG_ADMIN = os.environ.get("BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
SIZES = {"small": 10, "medium": 1000}
#: The last day of every seeded history.
END = date(2026, 11, 20)
WORDS = (
    "slow morning tea together warm hands quiet walk the park breathing easier laughing "
    "tired but close gentle evening we talked about the week felt steadier small steps"
).split()


def _map_areas(map_id: int) -> str:
    """A sensation map as the app stores it: three to five areas, each with a feeling
    (json.dumps with sorted keys, as `journal.notes.services` seals it). Its own random
    stream, seeded by the map's id, so the rest of the history stays as it was."""
    from journal.models.notes import AREAS, FEELINGS

    rng = random.Random(map_id)
    areas = rng.sample(sorted(AREAS), rng.randint(3, 5))
    return json.dumps({area: rng.choice(sorted(FEELINGS)) for area in areas}, sort_keys=True)


def _line(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n))


class Rows:
    """Rows waiting for one bulk INSERT per table, with ids given up front (a sealed
    field's context names its row id)."""

    def __init__(self):
        from sqlalchemy import func, select

        from journal.extensions import db
        from journal.models import CheckIn, Entry, ProgressNote, PromptAction, Schedule, SensationMap, StageChange

        self.tables = [Schedule, CheckIn, Entry, ProgressNote, SensationMap, PromptAction, StageChange]
        self.rows = {model: [] for model in self.tables}
        self.next_id = {model: (db.session.scalar(select(func.max(model.id))) or 0) + 1 for model in self.tables}

    def add(self, model, **values) -> int:
        values.setdefault("id", self.next_id[model])
        self.next_id[model] = values["id"] + 1
        self.rows[model].append(values)
        return values["id"]

    def flush(self) -> None:
        """Each table's rows in bulk: an executemany of 2,000 rows a statement, or on
        PostgreSQL one COPY (there the INSERTs went a row at a time through psycopg's
        pipeline)."""
        from journal.extensions import db

        connection = db.session.connection()
        write = _copy if connection.dialect.name == "postgresql" else _insert
        for model in self.tables:
            if self.rows[model]:
                write(connection, model, self.rows[model])
            self.rows[model].clear()


def _insert(connection, model, rows: list[dict]) -> None:
    """Every row with the same columns, then 2,000 rows a statement, straight to the table
    (the rows are the table's columns already; the ORM's bulk INSERT spent more time per row
    than the database did). A column a row leaves out takes its default, as the ORM would
    have given it. Through the ORM, rows whose optional fields differed went in as separate
    statements, often one row each: it leaves out a column whose value is None."""
    given = set().union(*rows)
    missing = [(c.key, _default(c)) for c in model.__table__.c if c.key in given]
    for row in rows:
        for key, default in missing:
            if key not in row:
                row[key] = default()
    statement = model.__table__.insert()
    for start in range(0, len(rows), 2000):
        connection.execute(statement, rows[start : start + 2000])


def _copy(connection, model, rows: list[dict]) -> None:
    """COPY the rows in as the ORM's INSERT writes them: a column no row gives takes its
    Python default or is left to the server, and each value goes through its type's bind
    processing (JSON to text, datetimes to UTC)."""
    table = model.__table__
    given = set().union(*rows)
    columns = [c for c in table.c if c.key in given or c.default is not None]
    fields = [(c.key, _default(c), _bind(c, connection.dialect)) for c in columns]
    names = ", ".join(f'"{c.name}"' for c in columns)
    driver = connection.connection.driver_connection
    with driver.cursor() as cursor, cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
        for row in rows:
            values = []
            for key, default, bind in fields:
                value = row[key] if key in row else default()
                values.append(value if bind is None or value is None else bind(value))
            copy.write_row(values)


def _default(column):
    """The column's Python default as a function of nothing (None when it has none)."""
    default = column.default
    if default is None:
        return lambda: None
    if default.is_scalar:
        return lambda: default.arg
    return lambda: default.arg(None)


def _bind(column, dialect):
    """What the column's type does to a value on its way in (JSON to text, datetimes to
    UTC), or None."""
    return column.type.dialect_impl(dialect).bind_processor(dialect)


def _sealed(*, table: str, row_id: int, author_id: int, visibility: str, **texts: str) -> dict[str, bytes]:
    """Each text sealed as the app seals that field of that row: {"<field>_sealed": blob}."""
    from journal.crypto import context, seal

    return {
        f"{field}_sealed": seal(
            text, owner=("user", author_id), context=context(table, row_id, field, author_id, visibility)
        )
        for field, text in texts.items()
    }


def history(*, a, b, days: int, end: date = END, seed: int = 0, rows: Rows | None = None) -> None:
    """Give the couple of `a` and `b` `days` days of history ending on `end`:
    five schedules (a daily check-in for both, daily closeness, a weekly touch
    practice, grounding every other day, a weekly review), each partner's daily
    check-in (every other one shared, answering the daily prompt together), three
    entries and two moments a week each, and a weekly progress note with a
    sensation map. Flushes; the caller commits."""
    from sqlalchemy import select

    from journal.extensions import db
    from journal.models import (
        CheckIn,
        Entry,
        Plan,
        Practice,
        ProgressNote,
        PromptAction,
        Schedule,
        SensationMap,
        StageChange,
    )

    own_rows = rows is None
    rows = rows or Rows()
    rng = random.Random(seed or a.id)
    plan = db.session.scalar(select(Plan).where(Plan.couple_id == a.couple_id))
    if plan is None:
        plan = Plan(couple_id=a.couple_id, timezone="UTC", stage=2)
        db.session.add(plan)
        db.session.flush()
    by_kind: dict[str, Practice] = {}
    for practice in db.session.scalars(select(Practice).where(Practice.plan_id.is_(None)).order_by(Practice.id)):
        by_kind.setdefault(practice.kind, practice)
    start = end - timedelta(days=days - 1)
    created = datetime.combine(start, dtime(9), tzinfo=UTC)
    far = datetime(9999, 1, 1, tzinfo=UTC)

    def schedule(practice_kind: str, **values) -> int:
        return rows.add(
            Schedule,
            plan_id=plan.id,
            practice_id=by_kind[practice_kind].id,
            times=values.pop("times", ["20:00"]),
            weekdays=values.pop("weekdays", []),
            interval=values.pop("interval", 1),
            start_date=start,
            end_date=None,
            prompt_user_id=None,
            created_by_id=a.id,
            created_at=created,
            next_due_at=far,
            **values,
        )

    checkin_schedule = schedule("check-in", kind="daily", times=["21:00"])
    schedule("closeness", kind="daily")
    schedule("touch", kind="weekdays", weekdays=[5])
    schedule("grounding", kind="interval", interval=2, times=["08:00"])
    schedule("communication", kind="weekdays", weekdays=[6], times=["18:00"])
    rows.add(StageChange, plan_id=plan.id, from_stage=1, to_stage=2, created_at=created + timedelta(days=days // 2))

    for offset in range(days):
        day = start + timedelta(days=offset)
        occurrence = datetime.combine(day, dtime(21), tzinfo=UTC)
        for person in (a, b):
            shared = offset % 2 == 0
            visibility = "shared" if shared else "private"
            cid = rows.next_id[CheckIn]
            rows.add(
                CheckIn,
                author_id=person.id,
                couple_id=person.couple_id,
                visibility=visibility,
                day=day,
                **{f: rng.randint(1, 5) for f in ("mood", "closeness", "comfort", "sensation", "energy", "stress")},
                sleep_hours=rng.choice((4.5, 5.0, 6.0, 6.5, 7.0)),
                pain="none",
                bleeding="none",
                fever=False,
                boundary=rng.choice(("green", "yellow", "red")),
                **_sealed(
                    table="checkins", row_id=cid, author_id=person.id, visibility=visibility, note=_line(rng, 12)
                ),
                schedule_id=checkin_schedule if shared else None,
                occurrence_at=occurrence if shared else None,
                together=shared,
                created_at=occurrence,
            )
            if shared:
                rows.add(
                    PromptAction,
                    schedule_id=checkin_schedule,
                    user_id=person.id,
                    occurrence_at=occurrence,
                    state="done",
                    updated_at=occurrence,
                )
            weekday = day.weekday()
            if weekday in (0, 2, 4):
                eid = rows.next_id[Entry]
                rows.add(
                    Entry,
                    author_id=person.id,
                    couple_id=person.couple_id,
                    kind="entry",
                    visibility=visibility,
                    **_sealed(
                        table="entries",
                        row_id=eid,
                        author_id=person.id,
                        visibility=visibility,
                        title=_line(rng, 4),
                        body=_line(rng, 60),
                        tags="calm,evening",
                    ),
                    created_at=occurrence - timedelta(hours=2),
                )
            if weekday in (1, 5):
                rows.add(
                    Entry,
                    author_id=person.id,
                    couple_id=person.couple_id,
                    kind="moment",
                    moment_kind="hug",
                    visibility="shared",
                    created_at=occurrence - timedelta(hours=5),
                )
            if weekday == 6:
                nid = rows.next_id[ProgressNote]
                rows.add(
                    ProgressNote,
                    author_id=person.id,
                    couple_id=person.couple_id,
                    visibility=visibility,
                    practice_id=by_kind["touch"].id,
                    stage=2,
                    comfort=rng.randint(1, 5),
                    pace="same",
                    **_sealed(
                        table="progress_notes",
                        row_id=nid,
                        author_id=person.id,
                        visibility=visibility,
                        went=_line(rng, 20),
                    ),
                    created_at=occurrence,
                )
                mid = rows.next_id[SensationMap]
                rows.add(
                    SensationMap,
                    note_id=nid,
                    author_id=person.id,
                    couple_id=person.couple_id,
                    visibility=visibility,
                    **_sealed(
                        table="sensation_maps",
                        row_id=mid,
                        author_id=person.id,
                        visibility=visibility,
                        areas=_map_areas(mid),
                    ),
                    created_at=occurrence,
                )
    if own_rows:
        rows.flush()
        db.session.flush()


def couples_make(count: int, *, days: int) -> list[tuple[str, str]]:
    """`count` couples with `days` of history each, committed fifty at a time; returns
    their e-mail addresses."""
    from journal.auth.passwords import password_hash
    from journal.extensions import db
    from journal.models import Couple, User, now_utc

    hashed = password_hash(PASSWORD)
    people = []
    rows = Rows()
    for n in range(count):
        couple = Couple()
        db.session.add(couple)
        db.session.flush()
        a = User(
            email=f"a{n}@example.com",
            display_name=f"Ana {n}",
            password_hash=hashed,
            timezone="UTC",
            email_verified_at=now_utc(),
            couple_id=couple.id,
        )
        b = User(
            email=f"b{n}@example.com",
            display_name=f"Bo {n}",
            password_hash=hashed,
            timezone="UTC",
            email_verified_at=now_utc(),
            couple_id=couple.id,
        )
        db.session.add_all([a, b])
        db.session.flush()
        couple.pace_leader_id = a.id
        history(a=a, b=b, days=days, seed=n + 1, rows=rows)
        rows.flush()
        people.append((a.email, b.email))
        if (n + 1) % 50 == 0:
            db.session.commit()
            print(f"  {n + 1} couples", flush=True)
    db.session.commit()
    return people


def database_url(backend: str, folder: str) -> str:
    if backend == "sqlite":
        return f"sqlite:///{folder}/bench.sqlite"
    from sqlalchemy import create_engine, text

    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text('DROP DATABASE IF EXISTS "tandem_pages" WITH (FORCE)'))
        conn.execute(text('CREATE DATABASE "tandem_pages"'))
    admin.dispose()
    return PG_ADMIN.rsplit("/", 1)[0] + "/tandem_pages"


def sequences_catch_up() -> None:
    """Rows went in with their ids given: move each PostgreSQL sequence past them, or
    the app's next insert takes an id already used (every POST in the benchmark failed)."""
    from sqlalchemy import text

    from journal.extensions import db

    for table in db.metadata.sorted_tables:
        if "id" in table.c and table.c.id.autoincrement in (True, "auto"):
            db.session.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', 'id'), "
                    f'COALESCE((SELECT max(id) FROM "{table.name}"), 0) + 1, false)'
                )
            )
    db.session.commit()


def build(*, size: str, backend: str, folder: str, days: int = 730) -> dict:
    """A database of `size` couples in `folder`; returns the settings to serve it."""
    from journal import create_app
    from journal.extensions import db
    from journal.practices.services import practices_load

    Path(folder).mkdir(parents=True, exist_ok=True)
    settings = {
        "INSTANCE_PATH": f"{folder}/instance",
        "SECRET_KEY": "bench-" + "x" * 40,
        "SQLALCHEMY_DATABASE_URI": database_url(backend, folder),
        "RATELIMIT_ENABLED": False,
        "LOG_LEVEL": "WARNING",
    }
    app = create_app(dict(settings))
    with app.app_context():
        db.create_all()
        practices_load()
        db.session.commit()
        started = time.perf_counter()
        couples_make(SIZES[size], days=days)
        if backend == "postgresql":
            sequences_catch_up()
            # Fresh statistics, as autovacuum would have them on a database that grew slowly:
            # without them the planner reads a couple's whole history for the reveal rule
            # (1.8 ms instead of 0.06 ms on the small data set) and for the progress page.
            from sqlalchemy import text

            db.session.execute(text("ANALYZE"))
            db.session.commit()
        print(f"seeded {SIZES[size]} couples x {days} days in {time.perf_counter() - started:.0f} s")
    return settings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", choices=SIZES, default="small")
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--days", type=int, default=730)
    parser.add_argument("--folder", default=None)
    args = parser.parse_args()
    folder = args.folder or tempfile.mkdtemp(prefix="tandem-bench-")
    build(size=args.size, backend=args.backend, folder=folder, days=args.days)
    print(f"data in {folder}")


if __name__ == "__main__":
    main()
