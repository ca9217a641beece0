"""Web push: the server's VAPID keys, subscription checks and the sender.

The VAPID private key is made on first use and kept in the instance folder
(`vapid_private.pem`, mode 0600, written atomically so processes starting together
agree on one key). Endpoints and payloads are never logged: subscription ids only.
"""

import base64
import binascii
import json
import logging
import threading
from email.utils import parseaddr
from pathlib import Path
from urllib.parse import urlsplit

import requests
from cryptography.hazmat.primitives import serialization
from flask import current_app
from py_vapid import Vapid01
from sqlalchemy import select

from journal.config import instance_secret
from journal.crypto import DecryptError
from journal.crypto.digest import token_digest
from journal.crypto.fields import SealedFields
from journal.extensions import db
from journal.models.push import PushSubscription
from journal.netguard import host_public, private_destinations_allowed, public_connections_only
from journal.reminders.channels import SENT, TITLE, SendResult, reminder_body
from journal.urls import external_url

log = logging.getLogger(__name__)

VAPID_FILE = "vapid_private.pem"
P256DH_BYTES = 65
AUTH_BYTES = 16
#: Seconds to wait for the push service.
TIMEOUT = 10


_sending = threading.local()


class _QuietWhileSending(logging.Filter):
    """urllib3 logs request lines (the endpoint, a capability URL) at DEBUG: drop
    them while this thread is sending a push."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not getattr(_sending, "active", False)


_URLLIB3_LOG = logging.getLogger("urllib3.connectionpool")
if not any(isinstance(f, _QuietWhileSending) for f in _URLLIB3_LOG.filters):
    _URLLIB3_LOG.addFilter(_QuietWhileSending())


def _new_private_pem() -> str:
    vapid = Vapid01()
    vapid.generate_keys()
    return vapid.private_pem().decode("ascii")


def vapid_key_path(instance_path: str | None = None) -> Path:
    """The private key file, created (once, atomically, 0600) if absent."""
    instance_path = instance_path or current_app.instance_path
    instance_secret(instance_path, VAPID_FILE, make=_new_private_pem)
    return Path(instance_path) / VAPID_FILE


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Strict base64url (padding optional); ValueError on anything else."""
    if not isinstance(text, str) or not text or len(text) > 200:
        raise ValueError("not base64url")
    stripped = text.rstrip("=")
    if not all(c.isalnum() or c in "-_" for c in stripped) or not stripped.isascii():
        raise ValueError("not base64url")
    try:
        return base64.urlsafe_b64decode(stripped + "=" * (-len(stripped) % 4))
    except (binascii.Error, ValueError) as exc:
        raise ValueError("not base64url") from exc


def vapid_public_key(instance_path: str | None = None) -> str:
    """The application server key for `pushManager.subscribe`: the uncompressed
    P-256 point, base64url without padding."""
    vapid = Vapid01.from_file(str(vapid_key_path(instance_path)))
    raw = vapid.public_key.public_bytes(
        encoding=serialization.Encoding.X962, format=serialization.PublicFormat.UncompressedPoint
    )
    return b64url(raw)


class SubscriptionError(ValueError):
    """A subscription the browser sent that can't be used; the message is plain words."""


def endpoint_public(endpoint: str) -> bool:
    """True when the push service behind `endpoint` is on the internet (or private
    destinations are allowed): the same rule as every Apprise destination."""
    if private_destinations_allowed():
        return True
    try:
        parts = urlsplit(endpoint)
        host, port = parts.hostname, parts.port
    except ValueError:
        return False
    return bool(host) and host_public(host, port or 443)


