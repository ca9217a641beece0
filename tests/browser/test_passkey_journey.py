"""Passkeys in a real Chromium, with a virtual authenticator (the DevTools
protocol's WebAuthn domain) standing in for a phone's fingerprint reader.

A person adds a passkey from the account page, then signs in with it alone (no
email typed: a discoverable credential), confirms it's them with it before a
sensitive change, and uses it as the second step after the password when
two-step sign-in is on.

WebAuthn refuses IP addresses as relying-party ids, so this test opens the live
server as http://localhost:<port> and tells the app that is its relying party.
"""

import re
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from journal.auth.totp import totp_begin
from journal.extensions import db
from journal.models import Passkey, User, UserSession, now_utc
from journal.testing import make_user
from tests.browser.journeys import PHONE, expect, heading, log_in

PASSWORD = "a lantern by the quiet river"


@pytest.fixture
def on_localhost(live_server, journey):
    """Open the live server as localhost, its WebAuthn relying party, for this test."""
    port = live_server.url.rsplit(":", 1)[1]
    origin = f"http://localhost:{port}"
    config = live_server.app.config
    before = (config.get("WEBAUTHN_RP_ID"), config.get("WEBAUTHN_ORIGIN"), journey.base_url)
    config["WEBAUTHN_RP_ID"], config["WEBAUTHN_ORIGIN"] = "localhost", origin
    journey.base_url = origin
    yield origin
    config["WEBAUTHN_RP_ID"], config["WEBAUTHN_ORIGIN"], journey.base_url = before


def _virtual_authenticator(page):
    """A platform authenticator with a fingerprint that always says yes."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    added = cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )
    return cdp, added["authenticatorId"]


def _log_out(page):
    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(re.compile(r"/$"))


def test_add_a_passkey_then_sign_in_and_confirm_with_it(journey, live_server, on_localhost):
    email = f"passkey-{uuid.uuid4().hex[:8]}@example.com"
    with live_server.app.app_context():
        user_id = make_user(email=email, display_name="Ana", password=PASSWORD, timezone="Europe/London").id

    page = journey.person("A", viewport=PHONE)
    cdp, authenticator = _virtual_authenticator(page)
    log_in(page, email=email, password=PASSWORD, name="Ana")

    # Add a passkey from the account page.
    page.goto("/account")
    page.get_by_role("link", name="Passkeys").click()
    expect(heading(page, "Passkeys")).to_be_visible()
    expect(page.get_by_text("You haven't added a passkey yet.")).to_be_visible()
    page.get_by_role("button", name="Add a passkey on this device").click()
    expect(page.get_by_text("Your passkey is added.")).to_be_visible()
    expect(page.get_by_text("Chrome on Linux")).to_be_visible()
    journey.step(page, "passkey added")
    stored = cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator})["credentials"]
    assert len(stored) == 1 and stored[0]["isResidentCredential"], "a discoverable passkey"

    # Sign in with it alone: no email, no password.
    _log_out(page)
    page.goto("/login")
    page.get_by_role("button", name="Use a passkey").click()
    expect(page).to_have_url(re.compile(r"/today$"))
    expect(heading(page, "Hello, Ana")).to_be_visible()
    journey.step(page, "signed in with the passkey")

    # Some time later, changing the email asks to confirm: the passkey does it.
    stale = timedelta(minutes=live_server.app.config["REAUTH_MINUTES"] + 1)
    with live_server.app.app_context():
        db.session.execute(
            update(UserSession).where(UserSession.user_id == user_id).values(authenticated_at=now_utc() - stale)
        )
        db.session.commit()
    page.goto("/account/email")
    expect(heading(page, "Confirm it's you")).to_be_visible()
    page.get_by_role("button", name="Use your passkey").click()
    expect(page).to_have_url(re.compile(r"/account/email$"))
    expect(heading(page, "Change your email")).to_be_visible()

    # With two-step sign-in on, the passkey is the second step after the password.
    with live_server.app.app_context():
        user = db.session.get(User, user_id)
        totp_begin(user=user)
        user.totp_enabled_at = now_utc()
        db.session.commit()
    _log_out(page)
    page.goto("/login")
    page.get_by_label("Email", exact=True).fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Log in", exact=True).click()
    expect(heading(page, "One more step")).to_be_visible()
    journey.step(page, "second step")
    page.get_by_role("button", name="Use a passkey instead").click()
    expect(page).to_have_url(re.compile(r"/today$"))

    with live_server.app.app_context():
        passkey = db.session.scalar(select(Passkey).where(Passkey.user_id == user_id))
        assert passkey.sign_count >= 2 and passkey.last_used_at is not None
    journey.assert_clean()
