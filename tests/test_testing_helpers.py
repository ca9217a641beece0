"""The HTML reading helpers of journal.testing read what a browser would, whatever the
order of attributes, and find nothing where nothing matches (so a test can fail)."""

import pytest

from journal.testing import (
    checked_values,
    element,
    elements,
    field_value,
    flashes,
    read_text,
    selected_values,
    textarea_value,
    texts_of,
    without_csrf_tokens,
)

PAGE = """<!doctype html><main>
<p class="flash flash-error">That date is <em>in the future</em>.</p>
<ul class="schedule-list">
  <li id="one" class="card prompt"><h3><a href="/practices/1">Tea &amp; toast</a></h3><br>
    <ol class="steps"><li>Sit together.</li></ol></li>
  <li data-x="1" class="prompt card prompt-done"><h3><a href="/practices/22">Walk</a></h3></li>
</ul>
<form><input checked type="radio" value="daily" name="kind"><input name="kind" type="radio" value="weekly">
<select name="timezone"><option value="UTC">UTC</option><option value="Europe/London" selected>London</option></select>
</form></main>"""


def test_selectors_match_whatever_the_attribute_order():
    assert texts_of(PAGE, "li.card.prompt h3 > a") == ["Tea & toast", "Walk"]
    assert texts_of(PAGE, "ul.schedule-list > li > h3") == ["Tea & toast", "Walk"]
    assert [li.get("id") for li in elements(PAGE, "li.prompt-done, li#one")] == ["one", None]
    assert texts_of(PAGE, "a[href^=/practices/2]") == ["Walk"]
    assert texts_of(PAGE, "a[href^='/practices/2']") == texts_of(PAGE, 'a[href$="/22"]') == ["Walk"]  # quoted
    assert texts_of(PAGE, "ol.steps > li") == ["Sit together."]
    assert element(PAGE, "li[data-x=1]").classes == {"prompt", "card", "prompt-done"}
    assert element(PAGE, "li#one").text == "Tea & toast Sit together."  # blocks apart


def test_read_text_reads_what_a_person_reads():
    assert read_text(PAGE).startswith("That date is in the future . Tea & toast Sit together. Walk")  # each tag a space
    page = """<head><title>Plan</title><style>p > a { color: red }</style><script>if (a < b) { go("x") }</script>
    </head><p title="a > b">Line one<br>line two<!-- a comment --> &lt;b&gt; kept <img alt="not text"/>3 < 4</p>
    <script src="/static/a.js" defer></script>"""
    assert read_text(page) == "Plan Line one line two <b> kept 3 < 4"


def test_csrf_tokens_are_masked_whatever_the_attribute_order():
    one = '<form><input value="abc.1" type="hidden" name="csrf_token"><p>Hi</p></form>'
    two = '<form><input name="csrf_token" type="hidden" value="xyz.2"><p>Hi</p></form>'
    assert (
        without_csrf_tokens(one, "TOKEN")
        == '<form><input value="TOKEN" type="hidden" name="csrf_token"><p>Hi</p></form>'
    )
    assert without_csrf_tokens(two) == '<form><input name="csrf_token" type="hidden" value=""><p>Hi</p></form>'
    assert without_csrf_tokens("<p>abc.1</p>") == "<p>abc.1</p>"


def test_nothing_matches_where_nothing_is():
    assert elements(PAGE, "ul.schedule-list > h3") == []  # h3 is not a child of the list
    assert elements(PAGE, "li.card.missing") == [] and element(PAGE, "#nowhere") is None


def test_forms_and_flashes_read_back():
    assert flashes(PAGE) == [("error", "That date is in the future.")]  # <em> read inline
    assert checked_values(PAGE, "kind") == ["daily"]
    assert selected_values(PAGE, "timezone") == ["Europe/London"]


def test_a_selector_it_cannot_read_is_an_error_not_an_empty_list():
    with pytest.raises(ValueError):
        elements(PAGE, "li:first-child")


FORM = """<form action="/journal/new?kind=entry" method="post">
<input value="Tea &amp; toast" name="title" type="text" id="title"><input id="tags" name="tags">
<input type="hidden" data-id="body" value="not the body"><input id="kept@1:x" value="odd id">
<textarea name="body" id="body">
First line &lt;b&gt;
second line</textarea><textarea id="went">\r
typed</textarea><textarea id="empty"></textarea>
</form>"""


def test_field_values_are_read_whatever_the_attribute_order():
    assert field_value(FORM, "title") == "Tea & toast"
    assert field_value(FORM, "tags") == "", "an input without a value is empty, not absent"
    assert field_value(FORM, "kept@1:x") == "odd id", "any id, not only what #id can spell"
    assert field_value(FORM, "nowhere") is None and field_value(FORM, "body") is None  # a textarea is not an input
    assert textarea_value(FORM, "body") == "First line <b>\nsecond line", "the newline after the tag is dropped"
    assert textarea_value(FORM, "went") == "typed" and textarea_value(FORM, "empty") == ""
    assert textarea_value(FORM, "title") is None


def test_attribute_selectors_read_urls_and_stand_alone():
    assert [f.get("method") for f in elements(FORM, "form[action='/journal/new?kind=entry']")] == ["post"]
    assert elements(FORM, "form[action='/journal/new']") == []  # = is the whole value
    assert [el.get("id") for el in elements(FORM, "[data-id], textarea[id^=e]")] == [None, "empty"]
