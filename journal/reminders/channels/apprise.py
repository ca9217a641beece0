"""Sending reminders to other services through Apprise (ntfy, Matrix, Telegram,
Signal gateways, generic JSON webhooks...). The destination URL often holds a
secret, so it is stored sealed and never logged."""

import logging
from importlib import import_module
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import select

from journal.crypto import DecryptError
from journal.crypto.fields import SealedFields
from journal.extensions import db
from journal.models import AppriseTarget, User
from journal.netguard import address_public, host_addresses, private_destinations_allowed, public_connections_only
from journal.reminders.channels import SENT, TITLE, SendResult, reminder_body

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


#: The URL often holds a secret (a token, a topic): sealed with its person's key.
URL_TEXT = SealedFields(
    AppriseTarget.__tablename__,
    ("url",),
    owner=lambda row: ("user", row.user_id),
    author=lambda row: row.user_id,
    visibility=lambda row: None,
)


def _apprise():
    """The apprise package, imported on first use: it and its plugins are about 17 MB a
    process, and a web worker needs it only when someone saves a destination."""
    return import_module("apprise")


def _add(sender, url: str) -> bool:
    try:
        return bool(sender.add(url))
    except Exception:  # noqa: BLE001 - Apprise should say False; a pasted URL must never cause a 500
        return False


def apprise_understands(url: str) -> bool:
    return _add(_apprise().Apprise(), url)


def apprise_scheme(url: str) -> str | None:
    """Only the kind of service ("ntfy", "json"...): safe to show, never a secret."""
    scheme, sep, _ = url.partition("://")
    return scheme.lower() if sep and scheme.isalnum() else None


#: Plugins whose destination is not a TCP connection to a host: the desktop, D-Bus,
#: the local syslog socket, a USB light, and syslog over UDP. Nothing about them can
#: be judged the way a connection is, so they are refused outright (fail closed).
_LOCAL_OR_UDP = {
    "NotifyRSyslog",
    "NotifySyslog",
    "NotifyDBus",
    "NotifyGLib",
    "NotifyGnome",
    "NotifyMacOSX",
    "NotifyWindows",
    "NotifyBlink1",
    "NotifyVapid",
}


def _file_arguments(plugin) -> set[str]:
    """URL arguments that name a file on this server (an FCM key file, a PGP key, a
    Vapid subscription file): a pasted URL must not make the server read or write one."""
    names = set()
    specs = {**getattr(plugin, "template_tokens", {}), **getattr(plugin, "template_args", {})}
    for name, spec in specs.items():
        target = str(spec.get("map_to", name)) if isinstance(spec, dict) else name
        if "file" in name or "file" in target or "pgp" in name or "pgp" in target:
            names.add(name.lower())
    return names


def _hosts(plugin) -> set[str]:
    """The hosts Apprise parsed out of the URL that the plugin will connect to: its
    `host` when the plugin's URL has a host part (Apprise leaves it empty when the
    plugin runs in its cloud mode, an ntfy.sh topic for one), and every other
    attribute naming a host (an email's SMTP server, a Zulip server)."""
    hosts = set()
    if "host" in getattr(plugin, "template_tokens", {}) and plugin.host:
        hosts.add(plugin.host)
    for name, value in vars(plugin).items():
        if "host" in name.lower() and name != "host" and isinstance(value, str) and value:
            hosts.add(value)
    return hosts


def private_destination(url: str) -> bool:
    """True when Tandem must not send to `url`: the service behind it is this machine or a
    private, link-local, multicast or otherwise non-public address (169.254.169.254,
    10.0.0.5, localhost, 2130706433, [::1]...), or the URL names something that can't be
    judged as a connection (a local socket, UDP, the desktop, a file on this server), or
    Apprise can't read it at all (fail closed).

    Apprise's own parser says which host the plugin will use (`_hosts`); each is
    resolved as the connection would resolve it (`journal.netguard.host_public`). A
    name that doesn't resolve is left to the send, where `public_connections_only`
    judges the address actually connected to."""
    try:
        plugin = _apprise().Apprise.instantiate(url, suppress_exceptions=True)
    except Exception:  # noqa: BLE001 - as in _add: a pasted URL must never cause a 500
        plugin = None
    if plugin is None or type(plugin).__name__ in _LOCAL_OR_UDP:
        return True
    query = {key.lower() for key in parse_qs(urlsplit(url).query, keep_blank_values=True)} if "?" in url else set()
    if query & _file_arguments(plugin):
        return True
    for host in _hosts(plugin):
        addresses = host_addresses(host, getattr(plugin, "port", None))
        if addresses and not all(address_public(a) for a in addresses):
            return True
    return False


def apprise_send(*, url: str, title: str, body: str) -> SendResult:
    sender = _apprise().Apprise()
    if not _add(sender, url):
        return SendResult(ok=False, error="apprise-url")
    if not private_destinations_allowed() and private_destination(url):
        return SendResult(ok=False, error="apprise-private")
    guard = None
    try:
        with public_connections_only() as guard:
            delivered = sender.notify(title=title, body=body)
    except Exception as exc:  # noqa: BLE001 - the type only, the message could name the URL
        log.warning("apprise raised %s", type(exc).__name__)
        delivered = False
    if guard is not None and guard.refused:
        log.warning("apprise tried to connect to a non-public address; refused")
        return SendResult(ok=False, error="apprise-private")
    if delivered:
        return SENT
    # Apprise hides the service's answer: treat it as temporary, the pipeline retries.
    return SendResult(ok=False, temporary=True, error="apprise-failed")


class Sender:
    """A reminder to the person's own service, if they connected one."""

    def __init__(self, *, now):
        self.now = now
        self.broken = False

    def send(self, row) -> SendResult:
        try:
            url = apprise_target_url(db.session.get(User, row.user_id))
        except DecryptError:
            return SendResult(ok=False, error="apprise-unreadable")
        if url is None:
            return SendResult(ok=False, unset=True, error="apprise-none")
        return apprise_send(url=url, title=TITLE, body=reminder_body(row.title, row.discreet))

    def close(self) -> None:
        pass


def apprise_target_save(*, user: User, url: str) -> AppriseTarget:
    row = db.session.scalar(select(AppriseTarget).where(AppriseTarget.user_id == user.id))
    if row is None:
        row = AppriseTarget(user_id=user.id, url_sealed=b"")
        db.session.add(row)
        db.session.flush()
    URL_TEXT.seal_one(row, "url", url)
    db.session.flush()
    log.info("user %s set an apprise destination", user.id)
    return row


def apprise_target_url(user: User) -> str | None:
    row = db.session.scalar(select(AppriseTarget).where(AppriseTarget.user_id == user.id))
    if row is None:
        return None
    return URL_TEXT.open_one(row, "url")


def apprise_target_scheme(user: User) -> str | None:
    """What the page may say about the stored destination: its kind, or "" if one is
    set but can't be read any more; None if there is none."""
    row = db.session.scalar(select(AppriseTarget).where(AppriseTarget.user_id == user.id))
    if row is None:
        return None
    try:
        url = URL_TEXT.open_one(row, "url")
    except DecryptError:
        return ""
    return apprise_scheme(url or "") or ""


def apprise_target_delete(*, user: User) -> None:
    row = db.session.scalar(select(AppriseTarget).where(AppriseTarget.user_id == user.id))
    if row is not None:
        db.session.delete(row)
