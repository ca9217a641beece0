"""Pages link static files under content-hashed names, cached for good; any other static
URL is revalidated; pages and files go out compressed when the browser asks.

The hashed copies and their compressed forms are the Makefile's static build (`make test`
makes them); journal/static_assets.py serves them."""

import gzip
import hashlib
import json
from pathlib import Path

import brotli
import pytest
from werkzeug.test import Client
from whitenoise import WhiteNoise

from journal import create_app
from journal.static_assets import _served_files, static_build
from journal.testing import elements

try:
    from compression import zstd  # Python 3.14
except ImportError:  # before it, Flask-Compress's own dependency
    from backports import zstd

ROOT = Path(__file__).resolve().parent.parent
YEAR = 365 * 24 * 3600
pytestmark = pytest.mark.sqlite_only  # nothing here touches a database's rules (tests/conftest.py)

#: What every response carries, a page's or a static file's (journal/security.py).
BASELINE = [
    "Content-Security-Policy",
    "X-Content-Type-Options",
    "Referrer-Policy",
    "X-Frame-Options",
    "Permissions-Policy",
    "Cross-Origin-Opener-Policy",
    "Strict-Transport-Security",
]


def _stylesheet_url(page) -> str:
    (link,) = elements(page, "link[rel=stylesheet]")
    return link.get("href")


def _script_url(page) -> str:
    (script,) = elements(page, "script[src^='/static/js/tandem']")
    return script.get("src")


def test_pages_link_static_files_by_their_content(client):
    assert (ROOT / "static/cache_manifest.json").exists(), "no static build: run `make test` (Makefile)"
    page = client.get("/login")
    css, js = (
        hashlib.md5((ROOT / "static" / name).read_bytes(), usedforsecurity=False).hexdigest()
        for name in ("css/tandem.css", "js/tandem.js")
    )
    assert _stylesheet_url(page) == f"/static/css/tandem-{css}.css"
    assert _script_url(page) == f"/static/js/tandem-{js}.js"


def test_a_hashed_file_is_cached_for_good(client):
    url = _stylesheet_url(client.get("/login"))
    with client.get(url) as response:
        assert response.status_code == 200
        assert response.get_data() == (ROOT / "static/css/tandem.css").read_bytes()
    assert response.cache_control.max_age >= YEAR
    assert response.cache_control.immutable and response.cache_control.public


@pytest.mark.parametrize(
    "path", ["/static/css/tandem.css", "/static/manifest.webmanifest", "/static/icons/icon-192.png"]
)
def test_a_plain_name_is_revalidated(client, path):
    with client.get(path) as response:
        assert response.status_code == 200
        assert response.get_data() == (ROOT / path.lstrip("/")).read_bytes()
    assert response.cache_control.max_age == 0 or response.cache_control.no_cache
    assert not response.cache_control.immutable
    assert response.headers["ETag"]  # so revalidating costs a 304, not the file
    with client.get(path, headers={"If-None-Match": response.headers["ETag"]}) as again:
        assert again.status_code == 304


def test_an_unknown_static_file_is_not_found(client):
    with client.get("/static/css/tandem-" + "0" * 32 + ".css") as response:
        assert response.status_code == 404


@pytest.mark.parametrize(
    "encoding, decode", [("gzip", gzip.decompress), ("br", brotli.decompress)], ids=["gzip", "brotli"]
)
@pytest.mark.parametrize("asset", ["css/tandem.css", "js/tandem.js"])
@pytest.mark.parametrize("hashed", [True, False], ids=["hashed", "plain"])
def test_static_files_are_compressed_when_asked(client, asset, hashed, encoding, decode):
    page = client.get("/login")
    url = (_stylesheet_url(page) if asset.endswith(".css") else _script_url(page)) if hashed else f"/static/{asset}"
    original = (ROOT / "static" / asset).read_bytes()
    with client.get(url, headers={"Accept-Encoding": encoding}) as packed:
        data = packed.get_data()
    assert packed.headers["Content-Encoding"] == encoding
    assert "Accept-Encoding" in packed.headers["Vary"]
    assert len(data) < len(original) / 2
    assert decode(data) == original
    with client.get(url) as plain:  # a browser that asks for neither gets the file itself
        assert "Content-Encoding" not in plain.headers and plain.get_data() == original


