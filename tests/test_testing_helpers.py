"""The HTML reading helpers of journal.testing read what a browser would, whatever the
order of attributes, and find nothing where nothing matches (so a test can fail)."""
import pytest

from journal.testing import checked_values, element, elements, flashes, selected_values, texts_of

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
    assert texts_of(PAGE, 'a[href^=/practices/2]') == ["Walk"]
    assert texts_of(PAGE, "ol.steps > li") == ["Sit together."]
    assert element(PAGE, "li[data-x=1]").classes == {"prompt", "card", "prompt-done"}
    assert element(PAGE, "li#one").text == "Tea & toast Sit together."  # blocks apart


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
