"""The reminder worker, run by Huey's consumer; it also sends the account emails
(`journal.account_mail`):

    huey_consumer journal.reminders.worker.huey

Without REDIS_URL the queue is a SQLite file in the instance folder (one
machine); with REDIS_URL every consumer on every machine shares one queue.
Correctness never depends on Huey: it lives in the outbox's unique constraint
and leases, so a task run twice, late or in parallel sends each reminder once.
The web app never runs a scheduler; only consumers do. It only puts
`account_mail_task` on the queue after a request that queued an account email.

The app is made on a consumer's first task, not at import.
"""

import logging
import os

from flask import has_app_context
from huey import RedisHuey, SqliteHuey, crontab

from journal import create_app
from journal.account_mail import account_mail_drain
from journal.config import queue_sqlite_path
from journal.files import private_folder, private_sqlite_file
from journal.reminders.dispatch import drain
from journal.reminders.tick import tick

log = logging.getLogger(__name__)

_app = None


def _make_huey():
    redis_url = os.environ.get("REDIS_URL")
    if redis_url:
        return RedisHuey("tandem", url=redis_url)
    path = queue_sqlite_path()
    private_folder(path.parent)
    private_sqlite_file(f"sqlite:///{path}")  # 0600 like the database
    return SqliteHuey("tandem", filename=str(path))


huey = _make_huey()


def app():
    global _app
    if _app is None:
        _app = create_app()
    return _app


def _in_app(work):
    """Run `work` in the current app (Huey's immediate mode runs a task inside the request
    that queued it: the tests do), else in the worker's own."""
    if has_app_context():
        return work()
    with app().app_context():
        return work()


@huey.periodic_task(crontab(minute="*"))
def tick_task():
    """Every minute: any account email a kick missed, then record the reminders due and send them."""
    with app().app_context():
        account_mail_drain()  # first: someone may be waiting for a link, and it is quick
        tick()
    drain_task()


@huey.task()
def drain_task(max_batches: int = 50):
    """Send due reminders until none are left (bounded, so a task never runs forever), and
    the account emails due: every task here does, which lets a web process skip its kick
    while one waits (`journal.account_mail.kick_after_request`)."""
    with app().app_context():
        account_mail_drain()
        drain(max_batches=max_batches)


@huey.task()
def account_mail_task():
    """Send the account emails a request has just queued (and any others due)."""
    _in_app(account_mail_drain)
