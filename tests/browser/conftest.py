"""End-to-end browser fixtures: a live Tandem server, a real SMTP sink and Chromium.

    live_server   the real app served by werkzeug on a free loopback port, with its
                  own instance folder, SQLite file and SMTP sink (session scope)
    browser       one headless Debian Chromium, driven by Playwright (session scope)
    journey       per test: opens browser contexts (one per person), collects
                  console errors, CSP violations and page errors, takes numbered
                  step screenshots when STEP_SCREENSHOTS=1, and on failure saves a
                  screenshot and the HTML of every open page into
                  test-artifacts/browser/<test name>/
    partnered     per test, a factory: two partners made in-process (quick; the
                  foundation journey covers registering and inviting through the
                  UI), pace leader chosen, both logged in through the real form

These tests never use the `app` fixture of tests/conftest.py (it is per-test and
parametrised over databases); a browser needs a server that outlives a request.
"""

import os
import re
import shutil
import uuid
from dataclasses import dataclass, field
from datetime import time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from werkzeug.serving import make_server

from journal import create_app
from journal.access import Scope
from journal.extensions import db
from journal.models import Practice, User, now_utc
from journal.plan.recurrence import Recurrence
from journal.plan.services import schedule_save
from journal.practices.services import practices_load
from journal.testing import SMTPSink, make_couple, make_user, serve_in_thread
from tests.browser.journeys import expect, log_in_landed, log_in_submit
from tests.conftest import _missing_browser_reason  # the shared browser fixture lives there too

HERE = Path(__file__).parent.resolve()
ARTIFACTS = HERE.parent.parent / "test-artifacts" / "browser"

#: Reported to the console from every page, so CSP violations can't go unnoticed
#: even where Chromium would only report them to a report-uri.
_CSP_WATCH = """
document.addEventListener("securitypolicyviolation", function (e) {
  console.error("CSP violation: " + e.violatedDirective + " blocked " + (e.blockedURI || "inline"));
});
"""


def _under_here(item) -> bool:
    return HERE in Path(str(item.path)).resolve().parents


def pytest_collection_modifyitems(config, items):
    missing = _missing_browser_reason()
    for item in items:
        if not _under_here(item):
            continue
        item.add_marker(pytest.mark.browser)
        if missing and os.environ.get("CI") != "true":
            item.add_marker(pytest.mark.skip(reason=f"browser tests skipped: {missing}"))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"report_{report.when}", report)


# --------------------------------------------------------------------------- server


@dataclass
class LiveServer:
    url: str
    sink: object
    app: object


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    root = tmp_path_factory.mktemp("browser-live")
    sink = SMTPSink().start()
    app = create_app(
        {
            "INSTANCE_PATH": str(root / "instance"),
            "SECRET_KEY": "browser-test-secret-key-not-for-production",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{root / 'tandem.sqlite'}",
            "WTF_CSRF_ENABLED": True,
            "RATELIMIT_ENABLED": False,
            # A person logged in at the start of a long run of page checks must not be
            # asked to confirm it's them halfway through (tests that need it age the time).
            "REAUTH_MINUTES": 120,
            "BASE_URL": "http://127.0.0.1",  # replaced below once the port is known
            **sink.config(),
        }
    )
    with app.app_context():
        db.create_all()
        practices_load()  # the library, as `make run` loads it
        db.session.commit()

    # Port 0: the OS picks a free port while binding, so there is no race.
    server = make_server("127.0.0.1", 0, app, threaded=True)
    url = f"http://127.0.0.1:{server.server_port}"
    app.config["BASE_URL"] = url
    stop = serve_in_thread(server)
    try:
        yield LiveServer(url=url, sink=sink, app=app)
    finally:
        stop()
        with app.app_context():
            for engine in db.engines.values():
                engine.dispose()
        sink.stop()


# --------------------------------------------------------------------------- browser


# --------------------------------------------------------------------------- journey


