"""Passkeys on the server side: the options the browser gets, and answers that must
be refused. Registering and signing in for real is tested in Chromium with a virtual
authenticator (tests/browser/test_passkey_journey.py)."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from journal.extensions import db
from journal.models import Passkey, UserSession, now_utc
from journal.testing import login_as, make_user

pytestmark = pytest.mark.sqlite_only  # WebAuthn options and checks: the same on both databases (tests/conftest.py)

GARBAGE = {
    "id": "AAAA",
    "rawId": "AAAA",
    "type": "public-key",
    "response": {
        "clientDataJSON": "e30",
        "authenticatorData": "AAAA",
        "signature": "AAAA",
        "attestationObject": "AAAA",
    },
}


def _passkey(user, credential_id=b"cred") -> Passkey:
    passkey = Passkey(
        user_id=user.id,
        credential_id=credential_id + str(user.id).encode(),
        public_key=b"key",
        device="Safari on an iPhone",
    )
    db.session.add(passkey)
    db.session.commit()
    return passkey


def test_registration_options_ask_for_a_discoverable_passkey_of_this_site(auth_client, user):
    _passkey(user)
    options = auth_client.post("/account/passkeys/options", json={"page": "/account/passkeys"}).get_json()
    assert options["rp"] == {"id": "localhost", "name": "Tandem"}, "from BASE_URL"
    assert options["authenticatorSelection"]["residentKey"] == "required"
    assert options["user"]["name"] == user.email and len(options["challenge"]) >= 43
    assert len(options["excludeCredentials"]) == 1, "the same authenticator isn't added twice"


def test_relying_party_can_be_configured(app, auth_client):
    app.config["WEBAUTHN_RP_ID"] = "tandem.example"
    options = auth_client.post("/account/passkeys/options", json={}).get_json()
    assert options["rp"]["id"] == "tandem.example"


def test_log_in_options_name_no_account_but_confirming_names_only_your_own(app, auth_client, user):
    other = make_user(email="other@example.com")
    _passkey(user, b"mine")
    _passkey(other, b"theirs")
    usernameless = app.test_client().post("/login/passkey/options", json={}).get_json()
    assert usernameless["allowCredentials"] == [] and usernameless["rpId"] == "localhost"
    confirming = auth_client.post("/reauth/passkey/options", json={}).get_json()
    assert len(confirming["allowCredentials"]) == 1


def test_answers_that_do_not_verify_sign_no_one_in(app, user):
    _passkey(user)
    client = app.test_client()
    assert client.post("/login/passkey", json={"credential": GARBAGE}).status_code == 400, "no ceremony started"
    client.post("/login/passkey/options", json={})
    response = client.post("/login/passkey", json={"credential": GARBAGE})
    assert response.status_code == 400 and "didn't work" in response.get_json()["error"]
    assert client.post("/login/passkey", data="not json", content_type="application/json").status_code == 400
    assert client.post("/login/passkey", json={"credential": "a string"}).status_code == 400
    assert client.get("/today").status_code == 302


def test_a_bad_registration_stores_nothing(auth_client, user):
    auth_client.post("/account/passkeys/options", json={})
    assert auth_client.post("/account/passkeys/add", json={"credential": GARBAGE}).status_code == 400
    assert auth_client.post("/account/passkeys/add", json=[1, 2]).status_code == 400
    assert db.session.scalar(select(func.count()).select_from(Passkey)) == 0


def test_removing_a_passkey_needs_a_recent_confirmation(auth_client, user):
    passkey = _passkey(user)
    db.session.execute(update(UserSession).values(authenticated_at=now_utc() - timedelta(minutes=11)))
    db.session.commit()
    stale = auth_client.post(f"/account/passkeys/{passkey.id}/delete")
    assert stale.status_code == 302 and stale.headers["Location"].startswith("/reauth")
    assert db.session.scalar(select(func.count()).select_from(Passkey)) == 1
    db.session.execute(update(UserSession).values(authenticated_at=now_utc()))
    db.session.commit()
    assert auth_client.post(f"/account/passkeys/{passkey.id}/delete").status_code == 302
    assert db.session.scalar(select(func.count()).select_from(Passkey)) == 0


def test_passkeys_go_with_the_account(app, user):
    _passkey(user)
    client = app.test_client()
    login_as(client, user)
    assert client.post("/account/delete", data={"confirm": "y"}).status_code == 302
    assert db.session.scalar(select(func.count()).select_from(Passkey)) == 0
