"""The journal: writing, reading, editing and deleting entries; small moments; the
list with its filters, search and pages; who sees what; sealed text at rest;
Markdown made safe; drafts that survive a refused save.

Entries are written through the pages where the behaviour is about the pages,
and through the services where a test only needs some rows to exist.
"""

import re
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest
from flask import url_for
from markupsafe import Markup
from sqlalchemy import delete, func, select, update

from journal.access import PRIVATE, SHARED
from journal.account.services import account_delete
from journal.couple.services import couple_leave
from journal.entries import listing
from journal.entries.listing import PER_PAGE
from journal.entries.markdown import render_markdown
from journal.entries.services import BODY_MAX, UNREADABLE, EntryText, entry_create, moment_create, moment_labels
from journal.extensions import db
from journal.models import DataKey, Plan, Practice, Schedule, now_utc
from journal.models.entries import Entry
from journal.templating import LOCAL_DATE, date_words, datetime_words
from journal.testing import (
    checked_values,
    client_for,
    count_queries,
    element,
    elements,
    field_error,
    field_value,
    make_couple,
    make_user,
    read_text,
    textarea_value,
    texts_of,
)

# -- helpers --------------------------------------------------------------------------


def list_titles(response) -> list[str]:
    """The titles (or moments) of the journal list, in order."""
    return texts_of(response, "h2.entry-title")


def list_items(response) -> list[str]:
    """The text of each item of the journal list, in order."""
    return texts_of(response, "ul.entry-list > li.card.entry-item")


def entry_id_of(response) -> int:
    assert response.status_code == 302, response.status_code
    return int(re.fullmatch(r"/journal/(\d+)", urlsplit(response.headers["Location"]).path).group(1))


def write(client, **fields) -> int:
    data = {"title": "", "body": "", "tags": "", "visibility": PRIVATE, **fields}
    return entry_id_of(client.post("/journal/new", data=data))


def add(author, title="A quiet day", *, body="", tags=(), visibility=PRIVATE, when=None) -> Entry:
    entry = entry_create(author=author, title=title, body=body, tags=list(tags), visibility=visibility, now=when)
    db.session.commit()
    return entry


def words_in(blob: bytes, words) -> list[str]:
    return [w for w in words if w.encode() in blob]


# -- writing and reading --------------------------------------------------------------


def test_an_entry_is_written_and_read_back(app, user):
    client = client_for(app, user)
    page = client.get("/journal/new")
    assert page.status_code == 200
    assert checked_values(page, "visibility") == [PRIVATE], "private unless chosen otherwise"

    entry_id = write(
        client, title="Our first walk", body="We went *slowly*.\n\n- the park\n- tea", tags="walks, us, Walks"
    )
    page = client.get(f"/journal/{entry_id}")
    body = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "<h1>Our first walk</h1>" in body
    assert "<em>slowly</em>" in body and "<li>the park</li>" in body
    assert "You" in read_text(page) and "Only you can read this." in read_text(page)
    tags = texts_of(page, "ul.entry-tags > li")
    assert sorted(tag.lower() for tag in tags) == ["us", "walks"], "repeated tags count once"
    assert "edited" not in read_text(page)
    assert f'href="/journal/{entry_id}/edit"' in body and f'href="/journal/{entry_id}/delete"' in body


def test_an_empty_title_is_named_after_the_local_day(app):
    kiri = make_user(timezone="Pacific/Kiritimati")  # UTC+14: its date is often not UTC's
    client = client_for(app, kiri)
    before = datetime.now(ZoneInfo("Pacific/Kiritimati")).date()
    entry_id = write(client, body="Just a few words.")
    after = datetime.now(ZoneInfo("Pacific/Kiritimati")).date()
    names = {f"Untitled, {d.day} {d.strftime('%B %Y')}" for d in (before, after)}
    assert list_titles(client.get("/journal"))[0] in names
    assert client.get(f"/journal/{entry_id}").status_code == 200


def test_when_an_entry_was_written_is_shown_in_the_readers_own_zone(app, couple):
    """The same instant, read by partners on either side of the date line: each sees their
    own clock and their own date, on the list and on the entry."""
    ana, bo, _ = couple
    ana.timezone, bo.timezone = "Pacific/Kiritimati", "Pacific/Pago_Pago"  # UTC+14, UTC-11
    entry = add(ana, "Same moment", visibility=SHARED, when=datetime(2026, 3, 1, 12, 30, tzinfo=UTC))
    for person, shown in ((ana, "2 March 2026, 02:30"), (bo, "1 March 2026, 01:30")):
        client = client_for(app, person)
        assert texts_of(client.get("/journal"), "ul.entry-list time") == [shown]
        assert texts_of(client.get(f"/journal/{entry.id}"), "time") == [shown]


def test_local_times_worded_by_hand_read_as_strftime_writes_them():
    """Local times are worded by hand (journal.templating.datetime_words: the
    `localdatetime` filter and the journal's cards): the same text as `strftime`'s, in any
    zone, on any day of the year."""
    start = datetime(2026, 1, 1, 0, 0, 7, 123456, tzinfo=UTC)
    for hours in range(0, 366 * 24, 7):
        at = start + timedelta(hours=hours, minutes=hours % 60)
        for zone in ("UTC", "Europe/London", "Asia/Kolkata", "Pacific/Pago_Pago"):
            local = at.astimezone(ZoneInfo(zone))
            assert datetime_words(local) == local.strftime("%-d %B %Y, %H:%M")
            assert date_words(local) == local.strftime(LOCAL_DATE)


