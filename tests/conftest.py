"""Fixtures: a fresh app and database per test, on SQLite and on PostgreSQL.

Every test that uses `app` (directly or through `client`, `make_user`...) runs
twice: `[sqlite]` on the SQLite file of this test process (one per xdist worker),
made again from an empty template before each test, and `[postgresql]` on a database
of this test process that is emptied before each test. On each, one engine and pool
serve every test's `app` of the process (and its cache of compiled statements).
PostgreSQL runs are skipped, and said so, when the server can't be reached; under CI
(CI=true) they fail instead.

Which tests run on both databases, and which on SQLite only
-----------------------------------------------------------
Both, wherever the two databases can behave differently: queries and their
statement counts, locking and concurrent writers (reminders, auth links), bulk
statements, migrations, the access matrix, reveal, progress aggregates, sealing
and crypto-shredding, and every feature test whose rule is a query (plan, today,
check-ins, notes, entries, couple, pace, hold, calendar, export...). That is the
default: a test that uses `app` is generated once per backend.

SQLite only, marked `@pytest.mark.sqlite_only` (a test or a whole module through
`pytestmark`): tests whose subject is the HTML, the words or the app's own parsing,
where the database only stores the fixtures and a second run would check nothing
new. Today these are the modules
    test_static_assets, test_page_weight, test_installable, test_phone, test_care
        (templates, content and layout),
    test_bad_input, test_absurd_input, test_consent (form validation and messages),
    test_ssrf, test_proxy, test_login_timing, test_passkeys, test_two_factor,
    test_smoke (request handling, hashing and protocol checks done in Python),
and single tests that read the SQLite file itself (sealed at rest, file modes),
drive a browser once, or check a protocol, a network answer or a message's words
in the push and Apprise channels (test_push, test_apprise: what they store is
checked on both). The marker removes the `[postgresql]` copy at collection:
it is never generated, so it never shows as a skip.

PostgreSQL only, parametrised with `backend` = "postgresql" alone: tests of PostgreSQL's
own behaviour (a query plan read with EXPLAIN in test_newest_lists, a server ending a
connection in test_ops_failures).
"""

import atexit
import gc
import io
import logging
import os
import shutil
import tempfile
from pathlib import Path

import pytest
from jinja2 import BytecodeCache
from sqlalchemy import create_engine, text
from sqlalchemy import engine_from_config as sa_engine_from_config
from sqlalchemy.pool import NullPool, QueuePool
from werkzeug.routing.rules import Rule

from journal import create_app
from journal.extensions import db
from journal.logs import RedactTokens
from journal.testing import BASE_URL, IsolatedClient, SMTPSink, client_for, login_as, make_couple, make_user

POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def _worker_queue_in_process() -> None:
    """Account emails go through the worker's queue (`journal.account_mail`): a request
    queues one and puts a task on Huey's queue. Here Huey's own immediate mode runs that
    task inside the request that queued it, in its app, so a test finds the email in the
    SMTP sink once the request has answered. test_account_mail runs the queue for real:
    the request only queues, and the worker's task, taken off a SQLite or a Redis queue, sends.

    The worker module makes its queue when imported: in a folder of this run's own."""
    folder = tempfile.mkdtemp(prefix="tandem-test-queue-")
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    before = os.environ.get("TANDEM_INSTANCE_PATH")
    os.environ["TANDEM_INSTANCE_PATH"] = folder
    try:
        from journal.reminders import worker
    finally:
        if before is None:
            del os.environ["TANDEM_INSTANCE_PATH"]
        else:
            os.environ["TANDEM_INSTANCE_PATH"] = before
    worker.huey.immediate = True


_worker_queue_in_process()
BACKENDS = ["sqlite", "postgresql"]

_pg_state: dict = {}


def _admin_engine():
    return create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})


