"""Browsers in plain words, and a discreet email when one signs in for the first time.

A browser that signs in gets a random marker in a long-lived cookie; the server
keeps only its SHA-256 per person (`known_browsers`). A successful sign-in from a
browser without a known marker sends the person a short email naming the browser
in plain words and the time: no location guessing, nothing intimate. The very
first browser of an account (registration, or the first sign-in after this was
added) is recorded without an email: there is nothing yet to compare it with.
"""

import logging
import re
import secrets

from flask import current_app
from sqlalchemy import exists, select

from journal.account_mail import account_mail_queue
from journal.crypto.digest import token_digest
from journal.extensions import db
from journal.models import KnownBrowser, User

log = logging.getLogger(__name__)

#: Two years: a browser stays "known" as long as it keeps its cookie.
MARKER_MAX_AGE = 2 * 365 * 24 * 3600

_BROWSERS = (  # order matters: Edge and Opera also say "Chrome", Chrome also says "Safari"
    ("Edg", "Edge"),
    ("OPR", "Opera"),
    ("SamsungBrowser", "Samsung Internet"),
    ("Firefox", "Firefox"),
    ("FxiOS", "Firefox"),
    ("CriOS", "Chrome"),
    ("HeadlessChrome", "Chrome"),
    ("Chromium", "Chromium"),
    ("Chrome", "Chrome"),
    ("Safari", "Safari"),
)
_SYSTEMS = (
    ("iPhone", "an iPhone"),
    ("iPad", "an iPad"),
    ("Android", "Android"),
    ("CrOS", "a Chromebook"),
    ("Windows", "Windows"),
    ("Macintosh", "a Mac"),
    ("Linux", "Linux"),
)


def device_describe(user_agent: str | None) -> str:
    """ "Firefox on Android", "Safari on an iPhone", or "An unknown browser"."""
    ua = user_agent or ""
    browser = next((name for token, name in _BROWSERS if re.search(rf"\b{token}/", ua)), None)
    system = next((name for token, name in _SYSTEMS if token in ua), None)
    if browser and system:
        return f"{browser} on {system}"
    if browser:
        return browser
    if system:
        return f"A browser on {system}"
    return "An unknown browser"


def marker_cookie_name() -> str:
    return "__Host-tandem-browser" if current_app.config["TANDEM_HTTPS"] else "tandem_browser"


def browser_recognise(*, user: User, marker: str | None) -> tuple[str, bool]:
    """Record this browser for `user`; returns (the marker it should keep, whether it is
    new to an account that already had another browser)."""
    if marker and len(marker) <= 64:
        known = db.session.scalar(
            select(KnownBrowser.id).where(
                KnownBrowser.user_id == user.id, KnownBrowser.marker_hash == token_digest(marker)
            )
        )
        if known is not None:
            return marker, False
    else:
        marker = secrets.token_urlsafe(32)
    had_any = db.session.scalar(select(exists().where(KnownBrowser.user_id == user.id)))
    db.session.add(KnownBrowser(user_id=user.id, marker_hash=token_digest(marker)))
    db.session.flush()
    return marker, bool(had_any)


def new_browser_alert(*, user: User, device: str) -> None:
    """Tell the person, discreetly, that a browser new to their account just signed in
    (queued with the sign-in: `journal.account_mail`)."""
    account_mail_queue(user_id=user.id, kind="new_browser", device=device[:80])
    log.info("new browser signed in for user %s", user.id)
