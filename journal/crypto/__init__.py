"""Encryption at rest for the text people write.

Each person and each couple has a data key (AES-256-GCM), stored wrapped by a
master key that comes from configuration, never from the database. A sealed
value is `version byte + 12-byte nonce + ciphertext+tag`, and its associated
data names the table, row, field, author and visibility: a ciphertext copied
into another row, or a private one pasted into a shared row, fails to open.

    blob = seal(text, owner=user_owner(user), context=context("entries", row.id, "body", user.id, "private"))
    text = unseal(blob, owner=..., context=...)

Scores, dates, kinds and visibility stay in clear for queries and charts.
"""

import functools
import logging
import os
from typing import NamedTuple

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from flask import g
from sqlalchemy import Integer, Select, String, and_, bindparam, delete, or_, select

from journal.crypto.keyring import keyring
from journal.extensions import db
from journal.models.keys import DataKey

log = logging.getLogger(__name__)

VERSION = b"\x01"
Owner = tuple[str, int]


class DecryptError(Exception):
    """The text can't be opened: wrong row, wrong key, destroyed key or tampering."""


def user_owner(user) -> Owner:
    return ("user", user.id)


def couple_owner(couple_id: int) -> Owner:
    return ("couple", couple_id)


def context(table: str, row_id: int, field: str, author_id: int | None, visibility: str | None) -> bytes:
    """Associated data binding a ciphertext to its row, field, owner and visibility."""
    return f"tandem:v1:{table}:{row_id}:{field}:{author_id}:{visibility}".encode()


def _wrap_aad(owner: Owner) -> bytes:
    return f"tandem:datakey:{owner[0]}:{owner[1]}".encode()


def _wrap(key: bytes, owner: Owner) -> tuple[str, bytes]:
    key_id, master = keyring().current
    nonce = os.urandom(12)
    return key_id, nonce + AESGCM(master).encrypt(nonce, key, _wrap_aad(owner))


def _unwrap(row) -> bytes:
    """The data key of a DataKey (or a row of its columns), unwrapped."""
    master = keyring().get(row.master_key_id) or keyring(reload=True).get(row.master_key_id)
    if master is None:
        raise DecryptError(f"master key {row.master_key_id} is not configured")
    try:
        return AESGCM(master).decrypt(row.wrapped[:12], row.wrapped[12:], _wrap_aad((row.owner_type, row.owner_id)))
    except InvalidTag as exc:
        raise DecryptError("data key does not open") from exc


def _cache() -> dict:
    """This request's data keys by owner, and (under `("cipher", owner)`) each made ready
    to open texts: one place, so whatever forgets a key forgets both."""
    if "tandem_data_keys" not in g:
        g.tandem_data_keys = {}
    return g.tandem_data_keys


#: The sizes a statement's list of owner ids is padded to (the last id repeated): each
#: size is its own statement, compiled once, where a list of any length ("expanding")
#: was written out again on every run. A list page names one or two people.
_ID_SIZES = (1, 2, 4, 8, 16, 32)


@functools.cache
def _keys_statement(sizes: tuple[int, ...]):
    """The wrapped keys of owners of `len(sizes)` types (1 to 3), built once per process
    for each shape: for each type `i`, its name `type_i` and its ids `id_i_0` to
    `id_i_<size - 1>` are bound as it runs (building the statement per page cost more
    than running it). A size 0 is a list longer than any in `_ID_SIZES`, bound as
    `ids_i` and expanded as it runs. Read as columns."""
    return select(DataKey.owner_type, DataKey.owner_id, DataKey.wrapped, DataKey.master_key_id).where(
        or_(
            *(
                and_(
                    DataKey.owner_type == bindparam(f"type_{i}", type_=String),
                    DataKey.owner_id.in_(
                        [bindparam(f"id_{i}_{j}", type_=Integer) for j in range(size)]
                        if size
                        else bindparam(f"ids_{i}", expanding=True)
                    ),
                )
                for i, size in enumerate(sizes)
            )
        )
    )


def _id_size(count: int) -> int:
    """The size a list of `count` ids is padded to (0: too long, expanded as it runs)."""
    return next((size for size in _ID_SIZES if size >= count), 0)


def keys_preload(owners: set[Owner]) -> None:
    """Load the data keys of several owners in one statement (for list pages), read as
    columns on the session's connection: a key made in this session is flushed as it is
    made (`data_key`), so nothing pending needs flushing first."""
    cache = _cache()
    wanted: dict[str, list[int]] = {}
    for kind, owner_id in owners:
        if (kind, owner_id) not in cache:
            wanted.setdefault(kind, []).append(owner_id)
    if not wanted:
        return
    values, sizes = {}, []
    for i, (kind, ids) in enumerate(sorted(wanted.items())):
        ids.sort()
        size = _id_size(len(ids))
        values[f"type_{i}"] = kind
        if size:
            values.update({f"id_{i}_{j}": ids[min(j, len(ids) - 1)] for j in range(size)})
        else:
            values[f"ids_{i}"] = ids
        sizes.append(size)
    for row in db.session.connection().execute(_keys_statement(tuple(sizes)), values):
        cache[(row.owner_type, row.owner_id)] = _unwrap(row)