def postgres_database_url() -> str | None:
    """A PostgreSQL database of this test process alone (so parallel runs and xdist
    workers never meet), or None if the server can't be reached. Databases left by
    runs whose process is gone are dropped on the way."""
    if "url" in _pg_state:
        return _pg_state["url"]
    name = f"tandem_test_{os.getpid()}"
    try:
        admin = _admin_engine()
        with admin.connect() as conn:
            for (old,) in conn.execute(text("SELECT datname FROM pg_database WHERE datname LIKE 'tandem_test_%'")):
                pid = old.rsplit("_", 1)[-1]
                if not pid.isdigit() or not os.path.exists(f"/proc/{pid}") or int(pid) == os.getpid():
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{old}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
    except Exception as exc:  # unreachable server, refused login...
        _pg_state["url"] = None
        _pg_state["why"] = f"PostgreSQL not reachable at {POSTGRES_URL}: {type(exc).__name__}"
        return None
    url = POSTGRES_URL.rsplit("/", 1)[0] + f"/{name}"
    _pg_state["url"] = url
    _pg_state["name"] = name
    return url


def pytest_sessionfinish(session):
    name = _pg_state.get("name")
    if name:
        admin = _admin_engine()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def pytest_collection_finish(session):
    """Python's cyclic garbage collector, set for a test run: what exists once the tests
    are collected (every module, the app's code, the test items) lives to the end, so it
    is frozen out of every collection; and the youngest generation is collected after
    2,000 new objects instead of 700. Each test makes an app, and its requests a great
    many short-lived objects: the collector spent about 20 s of the suite's work (outside
    the browser tests), mostly walking what never becomes garbage; now about 13 s."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(2_000, 10, 10)


@pytest.hookimpl(tryfirst=True)
def pytest_generate_tests(metafunc):
    """`sqlite_only`: parametrise `backend` with SQLite alone (see the docstring)."""
    if "backend" in metafunc.fixturenames and metafunc.definition.get_closest_marker("sqlite_only"):
        metafunc.definition.add_marker(pytest.mark.parametrize("backend", ["sqlite"], indirect=True))


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "app" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.db)


@pytest.fixture(params=BACKENDS)
def backend(request):
    return request.param


_sqlite_folder: list[Path] = []


def _fresh_sqlite_url(tmp_path_factory) -> str:
    """The SQLite file of this test process, removed: every test's database is at this one
    path, so every test's `app` shares one engine and with it SQLAlchemy's cache of compiled
    statements (see `_engine_per_process`). Its pooled connections are closed first."""
    if not _sqlite_folder:
        _sqlite_folder.append(tmp_path_factory.mktemp("sqlite"))
    path = _sqlite_folder[0] / "tandem.sqlite"
    for engine in _shared_engines.values():
        if engine.dialect.name == "sqlite":
            engine.dispose()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return f"sqlite:///{path}"


def _is_process_sqlite(url: str) -> bool:
    return bool(_sqlite_folder) and url == f"sqlite:///{_sqlite_folder[0] / 'tandem.sqlite'}"


@pytest.fixture
def database_url(backend, tmp_path_factory):
    if backend == "sqlite":
        return _fresh_sqlite_url(tmp_path_factory)
    url = postgres_database_url()
    if url is None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI needs PostgreSQL: {_pg_state['why']}")
        pytest.skip(f"skipped on PostgreSQL: {_pg_state['why']}")
    return url


@pytest.fixture(scope="session")
def redis_server() -> str:
    """The machine's Redis (127.0.0.1:6379), as a URL without a database number: skipped
    when it can't be reached, failed under CI. Tests keep to their own database number,
    since one of them empties its database: 15 for the rate limits and the readiness check
    (test_app, test_ops_health), 14 for the account emails' queue (test_account_mail)."""
    import redis

    url = "redis://127.0.0.1:6379"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.exceptions.ConnectionError:
        if os.environ.get("CI") == "true":
            pytest.fail("CI needs Redis at 127.0.0.1:6379")
        pytest.skip("Redis not reachable at 127.0.0.1:6379")
    return url


