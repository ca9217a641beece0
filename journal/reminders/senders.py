"""Sending one outbox row through its channel (email, web push, Apprise)."""
import logging
import smtplib

from sqlalchemy import select

from journal.crypto import DecryptError
from journal.extensions import db
from journal.models.practice import NO_PRESSURE
from journal.reminders.channels import SendResult
from journal.reminders.email_channel import email_send, reminder_message
from journal.views import external_url

log = logging.getLogger(__name__)

#: Push and Apprise titles are always discreet; only bodies may name the practice.
TITLE = "Tandem"
DISCREET_BODY = "It's time for the practice you planned."


def _body(title: str, discreet: bool | None) -> str:
    """Every body ends with the no-pressure line, as every reminder email does (the
    outbox row doesn't know the practice's stage, and the line is true of any practice)."""
    first = f"It's time for: {title}" if discreet is False else DISCREET_BODY
    return f"{first} {NO_PRESSURE}"


def send(row, smtp) -> SendResult:
    """Send outbox row `row` (the dispatcher's joined row: id, channel, user_id,
    email, title, discreet) through its channel."""
    if row.channel == "email":
        message = reminder_message(
            outbox_id=row.id, to=row.email, user_id=row.user_id, title=row.title if row.discreet is False else None
        )
        try:
            host = smtp.get()
        except (OSError, smtplib.SMTPException):
            smtp.close()
            smtp.broken = True
            return SendResult(ok=False, temporary=True, error="smtp-connection")
        result = email_send(host, message)
        if not result.ok:
            smtp.close()  # a fresh connection for the next one
            smtp.broken = result.error == "smtp-connection"
        return result
    if row.channel == "push":
        from journal.models.push import PushSubscription
        from journal.reminders.push import push_send

        subscriptions = db.session.scalars(select(PushSubscription).where(PushSubscription.user_id == row.user_id)).all()
        if not subscriptions:
            return SendResult(ok=False, error="push-none")
        results = [
            push_send(subscription=s, title=TITLE, body=_body(row.title, row.discreet),
                      url=external_url("today.today"), tag=f"reminder-{row.id}")
            for s in subscriptions
        ]
        if any(r.ok for r in results):
            return next(r for r in results if r.ok)
        temporary = [r for r in results if r.temporary]
        return temporary[0] if temporary else results[0]
    if row.channel == "apprise":
        from journal.models import User
        from journal.reminders.apprise_send import apprise_send, apprise_target_url

        try:
            url = apprise_target_url(db.session.get(User, row.user_id))
        except DecryptError:
            return SendResult(ok=False, error="apprise-unreadable")
        if url is None:
            return SendResult(ok=False, error="apprise-none")
        return apprise_send(url=url, title=TITLE, body=_body(row.title, row.discreet))
    log.error("outbox row %s has unknown channel", row.id)
    return SendResult(ok=False, error="channel-unknown")
