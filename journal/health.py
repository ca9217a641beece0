"""Readiness: can this process reach what it needs to serve (the database, and the master
keys that open what people wrote) and to have reminders sent (the queue the workers read)?
Each check answers yes or no, quickly."""

import logging
import sqlite3
from functools import cache

from sqlalchemy import func, select, text

from journal.config import queue_sqlite_path
from journal.extensions import db

log = logging.getLogger(__name__)

#: Seconds a readiness check may wait on the network.
TIMEOUT = 2


def database_ready() -> bool:
    try:
        db.session.execute(text("SELECT 1"))
        return True
    except Exception as exc:  # any driver error means "not ready"; its message may name hosts
        log.warning("readiness: database unreachable (%s)", type(exc).__name__)
        return False
    finally:
        db.session.rollback()


@cache
def _master_keys_in_use():
    """The master key ids the data keys are wrapped under, one index step per id (a loose
    index scan, written out because neither database makes one of DISTINCT): a probe every
    few seconds reads a handful of index entries, however many people have data keys. Built
    once per process."""
    from journal.models import DataKey

    column = DataKey.master_key_id
    first = select(func.min(column).label("id")).cte("in_use", recursive=True)
    following = select(select(func.min(column)).where(column > first.c.id).scalar_subquery())
    in_use = first.union_all(following.where(first.c.id.is_not(None)))
    return select(in_use.c.id).where(in_use.c.id.is_not(None))


def keys_ready() -> bool:
    """Every master key the database's data keys are wrapped under is configured: false when
    the key file is gone while words are sealed under it (journal.crypto.keyring), or holds
    other keys (a file made anew beside an old database). A new install makes its key here."""
    from journal.crypto.keyring import keyring

    try:
        in_use = db.session.scalars(_master_keys_in_use()).all()
        ring = keyring()
        if any(ring.get(key_id) is None for key_id in in_use):
            ring = keyring(reload=True)  # a rotation another process began adds a key to the file
        return all(ring.get(key_id) is not None for key_id in in_use)
    except Exception as exc:
        log.warning("readiness: master keys unavailable (%s)", type(exc).__name__)
        return False
    finally:
        db.session.rollback()


def queue_ready(redis_url: str | None) -> bool:
    """Redis answers a PING when REDIS_URL is set; otherwise the worker's SQLite queue file
    exists and its task table reads (the worker creates it when it starts)."""
    try:
        if redis_url:
            import redis  # here: only installs with REDIS_URL talk to Redis

            client = redis.Redis.from_url(redis_url, socket_connect_timeout=TIMEOUT, socket_timeout=TIMEOUT)
            try:
                return bool(client.ping())
            finally:
                client.close()
        path = queue_sqlite_path()
        conn = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True, timeout=TIMEOUT)
        try:
            conn.execute("SELECT count(*) FROM task").fetchone()
        finally:
            conn.close()
        return True
    except Exception as exc:
        log.warning("readiness: reminder queue unreachable (%s)", type(exc).__name__)
        return False