@pytest.fixture(scope="session")
def smtp_sink():
    sink = SMTPSink().start()
    yield sink
    sink.stop()


def _test_config(database_url, tmp_path, smtp_sink) -> dict:
    return {
        "TESTING": True,
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "SECRET_KEY": "test-secret-key-not-for-production",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "BASE_URL": BASE_URL,
        "APPRISE_ALLOW_PRIVATE": True,  # the Apprise tests deliver to a webhook on loopback
        **smtp_sink.config(),
    }


@pytest.fixture
def app_config(database_url, tmp_path, smtp_sink, backend):
    """The config `app` is built from; tests may change it before asking for `app`."""
    config = _test_config(database_url, tmp_path, smtp_sink)
    if backend == "postgresql":
        # No pooled connections outlive a test's app (psycopg would warn when the
        # garbage collector closes them, in some later test: several tests make apps
        # of their own from this config). synchronous_commit=off: no fsync per commit.
        config["SQLALCHEMY_ENGINE_OPTIONS"] = {
            "poolclass": NullPool,
            "hide_parameters": True,
            "connect_args": {"options": "-c synchronous_commit=off"},
        }
    return config


class _SharedBytecode(BytecodeCache):
    """Compiled templates shared by every app of this test process (each test makes
    its own app; compiling the same templates again would dominate the run)."""

    def __init__(self):
        self.store: dict[str, bytes] = {}

    def load_bytecode(self, bucket):
        if bucket.key in self.store:
            bucket.bytecode_from_string(self.store[bucket.key])

    def dump_bytecode(self, bucket):
        self.store[bucket.key] = bucket.bytecode_to_string()


_BYTECODE = _SharedBytecode()


def _share_url_builders() -> None:
    """Each test makes its own app, and werkzeug compiles each of the app's ~110 rules
    again every time: it parses the rule's text into its parts (two thirds of what is
    left of `create_app`) and builds its URL builder with Python's `compile()` (60% of
    `create_app` before this was shared). Both are pure functions of the rule's text and
    the map's settings and converter classes, so every app of this test process shares
    them. (The converter objects are shared too: werkzeug's, and journal.inputs', keep
    no state but their settings.)"""
    parsed: dict = {}
    compile_rule = Rule.compile

    def parsed_once(self):
        key = (
            self.rule,
            self.subdomain,
            self.host,
            self.merge_slashes,
            self.map.host_matching,
            tuple(sorted(self.map.converters.items())),
        )
        if key not in parsed:
            compile_rule(self)
            parsed[key] = (tuple(self._parts), tuple(self._trace), dict(self._converters))
            return
        parts, trace, converters = parsed[key]
        self._parts, self._trace, self._converters = list(parts), list(trace), dict(converters)
        self.arguments.update(converters)
        self._build = self._compile_builder(False).__get__(self, None)
        self._build_unknown = self._compile_builder(True).__get__(self, None)

    Rule.compile = parsed_once

    made: dict = {}
    compile_builder = Rule._compile_builder

    def shared(self, append_unknown: bool = True):
        key = (
            self.rule,
            self.subdomain,
            self.host,
            tuple(self._trace),
            append_unknown,
            tuple(sorted((k, repr(v)) for k, v in (self.defaults or {}).items())),
        )
        if key not in made:
            made[key] = compile_builder(self, append_unknown)
        return made[key]

    Rule._compile_builder = shared


_share_url_builders()


_sqlite_template: dict = {}


def _sqlite_from_template(app) -> None:
    """Copy a once-made empty schema instead of creating every table for each test."""
    target = app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")
    if "path" not in _sqlite_template:
        db.create_all()
        db.session.remove()
        db.engine.dispose()
        template = Path(target).with_name("template.sqlite")
        shutil.copy(target, template)
        _sqlite_template["path"] = template
        return
    shutil.copy(_sqlite_template["path"], target)