def subscription_check(data) -> tuple[str, str, str]:
    """(endpoint, p256dh, auth) from a browser's subscription JSON, or SubscriptionError."""
    if not isinstance(data, dict):
        raise SubscriptionError("This device's notification details didn't come through. Please try again.")
    endpoint = data.get("endpoint")
    keys = data.get("keys")
    if not isinstance(endpoint, str) or not endpoint or len(endpoint) > 1000:
        raise SubscriptionError("This device's notification address is missing or too long.")
    try:
        parts = urlsplit(endpoint)
        host = parts.hostname
    except ValueError:
        raise SubscriptionError("This device's notification address isn't a web address.") from None
    local = current_app.config.get("TESTING") and parts.scheme == "http" and host in ("127.0.0.1", "localhost")
    if not host or not (parts.scheme == "https" or local) or parts.username or parts.password:
        raise SubscriptionError("This device's notification address must be a secure (https) address.")
    if not endpoint_public(endpoint):
        raise SubscriptionError("This device's notification address isn't on the internet, so Tandem can't send there.")
    if not isinstance(keys, dict):
        raise SubscriptionError("This device's notification keys are missing.")
    p256dh, auth = keys.get("p256dh"), keys.get("auth")
    try:
        if len(b64url_decode(p256dh)) != P256DH_BYTES or len(b64url_decode(auth)) != AUTH_BYTES:
            raise ValueError("wrong length")
    except ValueError:
        raise SubscriptionError("This device's notification keys don't look right.") from None
    return endpoint, p256dh, auth


#: The endpoint is sealed with its person's key, bound to the row.
ENDPOINT_TEXT = SealedFields(
    PushSubscription.__tablename__,
    ("endpoint",),
    owner=lambda row: ("user", row.user_id),
    author=lambda row: row.user_id,
    visibility=lambda row: None,
)


def endpoint_hash(endpoint: str) -> str:
    """How a sealed endpoint is found again (journal.crypto.digest, as for every token)."""
    return token_digest(endpoint)


def subscription_endpoint(subscription: PushSubscription) -> str:
    """The endpoint, opened; DecryptError if it can't be any more."""
    return ENDPOINT_TEXT.open_one(subscription, "endpoint")


def subscription_store(*, user, endpoint: str, p256dh: str, auth: str) -> PushSubscription:
    """Add or update (by endpoint) a subscription for `user`, without checks (see
    `subscription_save`). An endpoint another person had moves to `user`."""
    sub = db.session.execute(
        db.select(PushSubscription).filter_by(endpoint_hash=endpoint_hash(endpoint))
    ).scalar_one_or_none()
    if sub is None:
        sub = PushSubscription(
            user_id=user.id, endpoint_hash=endpoint_hash(endpoint), endpoint_sealed=b"", p256dh=p256dh, auth=auth
        )
        db.session.add(sub)
    else:
        sub.user_id, sub.p256dh, sub.auth = user.id, p256dh, auth
    db.session.flush()
    ENDPOINT_TEXT.seal_one(sub, "endpoint", endpoint)  # sealed again: the owner may have changed
    db.session.flush()
    return sub


def subscription_save(*, user, data) -> PushSubscription:
    """Add or update (by endpoint) a subscription for `user`. Flushes, never commits.
    An endpoint another person had is moved to `user`: the browser now belongs to them."""
    endpoint, p256dh, auth = subscription_check(data)
    sub = subscription_store(user=user, endpoint=endpoint, p256dh=p256dh, auth=auth)
    log.info("user %s: push subscription %s saved", user.id, sub.id)
    return sub


def subscriptions_list(*, user) -> list[PushSubscription]:
    """This person's devices with notifications on, oldest first."""
    return db.session.scalars(
        db.select(PushSubscription)
        .filter_by(user_id=user.id)
        .order_by(PushSubscription.created_at, PushSubscription.id)
    ).all()


def subscriptions_remove(*, user, endpoint: str | None = None) -> int:
    """Remove this user's subscription for `endpoint`, or all of theirs. Someone
    else's endpoint is left alone. Returns how many were removed."""
    query = db.delete(PushSubscription).where(PushSubscription.user_id == user.id)
    if endpoint is not None:
        query = query.where(PushSubscription.endpoint_hash == endpoint_hash(endpoint))
    count = db.session.execute(query).rowcount or 0
    log.info("user %s: %s push subscription(s) removed", user.id, count)
    return count


