"""Phone first (issue 13): the table of the issue, measured on a 390×844 screen in
Chromium, row by row.

| what                                         | target                                   |
|----------------------------------------------|------------------------------------------|
| the page heading's top edge on Today         | ≤ 110 px                                 |
| the check-in form's height before "more"     | ≤ 1,688 px (two screens)                 |
| radio choices under 44×44 px on the check-in | none                                     |
| the newest journal entry on the journal page | on the first screen                      |
| time-zone choice                             | searchable, the browser's zone preselected |
| copying or sharing the invitation            | one tap: Share or Copy                   |

Plus the tab bar (48 px, five destinations, at the bottom on a phone and the top
navigation on a wide screen), Undo for a moment just kept, and a practice done
together showing as done for both.
"""

import re
import uuid
from datetime import timedelta
from zoneinfo import ZoneInfo

from journal.access import Scope
from journal.entries.services import entry_create
from journal.extensions import db
from journal.models import User, now_utc
from tests.browser.journeys import PHONE, VIEWPORTS, expect, go, heading, main_nav, status

HEADING_TOP_MAX = 110
FORM_HEIGHT_MAX = 1_688
TARGET_MIN = 44
TAB_BAR_HEIGHT = 48
CHECK_IN = "A two-minute daily check-in"

#: A stand-in for the phone's share sheet (desktop Chromium on Linux has none): it
#: records what it was given, so the test can see what the Share button sends.
FAKE_SHARE = """
navigator.share = function (data) { window.__shared = data; return Promise.resolve(); };
"""


def _box(locator) -> dict:
    box = locator.bounding_box()
    assert box is not None, f"{locator} has no box (not shown)"
    return box


def test_a_tired_parent_on_a_phone(journey, partnered, live_server):
    couple = partnered(PHONE)
    couple.schedule("two-minute-daily-check-in", prompt="both")
    a, b = couple.a.page, couple.b.page

    # --- Today: one row of header, the heading high on the screen, the tab bar below.
    a.goto("/today")
    top = _box(heading(a, "Hello, Ana"))["y"]
    assert top <= HEADING_TOP_MAX, f"Today's heading starts at {top} px"
    tabs = main_nav(a).get_by_role("link")
    expect(tabs).to_have_text(["Today", "Check in", "Journal", "Plan", "More"])
    for n in range(5):
        box = _box(tabs.nth(n))
        assert box["height"] == TAB_BAR_HEIGHT, box
        assert box["y"] + box["height"] == PHONE["height"], f"tab {n} is not at the bottom: {box}"
        assert tabs.nth(n).locator("svg").count() == 1  # an icon beside the word
    expect(main_nav(a).get_by_role("link", name="Today")).to_have_attribute("aria-current", "page")
    journey.step(a, "today")

    # --- More lists the rest.
    go(a, "More")
    expect(heading(a, "More")).to_be_visible()
    listed = a.get_by_role("main").get_by_role("link")
    for name in ("Consent", "Library", "Partner", "Reminders", "Account", "Care"):
        expect(listed.filter(has_text=re.compile(rf"^{name}$"))).to_be_visible()
    expect(a.get_by_role("main").get_by_role("button", name="Log out")).to_be_visible()
    journey.step(a, "more")

    # --- The check-in: the quick part fits two screens; every choice is a big target.
    go(a, "Today")
    a.get_by_role("listitem").filter(has=a.get_by_role("heading", name=CHECK_IN)).first.get_by_role(
        "link", name="Check in now"
    ).click()
    expect(heading(a, "Check in")).to_be_visible()
    form = a.locator("form.checkin-form")
    height = _box(form)["height"]
    assert height <= FORM_HEIGHT_MAX, f"the check-in form is {height} px tall before More about today"
    who = a.get_by_role("group", name="Who can see it")
    expect(who.get_by_role("radio", name="Share with Bo once they've answered too")).to_be_checked()
    journey.step(a, "check-in, quick")
    for summary in ("Pain, bleeding or fever", "More about today"):
        a.locator("summary", has_text=summary).click()
    radios = form.get_by_role("radio")
    expect(radios).to_have_count(47)  # 8 scales of 5, bleeding's 6 choices, the who-sees-it pair... every one a button
    small = []
    for n in range(radios.count()):
        box = _box(radios.nth(n))
        if box["width"] < TARGET_MIN or box["height"] < TARGET_MIN:
            small.append((radios.nth(n).get_attribute("id"), round(box["width"]), round(box["height"])))
    assert not small, f"radio choices under {TARGET_MIN}×{TARGET_MIN} px: {small}"
    # The whole button chooses: a tap near its edge, not on a small circle.
    button = a.locator("label[for='mood-3']")
    button.scroll_into_view_if_needed()
    box = _box(button)
    a.mouse.click(box["x"] + 4, box["y"] + box["height"] - 4)
    expect(a.get_by_role("group", name="Mood").get_by_role("radio", name="4", exact=True)).to_be_checked()
    a.get_by_label("Anything else (optional)").fill("A slow, kind evening.")
    journey.step(a, "check-in, everything open")
    who.get_by_role("radio", name="Just me").click()  # one tap away
    a.get_by_role("button", name="Save", exact=True).click()
    expect(status(a)).to_contain_text("Saved. Thank you for checking in.")
    expect(a.get_by_text("just for you")).to_be_visible()

    # --- The journal: the newest entry on the first screen, moments one compact row.
    with live_server.app.app_context():
        author = db.session.get(User, couple.a.user_id)
        for n in range(1, 6):
            entry_create(author=author, title=f"Evening number {n}", body="Quiet.", tags=["us"], visibility="private")
        db.session.commit()
    go(a, "Journal")
    newest = a.locator(".entry-list > li").first
    expect(newest).to_contain_text("Evening number 5")
    box = _box(newest)
    assert box["y"] + box["height"] <= PHONE["height"] - TAB_BAR_HEIGHT, f"the newest entry ends at {box}"
    search = a.get_by_role("search", name="Find in the journal")
    expect(search.locator("input:visible")).to_have_count(1)  # one field; the filters folded
    journey.step(a, "journal")
    a.locator("summary", has_text="Keep a moment").click()
    moment = a.locator(".moment-buttons button").first
    moment_name = moment.inner_text()
    moment.click()
    expect(status(a)).to_contain_text("Kept.")
    expect(a.locator(".entry-list > li").first).to_contain_text(moment_name)
    journey.step(a, "moment kept")
    a.get_by_role("button", name="Undo", exact=True).click()
    expect(status(a)).to_contain_text("Undone. That moment is gone.")
    expect(a.locator(".entry-list > li").first).to_contain_text("Evening number 5")

    # --- Today: a practice done together shows as done for both, told gently.
    couple.schedule("holding-hands-a-while", prompt="both", times=(_soon(live_server, couple),))
    go(a, "Today")
    card = a.get_by_role("listitem").filter(has=a.get_by_role("heading", name="Holding hands for a while")).first
    card.locator("summary", has_text="Steps").click()
    expect(card.locator("ol.steps li").first).to_be_visible()
    card.get_by_role("button", name="Done", exact=True).click()
    expect(status(a)).to_contain_text("Noted, for you both.")
    go(b, "Today")
    card = b.get_by_role("listitem").filter(has=b.get_by_role("heading", name="Holding hands for a while")).first
    expect(card).to_contain_text("done together")
    expect(card).to_contain_text("Ana marked this done for you both. Nothing more to do.")
    expect(card.get_by_role("button")).to_have_count(0)
    journey.step(b, "done together")

    journey.assert_clean()


