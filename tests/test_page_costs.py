"""A page's cost does not grow with a couple's history.

Each page the benchmark measures (bench/pages.py) is opened by the same person
with a month of history, then again after the couple's history has grown to four
months (check-ins, entries, moments, progress notes and sensation maps from
bench/seed.py, through the app's own sealing). The page must issue the same
number of SQL statements both times, and never more than ten.
"""

from datetime import timedelta

import pytest
from sqlalchemy import select

from bench.seed import END, history
from journal.extensions import db
from journal.models import CheckIn, Entry, ProgressNote
from journal.practices.services import practices_load
from journal.testing import count_queries, login_as

PAGES = [
    "/today",
    "/checkins",
    "/journal",
    "/journal/{entry}",
    "/checkins/{checkin}",
    "/notes",
    "/notes/{note}",
    "/notes/sensation",
    "/plan",
    "/practices",
    "/consent",
    "/couple",
    "/care",
    "/account",
    "/reminders",
    "/notifications",
    "/progress",
    "/progress?period=52",
    "/more",
    "/account/sessions",
]
MOST = 10


def _counts(app, client, ids) -> dict[str, int]:
    counts = {}
    for path in PAGES:
        url = path.format(**ids)
        client.get(url)  # warm the per-process caches a real worker would have
        with count_queries(app) as q:
            response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        counts[url] = q.count
    return counts


def _newest_ids(ana) -> dict[str, int]:
    def newest(model, **where):
        query = select(model.id).where(model.author_id == ana.id).order_by(model.id.desc()).limit(1)
        for name, value in where.items():
            query = query.where(getattr(model, name) == value)
        return db.session.scalar(query)

    return {"entry": newest(Entry, kind="entry"), "checkin": newest(CheckIn), "note": newest(ProgressNote)}


@pytest.mark.parametrize("days", [(30, 120)], ids=["1-to-4-months"])
def test_pages_cost_the_same_whatever_the_history(app, couple, days):
    short, long = days
    ana, bo, _ = couple
    practices_load()
    history(a=ana, b=bo, days=short, end=END)
    db.session.commit()
    client = app.test_client()
    login_as(client, ana)
    ids = _newest_ids(ana)
    before = _counts(app, client, ids)

    history(a=ana, b=bo, days=long - short, end=END - timedelta(days=short))
    db.session.commit()
    after = _counts(app, client, ids)

    grew = {url: (before[url], after[url]) for url in before if after[url] != before[url]}
    assert not grew, f"statement counts grew with the history: {grew}"
    heavy = {url: n for url, n in after.items() if n > MOST}
    assert not heavy, f"pages over {MOST} statements: {heavy}"


#: Pages written with "&middot;" rather than the character, so they are all ASCII while
#: their words are, and a response is encoded as a copy (one character above 127 had
#: every character of the page encoded one by one).
ASCII_PAGES = ["/journal", "/journal/{entry}", "/checkins", "/checkins/{checkin}", "/notes"]


@pytest.mark.sqlite_only  # markup only
def test_the_lists_and_their_rows_pages_are_ascii_when_their_words_are(app, couple):
    ana, bo, _ = couple
    practices_load()
    history(a=ana, b=bo, days=30, end=END)
    db.session.commit()
    client = app.test_client()
    login_as(client, ana)
    ids = _newest_ids(ana)
    for path in ASCII_PAGES:
        page = client.get(path.format(**ids)).get_data(as_text=True)
        assert page.isascii(), (path, sorted({c for c in page if ord(c) > 127}))
        assert "&middot;" in page, path
