"""Sending account email (verification, password reset, email change).

With MAIL_SERVER set, mail goes through Flask-Mail to that SMTP server. Without it
(the embedded default) each message is written as an .eml file into
`instance/mail/` by `MailFolder`, the one mail sink (reminder emails use it too),
so a developer can open the links with no mail server.
"""
import logging
from email.utils import make_msgid

from flask import current_app, render_template
from flask_mail import Message

from journal.extensions import mail
from journal.files import mail_file

log = logging.getLogger(__name__)


class MailFolder:
    """The mail sink: stands in for an SMTP connection when no MAIL_SERVER is set,
    writing each message into `instance/mail/` (0600, in a 0700 folder)."""

    def __init__(self, instance_path: str):
        self.instance_path = instance_path

    def sendmail(self, sender, recipients, data: bytes, mail_options=()) -> None:
        mail_file(self.instance_path, data)


def account_email_send(*, to: str, subject: str, template: str, kind: str, **context) -> None:
    """Render `templates/email/<template>.txt` (and `.html`) and send it.

    `kind` names the message in logs; the address and body never appear there.
    """
    msg = Message(
        subject=subject,
        recipients=[to],
        body=render_template(f"email/{template}.txt", **context),
        html=render_template(f"email/{template}.html", **context),
        sender=current_app.config["MAIL_DEFAULT_SENDER"],
    )
    msg.msgId = make_msgid(domain="tandem.invalid")
    if current_app.config.get("MAIL_SERVER"):
        mail.send(msg)
    else:
        MailFolder(current_app.instance_path).sendmail(msg.sender, msg.recipients, msg.as_bytes())
    log.info("sent %s email", kind)
