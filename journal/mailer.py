"""Sending mail, one way for every email: account emails (verification, password
reset, email change, a new sign-in, a partner who left) and reminders.

A message is an `EmailMessage` written with `policy.SMTP` (`WIRE`) and sent by
`message_send` over a `MailConnection`: Flask-Mail's SMTP connection to MAIL_SERVER
(with its MAIL_* settings), or, without MAIL_SERVER (the embedded default),
`MailFolder`, the one mail sink, which writes each message as an .eml file into
`instance/mail/` so a developer can open the links with no mail server. Account
emails are built here (`account_email_send`); reminder emails are built in batches
by `journal.reminders.channels.email` and sent the same way.
"""

import functools
import logging
import smtplib
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, make_msgid, parseaddr

from flask import current_app, render_template

from journal.extensions import mail
from journal.files import mail_file

log = logging.getLogger(__name__)

#: How mail goes on the wire: CRLF lines (SMTP), and headers folded only past 998
#: characters. Folded at 78, a long List-Unsubscribe URL becomes RFC 2047 encoded
#: words, which mail clients don't read as a link; 998 is RFC 5322's limit.
WIRE = policy.SMTP.clone(max_line_length=998)
#: For an address that isn't ASCII.
WIRE_UTF8 = policy.SMTPUTF8.clone(max_line_length=998)


class MailFolder:
    """The mail sink: stands in for an SMTP connection when no MAIL_SERVER is set,
    writing each message into `instance/mail/` (0600, in a 0700 folder)."""

    def __init__(self, instance_path: str):
        self.instance_path = instance_path

    def sendmail(self, sender, recipients, data: bytes, mail_options=()) -> None:
        mail_file(self.instance_path, data)


@functools.lru_cache(maxsize=8)
def _sender(configured: str | tuple[str, str]) -> tuple[str, str]:
    """(From header, envelope address) from MAIL_DEFAULT_SENDER ("Name <addr>" or a pair)."""
    name, address = configured if isinstance(configured, tuple) else parseaddr(configured)
    return formataddr((name, address)), address


def mail_from() -> tuple[str, str]:
    """(From header, envelope address) of every email Tandem sends."""
    configured = current_app.config["MAIL_DEFAULT_SENDER"]
    return _sender(tuple(configured) if isinstance(configured, list) else configured)


def mail_date() -> str:
    """A Date header for now."""
    return format_datetime(datetime.now(UTC))


def wire_bytes(message: EmailMessage, to: str) -> bytes:
    """The message as it goes on the wire to `to`."""
    return message.as_bytes(policy=WIRE if to.isascii() else WIRE_UTF8)


class MailConnection:
    """One SMTP connection (or the mail folder), opened on the first email; a reminder
    batch sends all its emails over one."""

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


def message_send(host, message: tuple[str, str, bytes]) -> None:
    """Send one built message (envelope sender, recipient, bytes) through an open
    connection; the server's refusals and lost connections are raised."""
    sender, to, data = message
    if host is None:  # MAIL_SUPPRESS_SEND
        return
    host.sendmail(sender, [to], data, mail_options=() if to.isascii() else ("SMTPUTF8",))


def account_email_send(*, to: str, subject: str, template: str, kind: str, **context) -> None:
    """Render `templates/email/<template>.txt` (and `.html`) and send it; a mail server
    that can't be reached or refuses raises (OSError, smtplib's errors).

    `kind` names the message in logs; the address and body never appear there.
    """
    from_header, envelope = mail_from()
    message = EmailMessage()
    message["From"] = from_header
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = mail_date()
    message["Message-ID"] = make_msgid(domain="tandem.invalid")
    message.set_content(render_template(f"email/{template}.txt", **context), cte="quoted-printable")
    message.add_alternative(
        render_template(f"email/{template}.html", **context), subtype="html", cte="quoted-printable"
    )
    connection = MailConnection()
    try:
        message_send(connection.get(), (envelope, to, wire_bytes(message, to)))
    finally:
        connection.close()
    log.info("sent %s email", kind)
