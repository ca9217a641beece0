"""Claiming rows of an outbox with a lease, for any number of workers.

An outbox here is a table with `id`, `state`, `due_at`, `lease_until` and `claimed_by`:
the reminders' (`journal.reminders.dispatch`) and the account emails'
(`journal.account_mail`). A claim is one UPDATE of the oldest due rows: on PostgreSQL
their ids are picked with `FOR UPDATE SKIP LOCKED`, so concurrent workers take disjoint
batches; on SQLite the single UPDATE statement holds the database's one write lock
(what `BEGIN IMMEDIATE` would do), so one worker claims at a time. A row whose worker
died is claimable again when its lease ends.
"""

import os
import socket
from datetime import datetime, timedelta

from sqlalchemy import and_, func, or_, select, update

from journal.extensions import db


def retry_or_give_up(*, attempts: int, temporary: bool, now: datetime, backoff: timedelta, max_attempts: int) -> dict:
    """A claimed row's new state after a failed try (`attempts` made before it): pending
    again after `backoff` doubled at each try, while the failure is temporary and tries
    are left; else failed (its due_at left as it was)."""
    attempts += 1
    if temporary and attempts < max_attempts:
        return {"state": "pending", "attempts": attempts, "due_at": now + backoff * 2 ** (attempts - 1)}
    return {"state": "failed", "attempts": attempts}


def count_by_state(model) -> dict[str, int]:
    """How many rows of the outbox `model` are in each state (`flask reminders status`)."""
    return dict(db.session.execute(select(model.state, func.count(model.id)).group_by(model.state)).all())


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def lease_claim(model, *, now: datetime, lease: timedelta, limit: int, worker: str | None = None) -> list[int]:
    """Take up to `limit` due rows of `model` for this worker until `now + lease`; commits
    the claim and returns their ids, oldest due first."""
    due = or_(
        and_(model.state == "pending", model.due_at <= now),
        and_(model.state == "claimed", model.lease_until < now),
    )
    pick = select(model.id).where(due).order_by(model.due_at).limit(limit)
    if db.session.get_bind().dialect.name == "postgresql":
        # Materialized, so the pick runs once: as a plain subquery the planner may run it
        # again for every row it updates (a nested-loop semi-join), and each run skips the
        # rows this UPDATE has just locked and takes the next ones: every due row, not `limit`.
        picked = pick.with_for_update(skip_locked=True).cte("picked").prefix_with("MATERIALIZED")
        pick = select(picked.c.id)
    ids = list(
        db.session.scalars(
            update(model)
            .where(model.id.in_(pick.scalar_subquery()), due)
            .values(state="claimed", lease_until=now + lease, claimed_by=worker or worker_name())
            .returning(model.id)
            .execution_options(synchronize_session=False)
        )
    )
    db.session.commit()
    return ids
