"""Security baseline: response headers, server-side session checks, log-in wiring."""

import time
from functools import lru_cache
from urllib.parse import urlsplit

from flask import Flask, abort, current_app, jsonify, request, session
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import BadSignature
from werkzeug.middleware.proxy_fix import ProxyFix

from journal.auth.sessions import IDLE_ENDED, session_load
from journal.extensions import login_manager
from journal.inputs import BoundedIntConverter

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "manifest-src 'self'",
        "worker-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

PERMISSIONS_POLICY = (
    "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=(), browsing-topics=()"
)

#: How often (seconds) the idle clock kept in the signed cookie is moved forward.
_SEEN_RESOLUTION = 60


def init_app(app: Flask) -> None:
    app.url_map.converters["int"] = BoundedIntConverter  # before any blueprint adds its rules
    app.wsgi_app = PageHeaders(app.wsgi_app, app.config, app.static_url_path or "/static")
    hops = app.config["TANDEM_PROXY_HOPS"]
    if hops:
        # Believe exactly `hops` proxies in front of us for the client's address (the
        # rate-limit key), scheme, host and port (the Origin check); headers a client
        # made up are further left in the list and ignored.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please log in to continue."
    login_manager.login_message_category = "info"
    login_manager.session_protection = None  # our own server-side sessions do this job
    login_manager.user_loader(_load_user)
    app.session_interface = KeptSigner()
    app.before_request(_same_origin_posts)
    app.before_request(_json_bodies_are_objects)


class KeptSigner(SecureCookieSessionInterface):
    """Flask's signed-cookie session, with the object that signs and checks the cookie
    made once per app and its keys rather than twice a request (making it costs a fifth of
    reading the cookie). Each app gets its own: Flask's default is one shared by every app
    in the process, and the keys are compared on each use, so a changed key is seen.

    A cookie's signature is checked once per process and the result remembered by the
    cookie's exact value (`_cookie_read`): a browser sends the same cookie until its idle
    clock moves (once a minute), and checking it again cost a tenth of a page of static
    text. Its age is still checked on every request."""

    _kept: tuple = (None, None)

    def get_signing_serializer(self, app: Flask):
        keys = (app.secret_key, tuple(app.config["SECRET_KEY_FALLBACKS"] or ()))
        if self._kept[0] != keys:
            self._kept = (keys, super().get_signing_serializer(app))
        return self._kept[1]

    def open_session(self, app: Flask, request):
        serializer = self.get_signing_serializer(app)
        if serializer is None:
            return None
        value = request.cookies.get(self.get_cookie_name(app))
        if not value:
            return self.session_class()
        try:
            items, signed_at = _cookie_read(serializer, value)
        except BadSignature:
            return self.session_class()
        # As itsdangerous checks it: whole seconds, never from the future.
        if not 0 <= int(time.time()) - signed_at <= int(app.permanent_session_lifetime.total_seconds()):
            return self.session_class()
        if items is None:  # a session holding lists (flashed messages): read afresh, never shared
            return self.session_class(serializer.loads(value))
        return self.session_class(items)


#: Values a remembered session may hold: nothing a request could change in place.
_SCALARS = frozenset((str, int, float, bool, type(None)))


@lru_cache(maxsize=4096)  # bounded: a worker sees a few cookies per person a minute
def _cookie_read(serializer, value: str) -> tuple[tuple | None, int]:
    """What a signed session cookie holds and when it was signed, if its signature is
    good (else BadSignature, which is never remembered). A session holding lists comes
    back as None: a request may change a list in place (`flash` does), and the next
    request must not see that."""
    data, signed_at = serializer.loads(value, return_timestamp=True)
    items = tuple(data.items()) if all(type(v) in _SCALARS for v in data.values()) else None
    return items, int(signed_at.timestamp())


