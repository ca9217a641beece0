"""Static files carry their content's fingerprint and are cached for a year under
it; pages and assets go out compressed when the browser asks."""
import gzip
import hashlib
from pathlib import Path

import brotli
import pytest

from journal.testing import elements

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.sqlite_only  # nothing here touches a database's rules (tests/conftest.py)


def _stylesheet_url(page) -> str:
    (link,) = elements(page, "link[rel=stylesheet]")
    return link.get("href")


def test_pages_link_static_files_by_their_content(client):
    url = _stylesheet_url(client.get("/login"))
    digest = hashlib.sha256((ROOT / "static/css/tandem.css").read_bytes()).hexdigest()[:12]
    assert url == f"/static/css/tandem.css?v={digest}"


def test_a_fingerprinted_file_is_cached_for_a_year(client):
    url = _stylesheet_url(client.get("/login"))
    with client.get(url) as response:
        assert response.status_code == 200
    assert response.cache_control.max_age == 365 * 24 * 3600
    assert response.cache_control.immutable and response.cache_control.public


@pytest.mark.parametrize("query", ["", "?v=000000000000"])
def test_an_unversioned_or_old_url_is_revalidated(client, query):
    with client.get("/static/css/tandem.css" + query) as response:
        assert response.status_code == 200
    assert response.cache_control.no_cache
    assert not response.cache_control.max_age


@pytest.mark.parametrize(
    "encoding, decode", [("gzip", gzip.decompress), ("br", brotli.decompress)], ids=["gzip", "brotli"]
)
@pytest.mark.parametrize("path", ["/login", "/static/css/tandem.css", "/static/js/tandem.js"])
def test_pages_and_assets_are_compressed_when_asked(client, path, encoding, decode):
    with client.get(path) as plain, client.get(path, headers={"Accept-Encoding": encoding}) as packed:
        plain_text, packed_data = plain.get_data(as_text=True), packed.get_data()
    assert packed.headers["Content-Encoding"] == encoding
    assert "Accept-Encoding" in packed.headers["Vary"]
    assert len(packed_data) < len(plain_text.encode()) / 2
    text = decode(packed_data).decode()
    if path == "/login":  # a page carries its own CSRF token, so compare what doesn't change
        assert "Welcome back" in text and "</html>" in text
    else:
        assert text == plain_text

def test_private_pages_stay_uncached_when_compressed(auth_client):
    response = auth_client.get("/today", headers={"Accept-Encoding": "gzip"})
    assert response.headers["Content-Encoding"] == "gzip"
    assert response.headers["Cache-Control"] == "no-store"
    assert {"Cookie", "Accept-Encoding"} <= {v.strip() for v in response.headers["Vary"].split(",")}
