"""In-app reminders: a notification row in the person's list. The sender gathers a
batch's rows and writes them in one statement on `close`, which the dispatcher calls
before marking the outbox rows, in the same transaction: each reminder exactly once."""

from datetime import datetime

from journal.bulk import insert_ignore
from journal.models import Notification, now_utc
from journal.reminders.channels import SENT, SendResult


class Sender:
    def __init__(self, *, now: datetime):
        self.now = now
        self.broken = False
        self._rows: list[dict] = []

    def send(self, row) -> SendResult:
        self._rows.append(
            {
                "user_id": row.user_id,
                "outbox_id": row.id,
                "schedule_id": row.schedule_id,
                "occurrence_at": row.occurrence_at,
                "created_at": now_utc(),
            }
        )
        return SENT

    def close(self) -> None:
        if self._rows:  # one outbox row, one notification, however often retried
            insert_ignore(Notification.__table__, self._rows, key=["outbox_id"])
        self._rows = []
