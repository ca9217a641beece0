"""Backups of the database while the app runs, and restoring one into an empty database.

SQLite: the online backup API copies a consistent snapshot page by page while others keep
reading and writing. PostgreSQL: `pg_dump` (one transaction snapshot, so consistent while
the app runs) in its custom format, and `pg_restore` in one transaction:

    pg_dump --format=custom --no-owner --no-privileges --file=PATH
    pg_restore --clean --if-exists --no-owner --no-privileges --single-transaction --exit-on-error --dbname=DB PATH

Connection details go to pg_dump and pg_restore as libpq environment variables (PGHOST,
PGPORT, PGUSER, PGPASSWORD, PGDATABASE), so no password appears in a process list.

A backup holds sealed text only: the master keys that open it (TANDEM_MASTER_KEYS or
instance/master_keys) are not in the database and must be backed up separately.
"""

import os
import shutil
import sqlite3

# pg_dump and pg_restore only, each with an argument list and never a shell.
import subprocess  # nosec B404
from pathlib import Path

from sqlalchemy import Engine, func, inspect, select, table
from sqlalchemy.engine import URL


class BackupError(Exception):
    """A backup or restore that could not be done; the message is for the operator."""


#: Tables that hold no one's data: an empty database may have them filled.
_BOOKKEEPING = {"alembic_version"}


def _sqlite_path(url: URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise BackupError("An in-memory SQLite database can't be backed up.")
    return Path(url.database)


def _pg_env(url: URL) -> dict:
    env = {**os.environ, "PGDATABASE": url.database or ""}
    parts = (("PGHOST", url.host), ("PGPORT", url.port), ("PGUSER", url.username), ("PGPASSWORD", url.password))
    for variable, value in parts:
        if value is not None:
            env[variable] = str(value)
    return env


def _pg_tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(
            f"{name} was not found; install PostgreSQL's client tools (the server's major version or newer)."
        )
    return found


def _run(command: list[str], env: dict) -> None:
    # The tool's full path from shutil.which and our own arguments, no shell.
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # nosec B603
    if result.returncode != 0:
        # pg_dump's messages name tables and options, not rows.
        raise BackupError(f"{Path(command[0]).name} failed: {result.stderr.strip()}")


def rows_present(engine: Engine) -> bool:
    """Does any table (apart from Alembic's bookkeeping) hold a row?"""
    with engine.connect() as conn:
        for name in inspect(conn).get_table_names():
            if name in _BOOKKEEPING:
                continue
            if conn.execute(select(func.count()).select_from(table(name))).scalar():
                return True
    return False


def backup_create(*, engine: Engine, path: Path) -> None:
    """Write a consistent copy of the live database to `path` (which must not exist)."""
    path = Path(path)
    if path.exists():
        raise BackupError(f"{path} exists already; choose a new name (a backup never overwrites one).")
    url = engine.url
    if url.get_backend_name() == "sqlite":
        source = sqlite3.connect(_sqlite_path(url))
        target = sqlite3.connect(path)
        try:
            source.backup(target)
        finally:
            target.close()
            source.close()
        path.chmod(0o600)
    elif url.get_backend_name() == "postgresql":
        old_umask = os.umask(0o077)
        try:
            _run(
                [_pg_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges", f"--file={path}"],
                _pg_env(url),
            )
        finally:
            os.umask(old_umask)
    else:
        raise BackupError(f"Backups of {url.get_backend_name()} databases are not supported.")


def backup_restore(*, engine: Engine, path: Path, force: bool = False) -> None:
    """Bring the backup at `path` back into the configured database, which must be empty
    (no rows; empty tables from `flask db upgrade` are fine) unless `force`."""
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"{path} is not a file.")
    if not force and rows_present(engine):
        raise BackupError(
            "The database is not empty. Restore into an empty database, or add --force to replace everything in it."
        )
    engine.dispose()
    url = engine.url
    if url.get_backend_name() == "sqlite":
        source = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            if source.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'users'").fetchone() is None:
                raise BackupError(f"{path} is not a Tandem backup.")
            target = sqlite3.connect(_sqlite_path(url))
            try:
                source.backup(target)
            finally:
                target.close()
        except sqlite3.DatabaseError as exc:
            raise BackupError(f"{path} is not a SQLite backup ({exc}).") from exc
        finally:
            source.close()
    elif url.get_backend_name() == "postgresql":
        _run(
            [
                _pg_tool("pg_restore"),
                "--clean",
                "--if-exists",
                "--no-owner",
                "--no-privileges",
                "--single-transaction",
                "--exit-on-error",
                f"--dbname={url.database}",
                str(path),
            ],
            _pg_env(url),
        )
    else:
        raise BackupError(f"Restoring into {url.get_backend_name()} databases is not supported.")