def _safe_name(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("_")


@dataclass
class Journey:
    """One test's browsing: contexts per person, problems seen, artifacts saved."""

    browser: object = field(repr=False)
    base_url: str
    folder: Path
    contexts: list = field(default_factory=list, repr=False)
    problems: list[str] = field(default_factory=list)
    _step: int = field(default=0, repr=False)

    def person(self, who: str, *, viewport: dict, timezone_id: str = "Europe/London", **options):
        """A fresh browser context (its own cookies) and a page in it, for `who`."""
        context = self.browser.new_context(
            base_url=self.base_url, viewport=viewport, timezone_id=timezone_id, locale="en-GB", **options
        )
        context.set_default_timeout(10_000)
        context.add_init_script(_CSP_WATCH)
        context.on("page", lambda page: self._watch(who, page))
        self.contexts.append((who, context))
        return context.new_page()

    def _watch(self, who: str, page) -> None:
        def on_console(msg):
            if msg.type == "error":
                self.problems.append(f"[{who}] console error on {page.url}: {msg.text}")

        page.on("console", on_console)
        page.on("pageerror", lambda exc: self.problems.append(f"[{who}] uncaught error on {page.url}: {exc}"))

    def step(self, page, label: str) -> None:
        """Save a numbered screenshot of `page` for this step of the journey, when asked
        for (STEP_SCREENSHOTS=1): each costs Chromium a full-page render and a PNG, about
        25 s of the suite's work in all. A failure always saves every open page."""
        self._step += 1
        if os.environ.get("STEP_SCREENSHOTS") != "1":
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(self.folder / f"{self._step:02d}-{_safe_name(label)}.png"), full_page=True)

    def assert_clean(self) -> None:
        assert not self.problems, "the browser reported problems:\n" + "\n".join(self.problems)

    def save_failure(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        for who, context in self.contexts:
            for n, page in enumerate(context.pages, start=1):
                stem = self.folder / f"failure-{_safe_name(who)}-page{n}"
                try:
                    page.screenshot(path=f"{stem}.png", full_page=True)
                    Path(f"{stem}.html").write_text(f"<!-- {page.url} -->\n" + page.content(), "utf-8")
                except Exception as exc:  # a crashed page must not hide the real failure
                    Path(f"{stem}.txt").write_text(f"could not save {page.url}: {exc!r}\n", "utf-8")
        if self.problems:
            (self.folder / "browser-problems.txt").write_text("\n".join(self.problems) + "\n", "utf-8")


@pytest.fixture
def journey(request, browser, live_server):
    # Assertions wait as long as actions do (10 s, see Journey.person), not
    # Playwright's 5 s: the suite runs two workers on two shared cores.
    expect.set_options(timeout=10_000)
    folder = ARTIFACTS / _safe_name(request.node.name)
    shutil.rmtree(folder, ignore_errors=True)  # artifacts always describe the latest run
    j = Journey(browser=browser, base_url=live_server.url, folder=folder)
    yield j
    report = getattr(request.node, "report_call", None)
    try:
        if report is None or report.failed:
            j.save_failure()
    finally:
        for _, context in j.contexts:
            context.close()


# --------------------------------------------------------------------------- a couple

PASSWORDS = {"a": "lantern by the quiet river", "b": "seven slow walks at dusk"}


@dataclass
class Partner:
    page: object = field(repr=False)
    name: str
    email: str
    password: str
    user_id: int


@dataclass
class Partners:
    """Two partnered people, each logged in in their own browser context."""

    a: Partner
    b: Partner
    couple_id: int
    app: object = field(repr=False)

    def schedule(self, slug: str, *, times=("20:00",), kind: str = "daily", prompt: str = "both") -> int:
        """Put the library practice `slug` in the couple's plan as A would (from A's
        local today), through the plan's own service; returns the schedule id."""
        with self.app.app_context():
            author = db.session.get(User, self.a.user_id)
            practice = db.session.scalar(select(Practice).where(Practice.slug == slug))
            assert practice is not None, f"no practice {slug!r} in the library"
            scope = Scope(author)
            zone = scope.plan_or_create().timezone
            prompt_user_id = {"both": None, "a": self.a.user_id, "b": self.b.user_id}[prompt]
            schedule = schedule_save(
                scope=scope,
                author=author,
                practice=practice,
                prompt_user_id=prompt_user_id,
                recurrence=Recurrence(
                    kind=kind,
                    times=tuple(time.fromisoformat(t) for t in times),
                    start=now_utc().astimezone(ZoneInfo(zone)).date(),
                ),
            )
            db.session.commit()
            return schedule.id


@pytest.fixture
def partnered(request, journey, live_server):
    """partnered(viewport, leader="a", **context_options) -> Partners: Ana (A) and Bo (B),
    partnered in-process with `leader` leading the pace, each logged in through the real
    log-in form in their own browser context (made with `context_options`, e.g.
    reduced_motion="reduce"), both on Today. Emails are unique to each call."""

    def make(viewport: dict, *, leader: str = "a", names=("Ana", "Bo"), **context_options) -> Partners:
        tag = f"{_safe_name(request.node.name)[:40]}-{uuid.uuid4().hex[:8]}".lower()
        people = {}
        with live_server.app.app_context():
            for who, name in zip("ab", names):
                people[who] = make_user(
                    email=f"{who}-{tag}@example.com",
                    display_name=name,
                    password=PASSWORDS[who],
                    timezone="Europe/London",
                )
            couple = make_couple(people["a"], people["b"], pace_leader=people[leader])
            partners = {
                who: Partner(page=None, name=u.display_name, email=u.email, password=PASSWORDS[who], user_id=u.id)
                for who, u in people.items()
            }
            couple_id = couple.id
        for who, partner in partners.items():
            partner.page = journey.person(who.upper(), viewport=viewport, **context_options)
            log_in_submit(partner.page, email=partner.email, password=partner.password)
        for partner in partners.values():
            log_in_landed(partner.page, name=partner.name)
        return Partners(a=partners["a"], b=partners["b"], couple_id=couple_id, app=live_server.app)

    return make
