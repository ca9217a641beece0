"""Helpers for tests against Tandem, used by the project's own suite and
documented in the README for anyone extending it.

    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": ...})
    with app.app_context():
        db.create_all()
        ana = make_user(email="ana@example.com")
        bo = make_user(email="bo@example.com")
        make_couple(ana, bo, pace_leader=ana)
    client = app.test_client()
    login_as(client, ana)          # fast: a real server-side session, no password check
    login(client, "ana@example.com")   # slow path: the real log-in form

`SMTPSink` runs a real SMTP server (aiosmtpd) on loopback and keeps what arrives.
"""

import html
import logging
import re
import socket
import threading
import time
from collections.abc import Callable
from contextlib import contextmanager
from datetime import date, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from html.parser import HTMLParser
from zoneinfo import ZoneInfo

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event, func, select
from werkzeug.serving import make_server

from journal.auth.passwords import password_hash
from journal.auth.sessions import session_start
from journal.auth.tokens import token_new, token_record
from journal.extensions import db
from journal.models import Couple, Plan, Practice, Schedule, User, now_utc

DEFAULT_PASSWORD = "a calm and quiet evening"
#: The test apps' BASE_URL (tests/conftest.py): the start of every link in their emails.
BASE_URL = "http://localhost"


class IsolatedClient(FlaskClient):
    """A test client whose every request runs in a fresh app context, as in
    production, even while the test itself holds an app context open. Without
    this, Flask reuses the test's context: `g` (and the logged-in user cached on
    it) and the database session would leak from one request into the next."""

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)

    def session_transaction(self, *args, **kwargs):
        return _fresh_context(self, super().session_transaction(*args, **kwargs))


@contextmanager
def _fresh_context(client, inner):
    with client.application.app_context(), inner as sess:
        yield sess


_hash_cache: dict[str, str] = {}
_counter = iter(range(1, 10**9))


def make_user(
    *,
    email: str | None = None,
    display_name: str | None = None,
    password: str = DEFAULT_PASSWORD,
    timezone: str = "UTC",
    verified: bool = True,
) -> User:
    """A committed user. Password hashes are cached per password to keep tests quick."""
    n = next(_counter)
    if password not in _hash_cache:
        _hash_cache[password] = password_hash(password)
    user = User(
        email=(email or f"person{n}@example.com").lower(),
        display_name=display_name or f"Person {n}",
        password_hash=_hash_cache[password],
        timezone=timezone,
        email_verified_at=now_utc() if verified else None,
    )
    db.session.add(user)
    db.session.commit()
    return user


def make_practice(
    title: str | None = None,
    *,
    kind: str = "closeness",
    stage: int | None = None,
    together: bool = True,
    plan=None,
) -> Practice:
    """A committed practice made directly (quicker than loading the whole library): a
    library one (with a slug), or `plan`'s own when a plan is given."""
    n = next(_counter)
    practice = Practice(
        slug=None if plan else f"test-practice-{n}",
        kind=kind,
        stage=stage,
        title=title or f"Quiet practice number {n}",
        summary=f"A small thing to do, number {n}.",
        steps=["Sit together.", "Breathe out slowly."],
        duration_minutes=10,
        together=together,
        topics=[],
        plan_id=plan.id if plan else None,
    )
    db.session.add(practice)
    db.session.commit()
    return practice


def make_couple(a: User, b: User, *, pace_leader: User | None = None) -> Couple:
    """Partner `a` and `b` directly (no invitation)."""
    couple = Couple(pace_leader_id=pace_leader.id if pace_leader else None)
    db.session.add(couple)
    db.session.flush()
    a.couple_id = couple.id
    b.couple_id = couple.id
    db.session.commit()
    return couple


def couple_plan(couple: Couple, *, timezone: str = "UTC", stage: int = 1) -> Plan:
    """The couple's plan, as accepting an invitation makes it."""
    plan = Plan(couple_id=couple.id, timezone=timezone, stage=stage)
    db.session.add(plan)
    db.session.commit()
    return plan


