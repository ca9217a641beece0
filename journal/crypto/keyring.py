"""Master keys: from TANDEM_MASTER_KEYS, or generated once into the instance folder.

The keyring lists keys newest first: the first wraps new data keys, every key
unwraps. Rotation adds a key at the front, re-wraps every data key, then drops
the old ones; a process that meets a key id it doesn't know re-reads the file,
so several processes keep working through a rotation.
"""

import base64
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from flask import current_app

from journal.config import instance_secret

KEY_FILE = "master_keys"


@dataclass(frozen=True)
class Keyring:
    keys: tuple[tuple[str, bytes], ...]
    #: True when the keys came from the instance file (rotation may rewrite it).
    from_file: bool

    @property
    def current(self) -> tuple[str, bytes]:
        return self.keys[0]

    def get(self, key_id: str) -> bytes | None:
        return dict(self.keys).get(key_id)


def new_key_line() -> str:
    return f"{secrets.token_hex(4)}:{base64.b64encode(secrets.token_bytes(32)).decode()}"


def parse(text: str) -> tuple[tuple[str, bytes], ...]:
    keys = []
    for item in text.replace(",", "\n").splitlines():
        item = item.strip()
        if not item:
            continue
        key_id, _, encoded = item.partition(":")
        key = base64.b64decode(encoded)
        if len(key) != 32:
            raise RuntimeError(f"master key {key_id!r} is not 32 bytes")
        keys.append((key_id, key))
    if not keys:
        raise RuntimeError("no master key configured")
    return tuple(keys)


class MasterKeyMissing(RuntimeError):
    """No master key is configured, and the database holds data keys wrapped by one."""


def load(instance_path: str) -> Keyring:
    configured = os.environ.get("TANDEM_MASTER_KEYS")
    if configured:
        return Keyring(parse(configured), from_file=False)
    if not (Path(instance_path) / KEY_FILE).exists():
        _nothing_sealed_yet(instance_path)
    return Keyring(parse(instance_secret(instance_path, KEY_FILE, new_key_line)), from_file=True)


def _nothing_sealed_yet(instance_path: str) -> None:
    """Before a new key file is made: a database that already holds data keys lost its
    master key file (a new container, a restore without the instance folder). A new key
    would seal new words the old key can't open, beside old words the new key can't open;
    so none is made, and the error names the keys to bring back."""
    from sqlalchemy import select

    from journal.extensions import db
    from journal.models import DataKey

    in_use = db.session.scalars(select(DataKey.master_key_id).distinct()).all()
    if in_use:
        raise MasterKeyMissing(
            f"the database holds words sealed under master key {', '.join(sorted(in_use))}, and "
            f"{Path(instance_path) / KEY_FILE} is missing: bring that file back, or set "
            "TANDEM_MASTER_KEYS. No new key was made."
        )


def keyring(*, reload: bool = False) -> Keyring:
    """The app's keyring, read once per process (again when `reload`)."""
    ext = current_app.extensions
    if reload or "tandem_keyring" not in ext:
        override = current_app.config.get("TANDEM_MASTER_KEYS")
        ext["tandem_keyring"] = (
            Keyring(parse(override), from_file=False) if override else load(current_app.instance_path)
        )
    return ext["tandem_keyring"]


def write_file(keys: tuple[tuple[str, bytes], ...]) -> None:
    """Replace the instance key file atomically (mode 0600)."""
    path = Path(current_app.instance_path) / KEY_FILE
    tmp = path.with_name(f".{KEY_FILE}.{os.getpid()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write("\n".join(f"{k}:{base64.b64encode(v).decode()}" for k, v in keys) + "\n")
    os.replace(tmp, path)
    keyring(reload=True)
