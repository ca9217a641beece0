"""Who may do what, for every route and method of the app.

Roles: anonymous; the author (owner of the objects in the URL: the tokens
emailed to them); their partner; a stranger from another couple; a person
without a couple. Outcomes: a status code, "login" (redirected to log in), or
"away" (redirected elsewhere). The invitation in the URL belongs to another
person who is still single, so only people without a couple may accept it.

A route or method missing here fails `test_every_route_is_in_the_matrix`:
each new route is placed in the matrix the day it is written.
"""

import base64
import importlib
import shutil
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import event, text
from sqlalchemy.pool import QueuePool

from journal import create_app
from journal.couple.services import invite_create
from journal.extensions import db
from journal.models import Plan, Practice, Schedule, User
from journal.testing import IsolatedClient, login_as, make_couple, make_user, token_issue
from tests.access_roles import ROLES, A, L, each, roles, signed_in
from tests.conftest import _empty_postgres

# (endpoint, method) -> (path template, {role: outcome})
MATRIX = {
    ("views.index", "GET"): ("/", signed_in(A, anonymous=200)),
    ("views.healthz", "GET"): ("/healthz", each(200)),
    # 503 here: no reminder worker ever made its queue (see _no_reminder_worker).
    ("views.readyz", "GET"): ("/readyz", each(503)),
    ("views.offline", "GET"): ("/offline", each(200)),
    ("views.more", "GET"): ("/more", signed_in(200)),
    ("views.service_worker", "GET"): ("/sw.js", each(200)),
    # WhiteNoise answers /static/ before Flask (journal/static_assets.py): public files, alike for all.
    ("static", "GET"): ("/static/css/tandem.css", each(200)),
    ("auth.register", "GET"): ("/register", signed_in(A, anonymous=200)),
    ("auth.register", "POST"): ("/register", signed_in(A, anonymous=422)),
    ("auth.login", "GET"): ("/login", signed_in(A, anonymous=200)),
    ("auth.login", "POST"): ("/login", signed_in(A, anonymous=422)),
    ("auth.logout", "POST"): ("/logout", signed_in(A)),
    ("auth.verify", "GET"): ("/verify/{verify}", each(200)),
    # Confirming works for whoever holds the link; anonymous people then go to log in.
    ("auth.verify_confirm", "POST"): ("/verify/{verify}", signed_in(A)),
    ("auth.verify_resend", "POST"): ("/verify/resend", signed_in(A)),
    ("auth.reset_request", "GET"): ("/reset", each(200)),
    ("auth.reset_request", "POST"): ("/reset", each(422)),
    ("auth.reset_password", "GET"): ("/reset/{reset}", each(200)),
    ("auth.reset_password", "POST"): ("/reset/{reset}", each(422)),
    ("account.settings", "GET"): ("/account", signed_in(200)),
    ("account.profile", "POST"): ("/account/profile", signed_in(422)),
    ("account.password", "GET"): ("/account/password", signed_in(200)),
    ("account.password", "POST"): ("/account/password", signed_in(422)),
    ("account.email", "GET"): ("/account/email", signed_in(200)),
    ("account.email", "POST"): ("/account/email", signed_in(422)),
    ("account.email_confirm", "GET"): ("/account/email/confirm/{change_email}", each(200)),
    ("account.email_confirm_post", "POST"): ("/account/email/confirm/{change_email}", signed_in(A)),
    # The link sent to the old address: whoever holds it may put the address back.
    ("account.email_restore", "GET"): ("/account/email/restore/{restore_email}", each(200)),
    ("account.email_restore_post", "POST"): ("/account/email/restore/{restore_email}", each(A)),
    ("account.delete", "GET"): ("/account/delete", signed_in(200)),
    ("account.delete", "POST"): ("/account/delete", signed_in(422)),
    ("today.today", "GET"): ("/today", signed_in(200)),
    ("couple.overview", "GET"): ("/couple", signed_in(200)),
    ("couple.invite_create", "POST"): ("/couple/invite", signed_in(A)),
    ("couple.invite_revoke", "POST"): ("/couple/invite/revoke", signed_in(A)),
    ("couple.join", "GET"): ("/couple/join", signed_in(200)),
    ("couple.join", "POST"): ("/couple/join", signed_in(422)),
    ("couple.leave", "GET"): ("/couple/leave", roles(L, 200, 200, 200, A)),
    ("couple.leave", "POST"): ("/couple/leave", signed_in(A)),
    ("couple.pace_leader", "POST"): ("/couple/pace-leader", roles(L, A, A, A, 404)),
    ("couple.invite", "GET"): ("/invite/{invite}", roles(200, 409, 409, 409, 200)),
    ("couple.invite_accept", "POST"): ("/invite/{invite}", roles(L, 409, 409, 409, A)),
    # The practice and schedule in these URLs belong to the author's couple's plan.
    ("practices.browse", "GET"): ("/practices", signed_in(200)),
    ("practices.read", "GET"): ("/practices/{practice}", roles(L, 200, 200, 404, 404)),
    ("practices.new", "GET"): ("/practices/new", signed_in(200)),
    ("practices.new", "POST"): ("/practices/new", signed_in(422)),
    ("practices.edit", "GET"): ("/practices/{practice}/edit", roles(L, 200, 200, 404, 404)),
    ("practices.edit", "POST"): ("/practices/{practice}/edit", roles(L, 422, 422, 404, 404)),
    ("plan.overview", "GET"): ("/plan", signed_in(200)),
    ("plan.add", "GET"): ("/plan/add/{practice}", roles(L, 200, 200, 404, 404)),
    ("plan.add", "POST"): ("/plan/add/{practice}", roles(L, 422, 422, 404, 404)),
    ("plan.edit", "GET"): ("/plan/{schedule}/edit", roles(L, 200, 200, 404, 404)),
    ("plan.edit", "POST"): ("/plan/{schedule}/edit", roles(L, 422, 422, 404, 404)),
    ("plan.remove", "POST"): ("/plan/{schedule}/remove", roles(L, A, A, 404, 404)),
    ("plan.pause", "POST"): ("/plan/pause", signed_in(A)),
    ("plan.resume", "POST"): ("/plan/resume", signed_in(A)),
    ("plan.settings", "POST"): ("/plan/settings", signed_in(A)),
    ("plan.hold_lift", "POST"): ("/plan/hold/lift", signed_in(A)),
    ("plan.hold_tell", "POST"): ("/plan/hold/tell", signed_in(A)),
    ("plan.pace_back", "POST"): ("/plan/pace/back", signed_in(A)),
    ("plan.pace_ready", "POST"): ("/plan/pace/ready", signed_in(A)),
    ("plan.pace_unready", "POST"): ("/plan/pace/unready", signed_in(A)),
    ("consent.overview", "GET"): ("/consent", signed_in(200)),
    ("consent.edit", "GET"): ("/consent/edit", signed_in(200)),
    ("consent.edit", "POST"): ("/consent/edit", signed_in(422)),
    ("today.act", "POST"): ("/today/act", signed_in(400)),
}

