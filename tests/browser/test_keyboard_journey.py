"""Journey 1 again, with the keyboard only: two partners register, confirm their
email, partner through an invitation link, choose who leads the pace, add a
practice to the plan, log out and back in. Nothing is clicked or filled: only
Tab, Shift+Tab, Enter, Space, arrow keys and typing. Opening the emailed link
and the invitation link is a `goto`, as a person pastes a link.

Every element focus stops at is checked for a focus indicator a person can see:
on screen, with an outline or a box-shadow that its unfocused self doesn't have.
"""

import re
import uuid

import pytest

from journal.testing import email_links
from tests.browser.journeys import PHONE, expect

PASSWORD_A = "lantern by the quiet river"
PASSWORD_B = "seven slow walks at dusk"
PRACTICE = "Holding hands for a while"
TAB_CAP = 60

#: Before tabbing, remember how every focusable element looks unfocused, so the
#: focused look can be compared with it.
_REMEMBER_UNFOCUSED = """() => {
  const look = (el) => { const s = getComputedStyle(el);
    return {outline: s.outlineStyle === "none" || parseFloat(s.outlineWidth) === 0
              ? "none" : `${s.outlineStyle} ${s.outlineWidth} ${s.outlineColor}`,
            shadow: s.boxShadow}; };
  for (const el of document.querySelectorAll("a[href], button, input, select, textarea, summary, [tabindex]")) {
    if (el !== document.activeElement && !el.__unfocused) el.__unfocused = look(el);
  }
}"""

#: How an element looks now, against how it looked unfocused.
_LOOK = """
  const s = getComputedStyle(el), r = el.getBoundingClientRect();
  const look = {
    outline: s.outlineStyle === "none" || parseFloat(s.outlineWidth) === 0
             ? "none" : `${s.outlineStyle} ${s.outlineWidth} ${s.outlineColor}`,
    shadow: s.boxShadow,
    before: el.__unfocused || null,
    onScreen: r.width > 0 && r.height > 0 && r.bottom > 0 && r.right > 0
              && r.top < window.innerHeight && r.left < window.innerWidth,
  };
"""
_FOCUS_LOOK = "(el) => {" + _LOOK + "return look; }"

#: Where focus is now: whether it is the wanted element, what a person would
#: hear, and how it looks.
_FOCUS_NOW = (
    """(wanted) => {
  const el = document.activeElement;
  if (!el || el === document.body) return {hit: false, what: "(nothing: the page itself)", look: null};
  const label = el.getAttribute("aria-label") || (el.labels && el.labels[0] && el.labels[0].textContent)
                || el.textContent || el.value || el.name || "";
  const kind = el.type && el.tagName !== "A" ? `${el.tagName.toLowerCase()}[${el.type}]` : el.tagName.toLowerCase();
  """
    + _LOOK
    + """
  return {hit: el === wanted, what: `${kind} "${label.trim().replace(/\\s+/g, " ").slice(0, 40)}"`, look};
}"""
)


def _indicator_problem(look: dict, what: str) -> str | None:
    """Why a focused element's look doesn't show focus, or None if it does."""
    if not look["onScreen"]:
        return f"{what} has focus but is not on screen"
    before = look["before"] or {"outline": "none", "shadow": "none"}
    outline = look["outline"] != "none" and look["outline"] != before["outline"]
    shadow = look["shadow"] != "none" and look["shadow"] != before["shadow"]
    if outline or shadow:
        return None
    return (
        f"{what} has focus but no visible focus indicator: "
        f"outline {look['outline']!r}, box-shadow {look['shadow']!r} (unfocused: {before})"
    )


def _heading(page, text):
    return page.get_by_role("heading", name=text, exact=True)


def assert_focus_visible(page, target, what: str) -> None:
    problem = _indicator_problem(target.evaluate(_FOCUS_LOOK), what)
    assert problem is None, problem


def tab_to(page, target, what: str, *, backwards: bool = False, cap: int = TAB_CAP):
    """Press Tab (or Shift+Tab) until `target` has focus, at most `cap` times.
    `what` is how a person would name it. Every element focus stops at on the way,
    the target included, must show that it has focus."""
    expect(target).to_have_count(1)  # it is on this page, exactly once
    wanted = target.element_handle()
    page.evaluate(_REMEMBER_UNFOCUSED)
    key = "Shift+Tab" if backwards else "Tab"
    visited, unseen = [], []
    now = page.evaluate(_FOCUS_NOW, wanted)
    while not now["hit"]:
        if len(visited) == cap:
            pytest.fail(
                f"{what} not reached after {cap} presses of {key} on {page.url}; focus went to:\n  "
                + "\n  ".join(visited[-25:])
            )
        page.keyboard.press(key)
        now = page.evaluate(_FOCUS_NOW, wanted)
        visited.append(now["what"])
        if now["look"] and (problem := _indicator_problem(now["look"], now["what"])):
            unseen.append(problem)
    assert not unseen, f"on the way to {what} on {page.url}:\n  " + "\n  ".join(unseen)
    assert_focus_visible(page, target, what)
    return target


