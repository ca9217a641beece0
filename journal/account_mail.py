"""Account emails go through an outbox, never out of the request that asks for them.

The emails: a link to confirm an address, to reset a password, to confirm a new
address or to put the old one back; a word that a new browser signed in; a word that
the partner left. A request queues one (`account_mail_queue`) in its own transaction,
and the reminder worker sends it, as it sends reminders: claimed with a lease
(`journal.leases`), so any number of workers send each once, tried again with backoff
while the mail server is down, deleted once the server has it.

Sending inside the request made a mail server that was down fail the request (a reset
or a sign-up answered with an error page, the account not made) and made how long a
reset took say whether the email had an account. Now a request only writes a row, and
a reset for an unknown email asks for the same kick (`account_mail_kick`): a count and
a row written are all that is left between the two answers.

Once a request that queued one has answered, the app kicks the worker
(`journal.reminders.worker.account_mail_task`, unless a task is already waiting: every
task of the worker sends the account emails due), so the email goes within seconds; the
worker's minute tick sends whatever a kick missed. A link's token is made when its
email is sent and recorded once the mail server has it, so its lifetime counts from then,
no usable token is stored while an email waits, and no transaction is open while the mail
server answers.
"""

import logging
from datetime import datetime, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo

from flask import g, has_request_context
from sqlalchemy import delete, select, update

from journal.auth.tokens import token_new, token_record
from journal.bulk import among
from journal.extensions import db
from journal.leases import lease_claim, retry_or_give_up, worker_name
from journal.mailer import MailConnection, account_message
from journal.models import MAIL_KINDS, AccountMail, ReminderSettings, User, now_utc
from journal.plan.rules import channel_chosen, email_sendable
from journal.reminders.channels.email import smtp_try
from journal.urls import external_url

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=2)
#: Tries 30 s, 1, 2, 4... minutes apart: ten tries over about four hours of a mail server being down.
BACKOFF = timedelta(seconds=30)
MAX_ATTEMPTS = 10
#: How long an email given up stays (for `flask reminders status`) before a drain deletes it,
#: counted from when it was queued.
KEEP_FAILED = timedelta(days=30)


class Kind(NamedTuple):
    subject: str  # discreet: nothing intimate, ever
    template: str  # templates/email/<template>.txt and .html
    endpoint: str  # the page the email's link opens
    token: bool  # the link carries a single-use token whose purpose is the kind's name


KINDS = {
    "verify_email": Kind("Confirm your email for Tandem", "verify", "auth.verify", True),
    "reset_password": Kind("Resetting your Tandem password", "reset", "auth.reset_password", True),
    "change_email": Kind("Confirm your new email for Tandem", "change_email", "account.email_confirm", True),
    "restore_email": Kind("Your Tandem sign-in email was changed", "email_changed", "account.email_restore", True),
    "new_browser": Kind("A new sign-in to your Tandem account", "new_browser", "security.sessions", False),
    "partner_left": Kind("A change on Tandem", "partner_left", "plan.overview", False),
}
assert tuple(KINDS) == MAIL_KINDS


def account_mail_queue(*, user_id: int, kind: str, to_email: str | None = None, device: str | None = None) -> None:
    """Queue an account email for `user_id` in the current transaction: it goes once that
    commits. `to_email` is the address when it isn't the account's own (a new address to
    confirm, the old one told of a change); `device` names a new browser."""
    if kind not in KINDS:
        raise ValueError(f"unknown account email {kind!r}")
    db.session.add(AccountMail(user_id=user_id, kind=kind, to_email=to_email, device=device, due_at=now_utc()))
    account_mail_kick()


def account_mail_cancel(*, user_id: int, kind: str) -> None:
    """Drop the emails of `kind` still waiting for `user_id` (an email change undone must not
    send a confirmation link queued before)."""
    db.session.execute(delete(AccountMail).where(AccountMail.user_id == user_id, AccountMail.kind == kind))


def account_mail_kick() -> None:
    """Kick the worker once this request has answered (`kick_after_request`)."""
    if has_request_context():
        g.account_mail_kick = True


def kick_after_request(response):
    """An `after_request` hook: after a request that queued an account email and
    succeeded (its view has committed), put a task on the worker's queue. A request that
    failed rolls its email back, so it kicks nothing. A queue that can't be reached loses
    nothing: the worker's minute tick sends the email."""
    if g.pop("account_mail_kick", False) and response.status_code < 400:
        from journal.reminders.worker import account_mail_task, huey  # the worker's queue, imported when first needed

        try:
            # Every task of the worker sends the account emails due, and this one is
            # committed: a task already waiting will send it. So a queue holds one such task
            # at most, however many requests come at once, or if no consumer runs (cron).
            if huey.pending_count() == 0:
                account_mail_task()
        except Exception:
            log.warning("could not queue the account email task; the worker's next tick sends the email")
    return response


