"""The reminder channels, one module each (`inapp`, `email`, `push`, `apprise`), with
the same small interface:

    sender = channel.Sender(now=now)   # once per batch of claimed outbox rows
    result = sender.send(row)          # one row -> SendResult
    sender.broken                      # True: don't try this channel again in this batch
    sender.close()                     # end of the batch: write or release what it holds

A row is the dispatcher's joined outbox row (id, channel, user_id, email, title,
discreet...). What a sender reuses across a batch (an SMTP connection, rendered
email templates, the in-app notifications to write in one statement) lives on it.
"""

import logging
from dataclasses import dataclass
from datetime import datetime

from journal.models import now_utc
from journal.models.practice import NO_PRESSURE

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SendResult:
    """The outcome of one send. `error` is a short code for logs and the reminders
    page (e.g. "smtp-421", "push-410"), never text a person wrote."""

    ok: bool
    #: A temporary failure (SMTP 4xx, connection refused, push 429/5xx): try again later.
    temporary: bool = False
    #: The destination is gone for good (push 404/410): it was removed.
    gone: bool = False
    #: The person has no destination on this channel any more (they removed it after the
    #: reminder was queued): nothing went wrong, the reminder is not needed there.
    unset: bool = False
    error: str | None = None


SENT = SendResult(ok=True)

#: Push and Apprise titles are always discreet; only bodies may name the practice.
TITLE = "Tandem"
DISCREET_BODY = "It's time for the practice you planned."


def reminder_body(title: str, discreet: bool | None) -> str:
    """A push or Apprise body. Every body ends with the no-pressure line, as every
    reminder email does (the outbox row doesn't know the practice's stage, and the
    line is true of any practice)."""
    first = f"It's time for: {title}" if discreet is False else DISCREET_BODY
    return f"{first} {NO_PRESSURE}"


class Senders:
    """One batch's senders, one per channel, each opened on its first row."""

    def __init__(self, *, now: datetime | None = None):
        self.now = now or now_utc()
        self._open = {}

    def get(self, channel: str):
        """The channel's sender for this batch; KeyError for a channel we don't have."""
        if channel not in self._open:
            self._open[channel] = CHANNELS[channel].Sender(now=self.now)
        return self._open[channel]

    def broken(self, channel: str) -> bool:
        """The channel can't be reached in this batch: its other rows wait for a later try."""
        return channel in self._open and self._open[channel].broken

    def send(self, row) -> SendResult:
        try:
            sender = self.get(row.channel)
        except KeyError:
            log.error("outbox row %s has unknown channel", row.id)
            return SendResult(ok=False, error="channel-unknown")
        return sender.send(row)

    def close(self) -> None:
        for sender in self._open.values():
            sender.close()
        self._open.clear()


def send(row) -> SendResult:
    """Send one row on its own (a batch of one)."""
    senders = Senders()
    try:
        return senders.send(row)
    finally:
        senders.close()


# The channel modules import SendResult and SENT from here, so they come last.
from journal.reminders.channels import apprise, email, inapp, push  # noqa: E402

CHANNELS = {"inapp": inapp, "email": email, "push": push, "apprise": apprise}
