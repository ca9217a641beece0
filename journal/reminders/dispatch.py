"""Workers: claim due outbox rows with a lease, send them, mark them.

Claims are `journal.leases.lease_claim`: disjoint batches for concurrent workers, and
a row whose worker died is claimable again when its lease ends. In-app reminders are
written and marked in one transaction (exactly once); other channels are marked
in small groups right after the channel accepted them, so a worker dying in
between is the only way a reminder goes out twice (once more, with the same
idempotency key).
"""

import logging
import time
from datetime import datetime, timedelta

from sqlalchemy import bindparam, select, update

from journal.bulk import among
from journal.extensions import db
from journal.leases import lease_claim, retry_or_give_up, worker_name
from journal.models import (
    Outbox,
    Plan,
    Practice,
    PromptAction,
    ReminderSettings,
    Schedule,
    User,
    now_utc,
)
from journal.plan.recurrence import Recurrence, occurs_at
from journal.plan.rules import channel_chosen, email_sendable, plan_current, practice_resting, prompted
from journal.plan.services import RECURRENCE_COLUMNS, pauses_by_plan, plan_paused_at, recurrence_of
from journal.reminders.channels import Senders, SendResult
from journal.reminders.tick import GRACE, in_quiet_hours
from journal.today.services import done_together

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=2)
#: The error of a row that raised while being decided or sent: failed at once, alone.
UNSENDABLE = "unsendable"
MAX_ATTEMPTS = 5
BACKOFF = timedelta(seconds=30)


def claim(*, now: datetime | None = None, limit: int = 200, worker: str | None = None) -> list[int]:
    """Take up to `limit` due rows for this worker; commits the claim."""
    return lease_claim(Outbox, now=now or now_utc(), lease=LEASE, limit=limit, worker=worker)


def _failure(row, result: SendResult, now: datetime) -> dict:
    """The row's new values after a failed send: retry later, or give up."""
    return {
        "oid": row.id,
        "error": result.error,
        "due_at": row.due_at,
        **retry_or_give_up(
            attempts=row.attempts, temporary=result.temporary, now=now, backoff=BACKOFF, max_attempts=MAX_ATTEMPTS
        ),
    }


class StillOccurring:
    """Whether a claimed reminder's occurrence is still one of its schedule's, as the schedule
    is now (`occurs_at`): the batch's schedules are read in one statement, each one's rules
    opened once, each (schedule, occurrence) asked once. A schedule this version can't read
    raises for each of its reminders, which then fail alone."""

    def __init__(self, schedule_ids: set[int]):
        self._schedules = {
            s.id: s
            for s in db.session.execute(
                select(Schedule.id, *RECURRENCE_COLUMNS).where(among(Schedule.id, schedule_ids))
            )
        }
        self._rules: dict[int, Recurrence] = {}
        self._answers: dict[tuple[int, datetime], bool] = {}

    def __call__(self, row) -> bool:
        key = (row.schedule_id, row.occurrence_at)
        if key not in self._answers:
            if row.schedule_id not in self._rules:
                self._rules[row.schedule_id] = recurrence_of(self._schedules[row.schedule_id])
            self._answers[key] = occurs_at(self._rules[row.schedule_id], row.plan_timezone, row.occurrence_at)
        return self._answers[key]