# Features written later keep their rows in tests/matrix_<feature>.py: each module has
# ROWS (same shape as MATRIX) and build(world_people) -> {token name: value} for the
# objects its URLs name, owned by the author (or the author's couple).
FEATURE_MODULES = [
    importlib.import_module(f"tests.{p.stem}") for p in sorted(Path(__file__).parent.glob("matrix_*.py"))
]
for _module in FEATURE_MODULES:
    overlap = MATRIX.keys() & _module.ROWS.keys()
    assert not overlap, f"{_module.__name__} repeats rows: {overlap}"
    MATRIX.update(_module.ROWS)

CASES = [(endpoint, method, role) for (endpoint, method) in MATRIX for role in ROLES]


@dataclass
class World:
    people: dict
    tokens: dict


def build_world() -> World:
    author = make_user(email="author@example.com", display_name="Author", verified=False)
    partner = make_user(email="partner@example.com", display_name="Partner")
    couple = make_couple(author, partner, pace_leader=author)
    plan = Plan(couple_id=couple.id, timezone="Europe/London")
    db.session.add(plan)
    db.session.flush()
    practice = Practice(
        plan_id=plan.id,
        author_id=author.id,
        kind="closeness",
        title="Our walk",
        summary="",
        steps=["Walk slowly."],
        duration_minutes=20,
        together=True,
    )
    db.session.add(practice)
    db.session.flush()
    schedule = Schedule(
        plan_id=plan.id,
        practice_id=practice.id,
        kind="daily",
        times=["20:00"],
        start_date=date(2026, 1, 1),
        created_by_id=author.id,
    )
    db.session.add(schedule)
    stranger = make_user(email="stranger@example.com", display_name="Stranger")
    make_couple(stranger, make_user(email="stranger2@example.com"))
    single = make_user(email="single@example.com", display_name="Single")
    inviter = make_user(email="inviter@example.com", display_name="Inviter")
    tokens = {
        "verify": token_issue(user_id=author.id, purpose="verify_email"),
        "reset": token_issue(user_id=author.id, purpose="reset_password"),
        "change_email": token_issue(user_id=author.id, purpose="change_email", new_email="author.new@example.com"),
        "restore_email": token_issue(user_id=author.id, purpose="restore_email", new_email="author@example.com"),
        "invite": invite_create(user=inviter)[0],
        "practice": practice.id,
        "schedule": schedule.id,
    }
    db.session.commit()
    people = {"author": author, "partner": partner, "stranger": stranger, "single": single}
    for module in FEATURE_MODULES:
        tokens.update(module.build(people))
        db.session.commit()
    return World(people=people, tokens=tokens)


