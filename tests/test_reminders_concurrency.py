"""Exactly once under concurrency, and nothing lost when a worker dies mid-batch.

Workers are separate processes with their own app and database connections,
claiming from the same outbox (FOR UPDATE SKIP LOCKED on PostgreSQL, one write
lock per claim on SQLite).
"""

import multiprocessing
import os
import signal
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select

from journal.access import Scope
from journal.extensions import db
from journal.models import Notification, Outbox, Practice, Schedule
from journal.practices.services import practices_load
from journal.reminders.dispatch import LEASE, drain

T0 = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def _worker(config: dict, mode: str, results) -> None:
    from journal import create_app
    from journal.reminders.dispatch import claim, deliver

    app = create_app(config)
    with app.app_context():
        if mode == "drain":
            results.put(drain(now=T0, max_batches=1000, limit=50))
        elif mode == "die":
            ids = claim(now=T0, limit=200, worker="doomed")
            deliver(ids[:50], now=T0)
            results.put(len(ids))
            results.close()
            results.join_thread()  # the count reaches the parent before the kill
            os.kill(os.getpid(), signal.SIGKILL)  # mid-batch: 150 claimed rows never delivered


def _fill(user, count: int) -> None:
    """`count` due in-app reminders for `user` (one daily schedule, one occurrence a day:
    the dispatcher sends only what is still an occurrence of its schedule)."""
    practices_load()
    plan = Scope(user).plan_or_create()
    practice = db.session.scalar(select(Practice).order_by(Practice.id))
    schedule = Schedule(
        plan_id=plan.id, practice_id=practice.id, kind="daily", times=["08:00"], start_date=date(2020, 1, 1)
    )
    db.session.add(schedule)
    db.session.flush()
    db.session.execute(
        Outbox.__table__.insert(),
        [
            {
                "schedule_id": schedule.id,
                "user_id": user.id,
                "channel": "inapp",
                "state": "pending",
                "occurrence_at": T0.replace(hour=8) - timedelta(days=i),
                "due_at": T0 - timedelta(seconds=i),
                "attempts": 0,
                "created_at": T0,
            }
            for i in range(count)
        ],
    )
    db.session.commit()


def _run(config, modes):
    ctx = multiprocessing.get_context("spawn")
    results = ctx.Queue()
    procs = [ctx.Process(target=_worker, args=(config, mode, results)) for mode in modes]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=120)
    return procs, [results.get(timeout=5) for _ in procs]


def test_four_workers_send_each_reminder_once(app, app_config, user):
    _fill(user, 2000)
    procs, results = _run(app_config, ["drain"] * 4)
    assert all(p.exitcode == 0 for p in procs)
    assert sum(r.get("sent", 0) for r in results) == 2000
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Outbox.id)).where(Outbox.state == "sent")) == 2000
    assert db.session.scalar(select(func.count(Notification.id))) == 2000
    assert db.session.scalar(select(func.count(func.distinct(Notification.outbox_id)))) == 2000


def test_a_worker_killed_mid_batch_loses_nothing_and_sends_nothing_twice(app, app_config, user):
    _fill(user, 200)
    procs, results = _run(app_config, ["die"])
    assert procs[0].exitcode == -signal.SIGKILL and results == [200]
    db.session.expire_all()
    states = dict(db.session.execute(select(Outbox.state, func.count()).group_by(Outbox.state)).all())
    assert states == {"sent": 50, "claimed": 150}
    assert drain(now=T0 + timedelta(seconds=30)) == {}, "the dead worker's lease still holds"
    assert drain(now=T0 + LEASE + timedelta(seconds=1)) == {"sent": 150}
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Outbox.id)).where(Outbox.state == "sent")) == 200
    assert db.session.scalar(select(func.count(Notification.id))) == 200