def reminder_outcome(
    row, acted: set, pauses: dict[int, list], now: datetime, still_occurring: StillOccurring
) -> tuple[str, str | None] | datetime:
    """What happens to a claimed row before any channel is tried: (state, reason),
    a datetime to hold it until (quiet hours), or ("send", None).

    The same rules as the tick, asked again at the moment of sending, since a pause, a
    hold, a step back or a done prompt may have come after the tick queued the row.
    Lateness counts from `due_at`, the moment the row became sendable (the occurrence,
    the end of quiet hours, a retry's time), never from the occurrence alone."""
    if (row.user_id, row.schedule_id, row.occurrence_at) in acted or row.removed_at is not None:
        return "skipped", "done"
    if (None, row.schedule_id, row.occurrence_at) in acted and done_together(
        prompt_user_id=row.prompt_user_id, together=row.together, kind=row.practice_kind
    ):
        return "skipped", "done"
    # Things changed after the tick queued this: the schedule (another time, other days,
    # another zone, only the other person), or the person's plan (they partnered, and
    # their plan-of-one prompts nobody now).
    if (
        not prompted(prompt_user_id=row.prompt_user_id, user_id=row.user_id)
        or not plan_current(
            couple_id=row.plan_couple_id,
            owner_id=row.plan_owner_id,
            user_id=row.user_id,
            user_couple_id=row.user_couple_id,
        )
        or not still_occurring(row)
    ):
        return "skipped", "changed"
    if plan_paused_at(pauses.get(row.plan_id, ()), row.plan_timezone, now=now):
        return "skipped", "paused"
    if practice_resting(
        kind=row.practice_kind, stage=row.practice_stage, plan_stage=row.plan_stage, hold_by_id=row.hold_by_id
    ):
        return "skipped", "resting"
    if not channel_chosen(row.channel, row):  # turned off since (the page, an unsubscribe link)
        return "skipped", "off"
    if row.channel == "email" and not email_sendable(verified_at=row.email_verified_at):
        return "skipped", "unverified"
    if row.due_at < now - GRACE:
        return "missed", None
    quiet_end = in_quiet_hours(row, row.user_timezone, now)  # the row carries quiet_start/quiet_end
    return quiet_end if quiet_end is not None else ("send", None)


_ROW = (
    Outbox.id,
    Outbox.channel,
    Outbox.user_id,
    Outbox.schedule_id,
    Outbox.occurrence_at,
    Outbox.due_at,
    Outbox.attempts,
    User.email,
    User.email_verified_at,
    User.timezone.label("user_timezone"),
    User.couple_id.label("user_couple_id"),
    Schedule.removed_at,
    Plan.id.label("plan_id"),
    Plan.couple_id.label("plan_couple_id"),
    Plan.owner_id.label("plan_owner_id"),
    Plan.timezone.label("plan_timezone"),
    Plan.hold_by_id,
    Plan.stage.label("plan_stage"),
    Practice.title,
    Practice.kind.label("practice_kind"),
    Practice.stage.label("practice_stage"),
    ReminderSettings.discreet,
    ReminderSettings.email_on,
    ReminderSettings.push_on,
    ReminderSettings.apprise_on,
    ReminderSettings.quiet_start,
    ReminderSettings.quiet_end,
    Schedule.prompt_user_id,
    Practice.together,
)
_T = Outbox.__table__
#: External sends are marked (and committed) in groups this size: a worker that dies
#: mid-group resends at most these, once each, with the same idempotency key.
MARK_EVERY = 50


def _set_state(ids: list[int], **values) -> None:
    if ids:
        db.session.execute(
            update(_T).where(among(_T.c.id, ids), _T.c.state == "claimed").values(lease_until=None, **values)
        )


def _set_each(values: list[dict], *columns: str) -> None:
    """Per-row values for `columns`, as one executemany keyed on "oid"."""
    if values:
        db.session.execute(
            update(_T)
            .where(_T.c.id == bindparam("oid"), _T.c.state == "claimed")
            .values(lease_until=None, **{c: bindparam(c) for c in columns}),
            values,
        )