def _soon(live_server, couple) -> str:
    """A local time a few minutes ago in the plan's zone, so the prompt is due now."""
    with live_server.app.app_context():
        zone = Scope(db.session.get(User, couple.a.user_id)).plan.timezone
    return (now_utc().astimezone(ZoneInfo(zone)) - timedelta(minutes=5)).strftime("%H:%M")


def test_registering_and_inviting_on_a_phone(journey):
    a = journey.person(
        "A", viewport=PHONE, timezone_id="America/Toronto", permissions=["clipboard-read", "clipboard-write"]
    )
    a.context.add_init_script(FAKE_SHARE)

    # --- Time zone: the browser's own first and chosen; a search narrows the list.
    a.goto("/register")
    zone = a.get_by_label("Time zone", exact=True)
    expect(zone).to_have_value("America/Toronto")
    assert zone.locator("optgroup").first.get_attribute("label") == "This device"
    groups = zone.locator("optgroup").evaluate_all("(gs) => gs.map((g) => g.label)")
    assert groups[:3] == ["This device", "Common", "Africa"], groups
    a.get_by_label("Search by city or region").fill("tokyo")
    expect(zone).to_have_value("Asia/Tokyo")
    a.get_by_label("Search by city or region").fill("toronto")
    expect(zone).to_have_value("America/Toronto")
    journey.step(a, "register, time zone")
    a.get_by_label("Email", exact=True).fill(f"phone-{uuid.uuid4().hex[:8]}@example.com")
    a.get_by_label("What should we call you?").fill("Ana")
    a.get_by_label("Password", exact=True).fill("lantern by the quiet river")
    a.get_by_role("button", name="Create account").click()
    expect(heading(a, "Hello, Ana")).to_be_visible()
    go(a, "More")
    a.get_by_role("main").get_by_role("link", name="Account", exact=True).click()
    expect(a.get_by_label("Time zone", exact=True)).to_have_value("America/Toronto")

    # --- The invitation: Share and Copy, one tap each.
    go(a, "More")
    a.get_by_role("main").get_by_role("link", name="Partner", exact=True).click()
    a.get_by_role("button", name="Make an invitation", exact=True).click()
    expect(heading(a, "Your invitation is ready")).to_be_visible()
    link = a.get_by_label("Invitation link").input_value()
    code = a.locator(".code").inner_text().strip()
    a.get_by_role("button", name="Copy link", exact=True).click()
    expect(a.locator(".copy-status")).to_have_text("Copied. Paste it into a message to your partner.")
    assert a.evaluate("navigator.clipboard.readText()") == link
    a.get_by_role("button", name="Copy code", exact=True).click()
    a.wait_for_function("async (code) => (await navigator.clipboard.readText()) === code", arg=code)
    a.get_by_role("button", name="Share", exact=True).click()
    shared = a.wait_for_function("window.__shared").json_value()
    assert shared["url"] == link and code in shared["text"], shared
    journey.step(a, "invitation ready")

    # --- Making a new one says first that the one sent stops working.
    a.goto("/couple")
    a.locator("summary", has_text="Make a new invitation").click()
    expect(a.get_by_text("The link and code you already sent will stop working.")).to_be_visible()
    expect(a.get_by_role("button", name="Yes, make a new invitation")).to_be_visible()
    journey.step(a, "new invitation warning")

    journey.assert_clean()


def test_wide_screens_keep_the_top_navigation(journey, partnered):
    couple = partnered(VIEWPORTS["desktop"])
    a = couple.a.page
    nav = main_nav(a)
    box = _box(nav)
    assert box["y"] < 100, f"the navigation is not at the top: {box}"
    for name in ("Today", "Check in", "Journal", "Plan", "Consent", "Care", "More"):
        expect(nav.get_by_role("link", name=name, exact=True)).to_be_visible()
    assert nav.locator("svg:visible").count() == 0  # words only, as before
    journey.assert_clean()