def make_schedule(plan, practice, *, times=("20:00",), kind="daily", start=None, prompt_user_id=None, **extra):
    """A committed schedule of `practice` on `plan`, daily at 20:00 from a week ago (in the
    plan's zone) unless told otherwise."""
    schedule = Schedule(
        plan_id=plan.id,
        practice_id=practice.id,
        kind=kind,
        times=list(times),
        weekdays=extra.pop("weekdays", []),
        start_date=start or plan_today(plan.timezone) - timedelta(days=7),
        prompt_user_id=prompt_user_id,
        **extra,
    )
    db.session.add(schedule)
    db.session.commit()
    return schedule


def plan_today(zone: str = "UTC") -> date:
    """Today's date in `zone` (a plan's zone), computed here rather than by the app."""
    return now_utc().astimezone(ZoneInfo(zone)).date()


def local_today(user: User) -> date:
    """Today's date in `user`'s own zone, computed here rather than by the app."""
    return plan_today(user.timezone)


def count(model, *, fresh: bool = False) -> int:
    """How many rows of `model` the database holds. `fresh=True` first expires what the
    test's session holds, so that objects read after the count are read again from the
    database, as the requests (each in a session of its own) left them."""
    if fresh:
        db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model))


def path_of(link: str) -> str:
    """The path of an absolute link the app made (an email's), checked to be the app's own."""
    assert link.startswith(BASE_URL + "/"), link
    return link[len(BASE_URL) :]


def login_as(client: FlaskClient, user: User, *, remember: bool = False) -> str:
    """Log `client` in as `user` through a real server-side session; returns its token."""
    token = session_start(user=user, remember=remember)
    db.session.commit()
    with client.session_transaction() as sess:
        sess.clear()
        sess["_user_id"] = token
        sess["_fresh"] = True
    return token


def token_issue(*, user_id: int, purpose: str, new_email: str | None = None) -> str:
    """A live emailed-link token of `purpose` for the user, as the app records one
    (`token_record`) without sending the email; earlier unused ones of the purpose stop working."""
    raw = token_new()
    token_record(user_id=user_id, purpose=purpose, raw=raw, new_email=new_email)
    return raw


def csrf_token(client: FlaskClient, path: str) -> str:
    """The CSRF token of the first form on the page at `path`."""
    found = element(client.get(path), "input[name=csrf_token]")
    if found is None or not found.get("value"):
        raise AssertionError(f"no CSRF token on {path}")
    return found.get("value")


def login(client: FlaskClient, email: str, password: str = DEFAULT_PASSWORD, *, remember: bool = False):
    """Log in through the real form (CSRF token included when enabled)."""
    data = {"email": email, "password": password}
    if remember:
        data["remember"] = "y"
    if client.application.config.get("WTF_CSRF_ENABLED", True):
        data["csrf_token"] = csrf_token(client, "/login")
    return client.post("/login", data=data)


def page_text(response) -> str:
    """The page as a person reads it: HTML entities decoded."""
    return html.unescape(response.get_data(as_text=True))


def client_for(app: Flask, user: User) -> FlaskClient:
    """A test client of `app`, logged in as `user` (see `login_as`)."""
    client = app.test_client()
    login_as(client, user)
    return client


