"""Progress, end to end: A taps an area of the body diagram on the note form (no
drop-downs to wade through), the progress page shades that area by the answer, and B,
to whom the map was never shown, sees nothing of it."""

from sqlalchemy import select

from journal.extensions import db
from journal.models import Practice
from tests.browser.journeys import PHONE, expect, go, heading


def _touch_practice_id(app) -> int:
    with app.app_context():
        return db.session.scalar(select(Practice.id).where(Practice.slug == "slow-hand-massage"))


def test_tapping_the_body_diagram_answers_and_progress_shows_it(journey, partnered, live_server):
    couple = partnered(PHONE)
    a, b = couple.a.page, couple.b.page
    a.goto(f"{live_server.url}/notes/new?practice={_touch_practice_id(live_server.app)}")
    a.get_by_text("Add a sensation map (optional)").click()
    # With JavaScript the eleven drop-downs give way to the diagram.
    expect(a.get_by_label("Hands and arms", exact=True)).to_be_hidden()
    a.get_by_role("link", name="Back: no answer").click()
    back = a.get_by_label("Back", exact=True)
    expect(back).to_be_visible()
    expect(back).to_be_focused()
    back.select_option("reduced")
    expect(a.get_by_role("link", name="Back: Reduced or numb")).to_be_visible()
    expect(a.locator("#note-body-back .area")).to_have_class("area area-back feel-reduced")
    journey.step(a, "A answered by tapping the diagram")
    a.get_by_role("button", name="Save the note").click()
    expect(a.get_by_role("status")).to_contain_text("Saved.")

    go(a, "More")  # on a phone, Progress lives under More
    a.get_by_role("main").get_by_role("link", name="Progress", exact=True).click()
    expect(heading(a, "Progress")).to_be_visible()
    expect(a.locator("#body-you .area-back")).to_have_class("area area-back feel-reduced")
    expect(a.locator("#table-body-you")).to_contain_text("Reduced or numb")
    journey.step(a, "A's progress shows the map")

    go(b, "More")
    b.get_by_role("main").get_by_role("link", name="Progress", exact=True).click()
    expect(heading(b, "Progress")).to_be_visible()
    expect(b.locator("#body-partner")).to_have_count(0)
    expect(b.get_by_text("No sensation maps in this period.")).to_be_visible()
    journey.assert_clean()
