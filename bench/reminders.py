"""Reminder pipeline benchmark (not a test): prints its figures.

    .venv/bin/python bench/reminders.py --backend sqlite --workers 1
    .venv/bin/python bench/reminders.py --backend postgresql --workers 4
    .venv/bin/python bench/reminders.py --couples 1000        # a quick run

Creates N couples (2N people) with 3 daily schedules each, all due at the same
minute, then for two scenarios: (1) in-app reminders only, (2) in-app for
everyone plus email for two people in three (to a local aiosmtpd sink, one SMTP
connection per batch) -- 100,000 reminders with the default 10,000 couples. Each
runs one tick, then drains the outbox with W worker processes, and prints the
tick time, reminders per second (and emails per second), and checks that every
expected reminder was recorded and sent exactly once (zero duplicates, zero
losses). Last, it times a tick with one due schedule among all the others: a
tick's cost follows the due reminders, not the number of people or schedules.

The database runs with its default durability (synchronous_commit on).
"""

import argparse
import multiprocessing
import os
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

T0 = datetime(2026, 6, 1, 19, 0, tzinfo=UTC)
PG_ADMIN = os.environ.get("BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def config(backend: str, folder: str, smtp_port: int) -> dict:
    if backend == "sqlite":
        url, engine = f"sqlite:///{folder}/bench.sqlite", {}
    else:
        url = PG_ADMIN.rsplit("/", 1)[0] + "/tandem_bench"
        engine = {}
    return {
        "INSTANCE_PATH": f"{folder}/instance",
        "SECRET_KEY": "bench-" + "x" * 40,
        "SQLALCHEMY_DATABASE_URI": url,
        "SQLALCHEMY_ENGINE_OPTIONS": {"hide_parameters": True, **engine},
        "RATELIMIT_ENABLED": False,
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": smtp_port,
        "LOG_LEVEL": "WARNING",
    }


def reset_postgres() -> None:
    from sqlalchemy import create_engine, text

    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text('DROP DATABASE IF EXISTS "tandem_bench" WITH (FORCE)'))
        conn.execute(text('CREATE DATABASE "tandem_bench"'))
    admin.dispose()


def populate(app, couples: int, email: bool) -> tuple[int, int]:
    """Bulk rows: people, couples, plans, 3 schedules each, email for 2 in 3 people
    when `email`. Returns the in-app and email reminders one tick should record."""
    from sqlalchemy import insert, select

    from journal.auth.passwords import password_hash
    from journal.extensions import db
    from journal.models import Couple, Plan, Practice, ReminderSettings, Schedule, User
    from journal.practices.services import practices_load

    with app.app_context():
        db.create_all()
        practices_load()
        db.session.commit()
        practice = db.session.scalar(select(Practice.id).where(Practice.kind == "closeness").limit(1))
        pw = password_hash("bench password here")
        now = datetime.now(UTC)
        db.session.execute(insert(Couple), [{"id": c + 1, "created_at": now} for c in range(couples)])
        db.session.execute(
            insert(User),
            [
                {
                    "id": u + 1,
                    "email": f"p{u + 1}@bench.invalid",
                    "display_name": f"P{u + 1}",
                    "password_hash": pw,
                    "timezone": "Europe/London",
                    "email_verified_at": now,
                    "created_at": now,
                    "failed_logins": 0,
                    "couple_id": u // 2 + 1,
                }
                for u in range(2 * couples)
            ],
        )
        db.session.execute(
            insert(Plan),
            [
                {
                    "id": c + 1,
                    "couple_id": c + 1,
                    "timezone": "Europe/London",
                    "stage": 1,
                    "created_at": now,
                    "reveal_after_48h": False,
                }
                for c in range(couples)
            ],
        )
        db.session.execute(
            insert(Schedule),
            [
                {
                    "plan_id": c + 1,
                    "practice_id": practice,
                    "kind": "daily",
                    "times": ["20:00"],
                    "weekdays": [],
                    "interval": 1,
                    "start_date": date(2026, 1, 1),
                    "created_at": now,
                    "next_due_at": T0,
                }
                for c in range(couples)
                for _ in range(3)
            ],
        )
        db.session.execute(
            insert(ReminderSettings),
            [
                {
                    "user_id": u + 1,
                    "email_on": email and u % 3 != 2,
                    "push_on": False,
                    "apprise_on": False,
                    "discreet": True,
                }
                for u in range(2 * couples)
            ],
        )
        db.session.commit()
        if db.engine.dialect.name == "postgresql":
            for table in ("couples", "users", "plans", "schedules"):
                db.session.execute(
                    db.text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
                )
            db.session.execute(db.text("ANALYZE"))
            db.session.commit()
    emailed = sum(1 for u in range(2 * couples) if u % 3 != 2) if email else 0
    return couples * 3 * 2, emailed * 3


def worker(conf: dict, ready, go, results) -> None:
    """A worker process: builds its app, waits for the start signal, drains."""
    from journal import create_app
    from journal.reminders.dispatch import drain

    app = create_app(conf)
    with app.app_context():
        from journal.extensions import db

        db.session.execute(db.text("SELECT 1"))  # connected before the clock starts
        db.session.commit()
        ready.release()
        go.wait()
        totals = drain(now=T0 + timedelta(minutes=1), max_batches=100000, limit=500)
        results.put((time.perf_counter(), totals))


