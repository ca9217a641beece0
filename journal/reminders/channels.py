"""What every channel sender returns."""
from dataclasses import dataclass


@dataclass(frozen=True)
class SendResult:
    """The outcome of one send. `error` is a short code for logs and the reminders
    page (e.g. "smtp-421", "push-410"), never text a person wrote."""

    ok: bool
    #: A temporary failure (SMTP 4xx, connection refused, push 429/5xx): try again later.
    temporary: bool = False
    #: The destination is gone for good (push 404/410): it was removed.
    gone: bool = False
    error: str | None = None


SENT = SendResult(ok=True)