def activate(page, target, what: str, *, key: str = "Enter", backwards: bool = False, cap: int = TAB_CAP) -> None:
    """Tab to `target` and press Enter (links, buttons) or Space."""
    tab_to(page, target, what, backwards=backwards, cap=cap)
    page.keyboard.press(key)


def skip_to_content(page, heading: str) -> None:
    """On a freshly loaded page (the one showing `heading`), the first Tab reaches
    "Skip to content", and Enter moves focus to the main content."""
    expect(_heading(page, heading)).to_be_visible()
    activate(page, page.get_by_role("link", name="Skip to content"), "the skip link", cap=1)
    expect(page.get_by_role("main")).to_be_focused()


def type_into(page, field, what: str, text: str) -> None:
    tab_to(page, field, what)
    page.keyboard.type(text)
    expect(field).to_have_value(text)


def choose_radio(page, group, name: str) -> None:
    """Tab into a radio group, then arrow to `name` and select it, as a person would."""
    radios = group.get_by_role("radio")
    wanted = group.get_by_role("radio", name=name, exact=True)
    expect(wanted).to_have_count(1)
    target_handle = wanted.element_handle()
    page.evaluate(_REMEMBER_UNFOCUSED)
    for _ in range(TAB_CAP):
        page.keyboard.press("Tab")
        if radios.evaluate_all("(els) => els.includes(document.activeElement)"):
            break
    else:
        pytest.fail(f"Tab never reached the radio group on {page.url}")
    for _ in range(radios.count() + 1):
        if page.evaluate("(el) => document.activeElement === el", target_handle):
            break
        page.keyboard.press("ArrowDown")
    else:
        pytest.fail(f"arrow keys never reached the radio {name!r}")
    page.keyboard.press("Space")  # selects it if the arrows landed on it unselected
    expect(wanted).to_be_checked()
    assert_focus_visible(page, wanted, f"radio {name!r}")


def check_skip_link(page) -> None:
    """The first Tab on a page reaches "Skip to content": hidden until focused,
    then on screen; Enter takes focus past the navigation into the main content."""
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_have_count(1)
    box = skip.bounding_box()
    assert box is None or box["y"] + box["height"] <= 0, f"the skip link shows before it has focus: {box}"
    page.keyboard.press("Tab")
    expect(skip).to_be_focused()
    assert_focus_visible(page, skip, "the skip link")
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")
    main = page.get_by_role("main")
    expect(main).to_be_focused()
    page.keyboard.press("Tab")
    assert main.evaluate("(m) => m.contains(document.activeElement) && m !== document.activeElement"), (
        "after skipping, the next Tab should land inside the main content"
    )


def register(page, *, email, name, password) -> None:
    expect(_heading(page, "Create your account")).to_be_visible()
    type_into(page, page.get_by_label("Email", exact=True), "the Email field", email)
    type_into(page, page.get_by_label("What should we call you?"), "the name field", name)
    type_into(page, page.get_by_label("Password", exact=True), "the Password field", password)
    # The time zone stays as the page's script preselected it.
    expect(page.get_by_label("Time zone")).to_have_value("Europe/London")
    activate(page, page.get_by_role("button", name="Create account"), "the Create account button")


def confirm_email(page, sink, email) -> None:
    (message,) = sink.wait_for(email)
    (link,) = [link for link in email_links(message) if "/verify/" in link]
    page.goto(link)  # as from a mail app
    skip_to_content(page, "Confirm your email")
    activate(page, page.get_by_role("button", name="Confirm my email"), "the Confirm my email button")
    expect(page.get_by_role("status")).to_contain_text("Thank you, your email is confirmed.")


def log_out_and_in(page, *, email, password) -> None:
    # Log out is the last stop on every page: Shift+Tab wraps round to it soonest.
    activate(page, page.get_by_role("button", name="Log out"), "the Log out button", backwards=True)
    expect(page.get_by_role("status")).to_contain_text("You're logged out.")
    main_nav = page.get_by_role("navigation", name="Main")
    activate(page, main_nav.get_by_role("link", name="Log in"), "the Log in link")
    expect(_heading(page, "Welcome back")).to_be_visible()
    type_into(page, page.get_by_label("Email", exact=True), "the Email field", email)
    type_into(page, page.get_by_label("Password", exact=True), "the Password field", password)
    activate(page, page.get_by_role("button", name="Log in"), "the Log in button")
    expect(page).to_have_url(re.compile(r"/today$"))


