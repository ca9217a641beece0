"""Statements over many rows that stay short whatever the row count.

PostgreSQL gets arrays (`= ANY(:ids)`, `INSERT ... SELECT FROM unnest(...)`), so the
driver never parses a statement as long as the data; SQLite gets plain IN lists and
executemany, which cost it nothing extra.
"""

from sqlalchemy import any_, bindparam, func, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from journal.extensions import db


def among(column, values):
    """`column IN values` for a long list of values: one array parameter on PostgreSQL
    (`= ANY(...)`, a short statement whatever the count), a plain IN list on SQLite."""
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
