"""Re-wrapping every data key under a new master key, without downtime."""

import logging

from sqlalchemy import select

from journal.crypto import _unwrap, _wrap
from journal.crypto.keyring import keyring, new_key_line, parse, write_file
from journal.extensions import db
from journal.models.keys import DataKey

log = logging.getLogger(__name__)


def rotate(*, batch: int = 500) -> dict:
    """With keys from the instance file: add a new master key in front, re-wrap every
    data key in committed batches, then drop the old keys. With TANDEM_MASTER_KEYS,
    re-wrap under its first key; the operator removes old keys afterwards.
    Until the last batch commits, old and new keys both open data keys."""
    ring = keyring(reload=True)
    if ring.from_file:
        new = parse(new_key_line())[0]
        write_file((new, *ring.keys))
    current_id = keyring().current[0]
    rewrapped = 0
    while True:
        rows = db.session.scalars(
            select(DataKey).where(DataKey.master_key_id != current_id).order_by(DataKey.id).limit(batch)
        ).all()
        if not rows:
            break
        for row in rows:
            key_id, row.wrapped = _wrap(_unwrap(row), (row.owner_type, row.owner_id))
            row.master_key_id = key_id
        db.session.commit()
        rewrapped += len(rows)
    if ring.from_file:
        write_file((keyring().current,))
    log.info("master key rotation re-wrapped %s data keys", rewrapped)
    return {"rewrapped": rewrapped, "current": current_id}