class _TextReader(HTMLParser):
    """The text of a page, read by the standard library's HTML parser: every tag (inline
    or block, start or end) stands for a space, comments and declarations are dropped, and
    what <script> and <style> hold is not text."""

    UNREAD = {"script", "style"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._unread = 0

    def handle_starttag(self, tag, attrs):
        self.parts.append(" ")
        if tag in self.UNREAD:
            self._unread += 1

    def handle_startendtag(self, tag, attrs):
        self.parts.append(" ")

    def handle_endtag(self, tag):
        self.parts.append(" ")
        if tag in self.UNREAD and self._unread:
            self._unread -= 1

    def handle_data(self, data):
        if not self._unread:
            self.parts.append(data)


def read_text(page) -> str:
    """The page (a response or HTML) as a person reads it: tags out (each one a space, so
    `<em>in</em>side` reads "in side", and `<br>` or the end of a block parts words),
    entities decoded, script and style left out, spaces folded."""
    reader = _TextReader()
    reader.feed(page if isinstance(page, str) else page.get_data(as_text=True))
    reader.close()
    return " ".join("".join(reader.parts).split())


def textarea_value(response, field_id: str) -> str | None:
    """The text in the <textarea> with this id, exactly as sent back (without the newline
    HTML drops after the start tag), or None if absent."""
    found = _with_id(response, "textarea", field_id)
    if found is None:
        return None
    if any(isinstance(c, Element) for c in found.children):
        raise AssertionError(f"markup inside <textarea id={field_id!r}>: its text is not escaped")
    text = "".join(found.children)
    return text.removeprefix("\r\n") if text.startswith("\r\n") else text.removeprefix("\n")


def field_value(response, field_id: str) -> str | None:
    """The value attribute of the <input> with this id ("" without one), or None if absent."""
    found = _with_id(response, "input", field_id)
    return None if found is None else found.get("value", "")


def field_error(response, field_id: str) -> str | None:
    """The message shown next to the field with this id (templates/_macros.html), spaces
    folded, or None."""
    found = [p for p in elements(response, "p.error") if p.get("id") == f"{field_id}-error"]
    return found[0].text if found else None


# -- reading HTML ---------------------------------------------------------------------------
# Tests read page structure through a real parser (the standard library's html.parser), not
# regular expressions keyed on attribute order: `elements(response, "ul.schedule-list > li")`,
# `texts_of(response, "p.flash")`, `element(response, "#mood-error")`.

BLOCK = {
    "address",
    "article",
    "aside",
    "blockquote",
    "br",
    "dd",
    "details",
    "dialog",
    "div",
    "dl",
    "dt",
    "fieldset",
    "figcaption",
    "figure",
    "footer",
    "form",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hr",
    "li",
    "main",
    "nav",
    "ol",
    "option",
    "p",
    "pre",
    "section",
    "summary",
    "table",
    "td",
    "th",
    "tr",
    "ul",
}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class Element:
    """One element of a parsed page: its tag, attributes, children and parent."""

    def __init__(self, tag: str, attrs: dict[str, str], parent: "Element | None" = None):
        self.tag, self.attrs, self.parent = tag, attrs, parent
        self.children: list[Element | str] = []

    def __repr__(self) -> str:
        return f"<{self.tag} {self.attrs}>"

    @property
    def classes(self) -> set[str]:
        return set(self.attrs.get("class", "").split())

    def get(self, name: str, default: str | None = None) -> str | None:
        return self.attrs.get(name, default)

    @property
    def text(self) -> str:
        """The text as a person reads it: entities decoded, inline tags (`<em>`, `<a>`...)
        joined to their neighbours, block ones (`<p>`, `<li>`, `<br>`...) set apart by a
        space, spaces folded."""
        return " ".join(self._raw_text().split())

    def _raw_text(self) -> str:
        return "".join(
            c if isinstance(c, str) else f" {c._raw_text()} " if c.tag in BLOCK else c._raw_text()
            for c in self.children
        )

    def iter(self):
        """Every element under this one, in document order."""
        for child in self.children:
            if isinstance(child, Element):
                yield child
                yield from child.iter()

    def select(self, selector: str) -> list["Element"]:
        """Elements under this one matching a small CSS selector: `tag`, `.class`, `#id`,
        `[attr]`, `[attr=value]`, `[attr^=start]`, `[attr*=part]`, `[attr$=end]` (combined,
        e.g. `li.card.prompt[id]`; values without spaces), joined by
        descendant (space) or child (`>`) combinators; several selectors joined by `,`."""
        alternatives = [_parse_selector(part) for part in selector.split(",")]
        return [el for el in self.iter() if any(_matches(el, steps) for steps in alternatives)]

    def select_one(self, selector: str) -> "Element | None":
        found = self.select(selector)
        return found[0] if found else None


class _TreeBuilder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = self.current = Element("#document", {})

    def handle_starttag(self, tag, attrs):
        el = Element(tag, {k: v if v is not None else "" for k, v in attrs}, self.current)
        self.current.children.append(el)
        if tag not in VOID:
            self.current = el

    def handle_startendtag(self, tag, attrs):
        self.current.children.append(Element(tag, {k: v if v is not None else "" for k, v in attrs}, self.current))

    def handle_endtag(self, tag):
        node = self.current
        while node is not None and node.tag != tag:
            node = node.parent
        if node is not None and node.parent is not None:  # a stray end tag is ignored
            self.current = node.parent

    def handle_data(self, data):
        self.current.children.append(data)


_SIMPLE = re.compile(r"([a-zA-Z][\w-]*|\*)?((?:[.#][\w-]+|\[[^\]]+\])*)$")
_PART = re.compile(r"([.#])([\w-]+)|\[([\w-]+)(?:([\^*$]?=)(\"[^\"]*\"|'[^']*'|[^\]]*))?\]")
_TESTS = {
    "=": lambda have, want: have == want,
    "^=": lambda have, want: have.startswith(want),
    "*=": lambda have, want: want in have,
    "$=": lambda have, want: have.endswith(want),
}


def _parse_selector(selector: str) -> list[tuple[str, dict]]:
    """[(combinator, simple selector)...] from the left; combinator " " or ">"."""
    steps, combinator = [], " "
    for token in selector.replace(">", " > ").split():
        if token == ">":
            combinator = ">"
            continue
        match = _SIMPLE.match(token)
        if not match:
            raise ValueError(f"selector not understood: {token!r}")
        simple = {"tag": match.group(1) if match.group(1) != "*" else None, "classes": set(), "attrs": {}}
        for dot, name, attr, op, value in _PART.findall(match.group(2)):
            if dot == ".":
                simple["classes"].add(name)
            elif dot == "#":
                simple["attrs"]["id"] = ("=", name)
            else:
                simple["attrs"][attr] = (op, value.strip("\"'")) if op else None
        steps.append((combinator, simple))
        combinator = " "
    return steps


def _matches_simple(el: Element, simple: dict) -> bool:
    if simple["tag"] and el.tag != simple["tag"]:
        return False
    if not simple["classes"] <= el.classes:
        return False
    for name, test in simple["attrs"].items():
        if name not in el.attrs or (test is not None and not _TESTS[test[0]](el.attrs[name], test[1])):
            return False
    return True


def _matches(el: Element | None, steps: list) -> bool:
    if el is None or not _matches_simple(el, steps[-1][1]):
        return False
    if len(steps) == 1:
        return True
    combinator, rest = steps[-1][0], steps[:-1]
    if combinator == ">":
        return _matches(el.parent, rest)
    ancestor = el.parent
    while ancestor is not None:
        if _matches(ancestor, rest):
            return True
        ancestor = ancestor.parent
    return False


def parse_html(page) -> Element:
    """The document of a response (or an HTML string), parsed."""
    builder = _TreeBuilder()
    builder.feed(page if isinstance(page, str) else page.get_data(as_text=True))
    builder.close()
    return builder.root


def elements(page, selector: str) -> list[Element]:
    """The elements of a page (a response or HTML) that match a CSS-like selector."""
    return parse_html(page).select(selector)


def _with_id(page, tag: str, element_id: str) -> Element | None:
    """The first <tag> whose id is exactly `element_id` (any characters, unlike `#id`)."""
    return next((el for el in parse_html(page).iter() if el.tag == tag and el.get("id") == element_id), None)


def element(page, selector: str) -> Element | None:
    """The first element matching `selector`, or None."""
    found = elements(page, selector)
    return found[0] if found else None


def texts_of(page, selector: str) -> list[str]:
    """The text of each element matching `selector`, spaces folded."""
    return [el.text for el in elements(page, selector)]


def flashes(page) -> list[tuple[str, str]]:
    """The flash messages of a page as (kind, text), e.g. ("error", "That date is in the future.")."""
    return [
        (next((c.removeprefix("flash-") for c in p.classes if c.startswith("flash-")), ""), p.text)
        for p in elements(page, "p.flash")
    ]


def without_csrf_tokens(page, mask: str = "") -> str:
    """The page's HTML (from a response or a string) with the value of each CSRF token
    field, found by the parser, replaced by `mask`: two renderings of a page compare
    equal whatever token each one carried."""
    body = page if isinstance(page, str) else page.get_data(as_text=True)
    for field in elements(body, "input[name=csrf_token]"):
        token = field.get("value")
        if token:
            body = body.replace(html.escape(token), mask).replace(token, mask)
    return body


def checked_values(page, name: str) -> list[str]:
    """The values of the checked radio buttons and checkboxes named `name`."""
    return [el.get("value", "on") for el in elements(page, f"input[name={name}][checked]")]


def selected_values(page, name: str) -> list[str]:
    """The values of the selected options of the <select> named `name`."""
    return [el.get("value", el.text) for el in elements(page, f"select[name={name}] option[selected]")]


def serve_in_thread(server) -> Callable[[], None]:
    """Serve `server` (any socketserver server: werkzeug's, http.server's) in a daemon
    thread; returns the function that stops it, waits for the thread and closes the socket.
    The thread looks for the stop every 10 ms: socketserver's default, half a second, was
    what every test that stopped a server waited."""
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
    thread.start()

    def stop() -> None:
        server.shutdown()
        thread.join(5)
        server.server_close()

    return stop


@contextmanager
def live_server(app: Flask):
    """`app` served by werkzeug's real development server on a free loopback port, in a
    thread, for the block; yields the base URL ("http://127.0.0.1:<port>")."""
    server = make_server("127.0.0.1", 0, app, threaded=False)
    stop = serve_in_thread(server)
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        stop()


class QueryCounter:
    def __init__(self):
        self.statements: list[str] = []

    @property
    def count(self) -> int:
        return len(self.statements)


@contextmanager
def count_queries(app: Flask):
    """Count the SQL statements the app sends while the block runs.

    with count_queries(app) as q:
        client.get("/today")
    assert q.count <= 6
    """
    counter = QueryCounter()
    with app.app_context():
        engine = db.engine

    def before(conn, cursor, statement, parameters, context, executemany):
        counter.statements.append(statement)

    event.listen(engine, "before_cursor_execute", before)
    try:
        yield counter
    finally:
        event.remove(engine, "before_cursor_execute", before)


def free_port() -> int:
    """A loopback port nothing listens on (bound, then released): for a server to start
    on, or for a connection to be refused."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SMTPSink:
    """A real SMTP server on loopback (aiosmtpd) that keeps every message it receives."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, *, tls_context=None, implicit_tls: bool = False):
        """`tls_context` (an `ssl.SSLContext` holding the server's certificate) offers
        STARTTLS, or with `implicit_tls` speaks TLS from the first byte (MAIL_USE_SSL)."""
        from aiosmtpd.controller import Controller  # here: aiosmtpd is a test extra, not installed in production

        self.messages: list[EmailMessage] = []
        self._lock = threading.Lock()
        sink = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):
                msg = message_from_bytes(envelope.content, policy=policy.default)
                msg["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)
                with sink._lock:
                    sink.messages.append(msg)
                return "250 OK"

        self.host, self.port = host, port or free_port()
        tls = {"ssl_context": tls_context} if implicit_tls else {"tls_context": tls_context}
        self._controller = Controller(Handler(), hostname=host, port=self.port, **tls)

    def start(self) -> "SMTPSink":
        logging.getLogger("mail.log").setLevel(logging.WARNING)  # the sink's protocol chatter
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()

    def clear(self) -> None:
        with self._lock:
            self.messages.clear()

    def config(self) -> dict:
        """Mail settings that point an app at this sink."""
        return {"MAIL_SERVER": self.host, "MAIL_PORT": self.port, "MAIL_USE_TLS": False, "MAIL_USE_SSL": False}

    def wait_for(self, to: str, *, count: int = 1, timeout: float = 10.0) -> list[EmailMessage]:
        """The messages sent to `to`, waiting until at least `count` arrived."""
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                found = [m for m in self.messages if to.lower() in m["X-Envelope-To"].lower()]
            if len(found) >= count or time.monotonic() > deadline:
                return found
            time.sleep(0.05)


def email_text(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    return part.get_content() if part else ""


def email_links(message: EmailMessage) -> list[str]:
    """Every http(s) link in the plain-text part of an email."""
    return re.findall(r"https?://\S+", email_text(message))
