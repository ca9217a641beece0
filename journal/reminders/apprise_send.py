"""Sending reminders to other services through Apprise (ntfy, Matrix, Telegram,
Signal gateways, generic JSON webhooks...). The destination URL often holds a
secret, so it is stored sealed and never logged."""
import ipaddress
import logging
import socket

import apprise
from flask import current_app
from sqlalchemy import select

from journal.crypto import DecryptError, context, seal, unseal, user_owner
from journal.extensions import db
from journal.models import AppriseTarget, User
from journal.reminders.channels import SENT, SendResult

log = logging.getLogger(__name__)


class _WithholdDetails(logging.Filter):
    """Apprise names the destination in its own messages: at INFO/DEBUG ("Loaded ...
    URL: ...") but also at WARNING/ERROR ("Unsupported URL: ...", "A Connection
    error occurred sending JSON notification to <host>"). Those can hold a secret
    (an ntfy topic, a token in a path), so each record keeps its level and loses
    its words before any handler sees it."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = "apprise reported a problem (details withheld: they can name the destination)"
        record.args = ()
        record.exc_info = record.exc_text = record.stack_info = None
        return True


def _quiet_apprise() -> None:
    # A logger's filters run only for records logged on that logger itself, so the
    # one child logger Apprise uses (XMPP) gets the filter too.
    for name in ("apprise", "apprise.xmpp"):
        apprise_log = logging.getLogger(name)
        if not any(isinstance(f, _WithholdDetails) for f in apprise_log.filters):
            apprise_log.addFilter(_WithholdDetails())
    logging.getLogger("apprise").setLevel(logging.WARNING)  # below WARNING: not even made


_quiet_apprise()

TEST_TITLE = "Tandem"
TEST_BODY = "Tandem is connected. Reminders will arrive here."


def _context(row: AppriseTarget) -> bytes:
    return context("apprise_targets", row.id, "url", row.user_id, None)


def _add(sender: apprise.Apprise, url: str) -> bool:
    try:
        return bool(sender.add(url))
    except Exception:  # noqa: BLE001 - Apprise should say False; a pasted URL must never cause a 500
        return False


def apprise_understands(url: str) -> bool:
    return _add(apprise.Apprise(), url)


def apprise_scheme(url: str) -> str | None:
    """Only the kind of service ("ntfy", "json"...): safe to show, never a secret."""
    scheme, sep, _ = url.partition("://")
    return scheme.lower() if sep and scheme.isalnum() else None


#: Schemes whose host is where Apprise connects: webhooks and self-hosted services.
#: Other schemes name a cloud service at a fixed address, and their host part holds an
#: id or a token (a Telegram bot id, a Discord webhook id), not an address.
_SELF_HOSTED = {
    "json", "jsons", "xml", "xmls", "form", "forms", "gotify", "gotifys", "matrix", "matrixs",
    "mmost", "mmosts", "rocket", "rockets", "ncloud", "nclouds", "apprise", "apprises", "mqtt",
    "mqtts", "signal", "signals", "xmpp", "xmpps", "mailto", "mailtos", "ntfy", "ntfys",
}


def private_destination(url: str) -> bool:
    """True when the service behind `url` is this machine or a private, link-local or
    otherwise non-public network (169.254.169.254, 10.0.0.5, localhost...), so that a
    pasted address can't make the server call inside its own network.

    The host is resolved as the connection would resolve it (a name, or an address in
    any form the system accepts, 2130706433 and 0x7f000001 included) for the schemes in
    _SELF_HOSTED; ntfy's host is a server only when it looks like one (otherwise it is a
    topic on ntfy.sh). A name is resolved once here: a DNS answer that changes before
    the send (DNS rebinding) is out of reach."""
    scheme = apprise_scheme(url)
    if scheme not in _SELF_HOSTED:
        return False
    try:
        plugin = apprise.Apprise.instantiate(url)
    except Exception:  # noqa: BLE001 - as in _add: a pasted URL must never cause a 500
        return False
    host = str(getattr(plugin, "host", None) or "").strip("[]").lower()
    if not host:
        return False
    if scheme in ("ntfy", "ntfys") and "." not in host and ":" not in host and host != "localhost":
        return False  # a topic on ntfy.sh
    try:
        found = socket.getaddrinfo(host, None)
    except (OSError, UnicodeError):
        return False  # nowhere to connect to: the send fails on its own
    return any(not ipaddress.ip_address(info[4][0].split("%")[0]).is_global for info in found)


def apprise_send(*, url: str, title: str, body: str) -> SendResult:
    sender = apprise.Apprise()
    if not _add(sender, url):
        return SendResult(ok=False, error="apprise-url")
    if not current_app.config.get("APPRISE_ALLOW_PRIVATE") and private_destination(url):
        return SendResult(ok=False, error="apprise-private")
    try:
        delivered = sender.notify(title=title, body=body)
    except Exception as exc:  # noqa: BLE001 - the type only, the message could name the URL
        log.warning("apprise raised %s", type(exc).__name__)
        delivered = False
    if delivered:
        return SENT
    # Apprise hides the service's answer: treat it as temporary, the pipeline retries.
    return SendResult(ok=False, temporary=True, error="apprise-failed")


def apprise_target_save(*, user: User, url: str) -> AppriseTarget:
    row = db.session.scalar(select(AppriseTarget).where(AppriseTarget.user_id == user.id))
    if row is None:
        row = AppriseTarget(user_id=user.id, url_sealed=b"")
        db.session.add(row)
        db.session.flush()
    row.url_sealed = seal(url, owner=user_owner(user), context=_context(row))
    db.session.flush()
    log.info("user %s set an apprise destination", user.id)
    return row


def apprise_target_url(user: User) -> str | None:
    row = db.session.scalar(select(AppriseTarget).where(AppriseTarget.user_id == user.id))
    if row is None:
        return None
    return unseal(row.url_sealed, owner=user_owner(user), context=_context(row))


def apprise_target_scheme(user: User) -> str | None:
    """What the page may say about the stored destination: its kind, or "" if one is
    set but can't be read any more; None if there is none."""
    row = db.session.scalar(select(AppriseTarget).where(AppriseTarget.user_id == user.id))
    if row is None:
        return None
    try:
        url = unseal(row.url_sealed, owner=user_owner(user), context=_context(row))
    except DecryptError:
        return ""
    return apprise_scheme(url or "") or ""


def apprise_target_delete(*, user: User) -> None:
    row = db.session.scalar(select(AppriseTarget).where(AppriseTarget.user_id == user.id))
    if row is not None:
        db.session.delete(row)