class _SharedPool(QueuePool):
    """The pool of the `app` fixture's PostgreSQL engine, which every test of this process
    shares (see `_engine_per_process`)."""


_shared_engines: dict = {}


def _engine_per_process(bind_key, options: dict, app):
    """Flask-SQLAlchemy's engine factory, for this test process: the `app` fixture's
    engines (the ones with a `_SharedPool`), PostgreSQL's and SQLite's, are made once per
    database and kept. On PostgreSQL a new engine for each test forked a new server
    backend, set the dialect up again (six queries) and warmed that backend's catalog
    caches: about 20 ms a test. On both, a kept engine keeps SQLAlchemy's cache of
    compiled statements. Every other engine (the apps tests build for themselves) is new."""
    if options.get("poolclass") is not _SharedPool:
        return sa_engine_from_config(options, prefix="")
    key = repr(sorted(options.items()))
    if key not in _shared_engines:
        _shared_engines[key] = sa_engine_from_config(options, prefix="")
    return _shared_engines[key]


db._make_engine = _engine_per_process


def _let_go(engine) -> None:
    """End of a test: a test's own engine is closed; the shared one keeps its idle
    connections, unless the test left one checked out (then it starts again)."""
    if engine not in _shared_engines.values():
        engine.dispose()
    elif engine.pool.checkedout():
        engine.dispose()
        for key in [k for k, e in _shared_engines.items() if e is engine]:
            del _shared_engines[key]


@pytest.fixture
def app(app_config, backend, smtp_sink):
    if backend == "postgresql" or _is_process_sqlite(app_config["SQLALCHEMY_DATABASE_URI"]):
        # This app (and only this one) keeps a pool, shared by the `app` of every test
        # of this process, so a test opens no connection of its own rather than one per
        # request and per commit (about 3 ms each, a third of a PostgreSQL test's time),
        # and SQLAlchemy compiles each statement once per process, not once per test
        # (a fifth of a SQLite test's time).
        options = {**app_config.get("SQLALCHEMY_ENGINE_OPTIONS", {}), "poolclass": _SharedPool}
        app_config = {**app_config, "SQLALCHEMY_ENGINE_OPTIONS": options}
    app = create_app(app_config)
    app.test_client_class = IsolatedClient
    app.jinja_env.bytecode_cache = _BYTECODE
    smtp_sink.clear()
    with app.app_context():
        if backend == "postgresql":
            _empty_postgres()
        elif app_config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///"):
            _sqlite_from_template(app)
        else:
            db.create_all()
    with app.app_context():
        yield app
        db.session.remove()
        for engine in db.engines.values():
            _let_go(engine)


_created_on: set[str] = set()


def _empty_postgres() -> None:
    url = str(db.engine.url)
    if url not in _created_on:
        db.drop_all()
        db.create_all()
        _created_on.add(url)
        return
    # DELETE, not TRUNCATE: on tables this small it is about a hundred times quicker
    # (TRUNCATE makes new files for every table), and it was most of a test's time. All
    # in one string, one round trip (7 ms against 17 ms for a statement a table).
    db.session.connection().exec_driver_sql(
        "; ".join(f'DELETE FROM "{table.name}"' for table in reversed(db.metadata.sorted_tables))
        + "; SELECT setval(c.oid, 1, false) FROM pg_class c WHERE c.relkind = 'S'"
    )
    db.session.commit()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def user(app):
    return make_user(email="ana@example.com", display_name="Ana")


@pytest.fixture
def auth_client(app, user):
    """A client logged in as `user` (Ana)."""
    client = app.test_client()
    login_as(client, user)
    return client


@pytest.fixture
def couple(app, user):
    """Ana and Bo as partners, Ana leading the pace. Returns (ana, bo, couple)."""
    bo = make_user(email="bo@example.com", display_name="Bo")
    c = make_couple(user, bo, pace_leader=user)
    return user, bo, c


