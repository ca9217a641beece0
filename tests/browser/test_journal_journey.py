"""The journal, end to end: what A keeps private never reaches B (not in the
list, not in search, not by its address); what A shares, B finds, reads, and
sees change when A edits it."""

import re

import pytest

from tests.browser.journeys import VIEWPORT_IDS, VIEWPORTS, expect, go, heading, status


def _write(page, *, title: str, body: str, tags: str, shared: bool) -> str:
    go(page, "Journal")
    page.get_by_role("link", name="Write", exact=True).click()
    expect(heading(page, "Write")).to_be_visible()
    page.get_by_label("Title").fill(title)
    page.get_by_label("What's on your mind").fill(body)
    page.get_by_label("Tags").fill(tags)
    who = page.get_by_role("group", name="Who sees this")
    who.get_by_role("radio", name="Me and my partner" if shared else "Just me").check()
    page.get_by_role("button", name="Save", exact=True).click()
    expect(status(page)).to_contain_text("Your partner can read it too." if shared else "Only you can read it.")
    expect(heading(page, title)).to_be_visible()
    return page.url


def _search(page, words: str):
    search = page.get_by_role("search", name="Find in the journal")
    search.get_by_label("Search").fill(words)
    search.get_by_role("button", name="Find").click()
    expect(page).to_have_url(re.compile(r"[?&]q="))


@pytest.mark.parametrize("viewport", VIEWPORT_IDS, ids=VIEWPORT_IDS)
def test_private_stays_private_shared_is_found_and_edits_show(journey, partnered, viewport):
    couple = partnered(VIEWPORTS[viewport])
    a, b = couple.a.page, couple.b.page
    private_title = f"The lighthouse feeling ({viewport})"
    private_body = "At the 3am feed I felt far away, like a lighthouse keeper."
    shared_title = f"Our first slow walk ({viewport})"
    shared_body = "The park was quiet and we held hands by the pond."
    edited_body = "The park was quiet; we held hands by the pond and laughed at the ducks."

    # --- A writes one private and one shared entry.
    private_url = _write(a, title=private_title, body=private_body, tags="nights", shared=False)
    expect(a.get_by_text("Only you can read this.")).to_be_visible()
    shared_url = _write(a, title=shared_title, body=shared_body, tags="us, walks", shared=True)
    expect(a.get_by_text("Bo can read this too.")).to_be_visible()
    go(a, "Journal")
    expect(a.get_by_role("link", name=private_title)).to_be_visible()
    expect(a.get_by_role("link", name=shared_title)).to_be_visible()
    journey.step(a, "A wrote private and shared")

    # --- B's journal has the shared entry only.
    go(b, "Journal")
    expect(b.get_by_role("link", name=shared_title)).to_be_visible()
    expect(b.get_by_role("listitem").filter(has=b.get_by_role("link", name=shared_title))).to_contain_text("Ana")
    expect(b.get_by_text(private_title)).to_have_count(0)
    assert "lighthouse" not in b.content().lower()
    journey.step(b, "B journal shows shared only")

    # Searching for the private entry's words finds nothing.
    _search(b, "lighthouse")
    expect(b.get_by_role("status")).to_have_text("0 found.")
    expect(b.get_by_text("Nothing matches that.")).to_be_visible()
    expect(b.get_by_text(private_title)).to_have_count(0)
    # Nor does its address (as if B were given the link): not found, not forbidden.
    assert b.context.request.get(private_url).status == 404

    # --- B searches for the shared one, finds it, reads it.
    _search(b, "pond")
    expect(b.get_by_role("status")).to_have_text("1 found.")
    b.get_by_role("link", name=shared_title).click()
    expect(heading(b, shared_title)).to_be_visible()
    expect(b.get_by_text(shared_body)).to_be_visible()
    expect(b.get_by_text("Shared with you.")).to_be_visible()
    expect(b.get_by_role("link", name="Edit")).to_have_count(0)
    journey.step(b, "B found and reads shared")

    # --- A edits the shared entry; B sees the change.
    a.goto(shared_url)
    a.get_by_role("link", name="Edit", exact=True).click()
    expect(heading(a, "Edit your entry")).to_be_visible()
    expect(a.get_by_label("What's on your mind")).to_have_value(shared_body)
    a.get_by_label("What's on your mind").fill(edited_body)
    a.get_by_role("button", name="Save", exact=True).click()
    expect(status(a)).to_contain_text("Saved. Your partner can read it too.")
    expect(a.get_by_text(edited_body)).to_be_visible()
    journey.step(a, "A edited shared")

    b.reload()
    expect(b.get_by_text(edited_body)).to_be_visible()
    expect(b.get_by_text(shared_body, exact=True)).to_have_count(0)
    expect(b.get_by_text("edited", exact=True)).to_be_visible()
    go(b, "Journal")
    _search(b, "ducks")
    expect(b.get_by_role("status")).to_have_text("1 found.")
    expect(b.get_by_role("link", name=shared_title)).to_be_visible()
    journey.step(b, "B sees the edit")

    journey.assert_clean()
