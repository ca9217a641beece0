"""Files Tandem keeps on this machine are readable by its own user only: the instance
folder (keys, secrets, the SQLite database, mail written to disk) is 0700, and each
file in it 0600, whatever the umask."""

import os
import secrets
import time
from pathlib import Path

from sqlalchemy.engine import make_url

FOLDER_MODE = 0o700
FILE_MODE = 0o600


def private_folder(path: Path) -> Path:
    path.mkdir(mode=FOLDER_MODE, parents=True, exist_ok=True)
    if path.stat().st_mode & 0o777 != FOLDER_MODE:
        os.chmod(path, FOLDER_MODE)
    return path


def private_file(path: Path, data: bytes) -> Path:
    """Write a new file that only this user can read (created 0600, never widened)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    return path


def mail_file(instance_path: str, data: bytes) -> Path:
    """One email written into `instance/mail/` (when no MAIL_SERVER is set)."""
    folder = private_folder(Path(instance_path) / "mail")
    return private_file(folder / f"{int(time.time() * 1000)}-{secrets.token_hex(4)}.eml", data)


def private_sqlite_file(database_url: str) -> None:
    """Create the SQLite database file 0600 before SQLite does (it would follow the
    umask), or narrow an existing one; its -wal and -shm files follow its mode."""
    url = make_url(database_url)
    if not url.drivername.startswith("sqlite") or url.database in (None, "", ":memory:"):
        return
    if url.database.startswith("file:"):
        return
    path = Path(url.database)
    if not path.parent.exists():
        return  # SQLite will refuse the path on its own
    if not path.exists():
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, FILE_MODE))
    for candidate in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        if candidate.exists() and candidate.stat().st_mode & 0o777 != FILE_MODE:
            os.chmod(candidate, FILE_MODE)