@pytest.mark.parametrize(
    "encoding, decode",
    [("gzip", gzip.decompress), ("br", brotli.decompress), ("zstd", zstd.decompress)],
    ids=["gzip", "brotli", "zstd"],
)
def test_pages_are_compressed_when_asked(client, encoding, decode):
    with client.get("/login", headers={"Accept-Encoding": encoding}) as packed:
        data = packed.get_data()
    assert packed.headers["Content-Encoding"] == encoding
    assert "Accept-Encoding" in packed.headers["Vary"]
    text = decode(data).decode()  # a page carries its own CSRF token, so compare what doesn't change
    assert "Welcome back" in text and "</html>" in text


@pytest.mark.parametrize(
    "asks, gets",
    [
        ("gzip, deflate, br, zstd", "zstd"),  # Chrome, Edge and Firefox
        ("gzip, deflate, br", "br"),  # Safari
        ("gzip, deflate", "gzip"),
    ],
    ids=["zstd", "brotli", "gzip"],
)
def test_a_page_goes_out_in_the_cheapest_encoding_the_browser_reads(client, asks, gets):
    """zstd where the browser reads it (about the bytes brotli makes, for a third to a half
    less work), else brotli, else gzip."""
    response = client.get("/login", headers={"Accept-Encoding": asks})
    assert response.headers["Content-Encoding"] == gets


def test_private_pages_stay_uncached_when_compressed(auth_client):
    response = auth_client.get("/today", headers={"Accept-Encoding": "gzip"})
    assert response.headers["Content-Encoding"] == "gzip"
    assert response.headers["Cache-Control"] == "no-store"
    assert {"Cookie", "Accept-Encoding"} <= {v.strip() for v in response.headers["Vary"].split(",")}


@pytest.mark.parametrize("https", [False, True], ids=["http", "https"])
def test_static_files_carry_the_security_headers_of_pages(app_config, https):
    client = create_app({**app_config, "TANDEM_HTTPS": https}).test_client()
    base = "https://localhost" if https else "http://localhost"
    page = client.get("/login", base_url=base)
    assert page.status_code == 200
    for url in (_stylesheet_url(page), "/static/css/tandem.css"):
        with client.get(url, base_url=base) as static:
            assert static.status_code == 200
        for name in BASELINE:
            assert static.headers.get(name) == page.headers.get(name), f"{url}: {name}"
        assert "Access-Control-Allow-Origin" not in static.headers, url  # no other site reads our files
    assert ("Strict-Transport-Security" in page.headers) == https
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]


def test_a_rebuild_keeps_serving_what_pages_already_open_link(tmp_path):
    """After a stylesheet changes and the build runs again, a page made before (open in a
    browser, or handed out by a server not yet restarted) still gets its files, for good."""
    folder = tmp_path / "static"
    (folder / "css").mkdir(parents=True)

    def build(colour: str) -> str:
        (folder / "css/site.css").write_text(f"body {{ color: {colour}; }}\n" * 40)
        static_build(str(folder))
        return json.loads((folder / "cache_manifest.json").read_text())["css/site.css"]

    before, after = build("black"), build("navy")
    assert before != after
    served = WhiteNoise(lambda environ, start_response: [])
    served.files = _served_files(str(folder), "/static", ())
    client = Client(served)
    for name, colour in ((before, "black"), (after, "navy")):
        with client.get(f"/static/{name}", headers={"Accept-Encoding": "br"}) as response:
            assert response.status_code == 200, name
            assert brotli.decompress(response.get_data()).decode().startswith(f"body {{ color: {colour}; }}")
            assert response.cache_control.immutable and response.cache_control.max_age >= YEAR
    # Nothing hashed twice: the build leaves its own copies alone.
    assert sorted(p.name for p in (folder / "css").glob("*.css")) == sorted(
        ["site.css", Path(before).name, Path(after).name]
    )
