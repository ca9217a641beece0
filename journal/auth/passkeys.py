"""Passkeys (WebAuthn): sign in with a fingerprint, face or phone screen lock.

A passkey is registered from the account page (re-authentication first) as a
discoverable credential, so signing in needs no email: the browser offers the
person's passkeys and the credential id names the account. Signing in with a
passkey that verified the person (fingerprint, PIN) counts as a strong sign-in on
its own; it also serves as the second factor after a password, and to confirm
it's you before a sensitive change.

The relying party is the site in `BASE_URL` (its host name, and its origin),
unless WEBAUTHN_RP_ID / WEBAUTHN_ORIGIN say otherwise. The challenge of each
ceremony is kept in the signed session cookie and used once.
"""

import json
import logging
import time
from urllib.parse import urlsplit

from flask import current_app, session
from sqlalchemy import delete, select
from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import generate_user_handle, parse_authentication_credential_json
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    AuthenticatorTransport,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from journal.extensions import db
from journal.models import Passkey, User, now_utc

log = logging.getLogger(__name__)

RP_NAME = "Tandem"
#: How long the browser (and the person) has to answer, in seconds.
CEREMONY_SECONDS = 300
_KEY = "_webauthn"


class PasskeyRefused(Exception):
    """The browser's answer doesn't verify, is too late, or names no passkey we know."""


def relying_party() -> tuple[str, str]:
    """(RP id, origin): configured, or the host and origin of BASE_URL."""
    cfg = current_app.config
    base = urlsplit(cfg["BASE_URL"])
    rp_id = cfg.get("WEBAUTHN_RP_ID") or base.hostname or "localhost"
    origin = cfg.get("WEBAUTHN_ORIGIN") or f"{base.scheme}://{base.netloc}"
    return rp_id, origin


def _descriptors(passkeys) -> list[PublicKeyCredentialDescriptor]:
    found = []
    for p in passkeys:
        transports = []
        for t in filter(None, p.transports.split(",")):
            try:
                transports.append(AuthenticatorTransport(t))
            except ValueError:
                continue
        found.append(PublicKeyCredentialDescriptor(id=p.credential_id, transports=transports or None))
    return found


def passkeys_of(*, user: User) -> list[Passkey]:
    return list(db.session.scalars(select(Passkey).where(Passkey.user_id == user.id).order_by(Passkey.created_at)))


def _remember(purpose: str, challenge: bytes) -> None:
    session[_KEY] = {"purpose": purpose, "challenge": challenge.hex(), "at": int(time.time())}


def _challenge(purpose: str) -> bytes:
    """The challenge of the ceremony in progress, used once."""
    kept = session.pop(_KEY, None)
    if not isinstance(kept, dict) or kept.get("purpose") != purpose:
        raise PasskeyRefused("no ceremony in progress")
    if int(time.time()) - int(kept.get("at", 0)) > CEREMONY_SECONDS:
        raise PasskeyRefused("too late")
    return bytes.fromhex(kept["challenge"])


def registration_options(*, user: User) -> str:
    """Options (JSON) for adding a discoverable passkey to `user`."""
    if user.webauthn_handle is None:
        user.webauthn_handle = generate_user_handle()
    rp_id, _ = relying_party()
    options = generate_registration_options(
        rp_id=rp_id,
        rp_name=RP_NAME,
        user_id=user.webauthn_handle,
        user_name=user.email,
        user_display_name=user.display_name,
        timeout=CEREMONY_SECONDS * 1000,
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.REQUIRED,
            user_verification=UserVerificationRequirement.PREFERRED,
        ),
        exclude_credentials=_descriptors(passkeys_of(user=user)),
    )
    _remember("register", options.challenge)
    return options_to_json(options)


def passkey_register(*, user: User, credential: dict | str, device: str) -> Passkey:
    """Verify the browser's answer to `registration_options` and keep the passkey."""
    challenge = _challenge("register")
    rp_id, origin = relying_party()
    try:
        verified = verify_registration_response(
            credential=credential,
            expected_challenge=challenge,
            expected_rp_id=rp_id,
            expected_origin=origin,
        )
    except (WebAuthnException, ValueError, TypeError, KeyError) as exc:
        raise PasskeyRefused("registration does not verify") from exc
    if db.session.scalar(select(Passkey.id).where(Passkey.credential_id == verified.credential_id)):
        raise PasskeyRefused("already registered")
    transports = credential.get("response", {}).get("transports", []) if isinstance(credential, dict) else []
    passkey = Passkey(
        user_id=user.id,
        credential_id=verified.credential_id,
        public_key=verified.credential_public_key,
        sign_count=verified.sign_count,
        transports=",".join(t for t in transports if isinstance(t, str))[:200],
        device=device[:80],
    )
    db.session.add(passkey)
    db.session.flush()
    log.info("user %s added a passkey", user.id)
    return passkey


def authentication_options(*, user: User | None = None) -> str:
    """Options (JSON) for signing in: any passkey of this site (usernameless), or
    only `user`'s when confirming it's them."""
    rp_id, _ = relying_party()
    options = generate_authentication_options(
        rp_id=rp_id,
        timeout=CEREMONY_SECONDS * 1000,
        allow_credentials=_descriptors(passkeys_of(user=user)) if user is not None else [],
        user_verification=UserVerificationRequirement.PREFERRED,
    )
    _remember("authenticate", options.challenge)
    return options_to_json(options)


def passkey_authenticate(
    *, credential: dict | str, user: User | None = None, require_user_verification: bool = True
) -> User:
    """The person whose passkey signed the challenge (who must be `user` when given)."""
    challenge = _challenge("authenticate")
    rp_id, origin = relying_party()
    try:
        parsed = parse_authentication_credential_json(
            json.dumps(credential) if isinstance(credential, dict) else credential
        )
    except (WebAuthnException, ValueError, TypeError, KeyError) as exc:
        raise PasskeyRefused("not a WebAuthn answer") from exc
    passkey = db.session.scalar(select(Passkey).where(Passkey.credential_id == parsed.raw_id))
    if passkey is None or (user is not None and passkey.user_id != user.id):
        raise PasskeyRefused("unknown passkey")
    owner = db.session.get(User, passkey.user_id)
    handle = parsed.response.user_handle
    if handle is not None and handle != owner.webauthn_handle:
        raise PasskeyRefused("passkey of another person")
    try:
        verified = verify_authentication_response(
            credential=parsed,
            expected_challenge=challenge,
            expected_rp_id=rp_id,
            expected_origin=origin,
            credential_public_key=passkey.public_key,
            credential_current_sign_count=passkey.sign_count,
            require_user_verification=require_user_verification,
        )
    except (WebAuthnException, ValueError, TypeError, KeyError) as exc:
        raise PasskeyRefused("assertion does not verify") from exc
    passkey.sign_count = verified.new_sign_count
    passkey.last_used_at = now_utc()
    log.info("user %s used a passkey", owner.id)
    return owner


def passkey_delete(*, user: User, passkey_id: int) -> bool:
    """Remove one of the person's own passkeys; False if it isn't theirs."""
    gone = db.session.execute(delete(Passkey).where(Passkey.id == passkey_id, Passkey.user_id == user.id)).rowcount
    if gone:
        log.info("user %s removed a passkey", user.id)
    return gone == 1
