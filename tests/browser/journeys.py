"""Pieces the browser journeys share: the two viewports, Playwright's `expect`,
and small accessible-locator helpers. The `partnered` fixture in conftest.py
builds on these."""

import re

try:
    from playwright.sync_api import expect
except ImportError:  # the browser tests are skipped then (tests/conftest.py); under CI they fail
    expect = None

VIEWPORTS = {
    "phone": {"width": 390, "height": 844},
    "desktop": {"width": 1280, "height": 800},
}
VIEWPORT_IDS = list(VIEWPORTS)
PHONE = VIEWPORTS["phone"]


def heading(page, text: str):
    return page.get_by_role("heading", name=text, exact=True)


def status(page):
    """The flash messages (a role=status region)."""
    return page.get_by_role("status")


def main_nav(page):
    return page.get_by_role("navigation", name="Main")


def go(page, link: str):
    """Follow a link in the main navigation, as a person would."""
    main_nav(page).get_by_role("link", name=link, exact=True).click()


def inbox(page):
    """The header's Notifications link (it carries the unread count)."""
    return page.get_by_role("link", name=re.compile(r"^Notifications\b"))


def log_in(page, *, email: str, password: str, name: str) -> None:
    """Through the real log-in form; lands on Today."""
    log_in_submit(page, email=email, password=password)
    log_in_landed(page, name=name)


def log_in_submit(page, *, email: str, password: str) -> None:
    """Fill in and send the log-in form without waiting for the answer, so that
    two people can log in at once (each password check takes a moment)."""
    page.goto("/login")
    expect(heading(page, "Welcome back")).to_be_visible()
    page.get_by_label("Email", exact=True).fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Log in").click(no_wait_after=True)


def log_in_landed(page, *, name: str) -> None:
    expect(page).to_have_url(re.compile(r"/today$"))
    expect(heading(page, f"Hello, {name}")).to_be_visible()