def outcome_of(response):
    if response.status_code in (301, 302, 303):
        return L if response.headers["Location"].startswith("/login") else A
    return response.status_code


@pytest.fixture(autouse=True)
def _no_reminder_worker(tmp_path, monkeypatch):
    """/readyz looks for the worker's queue: in these tests no worker ever ran."""
    monkeypatch.setenv("TANDEM_INSTANCE_PATH", str(tmp_path / "no-worker"))
    monkeypatch.delenv("REDIS_URL", raising=False)


#: Every case opens sealed rows of the same snapshot, so every case's app shares one master key.
MASTER_KEYS = "matrix:" + base64.b64encode(b"m" * 32).decode()
#: A snapshot older than this is built again (tokens and "just now" windows age).
SNAPSHOT_LIFETIME = 300


@dataclass
class Snapshot:
    rows: dict
    people: dict
    tokens: dict
    made: float


_snapshots: dict[str, Snapshot] = {}


_apps: dict = {}

#: Whether a case's request may have changed the database since the world was last put
#: back: any statement but a read or transaction control, sent while a request runs (the
#: person's log-in before it only adds their session). Most cases change nothing (a GET, or
#: a POST refused), and then the next case finds the world as it was.
_changed: dict[str, bool] = {}
_watching: list[str] = []
_READS = ("SELECT", "BEGIN", "SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK")


def _note_writes(conn, cursor, statement, parameters, context, executemany):
    if _watching and not statement.lstrip().upper().startswith(_READS):
        _changed[_watching[0]] = True


@pytest.fixture
def app(backend, database_url, tmp_path_factory, smtp_sink, app_config):
    """One app per backend and test process for every case (only its database changes
    between cases; building an app per case was a fifth of the matrix's time). Each
    case gets the world as it was built: see world_for.

    It shadows the `app` of tests/conftest.py on purpose, under the same name: the
    fixtures built on `app` there (client, user, couple, log_output...) then get this
    app, never a second one on a fresh database (on SQLite another file than the
    world's; on PostgreSQL the world's own, emptied); and each case is still marked
    `db`, as tests/conftest.py marks every test that takes `app`."""
    if backend not in _apps:
        folder = tmp_path_factory.mktemp(f"matrix-{backend}")
        config = {**app_config, "INSTANCE_PATH": str(folder / "instance"), "TANDEM_MASTER_KEYS": MASTER_KEYS}
        if backend == "sqlite":
            config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{folder / 'matrix.sqlite'}"
        else:
            pooled = {"poolclass": QueuePool, "pool_pre_ping": True}
            config["SQLALCHEMY_ENGINE_OPTIONS"] = {**config["SQLALCHEMY_ENGINE_OPTIONS"], **pooled}
        _apps[backend] = create_app(config)
        _apps[backend].test_client_class = IsolatedClient
        with _apps[backend].app_context():
            event.listen(db.engine, "before_cursor_execute", _note_writes)
    app = _apps[backend]
    smtp_sink.clear()
    with app.app_context():
        yield app
        db.session.remove()