def test_nothing_at_all_is_refused_kindly(app, user):
    client = client_for(app, user)
    response = client.post("/journal/new", data={"title": "  ", "body": "  \r\n ", "tags": "", "visibility": PRIVATE})
    assert response.status_code == 422
    assert field_error(response, "body") == "Please write something first, even a few words."
    assert db.session.scalar(select(func.count()).select_from(Entry)) == 0


def test_bodies_up_to_the_limit_are_kept_longer_ones_refused_with_the_text_kept(app, user):
    client = client_for(app, user)
    exact = "é" * BODY_MAX
    entry_id = write(client, title="Long", body=exact)
    assert textarea_value(client.get(f"/journal/{entry_id}/edit"), "body") == exact

    # The browser sends line breaks as CRLF; each one is still one character.
    lines = ("x" * 9 + "\r\n") * (BODY_MAX // 10)
    assert len(lines) > BODY_MAX
    write(client, title="Lines", body=lines)

    too_long = "a" * BODY_MAX + "b"
    response = client.post(
        "/journal/new", data={"title": "Too long", "body": too_long, "tags": "kept", "visibility": SHARED}
    )
    assert response.status_code == 422
    assert "up to 100,000 characters and this one has 100,001" in field_error(response, "body")
    assert textarea_value(response, "body") == too_long
    assert field_value(response, "title") == "Too long" and field_value(response, "tags") == "kept"
    assert checked_values(response, "visibility") == [SHARED]
    assert db.session.scalar(select(func.count()).select_from(Entry)) == 2


def test_bad_tags_and_titles_keep_what_was_typed(app, user):
    client = client_for(app, user)
    tags = ", ".join(f"tag{n}" for n in range(25))
    response = client.post(
        "/journal/new", data={"title": "T" * 201, "body": "Kept body", "tags": tags, "visibility": PRIVATE}
    )
    assert response.status_code == 422
    assert field_error(response, "title") == "Please keep the title to 200 characters."
    assert field_error(response, "tags") == "Please keep to 20 tags."
    assert textarea_value(response, "body") == "Kept body" and field_value(response, "tags") == tags


def test_html_and_script_are_text_in_titles_and_tags_and_sanitised_in_bodies(app, user):
    client = client_for(app, user)
    body = "\n\n".join(
        [
            "<script>alert('body')</script>",
            "<img src=x onerror=alert(1)>",
            "[click](javascript:alert(1)) and [data](data:text/html;base64,PHNjcmlwdD4=)",
            "![a photo](https://tracker.example/pixel.png)",
            "[a real link](https://example.org/page)",
            '<a href="https://example.org" onclick="steal()">raw</a>',
        ]
    )
    entry_id = write(client, title="<script>alert('title')</script>", body=body, tags='<b>bold</b>, "quoted"')
    page = client.get(f"/journal/{entry_id}").get_data(as_text=True)
    assert "<script>alert" not in page and "<b>bold</b>" not in page
    assert "&lt;script&gt;alert(&#39;title&#39;)&lt;/script&gt;" in page
    assert "&lt;b&gt;bold&lt;/b&gt;" in page
    (article,) = elements(page, "div.prose")
    assert article.select("img, script") == []
    handlers = [(el.tag, name) for el in article.iter() for name in el.attrs if name.startswith("on")]
    assert handlers == [], "no event handler attribute survives"
    links = [(a.attrs, a.text) for a in article.select("a")]
    assert links == [({"href": "https://example.org/page", "rel": "noopener noreferrer nofollow"}, "a real link")], (
        "no javascript:, data: or image links"
    )
    assert "a photo" in article.text, "an image shows as its words"
    listing = client.get("/journal").get_data(as_text=True)
    assert "<script>alert" not in listing and "&lt;script&gt;" in listing


def test_markdown_is_rendered_safely():
    cases = {
        "# Big": "<h2>Big</h2>",
        "<script>x()</script>": "&lt;script&gt;",
        "[x](javascript:alert(1))": "[x](javascript:alert(1))",
        "[x](JAVASCRIPT:alert(1))": "[x](JAVASCRIPT:alert(1))",
        "![alt](http://evil.example/a.png)": "<p>alt</p>",
        "<http://ex.example>": 'rel="noopener noreferrer nofollow"',
        "| a |\n|:-:|\n| 1 |": "<td>1</td>",
    }
    for source, expected in cases.items():
        rendered = render_markdown(source)
        assert expected in rendered, (source, rendered)
        assert "<img" not in rendered and "<script" not in rendered and "style=" not in rendered
    assert render_markdown("") == "" and render_markdown(None) == ""


# -- editing, visibility, deleting -----------------------------------------------------


def test_editing_marks_edited_and_changing_visibility_reaches_the_partner(app, couple):
    ana, bo, _ = couple
    a, b = client_for(app, ana), client_for(app, bo)
    entry_id = write(a, title="Slowly", body="First words.")
    assert b.get(f"/journal/{entry_id}").status_code == 404

    form = a.get(f"/journal/{entry_id}/edit")
    assert field_value(form, "title") == "Slowly" and textarea_value(form, "body") == "First words."
    response = a.post(
        f"/journal/{entry_id}/edit", data={"title": "Slowly", "body": "First words.", "tags": "", "visibility": PRIVATE}
    )
    assert response.status_code == 302
    assert "edited" not in read_text(a.get(f"/journal/{entry_id}")), "saving without a change is not an edit"

    a.post(
        f"/journal/{entry_id}/edit", data={"title": "Slowly", "body": "Now for Bo.", "tags": "us", "visibility": SHARED}
    )
    page = b.get(f"/journal/{entry_id}")
    assert page.status_code == 200
    assert "Now for Bo." in read_text(page) and "edited" in read_text(page) and "Ana" in read_text(page)
    assert "Shared with you." in read_text(page) and f'href="/journal/{entry_id}/edit"' not in page.get_data(
        as_text=True
    )
    assert "Bo can read this too." in read_text(a.get(f"/journal/{entry_id}"))
    assert db.session.get(Entry, entry_id).edited_at is not None

    a.post(
        f"/journal/{entry_id}/edit",
        data={"title": "Slowly", "body": "Only mine again.", "tags": "us", "visibility": PRIVATE},
    )
    assert b.get(f"/journal/{entry_id}").status_code == 404
    assert "Slowly" not in list_titles(b.get("/journal"))
    mine = a.get(f"/journal/{entry_id}")
    assert "Only mine again." in read_text(mine) and UNREADABLE not in read_text(mine), (
        "re-sealed with the new visibility"
    )


def test_delete_asks_first_then_deletes_for_the_author_only(app, couple):
    ana, bo, _ = couple
    a, b = client_for(app, ana), client_for(app, bo)
    entry_id = write(a, title="To let go", body="x", visibility=SHARED)
    confirm = a.get(f"/journal/{entry_id}/delete")
    assert (
        confirm.status_code == 200 and "Delete this entry?" in read_text(confirm) and "To let go" in read_text(confirm)
    )
    assert db.session.get(Entry, entry_id) is not None, "GET never deletes"

    for path in (f"/journal/{entry_id}/edit", f"/journal/{entry_id}/delete"):
        assert b.get(path).status_code == 404
        assert b.post(path, data={"title": "mine now", "body": "x", "visibility": SHARED}).status_code == 404
    assert b.get(f"/journal/{entry_id}").status_code == 200

    response = a.post(f"/journal/{entry_id}/delete")
    assert response.status_code == 302 and response.headers["Location"] == "/journal"
    assert a.get(f"/journal/{entry_id}").status_code == 404
    assert b.get(f"/journal/{entry_id}").status_code == 404
    assert db.session.scalar(select(func.count()).select_from(Entry)) == 0


# -- who sees what ---------------------------------------------------------------------


def test_each_person_sees_what_the_rules_allow(app, couple, client):
    ana, bo, _ = couple
    stranger = make_user()
    make_couple(stranger, make_user())
    single = make_user()
    private = add(ana, "Ana private")
    shared = add(ana, "Ana shared", visibility=SHARED)
    bo_private = add(bo, "Bo private")

    a, b = client_for(app, ana), client_for(app, bo)
    assert list_titles(a.get("/journal")) == ["Ana shared", "Ana private"]
    assert list_titles(b.get("/journal")) == ["Bo private", "Ana shared"]
    assert a.get(f"/journal/{private.id}").status_code == 200
    assert a.get(f"/journal/{bo_private.id}").status_code == 404
    assert b.get(f"/journal/{private.id}").status_code == 404
    assert "Ana" in list_items(b.get("/journal"))[1], "the partner's entries show their author"
    for other in (stranger, single):
        c = client_for(app, other)
        assert list_titles(c.get("/journal")) == []
        for entry in (private, shared):
            assert c.get(f"/journal/{entry.id}").status_code == 404
            assert c.get(f"/journal/{entry.id}/edit").status_code == 404
    response = client.get(f"/journal/{shared.id}")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert client.get("/journal").headers["Location"].startswith("/login")


def test_after_leaving_the_couple_the_former_partner_sees_nothing(app, couple):
    ana, bo, _ = couple
    shared = add(ana, "Ana shared", visibility=SHARED)
    bo_shared = add(bo, "Bo shared", visibility=SHARED)
    add(ana, "Ana private")
    couple_leave(user=ana)
    db.session.commit()

    b = client_for(app, bo)
    assert list_titles(b.get("/journal")) == ["Bo shared"]
    assert b.get(f"/journal/{shared.id}").status_code == 404
    assert b.get("/journal?q=ana").status_code == 200 and list_titles(b.get("/journal?q=ana")) == []
    a = client_for(app, ana)
    assert list_titles(a.get("/journal")) == ["Ana private", "Ana shared"]
    assert a.get(f"/journal/{bo_shared.id}").status_code == 404

    # A new partner never sees what was shared in the old couple...
    cy = make_user(display_name="Cy")
    make_couple(ana, cy)
    c = client_for(app, cy)
    assert list_titles(c.get("/journal")) == []
    # ...unless the author shares it again, now.
    data = {"title": "Ana shared", "body": "", "tags": "", "visibility": PRIVATE}
    a.post(f"/journal/{shared.id}/edit", data=data)
    a.post(f"/journal/{shared.id}/edit", data={**data, "visibility": SHARED})
    assert list_titles(c.get("/journal")) == ["Ana shared"]


def test_deleting_the_account_removes_the_entries_and_shreds_the_key(app, couple):
    ana, bo, _ = couple
    add(ana, "Mine", visibility=SHARED)
    moment_create(author=ana, moment_kind="hug", line="after the bath", visibility=SHARED)
    kept = add(bo, "Bo keeps this", visibility=SHARED)
    db.session.commit()
    account_delete(user=ana)
    db.session.commit()
    assert db.session.scalars(select(Entry)).all() == [kept]
    assert db.session.scalar(select(DataKey).where(DataKey.owner_type == "user", DataKey.owner_id == ana.id)) is None
    assert list_titles(client_for(app, bo).get("/journal")) == ["Bo keeps this"]


# -- sealed at rest --------------------------------------------------------------------


@pytest.mark.sqlite_only  # reads the SQLite file itself
def test_the_database_file_holds_none_of_the_words(app, backend, couple):
    ana, _, _ = couple
    client = client_for(app, ana)
    words = ["Marmalade", "quietlyturquoise", "zephyrtag", "Lullabyline", "ownwordsbiscuit"]
    entry_id = write(
        client,
        title="Marmalade morning",
        body="We sat quietlyturquoise by the window.",
        tags="zephyrtag",
        visibility=SHARED,
    )
    client.post("/journal/moments", data={"moment_kind": "hug", "line": "Lullabyline", "visibility": PRIVATE})
    client.post("/journal/moments", data={"moment_kind": "own", "line": "ownwordsbiscuit", "visibility": SHARED})
    client.post(
        f"/journal/{entry_id}/edit",
        data={
            "title": "Marmalade morning",
            "body": "We sat quietlyturquoise.",
            "tags": "zephyrtag",
            "visibility": PRIVATE,
        },
    )
    assert db.session.scalar(select(func.count()).select_from(Entry)) == 3
    assert all(w in read_text(client.get("/journal?q=o")) for w in ("Marmalade morning", "ownwordsbiscuit"))

    db.session.commit()
    db.session.remove()
    db.engine.dispose()  # the last connection closing checkpoints the WAL into the file
    path = Path(db.engine.url.database)
    blob = path.read_bytes() + b"".join(p.read_bytes() for p in path.parent.glob(path.name + "-*"))
    assert len(blob) > 0
    assert words_in(blob, words) == []
    assert words_in(blob.lower(), [w.lower() for w in words]) == []


def test_sealed_text_moved_or_relabelled_shows_a_calm_placeholder(app, couple):
    ana, bo, _ = couple
    one = add(ana, "The first title", body="First body", visibility=SHARED)
    two = add(ana, "The second title", body="Second body", visibility=SHARED)
    private = add(ana, "Private title", body="Private body", tags=["secret"])

    # A sealed title copied into another row does not open there.
    db.session.execute(update(Entry).where(Entry.id == two.id).values(title_sealed=one.title_sealed))
    # A private entry's ciphertext in a row marked shared does not open either.
    db.session.execute(update(Entry).where(Entry.id == private.id).values(visibility=SHARED, couple_id=one.couple_id))
    db.session.commit()

    a, b = client_for(app, ana), client_for(app, bo)
    page = a.get(f"/journal/{two.id}")
    assert page.status_code == 200
    assert (
        UNREADABLE in read_text(page) and "The first title" not in read_text(page) and "Second body" in read_text(page)
    )
    for client in (a, b):
        page = client.get(f"/journal/{private.id}")
        assert page.status_code == 200
        assert UNREADABLE in read_text(page)
        assert (
            "Private title" not in read_text(page)
            and "Private body" not in read_text(page)
            and "secret" not in read_text(page)
        )
        listing = client.get("/journal")
        assert listing.status_code == 200 and list_titles(listing).count(UNREADABLE) == 2
        assert client.get("/journal?q=title").status_code == 200
        assert client.get("/journal?tag=secret").status_code == 200

    # The author can still write over it.
    form = a.get(f"/journal/{private.id}/edit")
    assert form.status_code == 200 and "can't be read any more" in read_text(form)
    a.post(f"/journal/{private.id}/edit", data={"title": "Written again", "body": "", "tags": "", "visibility": SHARED})
    assert "Written again" in read_text(b.get(f"/journal/{private.id}"))


def test_a_shredded_key_leaves_only_its_authors_words_unreadable_in_the_list(app, couple):
    """The list reads each author's key with its rows: one author's key gone, their
    entries say so, and the other author's still open (searching too)."""
    ana, bo, _ = couple
    add(ana, "Ana's own words", visibility=SHARED)
    add(bo, "Bo's own words", visibility=SHARED)
    db.session.commit()
    db.session.execute(delete(DataKey).where(DataKey.owner_type == "user", DataKey.owner_id == bo.id))
    db.session.commit()
    for client in (client_for(app, ana), client_for(app, bo)):
        assert list_titles(client.get("/journal")) == [UNREADABLE, "Ana's own words"]
        assert list_titles(client.get("/journal?q=own")) == ["Ana's own words"]


# -- the list: filters, search, pages, statements ---------------------------------------


def test_filters_and_search_see_only_what_this_person_may_see(app, couple):
    ana, bo, _ = couple
    base = now_utc() - timedelta(days=1)
    add(ana, "Morning Tea", body="The baby SLEPT a little.", tags=["Sleep", "us"], when=base)
    add(ana, "Evening", body="We laughed.", tags=["us"], visibility=SHARED, when=base + timedelta(minutes=1))
    add(bo, "Bo's secret", body="slept badly", tags=["sleep"], when=base + timedelta(minutes=2))
    add(bo, "Bo shares", body="Nothing much", tags=["Sleep"], visibility=SHARED, when=base + timedelta(minutes=3))
    moment_create(
        author=ana, moment_kind="laugh", line="at the cat", visibility=SHARED, now=base + timedelta(minutes=4)
    )
    moment_create(
        author=ana, moment_kind="own", line="Tea in the garden", visibility=PRIVATE, now=base + timedelta(minutes=5)
    )
    db.session.commit()

    a = client_for(app, ana)

    def titles(query):
        response = a.get("/journal" + query)
        assert response.status_code == 200
        return list_titles(response)

    assert titles("") == ["Tea in the garden", "We laughed together", "Bo shares", "Evening", "Morning Tea"]
    assert titles("?q=slept") == ["Morning Tea"], "case-insensitive, and never the partner's private words"
    assert titles("?q=TEA") == ["Tea in the garden", "Morning Tea"]
    assert titles("?q=laugh") == ["We laughed together", "Evening"], "moments match their words too"
    assert titles("?tag=sleep") == ["Bo shares", "Morning Tea"]
    assert titles("?tag=SLEEP&author=me") == ["Morning Tea"]
    assert titles("?kind=moment") == ["Tea in the garden", "We laughed together"]
    assert titles("?kind=entry&visibility=shared") == ["Bo shares", "Evening"]
    assert titles("?author=partner") == ["Bo shares"]
    assert titles("?visibility=private") == ["Tea in the garden", "Morning Tea"]
    assert titles("?kind=nonsense&author=x&visibility=y") == titles("")
    assert "2 found" in read_text(a.get("/journal?tag=sleep"))
    assert "Nothing matches that." in read_text(a.get("/journal?q=zebra"))
    tag_links = [(link.text, link.get("href")) for link in elements(a.get("/journal"), "ul.entry-tags a")]
    assert ("Sleep", "/journal?tag=Sleep") in tag_links, "tags link to their filter"


def test_tags_and_search_words_are_never_kept_in_the_process_memory_of_links(app, user):
    """Links are built once and kept per process (journal.templating), but a link that
    carries a person's words (a tag, search words) or a secret never keeps them (the rest
    of the link may be kept; the words are added each time): their words stay sealed at
    rest and out of long-lived memory."""
    add(user, "Tagged", tags=["private-word"])
    link = app.jinja_env.globals["url_for"]
    kept = link.remembered
    with app.test_request_context("/journal"):
        link("entries.index"), link("entries.index", page=2)  # the rest of those links: kept
        before = kept.cache_info().currsize
        assert link("entries.index", tag="private-word") == "/journal?tag=private-word"
        assert parse_qs(urlsplit(link("entries.index", q="my words", page=2)).query) == {
            "q": ["my words"],
            "page": ["2"],
        }
        assert link("couple.invite_accept", token="s3cret").endswith("s3cret")
        assert kept.cache_info().currsize == before
        link("practices.browse", kind="touch")  # our own words: kept
        assert kept.cache_info().currsize == before + 1
    tags = [a.get("href") for a in elements(client_for(app, user).get("/journal"), "ul.entry-tags a")]
    assert tags == ["/journal?tag=private-word"]


def test_each_moment_button_carries_the_pages_csrf_token_and_keeps_a_moment(csrf_app_config, app, user):
    """The one-tap buttons are kept per app with a gap for each form's CSRF field
    (`routes.moment_buttons`): every form carries this page's token, as the page's other
    forms do, the buttons read as their macro writes them, under a path prefix too, and
    one of them keeps a moment."""
    client = client_for(app, user)
    for environ in ({}, {"SCRIPT_NAME": "/tandem"}):
        page = client.get("/journal", environ_overrides=environ)
        tokens = {el.get("value") for el in elements(page, "input[name=csrf_token]")}
        buttons = elements(page, "ul.moment-buttons form")
        assert len(tokens) == 1 and len(buttons) >= 3
        assert all(form.select_one("input[name=csrf_token]").get("value") in tokens for form in buttons)
        with app.test_request_context("/journal", environ_overrides=environ):
            macro = app.jinja_env.get_template("entries/_parts.html").module.moment_buttons
            field = Markup('<input name="csrf_token" type="hidden" value="%s">') % tokens.pop()
            written = str(macro(moment_labels(), url_for("entries.moment_new"), field))
        assert written in page.get_data(as_text=True)
    form = elements(client.get("/journal"), "ul.moment-buttons form")[0]
    data = {el.get("name"): el.get("value") for el in form.select("input")}
    assert client.post(form.get("action"), data=data).status_code == 302
    assert db.session.scalar(select(func.count()).select_from(Entry).where(Entry.kind == "moment")) == 1


def test_the_narrowing_choices_show_what_was_chosen_and_whom_to_ask(app, couple):
    """The kind, author and visibility choices are kept per process for each choice
    (`kept`): each page shows its own choice selected, whatever was kept before it, and
    "Written by" only to someone in a couple."""

    def chosen(client, query=""):
        page = client.get("/journal" + query)
        return {
            el.get("name"): [o.get("value") for o in el.select("option[selected]")] for el in elements(page, "select")
        }

    paired, single = client_for(app, couple[0]), client_for(app, make_user(display_name="Solo"))
    assert chosen(paired, "?kind=moment&author=partner&visibility=shared") == {
        "kind": ["moment"],
        "author": ["partner"],
        "visibility": ["shared"],
    }
    assert chosen(paired) == {"kind": [""], "author": [""], "visibility": [""]}
    assert chosen(paired, "?kind=entry&visibility=private") == {
        "kind": ["entry"],
        "author": [""],
        "visibility": ["private"],
    }
    assert chosen(single, "?kind=moment") == {"kind": ["moment"], "visibility": [""]}
    assert chosen(single, "?author=nonsense&kind=x") == {"kind": [""], "visibility": [""]}


def test_a_time_reads_back_as_written_aware_and_in_utc(app, user):
    """Times are stored as UTC and read back aware (journal.models.base.UTCDateTime), to the
    microsecond, whatever zone they were written in."""
    written = datetime(2026, 3, 29, 1, 30, 15, 123456, tzinfo=ZoneInfo("Europe/Berlin"))
    entry = add(user, "Timed", when=written)
    db.session.commit()
    db.session.expire_all()
    read = db.session.get(Entry, entry.id).created_at
    assert read == written and read.tzinfo is UTC and read.microsecond == 123456


def test_an_author_the_session_did_not_name_is_read_by_id(app, couple):
    """The journal names authors from the session (the person and the partner); a row by
    anyone else, which the rule never lets through, would still be named as they are,
    never as someone else."""
    ana, bo, _ = couple
    other = make_user(display_name="Cy")
    row = SimpleNamespace(author_id=other.id)
    item = listing._item(row, EntryText(), ana, {ana.id: "Ana", bo.id: "Bo"})
    assert (item.author_name, item.mine) == ("Cy", False)


def test_newest_first_twenty_a_page(app, user):
    base = now_utc() - timedelta(days=3)
    for n in range(45):
        add(user, f"Entry {n:02d}", tags=["all"] if n % 2 else [], when=base + timedelta(minutes=n))
    client = client_for(app, user)
    first = list_titles(client.get("/journal"))
    assert len(first) == PER_PAGE and first[0] == "Entry 44" and first[-1] == "Entry 25"
    assert list_titles(client.get("/journal?page=2"))[0] == "Entry 24"
    assert list_titles(client.get("/journal?page=3")) == ["Entry 04", "Entry 03", "Entry 02", "Entry 01", "Entry 00"]
    page3 = client.get("/journal?page=3").get_data(as_text=True)
    assert 'rel="prev" href="/journal?page=2"' in page3 and 'rel="next"' not in page3
    assert list_titles(client.get("/journal?page=oops"))[0] == "Entry 44"
    assert list_titles(client.get("/journal?page=9")) == [] and "Nothing more here." in read_text(
        client.get("/journal?page=9")
    )

    tagged = client.get("/journal?tag=all&page=2")
    assert list_titles(tagged) == [f"Entry {n:02d}" for n in (3, 1)]
    assert 'href="/journal?page=1&amp;tag=all"' in tagged.get_data(as_text=True)
    past = client.get("/journal?tag=all&page=7")
    assert list_titles(past) == [] and "Nothing more here." in read_text(past), "past the end: as every list"
    assert 'href="/journal?tag=all"' in past.get_data(as_text=True), "back to the newest of the same filter"
    searched = client.get("/journal?q=entry&page=3")
    assert list_titles(searched) == [f"Entry {n:02d}" for n in range(4, -1, -1)]
    assert 'rel="prev" href="/journal?page=2&amp;q=entry"' in searched.get_data(as_text=True)
    assert 'rel="next"' not in searched.get_data(as_text=True)
    past = client.get("/journal?q=entry&page=4")
    assert list_titles(past) == [] and "Nothing more here." in read_text(past), "a search past its end"
    assert "45 found" in read_text(past)


@pytest.mark.parametrize("query", ["", "?q=entry", "?tag=calm&kind=entry"])
def test_the_list_costs_the_same_statements_whatever_its_length(app, couple, query):
    ana, bo, _ = couple
    add(ana, "Only one", tags=["calm"])
    client = client_for(app, ana)
    client.get("/journal" + query)
    with count_queries(app) as few:
        assert client.get("/journal" + query).status_code == 200
    for n in range(30):
        add(ana, f"Ana entry {n}", tags=["calm"], visibility=SHARED if n % 2 else PRIVATE)
        add(bo, f"Bo entry {n}", tags=["calm"], visibility=SHARED if n % 2 else PRIVATE)
        moment_create(author=bo, moment_kind="hug", line="a line", visibility=SHARED)
    stranger = make_user()
    add(stranger, "Not ours")
    db.session.commit()
    with count_queries(app) as many:
        response = client.get("/journal" + query)
        assert response.status_code == 200
    assert len(list_titles(response)) == PER_PAGE
    assert few.count == many.count, many.statements
    assert many.count <= 4, many.statements  # + the header's unread count


def test_the_entry_page_costs_a_few_statements(app, couple):
    ana, bo, _ = couple
    entry = add(ana, "Shared", body="**hello**", tags=["a", "b"], visibility=SHARED)
    client = client_for(app, bo)
    path = f"/journal/{entry.id}"
    with count_queries(app) as q:
        assert client.get(path).status_code == 200
    assert q.count <= 5, q.statements  # + the header's unread count


def test_naming_the_partner_costs_an_entry_page_no_statement(app, couple):
    """The partner is read with the session (journal.auth.sessions): a page that names
    them (one's own entry shared in the couple) runs no more statements than one that
    doesn't (a private one)."""
    ana, bo, _ = couple
    private = add(ana, "Mine", visibility=PRIVATE)
    shared = add(ana, "Ours", visibility=SHARED)
    client = client_for(app, ana)
    with count_queries(app) as alone:
        page = client.get(f"/journal/{private.id}")
    assert "Only you can read this." in read_text(page)
    with count_queries(app) as named:
        page = client.get(f"/journal/{shared.id}")
    assert "Bo can read this too." in read_text(page)
    assert alone.count == named.count, (alone.statements, named.statements)


# -- small moments ---------------------------------------------------------------------


def test_one_tap_keeps_a_moment(app, couple):
    ana, bo, _ = couple
    a, b = client_for(app, ana), client_for(app, bo)
    listing = a.get("/journal").get_data(as_text=True)
    assert listing.index(">Write</a>") < listing.index("We held each other")
    forms = elements(listing, "ul.moment-buttons form[action='/journal/moments']")
    assert len(forms) >= 3
    assert all(f.get("method") == "post" and f.select("input[name=moment_kind]") and f.select("button") for f in forms)

    response = a.post("/journal/moments", data={"moment_kind": "hug", "visibility": PRIVATE})
    assert response.status_code == 302 and response.headers["Location"] == "/journal"
    a.post("/journal/moments", data={"moment_kind": "eye-contact", "line": "over the cot", "visibility": SHARED})
    assert list_titles(a.get("/journal")) == ["We really looked at each other", "We held each other"]
    assert list_titles(b.get("/journal")) == ["We really looked at each other"]
    assert "over the cot" in list_items(b.get("/journal"))[0] and "Ana" in list_items(b.get("/journal"))[0]
    moment = db.session.scalar(select(Entry).where(Entry.moment_kind == "eye-contact"))
    assert moment.kind == "moment" and b"over the cot" not in moment.line_sealed
    page = b.get(f"/journal/{moment.id}")
    assert page.status_code == 200 and "over the cot" in read_text(page)
    assert b.get(f"/journal/{moment.id}/edit").status_code == 404


def test_a_moment_in_ones_own_words_needs_the_words(app, user):
    client = client_for(app, user)
    response = client.post("/journal/moments", data={"moment_kind": "own", "line": " ", "visibility": SHARED})
    assert response.status_code == 422
    assert field_error(response, "line") == "Please say the moment in a few words."
    assert '<details class="keep-moment" open>' in response.get_data(as_text=True)
    assert "Please look at the note below." in response.get_data(as_text=True)  # the form's own macros, imported
    response = client.post("/journal/moments", data={"moment_kind": "own", "line": "x" * 301, "visibility": SHARED})
    assert response.status_code == 422 and field_value(response, "line") == "x" * 301
    assert client.post("/journal/moments", data={"moment_kind": "not-a-kind", "visibility": PRIVATE}).status_code == 422
    assert (
        client.post(
            "/journal/moments", data={"moment_kind": "own", "line": "<i>She smiled</i>", "visibility": SHARED}
        ).status_code
        == 302
    )
    listing = client.get("/journal").get_data(as_text=True)
    assert "&lt;i&gt;She smiled&lt;/i&gt;" in listing
    moment_id = db.session.scalar(select(Entry.id).where(Entry.kind == "moment"))
    response = client.post(
        f"/journal/{moment_id}/edit", data={"moment_kind": "laugh", "line": "", "visibility": PRIVATE}
    )
    assert response.status_code == 302
    assert "We laughed together" in read_text(client.get(f"/journal/{moment_id}"))


def test_the_blank_moment_form_never_shows_what_someone_else_typed(app, couple):
    """The journal's blank "keep a moment" fields are rendered once per app: a refused
    post shows its own words and errors, and the next page, anyone's, is blank again."""
    ana, bo, _ = couple
    a, b = client_for(app, ana), client_for(app, bo)
    blank = a.get("/journal")
    refused = a.post("/journal/moments", data={"moment_kind": "own", "line": "x" * 301, "visibility": SHARED})
    assert refused.status_code == 422 and field_value(refused, "line") == "x" * 301
    assert field_error(refused, "line") and '<details class="keep-moment" open>' in refused.get_data(as_text=True)
    for page in (b.get("/journal"), a.get("/journal")):
        assert field_value(page, "line") == "" and field_error(page, "line") is None
        assert '<details class="keep-moment">' in page.get_data(as_text=True)
        checked = [i.get("id") for i in elements(page, "input[type=radio]") if i.get("checked") is not None]
        assert checked == ["visibility-0"]  # Just me, nothing else chosen
        assert _moment_inputs(page) == _moment_inputs(blank)


def _moment_inputs(page) -> list[tuple]:
    return [
        (i.get("id"), i.get("name"), i.get("value"), i.get("checked"))
        for i in elements(page, "form.stack input")
        if i.get("name") != "csrf_token"
    ]


# -- links to a practice or a prompt --------------------------------------------------


def test_an_entry_can_answer_a_prompt_or_name_a_practice(app, couple):
    ana, bo, c = couple
    plan = Plan(couple_id=c.id, timezone="Europe/London")
    db.session.add(plan)
    db.session.flush()
    practice = Practice(
        plan_id=plan.id, author_id=ana.id, kind="closeness", title="Our walk", summary="", steps=["Walk."]
    )
    db.session.add(practice)
    db.session.flush()
    schedule = Schedule(
        plan_id=plan.id, practice_id=practice.id, kind="daily", times=["20:00"], start_date=date(2026, 1, 1)
    )
    db.session.add(schedule)
    db.session.commit()
    yesterday = now_utc().astimezone(ZoneInfo("Europe/London")).date() - timedelta(days=1)
    at = datetime.combine(yesterday, time(20), tzinfo=ZoneInfo("Europe/London")).astimezone(UTC)
    key = f"{schedule.id}@{at:%Y%m%dT%H%M%SZ}"

    a = client_for(app, ana)
    form = a.get(f"/journal/new?prompt={key}")
    assert "For Our walk" in read_text(form) and f'value="{key}"' in form.get_data(as_text=True)
    entry_id = write(a, title="After the walk", body="Good.", prompt=key, visibility=SHARED)
    entry = db.session.get(Entry, entry_id)
    assert (entry.practice_id, entry.schedule_id) == (practice.id, schedule.id)
    assert entry.occurrence_at == at
    assert "About Our walk" in read_text(client_for(app, bo).get(f"/journal/{entry_id}"))

    picked = write(a, title="Thinking of it", practice=str(practice.id))
    assert db.session.get(Entry, picked).practice_id == practice.id
    assert "Our walk" in a.get("/journal/new").get_data(as_text=True), "the plan's practices are offered"

    # Someone else's schedule or practice is dropped quietly; the writing is kept.
    other = make_user()
    o = client_for(app, other)
    kept = write(o, title="Mine", prompt=key, practice=str(practice.id))
    assert (db.session.get(Entry, kept).practice_id, db.session.get(Entry, kept).schedule_id) == (None, None)
    assert write(o, title="Nonsense", prompt="abc@def") > 0

    db.session.delete(practice)  # its schedule goes with it
    db.session.commit()
    db.session.expire_all()
    entry = db.session.get(Entry, entry_id)
    assert (entry.practice_id, entry.schedule_id) == (None, None)
    assert a.get(f"/journal/{entry_id}").status_code == 200


# -- drafts ----------------------------------------------------------------------------


def test_the_editor_keeps_a_draft_until_a_save_succeeds(csrf_app_config, app, user):
    client = client_for(app, user)
    page = client.get("/journal/new").get_data(as_text=True)
    key = f"tandem-draft:{user.id}:/journal/new"
    assert f'data-draft="{key}"' in page and "data-draft-clean" in page
    (script,) = elements(page, "script[src^='/static/js/drafts-']")
    assert script.attrs.keys() == {"src", "defer"} and not script.children
    assert re.fullmatch(r"/static/js/drafts-[0-9a-f]{32}\.js", script.get("src")), "content-hashed name"
    assert "<script>" not in page and "onclick" not in page
    assert "/static/js/drafts-" not in client.get("/journal").get_data(as_text=True)
    assert "Restore your unsaved draft" in page

    # An expired form (no valid token) is refused by the app's CSRF handler.
    refused = client.post("/journal/new", data={"title": "Lost?", "body": "Not with drafts.js", "visibility": PRIVATE})
    assert refused.status_code == 400

    token = element(page, "input[name=csrf_token]").get("value")
    assert token
    bad = client.post(
        "/journal/new", data={"csrf_token": token, "title": "T" * 300, "body": "kept", "visibility": PRIVATE}
    )
    assert bad.status_code == 422 and "data-draft-clean" not in bad.get_data(as_text=True)

    saved = client.post(
        "/journal/new", data={"csrf_token": token, "title": "Saved", "body": "kept", "visibility": PRIVATE}
    )
    entry_id = entry_id_of(saved)
    shown = client.get(f"/journal/{entry_id}").get_data(as_text=True)
    assert f'data-draft-saved="{key}"' in shown and "/static/js/drafts-" in shown
    assert "data-draft-saved" not in client.get(f"/journal/{entry_id}").get_data(as_text=True), "said once"

    edit_page = client.get(f"/journal/{entry_id}/edit").get_data(as_text=True)
    assert f'data-draft="tandem-draft:{user.id}:/journal/{entry_id}/edit"' in edit_page
    client.post(
        f"/journal/{entry_id}/edit", data={"csrf_token": token, "title": "Saved", "body": "more", "visibility": PRIVATE}
    )
    shown = client.get(f"/journal/{entry_id}").get_data(as_text=True)
    assert f'data-draft-saved="tandem-draft:{user.id}:/journal/{entry_id}/edit"' in shown


@pytest.mark.sqlite_only  # one browser run is enough
@pytest.mark.browser
def test_a_draft_survives_an_expired_form_in_a_real_browser(csrf_app_config, app, backend, user, browser):
    """drafts.js in Chromium, with the app behind Playwright's request routing (the
    test client answers every request, CSP and all): the form expires, the save is
    refused, the page is opened again and the words come back; a save forgets them."""
    from playwright import sync_api

    client = client_for(app, user)
    origin = "http://localhost:5999"  # never reached: every request is routed to the test client
    problems = []

    def answer(route):
        request = route.request
        parts = urlsplit(request.url)
        with client.open(
            parts.path + (f"?{parts.query}" if parts.query else ""),
            method=request.method,
            data=request.post_data_buffer,
            content_type=request.headers.get("content-type"),
        ) as response:
            headers = {k: v for k, v in response.headers.items() if k.lower() not in ("content-length", "set-cookie")}
            route.fulfill(status=response.status_code, headers=headers, body=response.get_data())

    # The shared Chromium (tests/conftest.py): one Playwright per test process.
    # Service workers are another feature's business; here every request goes to the test client.
    context = browser.new_context(viewport={"width": 390, "height": 844}, service_workers="block")
    try:
        context.set_default_timeout(10_000)
        context.route(f"{origin}/**", answer)
        page = context.new_page()
        page.on("console", lambda m: m.type == "error" and "status of 400" not in m.text and problems.append(m.text))
        page.on("pageerror", lambda e: problems.append(str(e)))
        expect = sync_api.expect

        page.goto(f"{origin}/journal/new")
        page.get_by_label("Title").fill("Night feed")
        page.get_by_label("What's on your mind").fill("The house was so quiet at three.")
        page.get_by_label("Tags").fill("nights")
        with client.session_transaction() as sess:  # the form expires while it is open
            sess.pop("csrf_token", None)
        page.get_by_role("button", name="Save", exact=True).click()
        expect(page.get_by_role("heading", name="This form had been open a long time")).to_be_visible()

        page.goto(f"{origin}/journal/new")
        expect(page.get_by_text("We brought back what you were writing")).to_be_visible()
        expect(page.get_by_label("Title")).to_have_value("Night feed")
        expect(page.get_by_label("What's on your mind")).to_have_value("The house was so quiet at three.")
        expect(page.get_by_label("Tags")).to_have_value("nights")
        page.get_by_role("button", name="Save", exact=True).click()
        expect(page.get_by_role("heading", name="Night feed")).to_be_visible()
        key = f"tandem-draft:{user.id}:/journal/new"
        assert page.evaluate("k => window.localStorage.getItem(k)", key) is None

        page.goto(f"{origin}/journal/new")
        expect(page.get_by_label("Title")).to_have_value("")
        expect(page.locator("[data-draft-notice]")).to_be_hidden()

        # Editing: unsent changes are offered back, not forced on the saved text.
        entry_id = db.session.scalar(select(Entry.id))
        page.goto(f"{origin}/journal/{entry_id}/edit")
        page.get_by_label("What's on your mind").fill("Changed my mind, not saved.")
        page.goto(f"{origin}/journal")
        page.goto(f"{origin}/journal/{entry_id}/edit")
        expect(page.get_by_label("What's on your mind")).to_have_value("The house was so quiet at three.")
        page.get_by_role("button", name="Restore your unsaved draft").click()
        expect(page.get_by_label("What's on your mind")).to_have_value("Changed my mind, not saved.")
    finally:
        context.close()
    assert problems == []
