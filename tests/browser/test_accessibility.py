"""Every page passes axe-core (WCAG 2.0, 2.1 and 2.2, levels A and AA) in the light
and the dark colour scheme, and the Nu HTML Checker finds no error in any of them.

The pages are listed in tests/browser/_pages.py from the access matrix, with
realistic data: a partnered person with a plan, check-ins, private and shared
journal entries, progress notes and notifications, and the forms shown again
with errors. A GET route that is neither checked nor excluded there with a reason
fails `test_every_page_route_is_checked`.

Each page is opened once (a browser context per login state, on a phone-sized
screen): axe runs every WCAG rule in the light scheme, then the page switches to
the dark scheme (the same `prefers-color-scheme` a dark-scheme context sets) and
axe runs the rules about colour again; the HTML as served is kept for the checker,
which runs once over all pages.

axe-core comes bundled in the axe-playwright-python package and the checker in the
vnu-jar npm package (tests/js): nothing is fetched while the tests run.
"""
import json
import os
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.browser._pages import PASSWORD, USER, Page, pages, seed, unchecked_routes

if os.environ.get("CI") == "true":
    from axe_playwright_python.sync_playwright import Axe  # CI must have it: fail loudly, never skip
else:
    Axe = pytest.importorskip("axe_playwright_python.sync_playwright").Axe

