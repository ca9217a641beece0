"""Sending account email (verification, password reset, email change).

With MAIL_SERVER set, mail goes through Flask-Mail to that SMTP server. Without it
(the embedded default) each message is written as an .eml file into
`instance/mail/`, so a developer can open the links with no mail server.
"""
import logging
from email.utils import make_msgid

from flask import current_app, render_template
from flask_mail import Message

from journal.extensions import mail
from journal.files import mail_file

log = logging.getLogger(__name__)


def email_send(*, to: str, subject: str, template: str, kind: str, **context) -> None:
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
        mail_file(current_app.instance_path, msg.as_string().encode("utf-8"))
    log.info("sent %s email", kind)
