"""Sending mail, one way for every email: account emails (verification, password
reset, email change, a new sign-in, a partner who left) and reminders.

A message is an `EmailMessage` written with `policy.SMTP` (`WIRE`) and sent by
`message_send` over a `MailConnection`: an SMTP connection to MAIL_SERVER (with the
MAIL_* settings, `smtp_open`), or, without MAIL_SERVER (the embedded default),
`MailFolder`, the one mail sink, which writes each message as an .eml file into
`instance/mail/` so a developer can open the links with no mail server. Account
emails are built here (`account_message`) and queued and sent by
`journal.account_mail`; reminder emails are built in batches by
`journal.reminders.channels.email`; both are sent the same way.
"""

import functools
import logging
import smtplib
import ssl
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, make_msgid, parseaddr

from flask import current_app, render_template

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
        self._host = None
        #: The server could not be reached in this batch: the batch's other emails wait
        #: for a later try instead of each waiting out MAIL_TIMEOUT in turn.
        self.broken = False

    def get(self) -> "smtplib.SMTP | MailFolder":
        """The open connection: an SMTP client for MAIL_SERVER, or the mail folder."""
        if self._host is None:
            config = current_app.config
            if config.get("MAIL_SERVER"):
                self._host = smtp_open(config)
            else:
                self._host = MailFolder(current_app.instance_path)
        return self._host

    def close(self) -> None:
        if isinstance(self._host, smtplib.SMTP):
            try:
                self._host.quit()
            except (OSError, smtplib.SMTPException):
                self._host.close()
        self._host = None


def smtp_open(config) -> smtplib.SMTP:
    """A connection to MAIL_SERVER with the MAIL_* settings: TLS from the start
    (MAIL_USE_SSL) or STARTTLS (MAIL_USE_TLS), a login when a user name and password are
    set, and MAIL_TIMEOUT seconds at most for connecting and for every answer after.

    Over TLS the server's certificate and name are checked against the machine's trusted
    authorities (SSL_CERT_FILE adds one): the emails carry sign-in and reset links."""
    server, port, timeout = config["MAIL_SERVER"], config.get("MAIL_PORT") or 25, config.get("MAIL_TIMEOUT") or 10
    if config.get("MAIL_USE_SSL"):
        host = smtplib.SMTP_SSL(server, port, timeout=timeout, context=ssl.create_default_context())
    else:
        host = smtplib.SMTP(server, port, timeout=timeout)
    try:
        if config.get("MAIL_USE_TLS"):
            host.starttls(context=ssl.create_default_context())
        if config.get("MAIL_USERNAME") and config.get("MAIL_PASSWORD"):
            host.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
    except BaseException:
        host.close()
        raise
    return host


def message_send(host, message: tuple[str, str, bytes]) -> None:
    """Send one built message (envelope sender, recipient, bytes) through an open
    connection; the server's refusals and lost connections are raised."""
    sender, to, data = message
    host.sendmail(sender, [to], data, mail_options=() if to.isascii() else ("SMTPUTF8",))


def account_message(*, to: str, subject: str, template: str, **context) -> tuple[str, str, bytes]:
    """(envelope sender, recipient, bytes) of an account email: `templates/email/<template>.txt`
    and `.html`, rendered with `context`."""
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
    return envelope, to, wire_bytes(message, to)


def account_email_send(*, to: str, subject: str, template: str, kind: str, **context) -> None:
    """Build an account email (`account_message`) and send it now, over a connection of
    its own; a mail server that can't be reached or refuses raises (OSError, smtplib's
    errors). For `flask reminders send-test`: the app's own account emails go through
    the outbox (`journal.account_mail`), never inside a request.

    `kind` names the message in logs; the address and body never appear there.
    """
    connection = MailConnection()
    try:
        message_send(connection.get(), account_message(to=to, subject=subject, template=template, **context))
    finally:
        connection.close()
    log.info("sent %s email", kind)