#: WCAG 2.0, 2.1 and 2.2 success criteria at levels A and AA.
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
#: What changes between the schemes is colour, so the dark one runs the rules about colour.
COLOUR_RULES = ["color-contrast", "link-in-text-block"]
AXE_OPTIONS = {
    "light": {"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]},
    "dark": {"runOnly": {"type": "rule", "values": COLOUR_RULES}, "resultTypes": ["violations"]},
}
PHONE = {"width": 390, "height": 844}
VNU_JAR = Path(__file__).resolve().parents[1] / "js" / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"


@dataclass
class Seen:
    """One page as opened: its status, the HTML as served and what axe found per scheme."""

    page: Page
    status: int
    html: str
    violations: dict[str, list] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return f"{self.page.name} ({self.page.path}, {self.page.who})"


class Visitor:
    """One browser context per login state."""

    def __init__(self, browser, base_url: str, email: str):
        self.browser, self.base_url, self.email = browser, base_url, email
        self.contexts: dict = {}

    def page_for(self, who: str):
        if who not in self.contexts:
            context = self.browser.new_context(
                base_url=self.base_url, viewport=PHONE, color_scheme="light",
                locale="en-GB", timezone_id="Europe/London", service_workers="block",
            )
            context.set_default_timeout(10_000)
            page = context.new_page()
            if who == USER:
                page.goto("/login")
                page.fill('[name="email"]', self.email)
                page.fill('[name="password"]', PASSWORD)
                with page.expect_navigation():
                    page.click('form:has([name="password"]) button[type="submit"]')
                assert "/login" not in page.url, "could not log in for the page checks"
            self.contexts[who] = (context, page)
        return self.contexts[who][1]

    def open(self, spec: Page):
        """Open `spec` (sending its form if it has one); returns (page, status, served HTML)."""
        page = self.page_for(spec.who)
        page.emulate_media(color_scheme="light")
        if spec.submit is None:
            response = page.goto(spec.path)
        else:
            page.goto(spec.path)
            for name, value in spec.submit.items():
                page.fill(f'[name="{name}"]', value)
            form = page.locator(f'form:has([name="{next(iter(spec.submit))}"])').first
            with page.expect_navigation() as navigation:
                form.evaluate("f => { f.noValidate = true; f.requestSubmit(); }")
            response = navigation.value
        return page, response.status, response.text()

    def close(self):
        for context, _ in self.contexts.values():
            context.close()


def check(visitor: Visitor, specs: list[Page], axe) -> list[Seen]:
    """Open every page and run axe on it in both schemes."""
    seen = []
    for spec in specs:
        page, status, html = visitor.open(spec)
        result = Seen(spec, status, html)
        if status == spec.status:
            for scheme in ("light", "dark"):
                page.emulate_media(color_scheme=scheme)
                result.violations[scheme] = axe.run(page, options=AXE_OPTIONS[scheme]).response["violations"]
        seen.append(result)
    return seen


@pytest.fixture(scope="module")
def site(live_server):
    """The seeded data and the pages to check (once per test process)."""
    seeded = seed(live_server.app)
    return {**seeded, "pages": pages(seeded["tokens"])}


@pytest.fixture(scope="module")
def seen(browser, live_server, site) -> list[Seen]:
    visitor = Visitor(browser, live_server.url, site["email"])
    try:
        return check(visitor, site["pages"], Axe())
    finally:
        visitor.close()


def test_every_page_route_is_checked(live_server, site):
    missing = unchecked_routes(live_server.app, site["pages"])
    assert not missing, (
        "GET routes that no accessibility or HTML check opens: add them to tests/browser/_pages.py "
        f"(or to its EXCLUDED, with a reason): {missing}"
    )


def test_every_page_opens_as_expected(seen):
    wrong = [f"{s.label}: status {s.status}, expected {s.page.status}" for s in seen if s.status != s.page.status]
    assert not wrong, "pages that did not open as the checks expect:\n" + "\n".join(wrong)


def describe(label: str, violation: dict) -> str:
    """A violation as a person fixing it needs it: page, rule, and the nodes at fault."""
    lines = [f"{label}: {violation['id']} ({violation['impact']}): {violation['help']}"]
    for node in violation["nodes"][:8]:
        summary = " ".join((node.get("failureSummary") or "").split())
        lines.append(f"    at {' '.join(map(str, node['target']))}: {node['html'][:160]}\n      {summary[:300]}")
    if len(violation["nodes"]) > 8:
        lines.append(f"    ...and {len(violation['nodes']) - 8} more nodes")
    return "\n".join(lines)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_every_page_passes_axe(seen, scheme):
    problems = [describe(s.label, v) for s in seen for v in s.violations.get(scheme, [])]
    assert not problems, f"axe-core found {len(problems)} problems in the {scheme} scheme:\n" + "\n".join(problems)


def _java() -> str:
    java = shutil.which("java")
    if java and VNU_JAR.exists():
        return java
    missing = "java is not installed" if not java else f"{VNU_JAR} is missing (npm ci --prefix tests/js)"
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI needs the HTML checker: {missing}")
    pytest.skip(f"HTML checker skipped: {missing} (make browser installs java)")


def vnu_errors(java: str, folder: Path, labels: dict[str, str]) -> list[str]:
    """Run the Nu HTML Checker once over the .html files in `folder`; its errors,
    each named by `labels` ({file name: page}). Warnings are not errors."""
    run = subprocess.run(
        [java, "-jar", str(VNU_JAR), "--format", "json", "--exit-zero-always", "--skip-non-html", str(folder)],
        capture_output=True, text=True, timeout=180,
    )
    try:
        report = json.loads(run.stderr or run.stdout)
    except json.JSONDecodeError:
        pytest.fail(f"the Nu HTML Checker gave no report (exit {run.returncode}):\n{run.stderr[-2000:]}")
    checked = {re.sub(r"^.*/", "", m.get("url", "")) for m in report["messages"]}
    errors = []
    for message in report["messages"]:
        if message["type"] == "info":
            continue
        name = re.sub(r"^.*/", "", message.get("url", ""))
        extract = " ".join(message.get("extract", "").split())
        errors.append(f"{labels.get(name, name)}, line {message.get('lastLine', '?')}: {message['message']}\n"
                      f"    {extract[:200]}")
    assert checked <= set(labels) | {""}, f"the checker reported on unexpected files: {checked - set(labels)}"
    return errors


def test_every_page_is_valid_html(seen, tmp_path):
    java = _java()
    labels = {}
    for n, s in enumerate(seen):
        name = f"page-{n:03d}.html"
        (tmp_path / name).write_text(s.html, "utf-8")
        labels[name] = s.label
    errors = vnu_errors(java, tmp_path, labels)
    assert not errors, f"the Nu HTML Checker found {len(errors)} errors:\n" + "\n".join(errors)
