"""Installable: a manifest with our icons, a service worker that caches only the static shell."""

import json
import re
from pathlib import Path

import pytest

from journal.testing import elements

pytestmark = pytest.mark.sqlite_only  # a manifest and a service worker: the same on both databases (tests/conftest.py)

ROOT = Path(__file__).resolve().parent.parent


def test_every_page_links_the_manifest(client):
    (link,) = elements(client.get("/login"), "link[rel=manifest]")
    assert re.fullmatch(r"/static/manifest-[0-9a-f]{32}\.webmanifest", link.get("href")), link


def test_manifest_names_icons_that_exist(client):
    with client.get("/static/manifest.webmanifest") as response:
        assert response.status_code == 200
        assert response.mimetype == "application/manifest+json"
        manifest = json.loads(response.get_data(as_text=True))
    assert manifest["name"] == "Tandem" and manifest["display"] == "standalone"
    sizes = {icon["sizes"] for icon in manifest["icons"]}
    assert {"192x192", "512x512"} <= sizes
    for icon in manifest["icons"]:
        with client.get(icon["src"]) as r:
            assert r.status_code == 200, icon["src"]
            if icon["type"] == "image/png":
                width, height = icon["sizes"].split("x")
                data = r.get_data()
                assert data[:8] == b"\x89PNG\r\n\x1a\n"
                assert (int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")) == (
                    int(width),
                    int(height),
                )


def test_service_worker_is_served_from_the_root_uncached(client):
    with client.get("/sw.js") as response:
        assert response.status_code == 200
        assert response.mimetype == "text/javascript"
        assert response.headers["Cache-Control"] == "no-store"
        body = response.get_data(as_text=True)
    shell = re.search(r"var SHELL = \[(.*?)\];", body, re.S).group(1)
    cached = re.findall(r'"([^"]+)"', shell)
    assert "/offline" in cached
    assert all(path == "/offline" or path.startswith("/static/") for path in cached), "only the shell is cached"
    assert 'caches.match("/offline")' in body


def test_offline_page_is_public_and_calm(client):
    response = client.get("/offline")
    assert response.status_code == 200
    assert "offline" in response.get_data(as_text=True).lower()
