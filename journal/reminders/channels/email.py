"""Reminder emails: discreet subject, plain and HTML parts, one-click unsubscribe.

A reminder is built and sent the way `journal.mailer` builds and sends every email
(an `EmailMessage` written with `WIRE`, `message_send` over a `MailConnection`, the
mail folder without MAIL_SERVER); a batch renders each template and builds each
wording's message once, and fills it per person (`ReminderEmails`); a batch's emails
go over one SMTP connection.
"""

import base64
import binascii
import hashlib
import hmac
import json
import os
import re
import secrets
import smtplib
import time
from email import policy, quoprimime
from email.message import EmailMessage

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app, render_template
from markupsafe import escape
from sqlalchemy import select

from journal.extensions import db
from journal.mailer import WIRE, MailConnection, mail_date, mail_from, message_send, wire_bytes
from journal.models import User
from journal.reminders.channels import SENT, SendResult
from journal.urls import external_url

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


def _filled(template: str, **context) -> tuple[str, str]:
    """(plain text, HTML) of one reminder."""
    return render_template(f"{template}.txt", **context), render_template(f"{template}.html", **context)


def _build(
    *, from_header: str, to: str, date: str, message_id: str, unsubscribe: str, text: str, html: str
) -> EmailMessage:
    """One reminder email: a discreet subject, plain and HTML parts, one-click unsubscribe (RFC 8058)."""
    message = EmailMessage()
    message["From"] = from_header
    message["To"] = to
    message["Subject"] = SUBJECT
    message["Date"] = date
    # The Message-ID is the idempotency key: one outbox row, one Message-ID, however often retried.
    message["Message-ID"] = message_id
    message["List-Unsubscribe"] = f"<{unsubscribe}>"
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(text, cte="quoted-printable")
    message.add_alternative(html, subtype="html", cte="quoted-printable")
    return message


def _context(title: str | None, unsubscribe: str) -> dict:
    return {"title": title, "today": external_url("today.today"), "unsubscribe": unsubscribe}


def _message_id(outbox_id: int) -> str:
    return f"<reminder-{outbox_id}@tandem.invalid>"


def reminder_message(*, outbox_id: int, to: str, user_id: int, title: str | None) -> tuple[str, str, bytes]:
    """(envelope sender, recipient, message bytes) for one reminder, built whole.

    `title` is None with discreet wording (the default): nothing names the practice,
    and the subject never does in any case. A batch uses `ReminderEmails`, which
    gives the same message for a fraction of the work.
    """
    unsubscribe = external_url("reminders.unsubscribe", token=unsubscribe_token(user_id, "email", to))
    text, html = _filled("email/reminder", **_context(title, unsubscribe))
    from_header, envelope = mail_from()
    message = _build(
        from_header=from_header,
        to=to,
        date=mail_date(),
        message_id=_message_id(outbox_id),
        unsubscribe=unsubscribe,
        text=text,
        html=html,
    )
    return envelope, to, wire_bytes(message, to)


#: What a batch's skeleton holds where each person's own values go. Plain ASCII words
#: that HTML escaping, header folding and quoted-printable leave as they are; the
#: unsubscribe slot, rendered next to a practice's title, is one no title can hold.
_TO = "to-slot@tandem.invalid"
_DATE = "Date: date-slot"
_MESSAGE_ID = "<message-id-slot@tandem.invalid>"
_UNSUBSCRIBE = "unsubscribe-slot-" + secrets.token_hex(8)
#: Addresses the header registry writes as they are; any other is built whole.
_PLAIN_ADDRESS = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9.-]+")
_PLAIN, _HTML = "plain-body-slot", "html-body-slot"


def _qp(text: str) -> bytes:
    """A body as `EmailMessage.set_content(text, cte="quoted-printable")` encodes it
    (email.contentmanager), in SMTP's CRLF lines."""
    lines = text.encode("utf-8").splitlines()
    encoded = quoprimime.body_encode((b"\n".join(lines) + b"\n").decode("latin-1"), policy.default.max_line_length)
    return encoded.encode("ascii").replace(b"\n", b"\r\n")