def deliver(ids: list[int], *, now: datetime | None = None) -> dict[str, int]:
    """Send the claimed rows `ids`; returns counts by final state.

    Bulk by design: a few reads (the rows, their prompt actions, pauses and
    schedules), then a few statements per batch, whatever its size. Everything
    decided without a channel (missed, done, changed, paused, turned off, held for
    quiet hours, in-app) is written in one transaction; other channels are marked in
    groups of MARK_EVERY right after the channel accepted them.
    """
    now = now or now_utc()
    if not ids:
        return {}
    rows = db.session.execute(
        select(*_ROW)
        .join(User, User.id == Outbox.user_id)
        .join(Schedule, Schedule.id == Outbox.schedule_id)
        .join(Plan, Plan.id == Schedule.plan_id)
        .join(Practice, Practice.id == Schedule.practice_id)
        .outerjoin(ReminderSettings, ReminderSettings.user_id == Outbox.user_id)
        .where(among(Outbox.id, ids), Outbox.state == "claimed")
        .order_by(Outbox.id)
    ).all()
    # (person, schedule, occurrence) done, skipped or snoozed, and (None, schedule, occurrence)
    # when anyone marked it done: a practice done together is done for both (today.done_together).
    acted = set()
    for user_id, schedule_id, occurrence_at, state in db.session.execute(
        select(PromptAction.user_id, PromptAction.schedule_id, PromptAction.occurrence_at, PromptAction.state).where(
            among(PromptAction.schedule_id, {r.schedule_id for r in rows}),
            PromptAction.occurrence_at >= min((r.occurrence_at for r in rows), default=now),
            PromptAction.state.in_(("done", "skipped", "snoozed")),
        )
    ):
        acted.add((user_id, schedule_id, occurrence_at))
        if state == "done":
            acted.add((None, schedule_id, occurrence_at))
    pauses = pauses_by_plan({r.plan_id for r in rows})
    still_occurring = StillOccurring({r.schedule_id for r in rows})
    counts: dict[str, int] = {}
    settled: dict[tuple[str, str | None], list[int]] = {}
    held, inapp, external = [], [], []
    for row in rows:
        try:
            outcome = reminder_outcome(row, acted, pauses, now, still_occurring)
        except Exception as exc:  # one row the worker can't handle must not stop the batch
            log.error("reminder %s can't be decided (%s)", row.id, type(exc).__name__)
            outcome = ("failed", UNSENDABLE)
        if isinstance(outcome, datetime):
            held.append({"oid": row.id, "state": "pending", "due_at": outcome})
        elif outcome[0] != "send":
            settled.setdefault(outcome, []).append(row.id)
        elif row.channel == "inapp":
            inapp.append(row)
        else:
            external.append(row)

    for (state, reason), group in settled.items():
        _set_state(group, state=state, error=reason)
        counts[state] = counts.get(state, 0) + len(group)
    _set_each(held, "state", "due_at")
    if held:
        counts["held"] = len(held)
    if inapp:  # notifications and their rows' marks in one transaction: exactly once
        senders = Senders(now=now)
        for row in inapp:
            senders.send(row)
        senders.close()
        _set_state([r.id for r in inapp], state="sent", sent_at=now, error=None)
        counts["sent"] = len(inapp)
    db.session.commit()

    senders = Senders(now=now)
    # Rows not tried before half the lease has gone go back untouched, so no other
    # worker can claim a row this one may still be sending.
    deadline = time.monotonic() + LEASE.total_seconds() / 2
    try:
        for start in range(0, len(external), MARK_EVERY):
            sent, failed, released, unset = [], [], [], {}
            for row in external[start : start + MARK_EVERY]:
                if time.monotonic() > deadline:
                    released.append({"oid": row.id, "state": "pending", "due_at": row.due_at})
                    continue
                if senders.broken(row.channel):  # not tried: no attempt counted
                    released.append({"oid": row.id, "state": "pending", "due_at": now + BACKOFF})
                    continue
                try:
                    result = senders.send(row)
                except Exception as exc:  # one row the worker can't handle must not stop the batch
                    log.error("reminder %s can't be sent (%s)", row.id, type(exc).__name__)
                    result = SendResult(ok=False, error=UNSENDABLE)
                if result.ok:
                    sent.append(row.id)
                elif result.unset:  # its device or service removed since: not needed, nothing failed
                    unset.setdefault(result.error, []).append(row.id)
                else:
                    failed.append(_failure(row, result, now))
            _set_state(sent, state="sent", sent_at=now, error=None)
            for error, group in unset.items():
                _set_state(group, state="skipped", error=error)
            _set_each(failed, "state", "attempts", "error", "due_at")
            _set_each(released, "state", "due_at")
            db.session.commit()
            if unset:
                counts["skipped"] = counts.get("skipped", 0) + sum(len(group) for group in unset.values())
            if released:
                counts["held"] = counts.get("held", 0) + len(released)
            counts["sent"] = counts.get("sent", 0) + len(sent)
            for values in failed:
                counts[values["state"]] = counts.get(values["state"], 0) + 1
    finally:
        senders.close()
    return counts


def drain(*, now: datetime | None = None, max_batches: int = 50, limit: int = 200) -> dict[str, int]:
    """Claim and deliver batches until nothing is due (or `max_batches`)."""
    totals: dict[str, int] = {}
    worker = worker_name()
    for _ in range(max_batches):
        ids = claim(now=now, limit=limit, worker=worker)
        if not ids:
            break
        for state, n in deliver(ids, now=now).items():
            totals[state] = totals.get(state, 0) + n
    return totals
