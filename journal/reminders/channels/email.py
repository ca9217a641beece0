"""Reminder emails: discreet subject, plain and HTML parts, one-click unsubscribe.

A reminder is an `EmailMessage` written with `policy.SMTP`; each template is
rendered once per batch and filled per person (`ReminderBodies`), and a batch's
emails go over one SMTP connection. With no MAIL_SERVER, reminders go into
`instance/mail/` through the one mail sink (`journal.mailer.MailFolder`), as
account emails do.
"""
import base64
import binascii
import functools
import hashlib
import hmac
import json
import os
import smtplib
import time
from email import policy
from email.message import EmailMessage
from email.utils import formataddr, formatdate, parseaddr

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app, render_template
from markupsafe import escape
from sqlalchemy import select

from journal.extensions import db, mail
from journal.mailer import MailFolder
from journal.models import User
from journal.reminders.channels import SENT, SendResult
from journal.views import external_url

SUBJECT = "Your Tandem reminder"


#: An unsubscribe link works this long after the email that carried it.
UNSUBSCRIBE_DAYS = 90
_UNSUBSCRIBE_AAD = b"tandem:unsubscribe:v1"


def _unsubscribe_key() -> bytes:
    """A key for unsubscribe links only, derived from SECRET_KEY."""
    secret = current_app.config["SECRET_KEY"]
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_UNSUBSCRIBE_AAD).derive(
        secret.encode("utf-8") if isinstance(secret, str) else secret
    )


def _address_digest(address: str) -> str:
    return hashlib.sha256(address.strip().lower().encode("utf-8")).hexdigest()[:32]


def unsubscribe_token(user_id: int, channel: str, address: str, *, now: float | None = None) -> str:
    """An opaque token (AES-GCM, nothing readable in it) that turns off one channel for
    one person without logging in: for the address it was sent to, for UNSUBSCRIBE_DAYS."""
    issued = int(now if now is not None else time.time())
    plain = json.dumps({"u": user_id, "c": channel, "a": _address_digest(address), "t": issued}).encode()
    nonce = os.urandom(12)
    sealed = nonce + AESGCM(_unsubscribe_key()).encrypt(nonce, plain, _UNSUBSCRIBE_AAD)
    return base64.urlsafe_b64encode(sealed).rstrip(b"=").decode("ascii")


def unsubscribe_read(token: str, *, now: float | None = None) -> tuple[int, str] | None:
    """(user id, channel) when the token is one of ours, not expired, and the person
    still has the address it was sent to; None otherwise."""
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        data = json.loads(AESGCM(_unsubscribe_key()).decrypt(raw[:12], raw[12:], _UNSUBSCRIBE_AAD))
        user_id, channel, digest, issued = int(data["u"]), str(data["c"]), str(data["a"]), int(data["t"])
    except (InvalidTag, binascii.Error, KeyError, TypeError, ValueError, UnicodeError):
        return None
    if (now if now is not None else time.time()) - issued > UNSUBSCRIBE_DAYS * 86400:
        return None
    address = db.session.scalar(select(User.email).where(User.id == user_id))
    if address is None or not hmac.compare_digest(_address_digest(address), digest):
        return None
    return user_id, channel


@functools.lru_cache(maxsize=8)
def _sender(configured: str | tuple[str, str]) -> tuple[str, str]:
    """(From header, envelope address) from MAIL_DEFAULT_SENDER ("Name <addr>" or a pair)."""
    name, address = configured if isinstance(configured, tuple) else parseaddr(configured)
    return formataddr((name, address)), address


#: Stands for the person's unsubscribe link while a template is rendered once for a
#: whole batch; HTML escaping leaves it as it is.
_UNSUBSCRIBE_SLOT = "tandem-unsubscribe-link-slot"


class ReminderBodies:
    """The reminder templates, each rendered once per batch (per wording: discreet, or
    one practice's title) and filled per person with their unsubscribe link."""

    def __init__(self):
        self._rendered: dict[str | None, tuple[str, str]] = {}

    def bodies(self, *, title: str | None, unsubscribe: str) -> tuple[str, str]:
        """(plain text, HTML) for one person."""
        if title not in self._rendered:
            context = {"title": title, "today": external_url("today.today"), "unsubscribe": _UNSUBSCRIBE_SLOT}
            self._rendered[title] = (render_template("email/reminder.txt", **context),
                                     render_template("email/reminder.html", **context))
        text, html = self._rendered[title]
        return text.replace(_UNSUBSCRIBE_SLOT, unsubscribe), html.replace(_UNSUBSCRIBE_SLOT, str(escape(unsubscribe)))