class ReminderEmails:
    """A batch's reminder emails. Rendering the templates and building the message
    (parsing and folding its headers) is most of an email's cost and the same for
    everyone, so each wording (discreet, or one practice's title) is rendered and
    built as an `EmailMessage` once per batch, and each person's email is that
    message with their address, date, Message-ID and unsubscribe link filled in:
    the bytes `reminder_message` would give them (tests/test_reminder_emails.py)."""

    def __init__(self):
        self._made: dict[str | None, tuple[bytes, str, str]] = {}

    def _skeleton(self, title: str | None) -> tuple[bytes, str, str]:
        if title not in self._made:
            text, html = _filled("email/reminder", **_context(title, _UNSUBSCRIBE))
            message = _build(
                from_header=mail_from()[0],
                to=_TO,
                date=mail_date(),
                message_id=_MESSAGE_ID,
                unsubscribe=_UNSUBSCRIBE,
                text=_PLAIN,
                html=_HTML,
            )
            skeleton = re.sub(rb"^Date: [^\r\n]*", _DATE.encode(), message.as_bytes(policy=WIRE), count=1, flags=re.M)
            self._made[title] = (skeleton, text, html)
        return self._made[title]

    def message(self, *, outbox_id: int, to: str, user_id: int, title: str | None) -> tuple[str, str, bytes]:
        """(envelope sender, recipient, message bytes), as `reminder_message`."""
        if not _PLAIN_ADDRESS.fullmatch(to):  # SMTPUTF8, or an address the registry would rewrite
            return reminder_message(outbox_id=outbox_id, to=to, user_id=user_id, title=title)
        skeleton, text, html = self._skeleton(title)
        unsubscribe = external_url("reminders.unsubscribe", token=unsubscribe_token(user_id, "email", to))
        text = text.replace(_UNSUBSCRIBE, unsubscribe)
        html = html.replace(_UNSUBSCRIBE, str(escape(unsubscribe)))
        data = (
            skeleton.replace(_TO.encode(), to.encode(), 1)
            .replace(_DATE.encode(), f"Date: {mail_date()}".encode(), 1)
            .replace(_MESSAGE_ID.encode(), _message_id(outbox_id).encode(), 1)
            .replace(f"<{_UNSUBSCRIBE}>".encode(), f"<{unsubscribe}>".encode(), 1)
            .replace(_PLAIN.encode() + b"\r\n", _qp(text), 1)
            .replace(_HTML.encode() + b"\r\n", _qp(html), 1)
        )
        return mail_from()[1], to, data


def smtp_try(connection: MailConnection, message: tuple[str, str, bytes]) -> SendResult:
    """Send one built email (a reminder, an account email) over `connection`, opened on
    the first and reused for a whole batch; the server's answer becomes a SendResult
    (4xx and a lost connection: try again). A server that can't be reached marks the
    connection broken, so a batch's other emails wait instead of each timing out."""
    try:
        host = connection.get()
    except (OSError, smtplib.SMTPException):
        connection.close()
        connection.broken = True
        return SendResult(ok=False, temporary=True, error="smtp-connection")
    try:
        message_send(host, message)
    except smtplib.SMTPRecipientsRefused as exc:
        code = next(iter(exc.recipients.values()))[0]
        result = SendResult(ok=False, temporary=400 <= code < 500, error=f"smtp-{code}")
    except smtplib.SMTPResponseException as exc:
        result = SendResult(ok=False, temporary=400 <= exc.smtp_code < 500, error=f"smtp-{exc.smtp_code}")
    except (smtplib.SMTPException, OSError):
        result = SendResult(ok=False, temporary=True, error="smtp-connection")
    else:
        return SENT
    connection.close()  # a fresh connection for the next one
    connection.broken = result.error == "smtp-connection"
    return result


class Sender:
    """Reminder emails for one batch, over one SMTP connection opened on the first."""

    def __init__(self, *, now):
        self.now = now
        self.smtp = MailConnection()
        self.emails = ReminderEmails()

    @property
    def broken(self) -> bool:
        return self.smtp.broken

    def send(self, row) -> SendResult:
        message = self.emails.message(
            outbox_id=row.id, to=row.email, user_id=row.user_id, title=row.title if row.discreet is False else None
        )
        return smtp_try(self.smtp, message)

    def close(self) -> None:
        self.smtp.close()
