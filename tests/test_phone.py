"""Phone first (issue 13), the parts a server decides: the More page, the quick
check-in (what starts folded, who sees it by default), one wording for "who sees it"."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from journal.access import Scope
from journal.checkins.services import checkin_create
from journal.entries.services import UNDO_WINDOW, entry_create, moment_create
from journal.extensions import db
from journal.models import now_utc
from journal.models.checkins import CheckIn
from journal.models.entries import MOMENT, Entry
from journal.testing import Element, checked_values, client_for, elements, local_today, read_text, texts_of
from tests.test_checkins import prompt_key, saved_id, shared_prompt

pytestmark = pytest.mark.sqlite_only  # layout and wording of pages: the same on both databases (tests/conftest.py)


def details_open(response, summary: str) -> bool:
    """Whether the <details> whose summary says `summary` starts open."""
    found = [d for d in elements(response, "details") if d.select_one("summary").text == summary]
    assert found, f"no <details> with the summary {summary!r}"
    return "open" in found[0].attrs


# -- More ------------------------------------------------------------------------------------


def test_more_lists_everything_the_tab_bar_has_no_room_for(app, couple, ana_client):
    page = ana_client.get("/more")
    assert page.status_code == 200
    links = [(a.get("href"), a.text) for a in elements(page, "ul.more-list > li > a")]
    assert [name for _, name in links if name != "Progress"] == [
        "Consent",
        "Library",
        "Partner",
        "Reminders",
        "Account",
        "Care",
    ]
    assert "Log out" in read_text(page)
    # Progress shows only where this app serves it (another lane builds that page).
    assert ("Progress" in dict((n, h) for h, n in links)) == ("progress.index" in app.view_functions)


def test_the_tab_bar_names_more_as_current_on_the_pages_it_lists(app, couple, ana_client):
    for path in ("/more", "/couple", "/account", "/reminders"):
        assert elements(ana_client.get(path), "a[href=/more][aria-current=page]"), path
    assert not elements(ana_client.get("/today"), "a[href=/more][aria-current]")


def test_each_page_marks_its_own_place_in_the_navigation_whatever_came_before(app, couple, ana_client, client):
    """The navigation is rendered once per place and kept (journal.templating): a page
    never shows the "you are here" of the page opened before it, logged in or not."""

    def current(response) -> list[str]:
        return [a.get("href") for a in elements(response, "nav a[aria-current=page]")]

    for _ in range(2):
        assert current(ana_client.get("/today")) == ["/today"]
        assert current(ana_client.get("/journal")) == ["/journal"]
        assert current(ana_client.get("/notes")) == ["/journal"]
        assert current(ana_client.get("/care")) == ["/care"]
        assert current(ana_client.get("/couple")) == ["/more", "/couple"]
        assert current(ana_client.get("/reminders")) == ["/more", "/reminders"]
        assert current(ana_client.get("/nowhere")) == []
        assert current(client.get("/care")) == ["/care"]
        assert current(client.get("/login")) == ["/login"]
        assert current(client.get("/")) == []


# -- the quick check-in ----------------------------------------------------------------------


def test_the_quick_check_in_folds_the_rest_and_keeps_health_one_tap_away(app, couple, ana_client):
    page = ana_client.get("/checkins/new")
    assert not details_open(page, "More about today")
    assert not details_open(page, "Pain, bleeding or fever")
    # What the quick part holds, before anything folded.
    html = page.get_data(as_text=True)
    quick = html[: html.index("<details")]
    for name in ("mood", "closeness", "sensation", "boundary"):
        assert f'name="{name}"' in quick, name
    for name in ("comfort", "energy", "stress", "sleep_hours", "note", "pain", "bleeding", "fever"):
        assert f'name="{name}"' not in quick, name


@pytest.mark.parametrize("answers", [{"pain": "mild"}, {"bleeding": "heavier"}, {"fever": True}])
def test_health_questions_open_when_the_last_check_in_reported_them(app, couple, ana_client, answers):
    ana = couple[0]
    checkin_create(author=ana, day=local_today(ana), visibility="private", answers={"mood": 3, **answers})
    db.session.commit()
    assert details_open(ana_client.get("/checkins/new"), "Pain, bleeding or fever")


def test_health_questions_fold_again_once_the_last_check_in_reported_none(app, couple, ana_client):
    ana = couple[0]
    checkin_create(author=ana, day=local_today(ana), visibility="private", answers={"fever": True})
    db.session.commit()
    checkin_create(author=ana, day=local_today(ana), visibility="private", answers={"pain": "none", "fever": False})
    db.session.commit()
    assert not details_open(ana_client.get("/checkins/new"), "Pain, bleeding or fever")


def test_a_mistyped_answer_under_more_opens_it_and_keeps_what_was_typed(app, couple, ana_client):
    page = ana_client.post("/checkins/new", data={"mood": "3", "sleep_hours": "lots", "note": "A slow day"})
    assert page.status_code == 422
    assert details_open(page, "More about today")
    assert "A slow day" in page.get_data(as_text=True)


def test_a_prompt_for_both_starts_shared_in_the_words_of_the_reveal(app, couple, ana_client):
    ana, bo, _ = couple
    schedule = shared_prompt(Scope(ana).plan_or_create())
    page = ana_client.get(f"/checkins/new?prompt={prompt_key(ana, schedule)}")
    assert checked_values(page, "visibility") == ["shared"]
    assert "Share with Bo once they've answered too" in read_text(page)
    assert "Just me" in read_text(page)
    # A form sent without the choice stays private: only what is sent shares.
    checkin_id = saved_id(ana_client.post(f"/checkins/new?prompt={prompt_key(ana, schedule)}", data={"mood": "3"}))
    assert db.session.get(CheckIn, checkin_id).visibility == "private"


def test_elsewhere_a_check_in_starts_as_just_me(app, couple, ana_client):
    page = ana_client.get("/checkins/new")
    assert checked_values(page, "visibility") == ["private"]
    assert "Share with" not in read_text(page)


def test_the_same_words_for_who_sees_it_everywhere(app, couple, ana_client):
    for path in ("/checkins/new", "/journal/new", "/notes/new", "/journal"):
        text = read_text(ana_client.get(path))
        assert "Only me" not in text, path
        assert "Just me" in text, path


# -- journal -----------------------------------------------------------------------------------


def _moment_ids():
    db.session.expire_all()
    return list(db.session.scalars(select(Entry.id).where(Entry.kind == MOMENT)))


def test_a_moment_just_kept_can_be_undone_with_one_tap(app, couple, ana_client):
    kept = ana_client.post("/journal/moments", data={"moment_kind": "hug", "visibility": "private"})
    assert kept.status_code == 302
    (moment_id,) = _moment_ids()
    page = ana_client.get("/journal")
    assert f'action="/journal/{moment_id}/undo"' in page.get_data(as_text=True)
    assert "Undo" in read_text(page)
    undone = ana_client.post(f"/journal/{moment_id}/undo")
    assert undone.status_code == 302 and undone.headers["Location"] == "/journal"
    assert _moment_ids() == []
    page = ana_client.get("/journal")
    assert "Undone. That moment is gone." in read_text(page) and "/undo" not in page.get_data(as_text=True)


def test_undo_is_the_authors_only_and_only_shortly_after(app, couple, ana_client):
    ana, bo, _ = couple
    shared = moment_create(author=ana, moment_kind="hug", line="", visibility="shared")
    old = moment_create(
        author=ana,
        moment_kind="laugh",
        line="",
        visibility="private",
        now=now_utc() - UNDO_WINDOW - timedelta(minutes=1),
    )
    db.session.commit()
    shared_id, old_id = shared.id, old.id
    assert client_for(app, bo).post(f"/journal/{shared_id}/undo").status_code == 404
    late = ana_client.post(f"/journal/{old_id}/undo", follow_redirects=True)
    assert "You can still delete it from its own page" in read_text(late)
    assert sorted(_moment_ids()) == sorted([shared_id, old_id])
    # An entry is not a moment: Undo never deletes writing.
    entry = entry_create(author=ana, title="Mine", body="Words", tags=[], visibility="private")
    db.session.commit()
    entry_id = entry.id
    ana_client.post(f"/journal/{entry_id}/undo")
    db.session.expire_all()
    assert db.session.get(Entry, entry_id) is not None


def test_the_newest_entries_come_before_the_moment_choices_and_filters(app, couple, ana_client):
    html = ana_client.get("/journal").get_data(as_text=True)
    # One search field at the top; filters and moment choices folded in <details>.
    assert html.count('type="search"') == 1
    assert html.index('type="search"') < html.index('class="entry-list"')
    assert "Narrow it down" in texts_of(html, "details > summary")
    assert texts_of(html, "details.keep-moment > summary.button.secondary") == ["Keep a moment"]


# -- Today -------------------------------------------------------------------------------------


def _prompt_block(response, title: str) -> Element:
    (block,) = [item for item in elements(response, "li.card.prompt") if title in item.text]
    return block


@pytest.mark.parametrize("kind, together_for_both", [("closeness", True), ("check-in", False)])
def test_a_practice_done_together_shows_done_for_both(app, couple, ana_client, kind, together_for_both):
    ana, bo, _ = couple
    schedule = shared_prompt(Scope(ana).plan_or_create(), kind=kind)
    bo_client = client_for(app, bo)
    assert (
        _prompt_block(bo_client.get("/today"), "How are we doing tonight").select("button[value=done]")
        or kind == "check-in"
    )
    ana_client.post("/today/act", data={"prompt": prompt_key(ana, schedule), "action": "done"})
    said = read_text(ana_client.get("/today"))
    assert ("Noted, for you both" in said) == together_for_both
    block = _prompt_block(bo_client.get("/today"), "How are we doing tonight")
    if together_for_both:
        assert "done together" in block.text and "Ana marked this done for you both. Nothing more to do." in block.text
        assert not block.select("button[value=done]") and "Not now" not in block.text  # nothing asked of Bo
    else:
        assert "done together" not in block.text  # each answers a check-in for themself


def test_done_together_never_reaches_the_partner_of_a_prompt_for_one(app, couple, ana_client):
    ana, bo, _ = couple
    schedule = shared_prompt(Scope(ana).plan_or_create(), prompt_user=ana)
    ana_client.post("/today/act", data={"prompt": prompt_key(ana, schedule), "action": "done"})
    assert "How are we doing tonight" not in read_text(client_for(app, bo).get("/today"))


def test_today_shows_each_practices_steps_folded(app, couple, ana_client):
    ana, _, _ = couple
    shared_prompt(Scope(ana).plan_or_create())
    block = _prompt_block(ana_client.get("/today"), "How are we doing tonight")
    assert [summary.text for summary in block.select("details.steps-fold > summary")] == ["Steps"]
    assert block.select("details.steps-fold > ol.steps > li")[0].text == "Sit together."


# -- invitation and time zone -------------------------------------------------------------------


def test_the_invitation_offers_share_and_copy_and_warns_before_a_new_one(app, user):
    client = client_for(app, user)
    page = client.post("/couple/invite", follow_redirects=True)
    html = page.get_data(as_text=True)
    # Hidden until the script finds the browser can share or copy; the link field stays for copying by hand.
    (share,) = elements(html, "button.button[type=button][data-share-url^=http://][hidden]")
    assert share.text == "Share" and "/invite/" in share.get("data-share-url")
    copies = {b.text: b.get("data-copy-text") for b in elements(html, "button[data-copy-text][hidden]")}
    assert re.fullmatch(r"http://[^/]+/invite/\S+", copies["Copy link"])
    assert re.fullmatch(r"[A-Z0-9]{4}-[A-Z0-9]{4}", copies["Copy code"])
    assert 'id="invite-link"' in html
    # Making another invitation says first that the one sent stops working.
    text = read_text(client.get("/couple"))
    assert "Make a new invitation The link and code you already sent will stop working." in text
    assert "Yes, make a new invitation" in text


@pytest.mark.parametrize("path", ["/register", "/account"])
def test_time_zones_come_common_first_then_by_region_one_selected(app, user, path):
    client = client_for(app, user) if path == "/account" else app.test_client()
    (select,) = elements(client.get(path), "select[data-zones]")
    groups = [group.get("label") for group in select.select("optgroup")]
    assert groups[0] == "Common" and groups[1:] == sorted(groups[1:]) and {"Europe", "America", "Asia"} <= set(groups)
    assert len(select.select("option[selected]")) == 1
    common = select.select_one("optgroup").select("option")
    assert ("Europe/London", "London (Europe)") in [(o.get("value"), o.text) for o in common]
    assert len(select.select("option")) > 400