class RawSink:
    """An aiosmtpd server on loopback that keeps each message's bytes unparsed (the
    test suite's SMTPSink parses every message, which would measure the sink)."""

    def __init__(self):
        from aiosmtpd.controller import Controller

        self.messages: list[bytes] = []
        sink = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):
                sink.messages.append(envelope.original_content or envelope.content)
                return "250 OK"

        import socket

        with socket.socket() as free:
            free.bind(("127.0.0.1", 0))
            self.port = free.getsockname()[1]
        self._controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)

    def start(self) -> "RawSink":
        import logging

        logging.getLogger("mail.log").setLevel(logging.WARNING)
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()

    def message_ids(self) -> list[bytes]:
        import re

        return [m.group(1) for m in (re.search(rb"^Message-ID: (<[^>]+>)", raw, re.M) for raw in self.messages) if m]


def scenario(args, *, email: bool) -> bool:
    """One fresh database, one tick, one drain; prints figures, returns True if exact."""
    from sqlalchemy import func, select

    from journal import create_app
    from journal.extensions import db
    from journal.models import Notification, Outbox
    from journal.reminders.tick import tick

    sink = RawSink().start()
    folder = tempfile.mkdtemp(prefix="tandem-bench-")
    if args.backend == "postgresql":
        reset_postgres()
    conf = config(args.backend, folder, sink.port)
    app = create_app(conf)
    started = time.perf_counter()
    want_inapp, want_email = populate(app, args.couples, email)
    label = "in-app + email" if email else "in-app only"
    print(
        f"\n== {label}: {2 * args.couples} people, {3 * args.couples} schedules "
        f"(populated in {time.perf_counter() - started:.1f} s)"
    )

    with app.app_context():
        started = time.perf_counter()
        created = tick(now=T0)
        db.session.commit()
        tick_seconds = time.perf_counter() - started
    print(f"tick: {created:,} reminders recorded in {tick_seconds:.2f} s ({created / tick_seconds:,.0f}/s)")

    ctx = multiprocessing.get_context("spawn")
    results, ready, go = ctx.Queue(), ctx.Semaphore(0), ctx.Event()
    procs = [ctx.Process(target=worker, args=(conf, ready, go, results)) for _ in range(args.workers)]
    for p in procs:
        p.start()
    for _ in procs:  # every worker has imported the app and connected
        ready.acquire()
    started = time.perf_counter()  # perf_counter is system-wide on Linux (CLOCK_MONOTONIC)
    go.set()
    totals: dict[str, int] = {}
    finished = started
    for _ in procs:
        at, counts = results.get()
        finished = max(finished, at)
        for state, n in counts.items():
            totals[state] = totals.get(state, 0) + n
    for p in procs:
        p.join()
    seconds = finished - started

    with app.app_context():
        rows = dict(db.session.execute(select(Outbox.channel, func.count()).group_by(Outbox.channel)).all())
        sent = dict(
            db.session.execute(
                select(Outbox.channel, func.count()).where(Outbox.state == "sent").group_by(Outbox.channel)
            ).all()
        )
        notes = db.session.scalar(select(func.count(func.distinct(Notification.outbox_id))))
        notes_all = db.session.scalar(select(func.count(Notification.id)))
        for engine in db.engines.values():
            engine.dispose()
    emails = sink.message_ids()
    sink.stop()
    ids = set(emails)
    total = sum(rows.values())
    line = f"drain, {args.workers} worker(s) on {args.backend}: {total:,} reminders in {seconds:.1f} s = {total / seconds:,.0f}/s"
    if email:
        line += f"; emails {len(emails):,} = {len(emails) / seconds:,.0f}/s alongside the in-app ones"
    print(line)
    print(f"one tick plus draining: {tick_seconds + seconds:.1f} s for {total:,} reminders")
    duplicates = (notes_all - notes) + (len(emails) - len(ids))
    losses = (want_inapp - notes) + (want_email - len(ids))
    print(
        f"expected in-app {want_inapp:,}, email {want_email:,}; recorded {rows}; sent {sent}; "
        f"duplicates {duplicates}, losses {losses}; worker states {totals}"
    )
    return not duplicates and not losses and rows.get("inapp", 0) == want_inapp and rows.get("email", 0) == want_email


def tick_cost(args) -> None:
    """A tick with one due schedule among all the others."""
    from datetime import timedelta

    from journal import create_app
    from journal.extensions import db
    from journal.models import Schedule
    from journal.reminders.tick import tick

    folder = tempfile.mkdtemp(prefix="tandem-bench-")
    if args.backend == "postgresql":
        reset_postgres()
    app = create_app(config(args.backend, folder, 25))
    populate(app, args.couples, False)
    with app.app_context():
        db.session.execute(Schedule.__table__.update().values(next_due_at=T0 + timedelta(days=30)))
        db.session.execute(
            Schedule.__table__.update().where(Schedule.id == 1).values(next_due_at=T0 + timedelta(days=1))
        )
        db.session.commit()
        started = time.perf_counter()
        created = tick(now=T0 + timedelta(days=1))
        db.session.commit()
        print(
            f"\n== tick with 1 due schedule among {3 * args.couples:,}: {created} reminders in "
            f"{(time.perf_counter() - started) * 1000:.1f} ms"
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--couples", type=int, default=10000)
    args = parser.parse_args()
    exact = scenario(args, email=False) and scenario(args, email=True)
    tick_cost(args)
    if not exact:
        print("NOT EXACT: see the counts above")
        sys.exit(1)


if __name__ == "__main__":
    main()