def with_owner_keys(stmt: Select, owner_type: str, owner_id) -> Select:
    """`stmt` also reading the wrapped data key of each row's owner (of `owner_type`, its
    id in the column `owner_id`) as its last two columns, `key_wrapped` and `key_master`
    (None when the owner has no key): a list reads its authors' keys with its rows, not
    in a statement of its own (a statement cost as much as a third of a page's cards).
    `key_given` unwraps each owner's once a request, and only when a row is opened."""
    joined = and_(DataKey.owner_type == owner_type, DataKey.owner_id == owner_id)
    return stmt.outerjoin(DataKey, joined).add_columns(
        DataKey.wrapped.label("key_wrapped"), DataKey.master_key_id.label("key_master")
    )


def owner_key_columns(owner_type: str, owner_id) -> tuple:
    """The columns `key_wrapped` and `key_master` of `with_owner_keys`, for a statement
    without a LIMIT: each row's owner's key looked up by the owners' index, where
    PostgreSQL answered a join of a few dozen rows by hashing every key of every person
    (0.6 ms for fifteen sensation maps on the medium data set). Add them with
    `stmt.add_columns(*owner_key_columns(...))`."""

    def looked_up(column, label: str):
        mine = select(column).where(DataKey.owner_type == owner_type, DataKey.owner_id == owner_id)
        return mine.scalar_subquery().label(label)

    return looked_up(DataKey.wrapped, "key_wrapped"), looked_up(DataKey.master_key_id, "key_master")


def key_given(owner: Owner, wrapped: bytes | None, master_key_id: str | None) -> bytes | None:
    """The owner's data key, unwrapped from the columns a list read with its rows
    (`with_owner_keys`) the first time in a request; None if destroyed or never made."""
    cache = _cache()
    key = cache.get(owner)
    if key is None and wrapped is not None:
        row = _WrappedKey(owner[0], owner[1], wrapped, master_key_id)
        key = cache[owner] = _unwrap(row)
    return key


class _WrappedKey(NamedTuple):
    """A data key's row as `_unwrap` reads it."""

    owner_type: str
    owner_id: int
    wrapped: bytes
    master_key_id: str


def data_key(owner: Owner, *, create: bool = False) -> bytes | None:
    """The owner's data key; made on first use when `create`. None if destroyed or never made."""
    cache = _cache()
    if owner not in cache:
        keys_preload({owner})
    if owner not in cache and create:
        key = AESGCM.generate_key(bit_length=256)
        key_id, wrapped = _wrap(key, owner)
        db.session.add(DataKey(owner_type=owner[0], owner_id=owner[1], wrapped=wrapped, master_key_id=key_id))
        db.session.flush()
        cache[owner] = key
    return cache.get(owner)


def cipher(key: bytes) -> AESGCM:
    """A data key made ready to open many texts (`unseal_with`): a list opens a few
    dozen fields with one or two keys, and making a key ready cost more than opening
    a field with it. Held for the request only, like the key."""
    return AESGCM(key)


def seal_with(key: bytes, text: str, context: bytes) -> bytes:
    """Seal with a data key already in hand (a data migration holds its own keys)."""
    nonce = os.urandom(12)
    return VERSION + nonce + AESGCM(key).encrypt(nonce, text.encode("utf-8"), context)


def seal(text: str | None, *, owner: Owner, context: bytes) -> bytes | None:
    if text is None:
        return None
    return seal_with(data_key(owner, create=True), text, context)


def unseal(blob: bytes | None, *, owner: Owner, context: bytes) -> str | None:
    """Open with the owner's data key, made ready once a request (`cipher`): a page opens
    a few dozen fields with a handful of keys."""
    if blob is None:
        return None
    cache = _cache()
    ready = cache.get(("cipher", owner))
    if ready is None:
        key = data_key(owner)
        if key is None:
            raise DecryptError("the data key was destroyed")
        ready = cache[("cipher", owner)] = cipher(key)
    return unseal_with(ready, blob, context)


def unseal_with(key: bytes | AESGCM, blob: bytes, context: bytes) -> str:
    """Open with a data key in hand, or one made ready for many texts (`cipher`)."""
    if blob[:1] != VERSION:
        raise DecryptError("unknown format")
    try:
        return (AESGCM(key) if type(key) is bytes else key).decrypt(blob[1:13], blob[13:], context).decode("utf-8")
    except InvalidTag as exc:
        raise DecryptError("text does not open in this place") from exc


def shred(owner: Owner) -> None:
    """Destroy the owner's data key: everything sealed with it becomes unreadable."""
    db.session.execute(delete(DataKey).where(DataKey.owner_type == owner[0], DataKey.owner_id == owner[1]))
    cache = _cache()
    cache.pop(owner, None)
    cache.pop(("cipher", owner), None)
    log.info("destroyed the data key of %s %s", owner[0], owner[1])