def _same_origin_posts():
    """Refuse state-changing requests that a browser says came from another site."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return None
    origin = request.headers.get("Origin")
    if origin and origin != "null" and urlsplit(origin).netloc != request.host:
        abort(400)
    return None


def _json_bodies_are_objects():
    """A JSON body is read as a form's fields (Flask-WTF) or a script's object: anything
    but an object (a string, a list, a number) is refused here, once for every route,
    instead of failing deep inside form handling."""
    if request.method in ("GET", "HEAD", "OPTIONS") or not request.is_json:
        return None
    body = request.get_json(silent=True)
    if body is not None and not isinstance(body, dict):
        # A script sent it: answer as the JSON endpoints do, with a message it can show.
        return jsonify(error="That didn't come through as expected. Please try again."), 400
    return None


def _load_user(token: str):
    """Flask-Login's loader: reads, never writes (STYLE: hooks don't write). A session
    idle too long is over for this browser: the Flask session is cleared and only the
    token is kept, so the next log-in here deletes its row (`IDLE_ENDED`); rows nobody
    comes back for go with `flask sessions prune`. The row itself is harmless meanwhile:
    every copy of the cookie carries the same idle clock."""
    user = session_load(token)
    if user is None:
        return None
    if not _idle_ok(user):
        session.clear()
        session[IDLE_ENDED] = token
        return None
    return user


def _idle_ok(user) -> bool:
    """Idle timeout for sessions that were not "remembered", tracked in the signed cookie."""
    now = int(time.time())
    seen = session.get("_seen")
    if getattr(user, "session_remember", False):
        return True
    if seen is not None and now - int(seen) > current_app.config["SESSION_IDLE_MINUTES"] * 60:
        return False
    if seen is None or now - int(seen) >= _SEEN_RESOLUTION:
        session["_seen"] = now
    return True


def baseline_headers(config) -> dict[str, str]:
    """The headers every response carries: Flask's below, and the static files WhiteNoise
    serves before Flask sees the request (journal/static_assets.py)."""
    headers = {
        "Content-Security-Policy": CSP,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "X-Frame-Options": "DENY",
        "Permissions-Policy": PERMISSIONS_POLICY,
        "Cross-Origin-Opener-Policy": "same-origin",
    }
    if config["TANDEM_HTTPS"]:
        headers["Strict-Transport-Security"] = "max-age=63072000; includeSubDomains"
    return headers


class PageHeaders:
    """WSGI middleware around Flask's own app (inside WhiteNoise, which gives static files
    the same baseline itself): every response Flask answers carries the baseline headers,
    added once each (no view sends them); pages, which hold personal data or per-session
    form tokens, also say `Cache-Control: no-store` (replacing what a view said: the
    calendar feed says it too) and `Vary: Cookie` (added to a Vary already there).

    On the list of headers the response hands the server, not on the response's `Headers`:
    setting them there, one by one with werkzeug's checks, cost 0.18 M instructions a
    request, a sixth of a page of static text's own work."""

    def __init__(self, wsgi_app, config, static_path: str):
        self.wsgi_app = wsgi_app
        self.baseline = list(baseline_headers(config).items())
        self.static = static_path.rstrip("/") + "/"

    def __call__(self, environ, start_response):
        if environ.get("PATH_INFO", "").startswith(self.static):  # Flask's own static route

            def start(status, headers, exc_info=None):
                return start_response(status, headers + self.baseline, exc_info)
        else:

            def start(status, headers, exc_info=None):
                return start_response(status, _page_headers(headers) + self.baseline, exc_info)

        return self.wsgi_app(environ, start)


def _page_headers(headers: list) -> list:
    """`headers` with any Cache-Control replaced by no-store, and Cookie in its Vary."""
    out, vary = [], False
    for name, value in headers:
        low = name.lower()
        if low == "cache-control":
            continue
        if low == "vary" and not vary:
            vary = True
            if "cookie" not in (part.strip().lower() for part in value.split(",")):
                value = f"{value}, Cookie" if value.strip() else "Cookie"
        out.append((name, value))
    out.append(("Cache-Control", "no-store"))
    if not vary:
        out.append(("Vary", "Cookie"))
    return out
