"""Reminder pipeline benchmark (not a test): prints its figures.

    .venv/bin/python bench/reminders.py --backend sqlite --workers 1
    .venv/bin/python bench/reminders.py --backend postgresql --workers 4
    .venv/bin/python bench/reminders.py --couples 1000        # a quick run

Creates N couples (2N people) with 3 daily schedules each, all due at the same
minute, runs one tick, then drains the outbox with W worker processes: in-app
reminders for everyone, email for two people in three (to a local aiosmtpd sink,
one SMTP connection per batch). Prints the tick time, reminders per second,
emails per second, and checks zero duplicates and zero losses. Then measures a
tick with one due schedule among all the others, to show a tick's cost follows
the due reminders, not the number of people or schedules.
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
    from sqlalchemy.pool import NullPool

    if backend == "sqlite":
        url, engine = f"sqlite:///{folder}/bench.sqlite", {}
    else:
        url = PG_ADMIN.rsplit("/", 1)[0] + "/tandem_bench"
        engine = {"poolclass": NullPool, "connect_args": {"options": "-c synchronous_commit=off"}}
    return {
        "INSTANCE_PATH": f"{folder}/instance", "SECRET_KEY": "bench-" + "x" * 40, "SQLALCHEMY_DATABASE_URI": url,
        "SQLALCHEMY_ENGINE_OPTIONS": {"hide_parameters": True, **engine}, "RATELIMIT_ENABLED": False,
        "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": smtp_port, "LOG_LEVEL": "WARNING",
    }


def reset_postgres() -> None:
    from sqlalchemy import create_engine, text

    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text('DROP DATABASE IF EXISTS "tandem_bench" WITH (FORCE)'))
        conn.execute(text('CREATE DATABASE "tandem_bench"'))
    admin.dispose()


def populate(app, couples: int) -> int:
    """Bulk rows: people, couples, plans, 3 schedules each, email for 2 in 3 people."""
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
        db.session.execute(insert(User), [
            {"id": u + 1, "email": f"p{u + 1}@bench.invalid", "display_name": f"P{u + 1}", "password_hash": pw,
             "timezone": "Europe/London", "email_verified_at": now, "created_at": now, "failed_logins": 0,
             "couple_id": u // 2 + 1}
            for u in range(2 * couples)
        ])
        db.session.execute(insert(Plan), [
            {"id": c + 1, "couple_id": c + 1, "timezone": "Europe/London", "stage": 1, "created_at": now,
             "reveal_after_48h": False}
            for c in range(couples)
        ])
        db.session.execute(insert(Schedule), [
            {"plan_id": c + 1, "practice_id": practice, "kind": "daily", "times": ["20:00"], "weekdays": [],
             "interval": 1, "start_date": date(2026, 1, 1), "created_at": now, "next_due_at": T0}
            for c in range(couples) for _ in range(3)
        ])
        db.session.execute(insert(ReminderSettings), [
            {"user_id": u + 1, "email_on": u % 3 != 2, "push_on": False, "apprise_on": False, "discreet": True}
            for u in range(2 * couples)
        ])
        db.session.commit()
        if db.engine.dialect.name == "postgresql":
            for table in ("couples", "users", "plans", "schedules"):
                db.session.execute(db.text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"))
            db.session.execute(db.text("ANALYZE"))
            db.session.commit()
    return couples * 3 * 2


def worker(conf: dict, results) -> None:
    from journal import create_app
    from journal.reminders.dispatch import drain

    app = create_app(conf)
    with app.app_context():
        results.put(drain(now=T0 + timedelta(minutes=1), max_batches=100000, limit=500))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--couples", type=int, default=10000)
    args = parser.parse_args()

    from sqlalchemy import func, select

    from journal import create_app
    from journal.extensions import db
    from journal.models import Notification, Outbox, Schedule
    from journal.reminders.tick import tick
    from journal.testing import SMTPSink

    sink = SMTPSink().start()
    folder = tempfile.mkdtemp(prefix="tandem-bench-")
    if args.backend == "postgresql":
        reset_postgres()
    conf = config(args.backend, folder, sink.port)
    app = create_app(conf)
    started = time.perf_counter()
    pairs = populate(app, args.couples)
    print(f"populated {2 * args.couples} people, {3 * args.couples} schedules in {time.perf_counter() - started:.1f} s")

    with app.app_context():
        started = time.perf_counter()
        created = tick(now=T0)
        db.session.commit()
        tick_seconds = time.perf_counter() - started
    print(f"tick: {created} reminders recorded in {tick_seconds:.2f} s ({created / tick_seconds:,.0f}/s)")

    ctx = multiprocessing.get_context("spawn")
    results = ctx.Queue()
    started = time.perf_counter()
    procs = [ctx.Process(target=worker, args=(conf, results)) for _ in range(args.workers)]
    for p in procs:
        p.start()
    totals: dict[str, int] = {}
    for _ in procs:
        for state, n in results.get().items():
            totals[state] = totals.get(state, 0) + n
    for p in procs:
        p.join()
    seconds = time.perf_counter() - started

    with app.app_context():
        rows = dict(db.session.execute(select(Outbox.channel, func.count()).group_by(Outbox.channel)).all())
        sent = db.session.scalar(select(func.count()).select_from(Outbox).where(Outbox.state == "sent"))
        notes = db.session.scalar(select(func.count(func.distinct(Notification.outbox_id))))
        notes_all = db.session.scalar(select(func.count(Notification.id)))
    emails = sink.messages
    ids = {m["Message-ID"] for m in emails}
    total = sum(rows.values())
    print(f"drain with {args.workers} worker(s) on {args.backend}: {total} reminders in {seconds:.1f} s "
          f"= {total / seconds:,.0f} reminders/s (in-app {rows.get('inapp', 0)}, email {rows.get('email', 0)}: "
          f"{rows.get('email', 0) / seconds:,.0f} emails/s while in-app ran alongside)")
    print(f"in-app expected {pairs}, outbox in-app {rows.get('inapp', 0)}, notifications {notes_all} ({notes} distinct)")
    duplicates = (notes_all - notes) + (len(emails) - len(ids))
    losses = total - sent
    print(f"duplicates: {duplicates}   losses: {losses}   states: {totals}")

    with app.app_context():  # a tick with one due schedule among all the others
        db.session.execute(Schedule.__table__.update().values(next_due_at=T0 + timedelta(days=30)))
        db.session.execute(Schedule.__table__.update().where(Schedule.id == 1).values(next_due_at=T0 + timedelta(days=1)))
        db.session.commit()
        started = time.perf_counter()
        created = tick(now=T0 + timedelta(days=1))
        db.session.commit()
        print(f"tick with 1 due schedule among {3 * args.couples}: {created} reminders in "
              f"{(time.perf_counter() - started) * 1000:.1f} ms")
    sink.stop()
    if duplicates or losses:
        sys.exit(1)


if __name__ == "__main__":
    main()
