"""The foundation, end to end in a real browser: two partners register, confirm
their email through the real SMTP sink, partner through an invitation link,
choose who leads the pace, put three practices from the library into their plan,
log out and log back in, and both find those practices on Today.

Locators are accessible ones (labels, roles, names) so the journey also checks
that forms are labelled and buttons are named the way people hear them.
"""

import re

import pytest

from journal.testing import email_links
from tests.browser.journeys import VIEWPORTS, expect

#: (kind filter in the library or None for all, practice, the time A picks or None for the default 20:00)
PRACTICES = (
    (None, "A two-minute daily check-in", None),
    (None, "Holding hands for a while", "08:30"),
    ("Touch", "A slow hand massage", None),
)
PASSWORD_A = "lantern by the quiet river"
PASSWORD_B = "seven slow walks at dusk"


def _heading(page, text):
    return page.get_by_role("heading", name=text, exact=True)


def _register(page, *, email, name, password):
    expect(_heading(page, "Create your account")).to_be_visible()
    # The page's script preselects the browser's own time zone (context: Europe/London).
    expect(page.get_by_label("Time zone")).to_have_value("Europe/London")
    page.get_by_label("Email", exact=True).fill(email)
    page.get_by_label("What should we call you?").fill(name)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Create account").click()


def _confirm_email(page, sink, email):
    (message,) = sink.wait_for(email)
    links = [link for link in email_links(message) if "/verify/" in link]
    assert len(links) == 1, f"expected one verification link, got {email_links(message)}"
    page.goto(links[0])
    expect(_heading(page, "Confirm your email")).to_be_visible()
    page.get_by_role("button", name="Confirm my email").click()
    expect(page.get_by_role("status")).to_contain_text("Thank you, your email is confirmed.")


def _add_to_plan(page, *, kind, title, at):
    """From the plan page, through the library, into the plan (every day, for both)."""
    page.get_by_role("link", name="Browse the library").click()
    expect(_heading(page, "Practice library")).to_be_visible()
    if kind:
        page.get_by_role("navigation", name="Kinds of practice").get_by_role("link", name=kind, exact=True).click()
        expect(page).to_have_url(re.compile(r"\?kind="))
    page.get_by_role("link", name=title, exact=True).click()
    expect(_heading(page, title)).to_be_visible()
    page.get_by_role("link", name="Add to our plan").click()
    expect(_heading(page, title)).to_be_visible()
    expect(page.get_by_role("group", name="How often").get_by_role("radio", name="Every day")).to_be_checked()
    expect(
        page.get_by_role("group", name="Who gets the prompt").get_by_role("radio", name="Both of us")
    ).to_be_checked()
    if at:
        page.get_by_label("At", exact=True).fill(at)
    page.get_by_role("button", name="Add to the plan").click()
    expect(page.get_by_role("status")).to_contain_text(f"Added to your plan: {title}.")
    expect(_heading(page, "Our plan")).to_be_visible()


def _log_out(page):
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("status")).to_contain_text("You're logged out.")
    expect(page.get_by_role("button", name="Log out")).to_have_count(0)


def _log_in(page, *, email, password):
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Log in").click()
    expect(_heading(page, "Welcome back")).to_be_visible()
    page.get_by_label("Email", exact=True).fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Log in").click()


