"""Every Flask extension, unbound; `create_app` binds them with `init_app`."""
import sqlite3

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_mail import Mail
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import event
from sqlalchemy.engine import Engine

from journal.models.base import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address)
mail = Mail()


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


def among(column, values):
    """`column IN values` for a long list of values: one array parameter on PostgreSQL
    (`= ANY(...)`, a short statement whatever the count), a plain IN list on SQLite."""
    from sqlalchemy import any_, bindparam
    from sqlalchemy.dialects.postgresql import ARRAY

    values = list(values)
    if db.session.get_bind().dialect.name == "postgresql":
        return column == any_(bindparam(None, values, type_=ARRAY(column.type)))
    return column.in_(values)


def insert_ignore(table, rows: list[dict], *, key: list[str]) -> int:
    """Insert `rows` (dicts with the same keys) into `table`, skipping those that clash
    on the unique `key`; returns how many were new. On PostgreSQL each column travels
    as one array and unnest() turns them back into rows: one short statement whatever
    the count (a multi-row VALUES list would make the driver parse a statement as long
    as the data). On SQLite, an executemany of INSERT ... ON CONFLICT DO NOTHING."""
    from sqlalchemy import bindparam, func, select
    from sqlalchemy.dialects.postgresql import ARRAY
    from sqlalchemy.dialects.postgresql import insert as pg_insert
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    if not rows:
        return 0
    columns = list(rows[0])
    if db.session.get_bind().dialect.name == "postgresql":
        arrays = [bindparam(c, [r[c] for r in rows], type_=ARRAY(table.c[c].type)) for c in columns]
        rowset = func.unnest(*arrays).table_valued(*columns).render_derived()
        stmt = (
            pg_insert(table)
            .from_select(columns, select(*(rowset.c[c] for c in columns)))
            .on_conflict_do_nothing(index_elements=key)
            .returning(table.c.id)
        )
        return len(db.session.execute(stmt).all())
    stmt = sqlite_insert(table).on_conflict_do_nothing(index_elements=key).returning(table.c.id)
    return len(db.session.execute(stmt, rows).all())
