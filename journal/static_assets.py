"""Static files and compression.

The Makefile's static build (`make run`, `make test` and `make bench` run `static_build`)
writes a content-hashed copy of every file in static/ (`css/tandem-<md5>.css`) and
`cache_manifest.json` (Flask-Static-Digest's digester), then a `.br` and a `.gz` beside
each file worth compressing (WhiteNoise's compressor). Copies an earlier build made are
kept, so a page a browser already has open, or one a server not yet restarted hands out,
still finds the files it links (`make clean` removes them). Templates link
`static_url_for("static", filename=...)`, which names the hashed copy; without a build
they get the plain name.

WhiteNoise answers /static/ before Flask: a hashed name is cached for good (`immutable`,
a new release links new names); any other name must be revalidated (`max-age=0`), so a
browser never keeps a stale file. It sends the `.br` or `.gz` copy when the browser asks,
and the security headers every response carries (`journal.security.baseline_headers`).

Flask-Compress compresses what Flask itself answers (pages, JSON, the calendar feed,
/sw.js). Compressing pages that carry a CSRF token is safe here against BREACH-style
guessing because our cookies are SameSite=Lax (a cross-site page can't make the browser
fetch a private page many times with its cookies) and private pages are never cached.
"""

import contextlib
import io
import os
import re
import sys
from functools import cache
from pathlib import Path

from flask import Flask
from whitenoise import WhiteNoise

from journal.extensions import compress, static_digest
from journal.security import baseline_headers
from journal.templating import remembered_links

COMPRESSED = ["text/html", "text/plain", "text/javascript", "application/json", "text/calendar"]
#: The encodings pages go out in, the first the browser reads (`init_app`).
PAGE_ENCODINGS = ["zstd", "br", "gzip"]
#: zstd's level for pages.
ZSTD_LEVEL = 3
#: Brotli's settings for pages: quality, and the window as a power of two.
BROTLI_QUALITY = 3
BROTLI_WINDOW = 16
#: Types WhiteNoise's own table lacks.
MEDIA_TYPES = {".webmanifest": "application/manifest+json"}
#: The digester hashes every file and compresses none: WhiteNoise's compressor writes the .br
#: and .gz files, for the files worth it (`static_build`).
DIGEST_CONFIG = {"FLASK_STATIC_DIGEST_BLACKLIST_FILTER": [], "FLASK_STATIC_DIGEST_COMPRESSION": []}
#: A name the build gave (Flask-Static-Digest's pattern): its content never changes under it.
HASHED_NAME = re.compile(r"-[0-9a-f]{32}\.[^/]+$")


def static_build(folder: str) -> None:
    """Hash and compress `folder` in place, as it is served. Hashed copies of earlier builds
    stay; their compressed copies are made again with everyone else's."""
    # Imported here: build-time tools (`make .stamp-static`), and `compress` would shadow
    # the Flask-Compress extension of the same name at module level.
    from flask_static_digest.digester import compile as digest
    from whitenoise.compress import main as compress

    for old in Path(folder).rglob("*"):
        if old.suffix in (".br", ".gz"):
            old.unlink()
    root = os.path.join(folder, "")
    with contextlib.redirect_stdout(io.StringIO()):  # the digester prints where its files went
        digest(root, root, [], False, False)
    compress(["--quiet", folder])


@cache
def _served_files(root: str, prefix: str, headers: tuple) -> dict:
    """WhiteNoise's table of static/ (each file with its headers and its .br/.gz copies),
    read from disk once per process rather than once per app: every test makes an app,
    and reading it took 2 ms."""

    def add_headers(response_headers, path, url):
        for name, value in headers:
            response_headers[name] = value

    return WhiteNoise(
        None,
        root=root,
        prefix=prefix,
        max_age=0,  # a plain name is revalidated every time; a hashed one is immutable for ten years
        allow_all_origins=False,  # no other site has any use for our files
        mimetypes=MEDIA_TYPES,
        immutable_file_test=lambda path, url: HASHED_NAME.search(url) is not None,
        add_headers_function=add_headers,
    ).files


def init_app(app: Flask) -> None:
    app.config.setdefault("COMPRESS_MIMETYPES", COMPRESSED)
    # zstd first (Chrome, Edge and Firefox read it; Safari asks for brotli): at level 3 a page is
    # the size brotli makes of it, give or take 3%, for a third to a half fewer instructions
    # compressing it (README, "Benchmarks"). Static files keep their brotli and gzip copies (WhiteNoise).
    app.config.setdefault("COMPRESS_ALGORITHM", PAGE_ENCODINGS)
    app.config.setdefault("COMPRESS_ZSTD_LEVEL", ZSTD_LEVEL)
    # Brotli at quality 3 with a 64 KiB window (README, "Benchmarks"): with Flask-Compress's
    # quality 4 and 4 MiB window, a page a browser asked for cost its workers up to twice the
    # time (Care), much of it in the kernel, mapping and clearing buffers larger than the size
    # glibc then handed out from its heap (128 KiB; gunicorn.conf.py now sets 4 MiB). Pages are
    # 3 to 6% larger than at quality 4, a little larger than gzip's, in a third of gzip's time
    # on the plan page; the window still holds any page but progress (75 KB) whole.
    app.config.setdefault("COMPRESS_BR_LEVEL", BROTLI_QUALITY)
    app.config.setdefault("COMPRESS_BR_WINDOW", BROTLI_WINDOW)
    app.config.setdefault("COMPRESS_MIN_SIZE", 500)
    app.config.setdefault("COMPRESS_STREAMS", False)  # an export streams a ZIP; leave streams alone
    # Flask-Compress weighs If-None-Match and If-Modified-Since against each page it compressed,
    # but no response Tandem compresses carries an ETag or a Last-Modified (every page is
    # no-store): 0.13 M instructions a compressed page for nothing (README, "Benchmarks").
    app.config.setdefault("COMPRESS_EVALUATE_CONDITIONAL_REQUEST", False)
    compress.init_app(app)
    for name, value in DIGEST_CONFIG.items():
        app.config.setdefault(name, value)
    static_digest.init_app(app)
    app.jinja_env.globals["static_url_for"] = remembered_links(static_digest.static_url_for)
    headers = tuple(baseline_headers(app.config).items())
    served = WhiteNoise(app.wsgi_app)
    served.files = _served_files(app.static_folder, app.static_url_path, headers)
    app.wsgi_app = served


if __name__ == "__main__":  # the Makefile's static build: python -m journal.static_assets [folder]
    from journal import web_folder

    static_build(sys.argv[1] if len(sys.argv) > 1 else web_folder("static"))