@pytest.mark.parametrize("viewport", list(VIEWPORTS), ids=list(VIEWPORTS))
def test_two_partners_register_verify_partner_and_log_back_in(journey, live_server, viewport):
    sink = live_server.sink
    a_email, a_name = f"ana-{viewport}@example.com", "Ana"
    b_email, b_name = f"bo-{viewport}@example.com", "Bo"
    a = journey.person("A", viewport=VIEWPORTS[viewport])
    b = journey.person("B", viewport=VIEWPORTS[viewport])

    # --- A registers through the real form and lands on Today.
    a.goto("/register")
    _register(a, email=a_email, name=a_name, password=PASSWORD_A)
    expect(a).to_have_url(re.compile(r"/today$"))
    expect(_heading(a, f"Hello, {a_name}")).to_be_visible()
    expect(a.get_by_role("status")).to_contain_text("An email with a link to confirm your address is on its way")
    journey.step(a, "A registered")

    # --- A confirms the email from the message the SMTP sink received.
    nav_a = a.get_by_role("navigation", name="More")
    nav_a.get_by_role("link", name="Account").click()
    expect(_heading(a, "Please confirm your email")).to_be_visible()
    _confirm_email(a, sink, a_email)
    journey.step(a, "A confirmed email")
    nav_a.get_by_role("link", name="Account").click()
    expect(_heading(a, "Your account")).to_be_visible()
    expect(_heading(a, "Please confirm your email")).to_have_count(0)

    # --- A makes an invitation.
    nav_a.get_by_role("link", name="Partner").click()
    expect(_heading(a, "Invite your partner")).to_be_visible()
    a.get_by_role("button", name="Make an invitation", exact=True).click()
    expect(_heading(a, "Your invitation is ready")).to_be_visible()
    link_field = a.get_by_label("Invitation link")
    expect(link_field).to_have_id("invite-link")
    invite_link = link_field.input_value()
    assert invite_link.startswith(f"{live_server.url}/invite/"), invite_link
    code = a.locator(".code").inner_text().strip()
    assert re.fullmatch(r"[A-Z0-9]{4}-[A-Z0-9]{4}", code), code
    journey.step(a, "A invitation ready")

    # --- B opens the link while logged out and creates an account from it.
    b.goto(invite_link)
    expect(_heading(b, f"{a_name} invited you to Tandem")).to_be_visible()
    b.get_by_role("link", name="Create an account to join").click()
    expect(b).to_have_url(re.compile(r"/register\?next=(/|%2F)invite(/|%2F)"))
    _register(b, email=b_email, name=b_name, password=PASSWORD_B)
    # `next` brings B straight back to the invitation.
    expect(b).to_have_url(invite_link)
    expect(_heading(b, f"{a_name} invited you to Tandem")).to_be_visible()
    join = b.get_by_role("button", name=f"Join {a_name}", exact=True)
    expect(join).to_be_visible()
    journey.step(b, "B registered back on invitation")

    # B confirms the email in a second tab, as from a mail app, then joins.
    b_mail_tab = b.context.new_page()
    _confirm_email(b_mail_tab, sink, b_email)
    b_mail_tab.close()
    b.bring_to_front()
    join.click()
    expect(b.get_by_role("status")).to_contain_text(f"You and {a_name} are now partnered")
    expect(_heading(b, f"You and {a_name}")).to_be_visible()
    journey.step(b, "B partnered")

    # --- A sees B and chooses who leads the pace.
    a.reload()
    expect(_heading(a, f"You and {b_name}")).to_be_visible()
    pace = a.get_by_role("group", name="Who leads the pace?")
    expect(pace.get_by_role("radio", name=b_name)).to_be_visible()
    pace.get_by_role("radio", name="Me").check()
    a.get_by_role("button", name="Save", exact=True).click()
    expect(a.get_by_role("status")).to_contain_text("Saved.")
    expect(a.get_by_text("You lead the pace.")).to_be_visible()
    journey.step(a, "A leads the pace")

    b.reload()
    expect(b.get_by_text(f"{a_name} leads the pace.")).to_be_visible()
    expect(b.get_by_text(f"Only {a_name} can hand this over.")).to_be_visible()

    # --- A puts three practices from the library into their plan.
    a.get_by_role("navigation", name="Main").get_by_role("link", name="Plan").click()
    expect(_heading(a, "Our plan")).to_be_visible()
    expect(a.get_by_text("Nothing scheduled yet.")).to_be_visible()
    for kind, title, at in PRACTICES:
        _add_to_plan(a, kind=kind, title=title, at=at)
    scheduled = a.get_by_role("region", name="Scheduled practices")
    expect(scheduled.get_by_role("listitem")).to_have_count(3)
    for _, title, at in PRACTICES:
        item = scheduled.get_by_role("listitem").filter(has=a.get_by_role("link", name=title, exact=True))
        expect(item).to_contain_text(f"Every day at {at or '20:00'}")
    journey.step(a, "A planned three practices")

    # --- Both log out and back in, and find each other on Today.
    for page, email, password, partner in (
        (a, a_email, PASSWORD_A, b_name),
        (b, b_email, PASSWORD_B, a_name),
    ):
        _log_out(page)
        _log_in(page, email=email, password=password)
        expect(page).to_have_url(re.compile(r"/today$"))
        expect(page.get_by_text(f"You and {partner} are here together.")).to_be_visible()
    expect(_heading(a, f"Hello, {a_name}")).to_be_visible()
    expect(_heading(b, f"Hello, {b_name}")).to_be_visible()

    # Both find the three practices on Today (a daily one may be there twice:
    # today's, and tomorrow's within the next 24 hours).
    for page in (a, b):
        due = page.get_by_role("region", name="For today")
        for _, title, _ in PRACTICES:
            expect(due.get_by_role("heading", name=title, exact=True).first).to_be_visible()
        check_in = due.get_by_role("listitem").filter(has=page.get_by_role("heading", name=PRACTICES[0][1]))
        expect(check_in.first.get_by_role("link", name="Check in now")).to_be_visible()
    journey.step(a, "A back on Today with the plan")
    journey.step(b, "B back on Today with the plan")

    journey.assert_clean()