def world_for(backend: str) -> World:
    """The ten-person world, built once per backend and test process, then put back
    before each case: on SQLite by copying the database file as it was, on PostgreSQL
    by emptying every table and inserting the rows as they were (a few bulk INSERTs).
    Not put back when the case before changed nothing (see _changed)."""
    snap = _snapshots.get(backend)
    fresh = snap is not None and time.monotonic() - snap.made <= SNAPSHOT_LIFETIME
    if fresh and not _changed.get(backend, True):
        return _world_of(snap)
    _changed[backend] = False
    if not fresh:
        _database_empty(backend)
        world = build_world()
        _snapshots[backend] = Snapshot(
            rows={
                t.name: [dict(r) for r in db.session.execute(t.select()).mappings()] for t in db.metadata.sorted_tables
            },
            people={role: person.id for role, person in world.people.items()},
            tokens=dict(world.tokens),
            made=time.monotonic(),
        )
        if backend == "sqlite":
            db.session.remove()
            db.engine.dispose()
            shutil.copy(_sqlite_file(), _sqlite_file().with_suffix(".world"))
            return _world_of(_snapshots[backend])
        return world
    if backend == "sqlite":
        db.session.remove()
        db.engine.dispose()
        shutil.copy(_sqlite_file().with_suffix(".world"), _sqlite_file())
        return _world_of(snap)
    _database_empty(backend)
    # Couples and users point at each other: check foreign keys once everything is in.
    db.session.execute(text("SET LOCAL session_replication_role = replica"))
    for table in db.metadata.sorted_tables:
        if snap.rows[table.name]:
            db.session.execute(table.insert(), snap.rows[table.name])
    sequences = [
        f"setval(pg_get_serial_sequence('\"{t.name}\"', 'id'), {max(r['id'] for r in snap.rows[t.name])})"
        for t in db.metadata.sorted_tables
        if "id" in t.c and snap.rows[t.name] and t.c.id.autoincrement in (True, "auto")
    ]
    db.session.execute(text("SELECT " + ", ".join(sequences)))
    db.session.commit()
    return _world_of(snap)


class _PeopleOf(dict):
    """The snapshot's people by role, each read from the database when first asked for:
    a case logs in as one of them, so reading all ten was most of putting a world back."""

    def __init__(self, ids: dict[str, int]):
        super().__init__()
        self.ids = ids

    def __missing__(self, role: str) -> User:
        self[role] = db.session.get(User, self.ids[role])
        return self[role]


def _world_of(snap: Snapshot) -> World:
    return World(people=_PeopleOf(snap.people), tokens=snap.tokens)


def _sqlite_file() -> Path:
    return Path(db.engine.url.database)


def _database_empty(backend: str) -> None:
    if backend == "sqlite":
        db.session.remove()
        db.engine.dispose()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{_sqlite_file()}{suffix}").unlink(missing_ok=True)
        db.create_all()
    else:
        _empty_postgres()


@pytest.mark.parametrize("endpoint, method, role", CASES, ids=["-".join(c) for c in CASES])
def test_access(app, backend, endpoint, method, role):
    template, expected = MATRIX[(endpoint, method)]
    world = world_for(backend)
    client = app.test_client()
    if role != "anonymous":
        login_as(client, world.people[role])
    path = template.format(**world.tokens)
    _watching.append(backend)
    try:
        with client.open(path, method=method, data={} if method == "POST" else None) as response:
            assert outcome_of(response) == expected[role], f"{method} {path} as {role}"
    finally:
        _watching.clear()


def test_every_route_is_in_the_matrix(tmp_path):
    app = create_app({"INSTANCE_PATH": str(tmp_path), "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    routes = {
        (rule.endpoint, method) for rule in app.url_map.iter_rules() for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    missing = routes - MATRIX.keys()
    stale = MATRIX.keys() - routes
    assert not missing, f"routes missing from the access matrix: {sorted(missing)}"
    assert not stale, f"matrix rows for routes that no longer exist: {sorted(stale)}"


def test_a_case_that_changes_the_world_finds_it_put_back_in_the_next(app, backend):
    """What lets most cases skip putting the world back must see a change made during a
    request, or a later case would meet the changed world."""
    world = world_for(backend)
    name = world.people["author"].display_name
    _watching.append(backend)
    try:
        db.session.execute(User.__table__.update().values(display_name="Changed"))
        db.session.commit()
    finally:
        _watching.clear()
    assert _changed[backend]
    assert world_for(backend).people["author"].display_name == name
    assert not _changed[backend]