@pytest.fixture
def ana(couple):
    """Ana, partnered with Bo (`user` is Ana before she is partnered)."""
    return couple[0]


@pytest.fixture
def bo(couple):
    return couple[1]


@pytest.fixture
def ana_client(app, ana):
    """A client logged in as `ana`."""
    return client_for(app, ana)


@pytest.fixture
def bo_client(app, bo):
    return client_for(app, bo)


@pytest.fixture
def stranger(app):
    """Cy, of another couple (with Di, Cy leading the pace): someone who must never see
    or touch Ana and Bo's things."""
    person = make_user(email="cy@example.com", display_name="Cy")
    make_couple(person, make_user(email="di@example.com", display_name="Di"), pace_leader=person)
    return person


@pytest.fixture
def log_output(app):
    """What the app's real root handler (the one with journal.logs.RedactTokens) writes,
    for the length of a test."""
    (handler,) = [h for h in logging.getLogger().handlers if any(isinstance(f, RedactTokens) for f in h.filters)]
    stream = io.StringIO()
    old = handler.setStream(stream)
    try:
        yield stream
    finally:
        handler.setStream(old)


@pytest.fixture
def csrf_app_config(app_config):
    """Ask for it before `app` to build the app with CSRF protection on."""
    app_config["WTF_CSRF_ENABLED"] = True
    return app_config


def pytest_terminal_summary(terminalreporter):
    skipped = [r for r in terminalreporter.stats.get("skipped", []) if "postgresql" in str(r.longrepr)]
    if skipped:
        terminalreporter.write_line(
            f"NOTE: {len(skipped)} PostgreSQL runs were skipped (server not reachable).", yellow=True
        )


# ---------------------------------------------------------------- the browser
# One Playwright (and one Chromium) per test process, shared by every test that
# drives a real browser: Playwright's sync API can't start twice in a process.

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
#: Chromium features turned off on top of Playwright's own list: the address bar's popups.
#: Every window of the new headless mode (one per browser context) keeps two of them, WebUI
#: pages in a renderer of their own, and brings them up to date on every navigation. No
#: test has an address bar; without them the browser tests' Chromium spends about a third
#: less CPU (300 navigations in 10 contexts: 29 s of CPU down to 20 s).
DISABLED_FEATURES = ["WebUIOmniboxPopup", "WebUIOmniboxAimPopup"]


def _launch_chromium(playwright):
    """Chromium with Playwright's switches and ours. Chromium keeps only the last
    --disable-features it is given, so ours, added after Playwright's, would turn its
    list back on: a first short launch reads Playwright's switch (the command line is
    only told with --enable-automation), and the real one gets both lists in one switch
    in its place."""
    probe = playwright.chromium.launch(executable_path=CHROMIUM, args=[*CHROMIUM_ARGS, "--enable-automation"])
    try:
        line = probe.new_browser_cdp_session().send("Browser.getBrowserCommandLine")["arguments"]
    finally:
        probe.close()
    theirs = [arg for arg in line if arg.startswith("--disable-features=")]
    features = [f for arg in theirs for f in arg.split("=", 1)[1].split(",") if f] + DISABLED_FEATURES
    return playwright.chromium.launch(
        executable_path=CHROMIUM,
        args=[*CHROMIUM_ARGS, "--disable-features=" + ",".join(features)],
        ignore_default_args=theirs,
    )


def _missing_browser_reason() -> str | None:
    if not os.path.exists(CHROMIUM):
        return f"Chromium not found at {CHROMIUM}"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the Python playwright package is not installed"
    return None


@pytest.fixture(scope="session")
def browser():
    missing = _missing_browser_reason()
    if missing:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI needs the browser tests to run: {missing}")
        pytest.skip(f"browser tests skipped: {missing}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = _launch_chromium(p)
        try:
            yield chromium
        finally:
            chromium.close()