def _contact() -> str:
    configured = current_app.config.get("PUSH_CONTACT")
    if configured:
        return configured if configured.startswith(("mailto:", "https:")) else "mailto:" + configured
    address = parseaddr(current_app.config.get("MAIL_DEFAULT_SENDER") or "")[1]
    return "mailto:" + (address or "no-reply@tandem.invalid")


def push_send(
    *, subscription: PushSubscription, title: str, body: str, url: str, tag: str, ttl: int = 3600
) -> SendResult:
    """Send one notification. 404/410 remove the subscription (flushed) and say `gone`;
    429, 5xx and network failures are temporary; other 4xx are permanent."""
    payload = json.dumps({"title": title, "body": body, "url": url, "tag": tag})
    sub_id = subscription.id
    try:
        endpoint = subscription_endpoint(subscription)
    except DecryptError:
        log.warning("push subscription %s: endpoint can't be opened", sub_id)
        return SendResult(ok=False, error="push-unreadable")
    if not endpoint_public(endpoint):
        log.warning("push subscription %s: endpoint not on the internet, not contacted", sub_id)
        return SendResult(ok=False, error="push-private")
    # Imported here: pywebpush brings aiohttp (about 25 MB a process), and only the
    # reminder worker sends; web workers never need it.
    from pywebpush import WebPushException, webpush

    _sending.active = True
    guard = None
    try:
        with public_connections_only() as guard:
            webpush(
                subscription_info={
                    "endpoint": endpoint,
                    "keys": {"p256dh": subscription.p256dh, "auth": subscription.auth},
                },
                data=payload,
                vapid_private_key=str(vapid_key_path()),
                vapid_claims={"sub": _contact()},
                ttl=ttl,
                timeout=TIMEOUT,
            )
    except WebPushException as exc:
        status = getattr(exc.response, "status_code", None)
        if status is None:
            # Raised before anything was sent: the stored keys can't be used.
            log.warning("push subscription %s: keys unusable", sub_id)
            return SendResult(ok=False, error="push-invalid")
        if 200 <= status < 300:
            return SENT
        if status in (404, 410):
            db.session.delete(subscription)
            db.session.flush()
            log.info("push subscription %s: gone (%s), removed", sub_id, status)
            return SendResult(ok=False, gone=True, error=f"push-{status}")
        temporary = status == 429 or status >= 500
        log.warning("push subscription %s: refused with %s", sub_id, status)
        return SendResult(ok=False, temporary=temporary, error=f"push-{status}")
    except (requests.RequestException, OSError):
        if guard is not None and guard.refused:
            log.warning("push subscription %s: endpoint not on the internet, not contacted", sub_id)
            return SendResult(ok=False, error="push-private")
        log.warning("push subscription %s: push service unreachable", sub_id)
        return SendResult(ok=False, temporary=True, error="push-network")
    except ValueError:
        log.warning("push subscription %s: keys unusable", sub_id)
        return SendResult(ok=False, error="push-invalid")
    finally:
        _sending.active = False
    log.info("push subscription %s: sent", sub_id)
    return SENT


class Sender:
    """A reminder to every device of its person: sent when any device took it."""

    def __init__(self, *, now):
        self.now = now
        self.broken = False

    def send(self, row) -> SendResult:
        subscriptions = db.session.scalars(
            select(PushSubscription).where(PushSubscription.user_id == row.user_id)
        ).all()
        if not subscriptions:
            return SendResult(ok=False, unset=True, error="push-none")
        results = [
            push_send(
                subscription=s,
                title=TITLE,
                body=reminder_body(row.title, row.discreet),
                url=external_url("today.today"),
                tag=f"reminder-{row.id}",
            )
            for s in subscriptions
        ]
        if any(r.gone for r in results):
            # The removal is committed now, alone: the batch goes on sending (each push may
            # wait seconds on a service), and on SQLite an open write would hold the one
            # write lock, so every request that writes would wait meanwhile.
            db.session.commit()
        if any(r.ok for r in results):
            return next(r for r in results if r.ok)
        temporary = [r for r in results if r.temporary]
        return temporary[0] if temporary else results[0]

    def close(self) -> None:
        pass
