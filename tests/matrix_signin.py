"""Access matrix rows for sign-in security (see tests/test_access_matrix.py): the
second step of logging in, passkey sign-in, "confirm it's you", sessions,
two-factor and passkeys.

The author has a second session (another device) and a passkey, both named in
URLs: only the author may end or remove them; for anyone else they don't exist.
The author has also started (not finished) setting up two-factor sign-in, so the
set-up page shows its QR code. Every matrix client has just logged in, so
re-authentication is fresh.
"""

from sqlalchemy import select

from journal.auth.sessions import session_start
from journal.auth.totp import totp_begin
from journal.crypto.digest import token_digest
from journal.extensions import db
from journal.models import Passkey, UserSession, now_utc
from journal.testing import make_user
from tests.access_roles import A, L, each, roles, signed_in

ROWS = {
    ("signin.reauth", "GET"): ("/reauth?next=/account/password", signed_in(200)),
    ("signin.reauth", "POST"): ("/reauth", signed_in(422)),
    ("signin.reauth_passkey_options", "POST"): ("/reauth/passkey/options", signed_in(200)),
    # A form post is not the browser's WebAuthn answer.
    ("signin.reauth_passkey", "POST"): ("/reauth/passkey", signed_in(400)),
    # Only someone who has just typed the right password has a second step to take.
    ("signin.second_factor", "GET"): ("/login/code", signed_in(A, anonymous=L)),
    ("signin.second_factor", "POST"): ("/login/code", signed_in(A, anonymous=L)),
    ("signin.passkey_options", "POST"): ("/login/passkey/options", each(200)),
    ("signin.passkey_login", "POST"): ("/login/passkey", each(400)),
    ("security.sessions", "GET"): ("/account/sessions", signed_in(200)),
    ("security.session_end", "POST"): ("/account/sessions/{user_session}/end", roles(L, A, 404, 404, 404)),
    ("security.sessions_end_others", "POST"): ("/account/sessions/end-others", signed_in(A)),
    ("security.two_factor", "GET"): ("/account/two-factor", signed_in(200)),
    ("security.two_factor_start", "POST"): ("/account/two-factor/start", signed_in(A)),
    # Only the author has a set-up in progress; the others are sent back to start one.
    ("security.two_factor_setup", "GET"): ("/account/two-factor/setup", roles(L, 200, A, A, A)),
    ("security.two_factor_setup", "POST"): ("/account/two-factor/setup", roles(L, 422, A, A, A)),
    # Two-factor isn't on for anyone here: back to the two-factor page.
    ("security.recovery_codes", "POST"): ("/account/two-factor/recovery-codes", signed_in(A)),
    ("security.two_factor_disable", "POST"): ("/account/two-factor/disable", signed_in(A)),
    ("security.passkeys_page", "GET"): ("/account/passkeys", signed_in(200)),
    ("security.passkey_options", "POST"): ("/account/passkeys/options", signed_in(200)),
    ("security.passkey_add", "POST"): ("/account/passkeys/add", signed_in(400)),
    ("security.passkey_delete", "POST"): ("/account/passkeys/{passkey}/delete", roles(L, A, 404, 404, 404)),
}


def build(people) -> dict:
    author = people["author"]
    token = session_start(user=author, remember=True, device="Firefox on Android")
    other_session = db.session.scalar(select(UserSession).where(UserSession.token_hash == token_digest(token)))
    passkey = Passkey(
        user_id=author.id,
        credential_id=b"matrix-credential-" + str(author.id).encode(),
        public_key=b"not-a-real-key",
        device="Safari on an iPhone",
    )
    db.session.add(passkey)
    totp_begin(user=author)
    # Someone else with two-step sign-in on, for the page checks of the second step.
    two_step = make_user(email=f"two-step-{author.email}", display_name="Dee")
    totp_begin(user=two_step)
    two_step.totp_enabled_at = now_utc()
    db.session.flush()
    return {"user_session": other_session.id, "passkey": passkey.id, "two_factor_email": two_step.email}
