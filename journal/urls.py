"""Where a person is sent: absolute links for emails, feeds and pushes (built on the
configured BASE_URL, never on a request's Host header) and the local-only check for a
`next` parameter. Services import these from here, so the domain layer depends on no
blueprint."""

from urllib.parse import urlsplit

from flask import current_app


def safe_next(target: str | None, default: str) -> str:
    """Only local paths are followed after log-in (no open redirect)."""
    if not target or any(ord(c) < 32 or ord(c) == 127 for c in target):
        return default  # a control character (CR/LF) can't go into a Location header
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    return target


def external_url(endpoint: str, **values) -> str:
    """An absolute link for emails, feeds and pushes, built on BASE_URL (never on a
    request's Host header), with or without a request in progress."""
    path = current_app.url_map.bind("localhost").build(endpoint, values)
    return current_app.config["BASE_URL"] + path
