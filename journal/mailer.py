"""Sending account email (verification, password reset, email change).

With MAIL_SERVER set, mail goes through Flask-Mail to that SMTP server. Without it
(the embedded default) each message is written as an .eml file into
`instance/mail/`, so a developer can open the links with no mail server.
"""
import logging
import secrets
import time
from email.utils import make_msgid
from pathlib import Path

from flask import current_app, render_template
from flask_mail import Message

from journal.extensions import mail

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
        folder = Path(current_app.instance_path) / "mail"
        folder.mkdir(exist_ok=True)
        path = folder / f"{int(time.time() * 1000)}-{secrets.token_hex(4)}.eml"
        path.write_text(msg.as_string())
    log.info("sent %s email", kind)