def account_mail_drain(*, now: datetime | None = None, max_batches: int = 20, limit: int = 50) -> dict[str, int]:
    """Claim and send due account emails until none are left (or `max_batches`); returns
    counts by outcome (sent, skipped, pending, failed, held)."""
    totals: dict[str, int] = {}
    worker = worker_name()
    db.session.execute(
        delete(AccountMail).where(AccountMail.state == "failed", AccountMail.due_at < (now or now_utc()) - KEEP_FAILED)
    )
    db.session.commit()
    for _ in range(max_batches):
        at = now or now_utc()
        ids = lease_claim(AccountMail, now=at, lease=LEASE, limit=limit, worker=worker)
        if not ids:
            break
        for outcome, n in _deliver(ids, at).items():
            totals[outcome] = totals.get(outcome, 0) + n
    return totals


def _skip_reason(row) -> str | None:
    """Why an email is no longer wanted when its turn comes, or None."""
    if row.kind == "verify_email" and row.email_verified_at is not None:
        return "already confirmed"
    if row.kind == "partner_left" and not (
        channel_chosen("email", row) and email_sendable(verified_at=row.email_verified_at)
    ):
        return "no email reminders"
    return None


class _Person(NamedTuple):
    """What the email templates read of the person (`user.display_name`)."""

    display_name: str


def _message(row, raw: str | None) -> tuple[str, str, bytes]:
    """The email, built now, with `raw` in its link if its kind has a token."""
    kind = KINDS[row.kind]
    link = external_url(kind.endpoint, token=raw) if kind.token else external_url(kind.endpoint)
    context = {"user": _Person(row.display_name), "link": link}
    if row.kind == "new_browser":
        context.update(
            device=row.device,
            when=row.created_at.astimezone(ZoneInfo(row.timezone)).strftime("%-d %B %Y, %H:%M"),
            zone=row.timezone,
        )
    return account_message(to=row.to_email or row.email, subject=kind.subject, template=kind.template, **context)


def _built(row) -> tuple[str | None, tuple[str, str, bytes]] | None:
    """(the link's new token or None, the email), or None when it can't be written (a kind
    this version doesn't know, a template that fails): logged by kind, never its words."""
    try:
        raw = token_new() if KINDS[row.kind].token else None
        return raw, _message(row, raw)
    except Exception as exc:
        log.error("account email %s %s can't be written (%s)", row.kind, row.id, type(exc).__name__)
        return None


def _settle(mail_id: int, **values) -> None:
    """A claimed email's new state (sent ones are deleted instead); commits."""
    db.session.execute(
        update(AccountMail)
        .where(AccountMail.id == mail_id, AccountMail.state == "claimed")
        .values(lease_until=None, **values)
    )
    db.session.commit()


def _done(mail_id: int) -> None:
    """A claimed email sent (or no longer wanted): deleted, in the transaction that records
    its link's token if it has one; commits."""
    db.session.execute(delete(AccountMail).where(AccountMail.id == mail_id, AccountMail.state == "claimed"))
    db.session.commit()


_ROW = (
    AccountMail.id,
    AccountMail.user_id,
    AccountMail.kind,
    AccountMail.to_email,
    AccountMail.device,
    AccountMail.attempts,
    AccountMail.created_at,
    User.email,
    User.display_name,
    User.timezone,
    User.email_verified_at,
    ReminderSettings.email_on,
)


def _deliver(ids: list[int], now: datetime) -> dict[str, int]:
    """Send the claimed emails `ids`. No transaction is open while the mail server takes
    an email (on SQLite a write would hold the one write lock, and every request that
    writes would wait on a slow server): a link's token is made first and recorded, with
    the row's deletion, once the server has the email. A worker that dies in between
    leaves a link that doesn't work, and the row, claimable again when its lease ends,
    goes again with a new one."""
    rows = db.session.execute(
        select(*_ROW)
        .join(User, User.id == AccountMail.user_id)
        .outerjoin(ReminderSettings, ReminderSettings.user_id == AccountMail.user_id)
        .where(among(AccountMail.id, ids), AccountMail.state == "claimed")
        .order_by(AccountMail.id)
    ).all()
    db.session.commit()  # the rows are columns: nothing stays open while the server answers
    counts: dict[str, int] = {}
    connection = MailConnection()
    try:
        for row in rows:
            if connection.broken:  # the server can't be reached: not tried, no attempt counted
                _settle(row.id, state="pending", due_at=now + BACKOFF)
                outcome = "held"
            elif (reason := _skip_reason(row)) is not None:
                _done(row.id)
                log.info("account email %s not sent: %s", row.kind, reason)
                outcome = "skipped"
            elif (built := _built(row)) is None:  # can't be written: failed, not tried forever
                _settle(row.id, state="failed", attempts=row.attempts + 1, error="unbuildable")
                outcome = "failed"
            else:
                raw, message = built
                result = smtp_try(connection, message)
                if result.ok:
                    if raw is not None:
                        token_record(user_id=row.user_id, purpose=row.kind, raw=raw, new_email=row.to_email)
                    _done(row.id)
                    log.info("sent %s email", row.kind)
                    outcome = "sent"
                else:
                    values = retry_or_give_up(
                        attempts=row.attempts,
                        temporary=result.temporary,
                        now=now,
                        backoff=BACKOFF,
                        max_attempts=MAX_ATTEMPTS,
                    )
                    outcome = values["state"]
                    _settle(row.id, error=result.error, **values)
                    log.warning("account email %s not sent (%s), %s", row.kind, result.error, outcome)
            counts[outcome] = counts.get(outcome, 0) + 1
    finally:
        connection.close()
    return counts
