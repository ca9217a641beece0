"""Reminder emails: discreet subject, plain and HTML parts, one-click unsubscribe.

A reminder is built straight into bytes (two quoted-printable parts under fixed
headers), about ten times cheaper than going through `email.generator`, and sent
over one SMTP connection per batch. With no MAIL_SERVER, reminders are written as
.eml files into `instance/mail/`, as account emails are.
"""
import binascii
import functools
import secrets
import smtplib
from email.utils import formataddr, formatdate, parseaddr

from flask import current_app, render_template
from itsdangerous import BadSignature, URLSafeSerializer

from journal.extensions import mail
from journal.files import mail_file
from journal.reminders.channels import SENT, SendResult
from journal.views import external_url

SUBJECT = "Your Tandem reminder"


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="tandem-unsubscribe")


def unsubscribe_token(user_id: int, channel: str) -> str:
    """A token that turns off one channel for one person, without logging in."""
    return _serializer().dumps({"u": user_id, "c": channel})


def unsubscribe_read(token: str) -> tuple[int, str] | None:
    try:
        data = _serializer().loads(token)
        return int(data["u"]), str(data["c"])
    except (BadSignature, KeyError, TypeError, ValueError):
        return None


@functools.lru_cache(maxsize=8)
def _sender(configured: str | tuple[str, str]) -> tuple[str, str]:
    """(From header, envelope address) from MAIL_DEFAULT_SENDER ("Name <addr>" or a pair)."""
    name, address = configured if isinstance(configured, tuple) else parseaddr(configured)
    return formataddr((name, address), charset="utf-8"), address


def _part(subtype: str, text: str) -> str:
    body = binascii.b2a_qp(text.encode("utf-8"), istext=True).decode("ascii")
    return (f'Content-Type: text/{subtype}; charset="utf-8"\nContent-Transfer-Encoding: quoted-printable\n\n'
            f"{body}\n")


def reminder_message(*, outbox_id: int, to: str, user_id: int, title: str | None) -> tuple[str, str, bytes]:
    """(envelope sender, recipient, message bytes) for one reminder.

    `title` is None with discreet wording (the default): nothing names the practice,
    and the subject never does in any case.
    """
    unsubscribe = external_url("reminders.unsubscribe", token=unsubscribe_token(user_id, "email"))
    context = {"title": title, "today": external_url("today.today"), "unsubscribe": unsubscribe}
    configured = current_app.config["MAIL_DEFAULT_SENDER"]
    from_header, envelope = _sender(tuple(configured) if isinstance(configured, list) else configured)
    boundary = "tandem-" + secrets.token_hex(12)
    # The Message-ID is the idempotency key: one outbox row, one Message-ID, however often retried.
    text = (
        f"From: {from_header}\nTo: {to}\nSubject: {SUBJECT}\n"
        f"Date: {formatdate(usegmt=True)}\nMessage-ID: <reminder-{outbox_id}@tandem.invalid>\n"
        f"List-Unsubscribe: <{unsubscribe}>\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\n"
        f'MIME-Version: 1.0\nContent-Type: multipart/alternative; boundary="{boundary}"\n\n'
        f"--{boundary}\n{_part('plain', render_template('email/reminder.txt', **context))}"
        f"--{boundary}\n{_part('html', render_template('email/reminder.html', **context))}"
        f"--{boundary}--\n"
    )
    return envelope, to, text.encode("utf-8").replace(b"\n", b"\r\n")  # SMTP lines end in CRLF


class _MailFolder:
    """Stands in for an SMTP connection when no MAIL_SERVER is set."""

    def __init__(self, instance_path: str):
        self.instance_path = instance_path

    def sendmail(self, sender, recipients, data, mail_options=()):
        mail_file(self.instance_path, data)


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
                self._host = _MailFolder(current_app.instance_path)
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
