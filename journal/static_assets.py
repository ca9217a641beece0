"""Static files and compression.

Every `url_for("static", filename=...)` carries `v=<first 12 hex digits of the
file's SHA-256>`, computed once per process. A request whose `v` matches the
file's content may be cached for a year (`immutable`): a new release changes the
URL. Any other static request (no `v`, or an old one) must be revalidated, so a
browser never keeps a stale file. Pages, CSS, JavaScript, SVG and the manifest
go out compressed (brotli or gzip, as the browser asks) by Flask-Compress.

Compressing pages that carry a CSRF token is safe here against BREACH-style
guessing because our cookies are SameSite=Lax (a cross-site page can't make the
browser fetch a private page many times with its cookies) and private pages are
never cached.
"""
import hashlib
from functools import cache
from pathlib import Path

from flask import Flask, current_app, request

from journal.extensions import compress

YEAR = 365 * 24 * 3600

COMPRESSED = [
    "text/html", "text/css", "text/plain", "text/javascript", "application/javascript", "application/json",
    "image/svg+xml", "application/manifest+json", "text/calendar",
]


@cache
def fingerprint(folder: str, filename: str) -> str | None:
    """The version of a static file: its content's hash, or None if it doesn't exist."""
    path = Path(folder, filename)
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()[:12]
    except OSError:
        return None


def _versioned_urls(endpoint: str, values: dict) -> None:
    if endpoint == "static" and "filename" in values and "v" not in values:
        version = fingerprint(current_app.static_folder, values["filename"])
        if version:
            values["v"] = version


def _static_caching(response):
    if request.endpoint != "static" or response.status_code not in (200, 304):
        return response
    if response.status_code == 200 and response.is_streamed:
        # Static files are small: read the file now (and close it) so the response
        # is compressed like a page.
        response.direct_passthrough = False
        response.make_sequence()
    filename = (request.view_args or {}).get("filename", "")
    wanted = request.args.get("v")
    if wanted and wanted == fingerprint(current_app.static_folder, filename):
        response.cache_control.public = True
        response.cache_control.max_age = YEAR
        response.cache_control.immutable = True
    else:
        response.cache_control.no_cache = True
        response.cache_control.max_age = None
    return response


def init_app(app: Flask) -> None:
    app.config.setdefault("COMPRESS_MIMETYPES", COMPRESSED)
    app.config.setdefault("COMPRESS_ALGORITHM", ["br", "gzip"])
    app.config.setdefault("COMPRESS_MIN_SIZE", 500)
    app.config.setdefault("COMPRESS_STREAMS", False)  # an export streams a ZIP; leave streams alone
    compress.init_app(app)
    app.url_defaults(_versioned_urls)
    app.after_request(_static_caching)
