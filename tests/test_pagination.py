"""The journal, check-ins and notes lists page the same way (journal/pagination.py):
one row more than a page, "Newer" and "Older" links, and never a count of the
couple's whole history."""

import pytest

from bench.seed import END, history
from journal.extensions import db
from journal.practices.services import practices_load
from journal.testing import count_queries, elements, login_as, read_text

#: Where each list links to its rows.
LISTS = {
    "/journal": "h2.entry-title > a",
    "/checkins": "h2.checkin-day > a",
    "/notes": "h2 > a",
}


def _row_ids(page, path) -> list[str]:
    """The ids of the rows a list page shows, in order (each links to the row's own page)."""
    hrefs = [a.get("href") for a in elements(page, LISTS[path])]
    ids = [href.removeprefix(f"{path}/") for href in hrefs]
    assert all(row_id.isdigit() for row_id in ids), hrefs
    return ids


@pytest.fixture
def long_history(app, couple):
    ana, bo, _ = couple
    practices_load()
    history(a=ana, b=bo, days=150, end=END)
    db.session.commit()
    client = app.test_client()
    login_as(client, ana)
    return client


def _page(app, client, url):
    client.get(url)  # warm the per-process caches
    with count_queries(app) as q:
        response = client.get(url)
    assert response.status_code == 200, url
    return response, q


@pytest.mark.parametrize("path", list(LISTS))
def test_each_list_pages_older_rows_without_counting_them(app, long_history, path):
    first, q1 = _page(app, long_history, path)
    second, q2 = _page(app, long_history, f"{path}?page=2")
    ids1, ids2 = _row_ids(first, path), _row_ids(second, path)
    assert len(ids1) == 20 and ids2, "a full first page and a second one"
    assert not set(ids1) & set(ids2), "page 2 shows the next rows, not the same ones"
    assert [a.get("href") for a in elements(first, "[rel=next]")] == [f"{path}?page=2"]
    assert not elements(first, "[rel=prev]")
    assert [a.get("href") for a in elements(second, "[rel=prev]")] == [f"{path}?page=1"]
    assert q2.count == q1.count, "page 2 costs what page 1 costs"
    counts = [s for s in q1.statements + q2.statements if "count(" in s.lower() and "notifications" not in s]
    assert not counts, "no COUNT of the history (the unread count of the layout aside)"


@pytest.mark.parametrize("path", list(LISTS))
@pytest.mark.parametrize("page", ["500", "2147483647", "0", "-3", "x"])
def test_a_page_past_the_end_is_calm(app, long_history, path, page):
    response = long_history.get(f"{path}?page={page}")
    assert response.status_code == 200
    text = read_text(response)
    if page in ("500", "2147483647"):
        assert "Nothing more here." in text and not elements(response, "[rel=next]")
    else:
        assert _row_ids(response, path), "a bad number shows the newest page"
