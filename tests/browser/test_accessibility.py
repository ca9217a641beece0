"""Every page passes axe-core (WCAG 2.0, 2.1 and 2.2, levels A and AA) in the light
and the dark colour scheme, its fields and focus ring have 3:1 contrast (WCAG
1.4.11, which axe leaves out), and the Nu HTML Checker finds no error in any of them.

The pages are listed in tests/browser/_pages.py from the access matrix, with
realistic data: a partnered person with a plan, check-ins, private and shared
journal entries, progress notes and notifications; a single person inviting a
partner; error pages and forms shown again with errors. A GET route that is
neither checked nor excluded there with a reason fails
`test_every_page_route_is_checked`.

Each page is opened once (a browser context per login state, on a phone-sized
screen). The pages are dealt into PARTS tests (every PARTS-th page each), so xdist
can spread them over its workers instead of waiting on one long test: axe runs
every WCAG rule in the light scheme, then the page switches to the dark scheme
(`emulate_media`, the same `prefers-color-scheme` a dark-scheme context sets) and
axe runs the rules about colour again; the HTML as served is kept for the
checker, which runs once per part (one JVM) over that part's pages. Checker warnings are printed,
never failures. Without java the checker is skipped, said so; under CI it fails.

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

from tests.browser._pages import ANON, PASSWORD, Page, pages, seed, unchecked_routes
from tests.browser.journeys import PHONE, VIEWPORTS

if os.environ.get("CI") == "true":
    from axe_playwright_python.base import AXE_SCRIPT  # CI must have it: fail loudly, never skip
else:
    AXE_SCRIPT = pytest.importorskip("axe_playwright_python.base").AXE_SCRIPT

DESKTOP = VIEWPORTS["desktop"]
#: WCAG 2.0, 2.1 and 2.2 success criteria at levels A and AA.
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
#: What changes between the schemes is colour, so the dark one runs the rules about colour.
COLOUR_RULES = ["color-contrast", "link-in-text-block"]
#: What changes at desktop width is layout: the size and spacing of targets, and
#: which colour ends up behind which text.
LAYOUT_RULES = ["target-size", "color-contrast", "link-in-text-block", "scrollable-region-focusable"]
AXE_OPTIONS = {
    "light": {"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]},
    "dark": {"runOnly": {"type": "rule", "values": COLOUR_RULES}, "resultTypes": ["violations"]},
    "desktop": {"runOnly": {"type": "rule", "values": LAYOUT_RULES}, "resultTypes": ["violations"]},
}
#: Each pass: how it is titled in a report, the viewport and the colour scheme.
PASSES = {
    "light": ("light scheme at 390×844", PHONE, "light"),
    "dark": ("dark scheme at 390×844", PHONE, "dark"),
    "desktop": ("light scheme at 1280×800", DESKTOP, "light"),
}
#: WCAG 1.4.11, which axe leaves out: the edge of every field, and the focus ring
#: (the page's --focus colour), 3:1 against what surrounds the field.
NON_TEXT_CONTRAST = """() => {
  const rgb = c => (c.match(/[\\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => [r, g, b].map(v => v / 255)
    .map(v => v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4)
    .reduce((sum, v, i) => sum + v * [0.2126, 0.7152, 0.0722][i], 0);
  const ratio = (a, b) => { const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05); };
  const opaque = c => c.length < 4 || c[3] > 0;
  const behind = el => {
    for (let node = el.parentElement; node; node = node.parentElement) {
      const c = rgb(getComputedStyle(node).backgroundColor);
      if (opaque(c)) return c;
    }
    return [255, 255, 255];
  };
  const focus = document.createElement("div");
  focus.style.color = getComputedStyle(document.documentElement).getPropertyValue("--focus");
  document.body.append(focus);
  const ring = rgb(getComputedStyle(focus).color);
  focus.remove();
  const found = [];
  const fields = 'input:not([type=hidden]):not([type=checkbox]):not([type=radio]), select, textarea';
  for (const el of document.querySelectorAll(fields)) {
    if (!el.getClientRects().length) continue;
    const style = getComputedStyle(el), outside = behind(el), own = rgb(style.backgroundColor);
    const edge = ratio(rgb(style.borderTopColor), outside);
    const fill = opaque(own) ? ratio(own, outside) : 1;
    const name = el.outerHTML.slice(0, 120);
    if (parseFloat(style.borderTopWidth) > 0 ? Math.max(edge, fill) < 3 : fill < 3)
      found.push(`field edge ${edge.toFixed(2)}:1 against ${style.borderTopColor} on rgb(${outside.join(", ")}): ${name}`);
    if (ratio(ring, outside) < 3) found.push(`focus ring ${ratio(ring, outside).toFixed(2)}:1: ${name}`);
  }
  return found;
}"""
#: How many tests the pages are dealt into (about 30 pages, 15 s, each).
PARTS = 4
#: A short run of the checker: only the JVM's quick compiler (the optimising one spent more
#: CPU than the checking, 3.3 s of CPU against 1.6 s for 35 pages), the plain collector, and
#: the deeper stack the checker asks for once the quick compiler's frames are bigger.
JVM_OPTIONS = ["-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xss4m"]
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

    def __init__(self, browser, base_url: str, emails: dict, init_script: str | None = None):
        self.browser, self.base_url, self.emails, self.init_script = browser, base_url, emails, init_script
        self.contexts: dict = {}

    def page_for(self, who: str):
        if who not in self.contexts:
            context = self.browser.new_context(
                base_url=self.base_url,
                viewport=PHONE,
                color_scheme="light",
                locale="en-GB",
                timezone_id="Europe/London",
                service_workers="block",
            )
            context.set_default_timeout(10_000)
            if self.init_script:
                context.add_init_script(script=self.init_script)
            page = context.new_page()
            if who != ANON:
                page.goto("/login")
                page.fill('[name="email"]', self.emails[who])
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
            for name, value in spec.submit.items():  # set by script: some fields start folded in <details>
                page.locator(f'[name="{name}"]').first.evaluate("(el, value) => { el.value = value; }", value)
            form = page.locator(f'form:has([name="{next(iter(spec.submit))}"])').first
            with page.expect_navigation() as navigation:
                form.evaluate("f => { f.noValidate = true; f.requestSubmit(); }")
            response = navigation.value
        return page, response.status, response.text()

    def close(self):
        for context, _ in self.contexts.values():
            context.close()


def check(visitor: Visitor, specs: list[Page]) -> list[Seen]:
    """Open every page and run axe on it in both schemes (the visitor's contexts
    load axe into every page they open)."""
    seen = []
    for spec in specs:
        page, status, html = visitor.open(spec)
        result = Seen(spec, status, html)
        if status == spec.status:
            for name, (_, viewport, scheme) in PASSES.items():
                page.set_viewport_size(viewport)
                page.emulate_media(color_scheme=scheme)
                # Only the violations cross back: axe's whole result (every rule that passed or
                # did not apply) is about 35 KB a run to serialise through Chromium and Playwright.
                result.violations[name] = page.evaluate(
                    "o => axe.run(document, o).then(r => r.violations)", AXE_OPTIONS[name]
                )
                result.violations[name] += [
                    {
                        "id": "non-text-contrast (WCAG 1.4.11)",
                        "impact": "serious",
                        "help": "Field edges and focus rings need 3:1 against their surroundings",
                        "nodes": [{"target": [], "html": problem, "failureSummary": ""}],
                    }
                    for problem in page.evaluate(NON_TEXT_CONTRAST)
                ]
            page.set_viewport_size(PHONE)
        seen.append(result)
    return seen


@pytest.fixture(scope="module")
def site(live_server):
    """The seeded data and the pages to check (once per test process)."""
    seeded = seed(live_server.app)
    return {**seeded, "pages": pages(seeded["tokens"])}


def test_every_page_route_is_checked(live_server, site):
    missing = unchecked_routes(live_server.app, site["pages"])
    assert not missing, (
        "GET routes that no accessibility or HTML check opens: add them to tests/browser/_pages.py "
        f"(or to its EXCLUDED, with a reason): {missing}"
    )


def describe(label: str, violation: dict) -> str:
    """A violation as a person fixing it needs it: page, rule, and the nodes at fault."""
    lines = [f"{label}: {violation['id']} ({violation['impact']}): {violation['help']}"]
    for node in violation["nodes"][:8]:
        summary = " ".join((node.get("failureSummary") or "").split())
        where = f"at {' '.join(map(str, node['target']))}: " if node["target"] else ""
        lines.append(f"    {where}{node['html'][:160]}" + (f"\n      {summary[:300]}" if summary else ""))
    if len(violation["nodes"]) > 8:
        lines.append(f"    ...and {len(violation['nodes']) - 8} more nodes")
    return "\n".join(lines)


def _java_or_why() -> Path | str:
    """The java that runs the checker, or why it can't run."""
    java = shutil.which("java")
    if not java:
        return "java is not installed"
    if not VNU_JAR.exists():
        return f"{VNU_JAR} is missing (npm ci --prefix tests/js)"
    return Path(java)


def vnu_errors(java: str, folder: Path, labels: dict[str, str]) -> list[str]:
    """Run the Nu HTML Checker once over the .html files in `folder`; its errors,
    each named by `labels` ({file name: page}). Warnings are not errors."""
    run = subprocess.run(
        [
            java,
            *JVM_OPTIONS,
            "-jar",
            str(VNU_JAR),
            "--format",
            "json",
            "--exit-zero-always",
            "--skip-non-html",
            str(folder),
        ],
        capture_output=True,
        text=True,
        timeout=180,
    )
    try:
        report = json.loads(run.stderr or run.stdout)
    except json.JSONDecodeError:
        pytest.fail(f"the Nu HTML Checker gave no report (exit {run.returncode}):\n{run.stderr[-2000:]}")
    checked = {re.sub(r"^.*/", "", m.get("url", "")) for m in report["messages"]}
    errors, warnings = [], []
    for message in report["messages"]:
        name = re.sub(r"^.*/", "", message.get("url", ""))
        extract = " ".join(message.get("extract", "").split())
        text = (
            f"{labels.get(name, name)}, line {message.get('lastLine', '?')}: {message['message']}\n    {extract[:200]}"
        )
        (warnings if message["type"] == "info" else errors).append(text)
    assert checked <= set(labels) | {""}, f"the checker reported on unexpected files: {checked - set(labels)}"
    if warnings:
        print(f"Nu HTML Checker warnings ({len(warnings)}):", *warnings, sep="\n")
    return errors


@pytest.mark.parametrize("part", range(PARTS), ids=lambda part: f"part{part + 1}of{PARTS}")
def test_every_page_is_accessible_and_valid(browser, live_server, site, tmp_path, part):
    """Every PARTS-th page, from `part`. Every problem found is reported, grouped by check."""
    visitor = Visitor(browser, live_server.url, site["emails"], init_script=AXE_SCRIPT)
    try:
        seen = check(visitor, site["pages"][part::PARTS])
    finally:
        visitor.close()
    found = {
        "pages that did not open as expected": [
            f"{s.label}: status {s.status}, expected {s.page.status}" for s in seen if s.status != s.page.status
        ],
        **{
            f"{title} (axe-core and field contrast)": [
                describe(s.label, v) for s in seen for v in s.violations.get(name, [])
            ]
            for name, (title, _, _) in PASSES.items()
        },
    }
    java = _java_or_why()
    if isinstance(java, Path):
        labels = {}
        for n, s in enumerate(seen):
            name = f"page-{n:03d}.html"
            (tmp_path / name).write_text(s.html, "utf-8")
            labels[name] = s.label
        found["Nu HTML Checker errors"] = vnu_errors(str(java), tmp_path, labels)
    report = "\n\n".join(
        f"{title} ({len(problems)}):\n" + "\n".join(problems) for title, problems in found.items() if problems
    )
    assert not report, f"{len(seen)} pages checked; problems found:\n{report}"
    if not isinstance(java, Path):
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI needs the HTML checker: {java}")
        pytest.skip(f"axe-core passed; the HTML checker was skipped: {java} (make browser installs java)")
