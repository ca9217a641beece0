"""Every Flask extension, unbound; `create_app` binds them with `init_app`."""

import logging
import select
import sqlite3

from flask import current_app, g, request
from flask_compress import Compress
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager, current_user
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_static_digest import FlaskStaticDigest
from flask_wtf import CSRFProtect
from flask_wtf.csrf import same_origin
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.pool import Pool
from wtforms import ValidationError

try:
    from psycopg.pq import TransactionStatus

    IDLE = TransactionStatus.IDLE
except ImportError:  # psycopg is installed with the app; only PostgreSQL needs it
    IDLE = None

from journal.csrf import csrf_token_check
from journal.models.base import Base


class _LoginManager(LoginManager):
    """Flask-Login's manager, without its session protection when it is off: our own
    server-side sessions do that job (`journal.security.init_app` switches it off), and
    Flask-Login hashes the client's address and browser on every request before it looks
    whether protection is on."""

    def _session_protection_failed(self):
        if not current_app.config.get("SESSION_PROTECTION", self.session_protection):
            return False
        return super()._session_protection_failed()


class _CSRFProtect(CSRFProtect):
    """Flask-WTF's CSRF check, asking for the method first: it looked up whether the view
    was exempt (formatting the view's name) on every GET before finding a GET is never
    checked. The token is checked by `journal.csrf.csrf_token_check` (Flask-WTF's
    check, its signature remembered); the rest is Flask-WTF's `protect` as it is."""

    def protect(self, apply_exemptions=False):
        config = current_app.config
        if request.method not in config["WTF_CSRF_METHODS"]:
            return
        if apply_exemptions and (not request.endpoint or self._is_exempt()):
            return
        try:
            csrf_token_check(self._get_csrf_token())
        except ValidationError as e:
            logging.getLogger("flask_wtf.csrf").info(e.args[0])
            self._error_response(e.args[0])
        if request.is_secure and config["WTF_CSRF_SSL_STRICT"]:
            if not request.referrer:
                self._error_response("The referrer header is missing.")
            if not same_origin(request.referrer, f"https://{request.host}/"):
                self._error_response("The referrer does not match the host.")
        g.csrf_valid = True  # as Flask-WTF marks a request whose token was good


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = _LoginManager()
csrf = _CSRFProtect()
limiter = Limiter(key_func=get_remote_address)


def limits_on_views_only(app) -> None:
    """Flask-Limiter checks every request, before its view, against every kind of limit it
    knows (for the whole app, for a blueprint, for the view): a sixth of a page of static
    text, on every page. Tandem's limits all sit on their views, and a limited view checks
    its own when it is called (Flask-Limiter's decorator, before the view's other checks),
    so while no limit covers the whole app or a blueprint, that check before every request
    is taken off. The limit tests (log-in in tests/test_app.py, account emails, export, codes)
    hold each limit. Called once the blueprints are registered."""
    manager = limiter.limit_manager
    if manager.default_limits or manager.application_limits:
        return
    if any(manager.blueprint_limits(app, name) for name in app.blueprints):
        return
    hooks = app.before_request_funcs.get(None, [])
    if limiter._check_request_limit in hooks:
        hooks.remove(limiter._check_request_limit)


def limit_key_person() -> str:
    """Whose limit a request counts against, for limits per person: the signed-in person
    (two partners behind one home address each have their own; logging in again doesn't
    start a new count; the id, never the session token, which would then sit in the
    limiter's storage), else the address."""
    return f"person:{current_user.id}" if current_user.is_authenticated else get_remote_address()


def limit_per_person(setting: str, scope: str, *methods: str):
    """The limit `setting` (a config key), one count per person (`limit_key_person`) shared
    by every route it decorates under `scope`."""
    return limiter.shared_limit(
        lambda: current_app.config[setting], scope=scope, key_func=limit_key_person, methods=list(methods)
    )


compress = Compress()
static_digest = FlaskStaticDigest()


@event.listens_for(Pool, "checkout")
def _still_connected(dbapi_connection, connection_record, connection_proxy):
    """PostgreSQL: a kept connection whose server process ended while it waited in the
    pool (a restart, a failover) is put aside before a request uses it, and SQLAlchemy
    hands out a new one. A server that ends a connection tells it so and closes it, so the
    idle connection's socket has something to read: asking the socket costs no round trip,
    where `pool_pre_ping` sent a query to the server before every request (a fifth of a
    page of static text's time on PostgreSQL). A file (SQLite) has nothing to lose."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        return
    if getattr(dbapi_connection, "closed", False) or getattr(dbapi_connection, "broken", False):
        raise DisconnectionError("the connection was closed")
    fileno = getattr(dbapi_connection, "fileno", None)
    if fileno is None:  # a driver that doesn't say (only SQLite and psycopg are used here)
        return
    poller = select.poll()
    poller.register(fileno(), select.POLLIN | select.POLLPRI)
    if poller.poll(0):  # an idle connection has nothing to read unless its server ended it
        raise DisconnectionError("the server ended the connection while it waited")


#: Kept in a pooled connection's `info` while this module keeps psycopg in autocommit for its
#: reads; a connection in autocommit for its own reasons (an engine made with
#: isolation_level="AUTOCOMMIT", to create a database) is never touched.
_READS_OUTSIDE = "tandem_reads_outside_a_transaction"


@event.listens_for(Engine, "begin")
def _reads_need_no_transaction(connection):
    """PostgreSQL: a transaction starts with psycopg in autocommit, so its reads go without a
    BEGIN, and a request that only reads sends neither BEGIN nor its end: two round trips of
    a page of static text's three. Under PostgreSQL's READ COMMITTED every statement reads
    its own snapshot inside a transaction too, so a read sees what it would have seen. The
    first statement that may write begins the transaction (`_a_write_begins_the_transaction`),
    so everything written is committed or rolled back together. And psycopg forgets every
    statement it prepared on the server at a ROLLBACK: a request that only read sends none,
    so its statements stay prepared (tests/test_read_requests.py)."""
    if connection.dialect.name != "postgresql":
        return
    info = connection.info
    if info.get(_READS_OUTSIDE):  # still as the last transaction left it: it only read
        return
    server = connection.connection.driver_connection
    if not server.autocommit and server.info.transaction_status == IDLE:
        server.autocommit = True
        info[_READS_OUTSIDE] = True


@event.listens_for(Engine, "before_cursor_execute")
def _a_write_begins_the_transaction(connection, cursor, statement, parameters, context, executemany):
    """PostgreSQL: anything but a plain SELECT (a write, DDL, a SAVEPOINT, a SELECT that locks
    rows with FOR UPDATE or FOR SHARE, a CTE) begins the transaction before it runs: psycopg
    sends BEGIN first once autocommit is off, and the transaction holds from here to COMMIT."""
    if statement[:6] == "SELECT" and " FOR " not in statement:
        return
    if connection.info.pop(_READS_OUTSIDE, False):
        cursor.connection.autocommit = False


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):
    """SQLite: enforce foreign keys, let readers and one writer work together."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA journal_mode=WAL")
        # With WAL, NORMAL keeps the database consistent and skips an fsync per commit.
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()