def test_journey_one_by_keyboard_only(journey, live_server):
    sink = live_server.sink
    unique = uuid.uuid4().hex[:10]
    a_email, b_email = f"ana-keys-{unique}@example.com", f"bo-keys-{unique}@example.com"
    a = journey.person("A", viewport=PHONE)
    b = journey.person("B", viewport=PHONE)

    # --- A opens the register page, skips the navigation and registers.
    a.goto("/register")
    check_skip_link(a)
    expect(a.get_by_label("Email", exact=True)).to_be_focused()  # the first thing in the content
    register(a, email=a_email, name="Ana", password=PASSWORD_A)
    expect(_heading(a, "Hello, Ana")).to_be_visible()
    journey.step(a, "A registered by keyboard")

    confirm_email(a, sink, a_email)

    # --- A makes an invitation and reads its link off the screen. The footer's
    # links are nearest going backwards from the top.
    more_a = a.get_by_role("navigation", name="More")
    activate(a, more_a.get_by_role("link", name="Partner"), "the Partner link", backwards=True)
    skip_to_content(a, "Invite your partner")
    activate(a, a.get_by_role("button", name="Make an invitation", exact=True), "the Make an invitation button")
    skip_to_content(a, "Invite your partner")
    link_field = a.get_by_label("Invitation link")
    tab_to(a, link_field, "the Invitation link field")
    invite_link = link_field.input_value()
    assert invite_link.startswith(f"{live_server.url}/invite/"), invite_link
    journey.step(a, "A invitation ready")

    # --- B opens the link, registers from it, confirms the email, joins.
    b.goto(invite_link)
    expect(_heading(b, "Ana invited you to Tandem")).to_be_visible()
    activate(b, b.get_by_role("link", name="Create an account to join"), "the Create an account to join link")
    register(b, email=b_email, name="Bo", password=PASSWORD_B)
    expect(b).to_have_url(invite_link)
    b_mail_tab = b.context.new_page()
    confirm_email(b_mail_tab, sink, b_email)
    b_mail_tab.close()
    b.bring_to_front()
    skip_to_content(b, "Ana invited you to Tandem")
    activate(b, b.get_by_role("button", name="Join Ana", exact=True), "the Join Ana button")
    expect(b.get_by_role("status")).to_contain_text("You and Ana are now partnered")
    journey.step(b, "B partnered by keyboard")

    # --- A chooses who leads the pace with Tab, arrows and Space.
    activate(a, more_a.get_by_role("link", name="Partner"), "the Partner link", backwards=True)
    skip_to_content(a, "You and Bo")
    choose_radio(a, a.get_by_role("group", name="Who leads the pace?"), "Me")
    activate(a, a.get_by_role("button", name="Save", exact=True), "the Save button")
    expect(a.get_by_role("status")).to_contain_text("Saved.")
    expect(a.get_by_text("You lead the pace.")).to_be_visible()
    journey.step(a, "A leads the pace")

    # --- A adds a practice from the library to the plan; it shows on Today.
    main_a = a.get_by_role("navigation", name="Main")
    activate(a, main_a.get_by_role("link", name="Plan"), "the Plan link")
    skip_to_content(a, "Our plan")
    activate(a, a.get_by_role("link", name="Browse the library"), "the Browse the library link")
    skip_to_content(a, "Practice library")
    activate(a, a.get_by_role("link", name="Closeness", exact=True), "the Closeness filter")
    skip_to_content(a, "Practice library")
    activate(a, a.get_by_role("link", name=PRACTICE), f"the {PRACTICE} link")
    skip_to_content(a, PRACTICE)
    activate(a, a.get_by_role("link", name="Add to our plan"), "the Add to our plan link")
    # The form's defaults suit (every day at 20:00, from today, for both): its
    # button, at the end of the content, is nearest going backwards.
    expect(_heading(a, PRACTICE)).to_be_visible()
    activate(a, a.get_by_role("button", name="Add to the plan"), "the Add to the plan button", backwards=True)
    expect(a.get_by_role("status")).to_contain_text(f"Added to your plan: {PRACTICE}.")
    activate(a, main_a.get_by_role("link", name="Today"), "the Today link")
    # Once today's 20:00 has passed, Today shows tomorrow's too: the first is today's.
    prompts = a.locator(".prompt").filter(has=a.get_by_role("heading", name=PRACTICE))
    expect(prompts.first).to_be_visible()
    assert prompts.count() in (1, 2)
    prompt = prompts.first
    skip_to_content(a, "Hello, Ana")
    tab_to(a, prompt.get_by_role("button", name="Done"), "the Done button of the prompt")
    journey.step(a, "A sees the practice on Today")
    # "Not now" is a native disclosure: Enter opens it, and its choices follow in the Tab order.
    later = prompt.get_by_role("button", name="In an hour")
    expect(later).to_be_hidden()
    activate(a, prompt.locator("summary", has_text="Not now"), "Not now")
    activate(a, later, "the In an hour button")
    expect(a.get_by_role("status")).to_contain_text("We'll bring it back in an hour.")

    # --- Both log out and back in.
    log_out_and_in(a, email=a_email, password=PASSWORD_A)
    expect(a.get_by_text("You and Bo are here together.")).to_be_visible()
    log_out_and_in(b, email=b_email, password=PASSWORD_B)
    expect(b.get_by_text("You and Ana are here together.")).to_be_visible()

    journey.assert_clean()
