"""Page weight: no page over 150 KB on a first load (HTML, CSS, JS, icons), and
every page's own HTML under 40 KB after that (the rest is cached static files)."""

import pytest

from journal.practices.services import practices_load
from journal.testing import elements, login_as

pytestmark = (
    pytest.mark.sqlite_only
)  # HTML and static files, not queries: the same on both databases (tests/conftest.py)

PAGES = [
    "/today",
    "/checkins/new",
    "/journal",
    "/journal/new",
    "/plan",
    "/practices",
    "/consent",
    "/care",
    "/couple",
    "/account",
    "/reminders",
    "/notes/new",
    "/notifications",
]
ANONYMOUS = ["/", "/login", "/register", "/reset", "/care"]


def _assets(client, html: str) -> int:
    total = 0
    linked = {el.get(name) for el in elements(html, "[src], [href]") for name in ("src", "href") if name in el.attrs}
    for path in {url for url in linked if url.startswith("/static/")}:
        with client.get(path) as response:
            assert response.status_code == 200, path
            total += len(response.get_data())
    return total


@pytest.mark.parametrize("logged_in", [True, False], ids=["logged-in", "anonymous"])
def test_pages_stay_light(app, couple, logged_in):
    practices_load()
    client = app.test_client()
    if logged_in:
        login_as(client, couple[0])
    for path in PAGES if logged_in else ANONYMOUS:
        response = client.get(path)
        assert response.status_code == 200, f"{path}: {response.status_code}, not the page itself"
        html = response.get_data(as_text=True)
        first_load = len(html.encode()) + _assets(client, html)
        assert len(html.encode()) < 40_000, f"{path}: {len(html.encode())} bytes of HTML"
        assert first_load < 150_000, f"{path}: {first_load} bytes on a first load"
