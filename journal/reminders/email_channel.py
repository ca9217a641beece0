"""Reminder emails: discreet subject, plain and HTML parts, one-click unsubscribe."""
from flask import current_app, render_template
from flask_mail import Message
from itsdangerous import BadSignature, URLSafeSerializer

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


def reminder_message(*, outbox_id: int, to: str, user_id: int, title: str | None) -> Message:
    """`title` is None with discreet wording (the default): nothing names the practice."""
    unsubscribe = external_url("reminders.unsubscribe", token=unsubscribe_token(user_id, "email"))
    context = {"title": title, "today": external_url("today.today"), "unsubscribe": unsubscribe}
    msg = Message(
        subject=SUBJECT,
        recipients=[to],
        body=render_template("email/reminder.txt", **context),
        html=render_template("email/reminder.html", **context),
        sender=current_app.config["MAIL_DEFAULT_SENDER"],
        extra_headers={
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )
    # The idempotency key: one outbox row, one Message-ID, however often it is retried.
    msg.msgId = f"<reminder-{outbox_id}@tandem.invalid>"
    return msg


def email_send(connection, message: Message) -> SendResult:
    """Send through an open Flask-Mail connection (reused for a whole batch)."""
    import smtplib

    try:
        connection.send(message)
    except smtplib.SMTPRecipientsRefused as exc:
        code = next(iter(exc.recipients.values()))[0]
        return SendResult(ok=False, temporary=400 <= code < 500, error=f"smtp-{code}")
    except smtplib.SMTPResponseException as exc:
        return SendResult(ok=False, temporary=400 <= exc.smtp_code < 500, error=f"smtp-{exc.smtp_code}")
    except (smtplib.SMTPException, OSError):
        return SendResult(ok=False, temporary=True, error="smtp-connection")
    return SENT