def reminder_message(*, outbox_id: int, to: str, user_id: int, title: str | None,
                     bodies: ReminderBodies | None = None) -> tuple[str, str, bytes]:
    """(envelope sender, recipient, message bytes) for one reminder: plain and HTML
    parts, a discreet subject, one-click unsubscribe (RFC 8058).

    `title` is None with discreet wording (the default): nothing names the practice,
    and the subject never does in any case. A batch passes its `bodies`, so each
    template is rendered once for all its emails.
    """
    unsubscribe = external_url("reminders.unsubscribe", token=unsubscribe_token(user_id, "email", to))
    text, html = (bodies or ReminderBodies()).bodies(title=title, unsubscribe=unsubscribe)
    configured = current_app.config["MAIL_DEFAULT_SENDER"]
    from_header, envelope = _sender(tuple(configured) if isinstance(configured, list) else configured)
    message = EmailMessage()
    message["From"] = from_header
    message["To"] = to
    message["Subject"] = SUBJECT
    message["Date"] = formatdate(usegmt=True)
    # The Message-ID is the idempotency key: one outbox row, one Message-ID, however often retried.
    message["Message-ID"] = f"<reminder-{outbox_id}@tandem.invalid>"
    message["List-Unsubscribe"] = f"<{unsubscribe}>"
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(text, cte="quoted-printable")
    message.add_alternative(html, subtype="html", cte="quoted-printable")
    # policy.SMTP ends lines in CRLF; an address that isn't ASCII needs SMTPUTF8.
    return envelope, to, message.as_bytes(policy=policy.SMTP if to.isascii() else policy.SMTPUTF8)


class MailConnection:
    """One SMTP connection for a whole batch, opened on the first email."""

    def __init__(self):
        self._context = None
        self._host = None
        #: The server could not be reached in this batch: the batch's other emails wait
        #: for a later try instead of each waiting out MAIL_TIMEOUT in turn.
        self.broken = False

    def get(self):
        if self._host is None:
            if not current_app.config.get("MAIL_SERVER"):
                self._host = MailFolder(current_app.instance_path)
            else:
                self._context = mail.connect()
                self._host = self._context.__enter__().host  # None when MAIL_SUPPRESS_SEND
        return self._host

    def close(self) -> None:
        if self._context is not None:
            try:
                self._context.__exit__(None, None, None)
            except (OSError, smtplib.SMTPException):
                pass
        self._context = self._host = None


def email_send(host, message: tuple[str, str, bytes]) -> SendResult:
    """Send one built message through an open connection (reused for a whole batch)."""
    sender, to, data = message
    if host is None:  # MAIL_SUPPRESS_SEND
        return SENT
    try:
        host.sendmail(sender, [to], data, mail_options=() if to.isascii() else ("SMTPUTF8",))
    except smtplib.SMTPRecipientsRefused as exc:
        code = next(iter(exc.recipients.values()))[0]
        return SendResult(ok=False, temporary=400 <= code < 500, error=f"smtp-{code}")
    except smtplib.SMTPResponseException as exc:
        return SendResult(ok=False, temporary=400 <= exc.smtp_code < 500, error=f"smtp-{exc.smtp_code}")
    except (smtplib.SMTPException, OSError):
        return SendResult(ok=False, temporary=True, error="smtp-connection")
    return SENT


class Sender:
    """Reminder emails for one batch, over one SMTP connection opened on the first."""

    def __init__(self, *, now):
        self.now = now
        self.smtp = MailConnection()
        self.bodies = ReminderBodies()

    @property
    def broken(self) -> bool:
        return self.smtp.broken

    def send(self, row) -> SendResult:
        message = reminder_message(
            outbox_id=row.id, to=row.email, user_id=row.user_id, title=row.title if row.discreet is False else None,
            bodies=self.bodies,
        )
        try:
            host = self.smtp.get()
        except (OSError, smtplib.SMTPException):
            self.smtp.close()
            self.smtp.broken = True
            return SendResult(ok=False, temporary=True, error="smtp-connection")
        result = email_send(host, message)
        if not result.ok:
            self.smtp.close()  # a fresh connection for the next one
            self.smtp.broken = result.error == "smtp-connection"
        return result

    def close(self) -> None:
        self.smtp.close()
