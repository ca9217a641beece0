"""The form token (CSRF) of a session's pages: signed as Flask-WTF signs it, reused for a
minute, and its signature checked once per process.

Imports nothing of Tandem's: the CSRF extension (journal.extensions) checks with it, and the
templates (journal.templating) write it into every form."""

import hmac
import time
from functools import lru_cache

from flask import current_app, g, session
from flask_wtf.csrf import generate_csrf, validate_csrf
from itsdangerous import BadData, URLSafeTimedSerializer
from wtforms import ValidationError

#: How long (seconds) one signed form token serves a session's pages. Flask-WTF signs
#: the session's token again on every page (a tenth of a page of static text); reusing
#: it for a minute shortens its 8-hour life by at most that minute.
_CSRF_REUSE = 60


def csrf_token_signed() -> str:
    """This request's signed CSRF token, as `flask_wtf.csrf.generate_csrf` gives it
    (and gives again for every form of the request, through `g`)."""
    here = g._get_current_object()  # not through its proxy: each read through it fails a lookup first
    signed = here.get("csrf_token")
    if signed is None:
        raw = session.get("csrf_token")
        app = current_app._get_current_object()
        if not isinstance(raw, str) or app.config.get("WTF_CSRF_SECRET_KEY"):
            return generate_csrf()  # a new session (it makes the token), or a key of its own
        signed = _csrf_signed(app.secret_key, raw, int(time.time()) // _CSRF_REUSE)
        here.csrf_token = signed
    return signed


@lru_cache(maxsize=4096)
def _csrf_signed(secret_key: str, raw: str, window: int) -> str:
    """`raw` signed as Flask-WTF signs it (its salt and serializer), once per window."""
    return URLSafeTimedSerializer(secret_key, salt="wtf-csrf-token").dumps(raw)


def csrf_token_check(signed: str | None) -> None:
    """Flask-WTF's `validate_csrf` for this request's token, with its messages: the
    token's signature is checked once per process and remembered by the token's exact
    value (`_csrf_read`), as the session cookie's is (`security._cookie_read`): a browser sends
    the token of the page it was on, and each page of a minute carries the same one
    (`csrf_token_signed`); checking it again was a twentieth of saving a check-in. Its age
    and whether it matches this session's token are checked on every request."""
    app = current_app._get_current_object()
    config = app.config
    if "WTF_CSRF_SECRET_KEY" in config or config["WTF_CSRF_FIELD_NAME"] != "csrf_token":
        return validate_csrf(signed)  # settings of its own: Flask-WTF's own check
    if not signed:
        raise ValidationError("The CSRF token is missing.")
    if "csrf_token" not in session:
        raise ValidationError("The CSRF session token is missing.")
    try:
        raw, signed_at = _csrf_read(app.secret_key, signed)
    except BadData as exc:
        raise ValidationError("The CSRF token is invalid.") from exc
    time_limit = config.get("WTF_CSRF_TIME_LIMIT", 3600)
    # As itsdangerous checks it: whole seconds, never from the future.
    if time_limit is not None and not 0 <= int(time.time()) - signed_at <= time_limit:
        raise ValidationError("The CSRF token has expired.")
    if not hmac.compare_digest(session["csrf_token"], raw):
        raise ValidationError("The CSRF tokens do not match.")
    return None


@lru_cache(maxsize=4096)  # bounded: a worker sees a few tokens per person a minute
def _csrf_read(secret_key: str, signed: str) -> tuple[str, int]:
    """The session's token inside a signed form token and when it was signed, if its
    signature is good (else BadData, which is never remembered)."""
    serializer = URLSafeTimedSerializer(secret_key, salt="wtf-csrf-token")
    raw, signed_at = serializer.loads(signed, return_timestamp=True)
    return raw, int(signed_at.timestamp())
