"""Encryption at rest: data keys, associated data, rotation, crypto-shredding."""

import base64
import os

import pytest
from flask import g
from sqlalchemy import select

from journal import create_app, crypto
from journal.account.services import account_delete
from journal.crypto import DecryptError, context, couple_owner, seal, shred, unseal, user_owner
from journal.crypto.keyring import MasterKeyMissing, keyring, new_key_line, parse, write_file
from journal.crypto.rotate import rotate
from journal.extensions import db
from journal.models import DataKey, User
from journal.testing import count_queries


def _fresh_request(app):
    """Drop the per-request key cache, as a new request would."""
    g.pop("tandem_data_keys", None)


def test_sealed_text_opens_only_in_its_own_place(app, user):
    here = context("entries", 1, "body", user.id, "private")
    blob = seal("a warm evening together", owner=user_owner(user), context=here)
    assert b"warm evening" not in blob
    assert unseal(blob, owner=user_owner(user), context=here) == "a warm evening together"
    for elsewhere in (
        context("entries", 2, "body", user.id, "private"),  # another row
        context("entries", 1, "title", user.id, "private"),  # another field
        context("entries", 1, "body", user.id, "shared"),  # pasted into a shared row
        context("checkins", 1, "body", user.id, "private"),  # another table
    ):
        with pytest.raises(DecryptError):
            unseal(blob, owner=user_owner(user), context=elsewhere)


def test_each_owner_has_its_own_key(app, couple):
    ana, bo, c = couple
    here = context("entries", 1, "body", ana.id, "shared")
    blob = seal("only with Ana's key", owner=user_owner(ana), context=here)
    seal("x", owner=user_owner(bo), context=here)
    seal("y", owner=couple_owner(c.id), context=here)
    db.session.commit()
    with pytest.raises(DecryptError):
        unseal(blob, owner=user_owner(bo), context=here)
    rows = db.session.scalars(db.select(DataKey)).all()
    assert {(r.owner_type, r.owner_id) for r in rows} == {("user", ana.id), ("user", bo.id), ("couple", c.id)}
    assert all(len(r.wrapped) == 12 + 32 + 16 for r in rows), "keys are stored wrapped, never raw"


def test_keys_of_several_owners_load_in_one_statement(app, couple):
    """A list page loads the keys of every author it shows (and a couple's, a plan's)
    at once; each key is its own owner's, and an owner without one stays without."""
    ana, bo, c = couple
    here = context("entries", 1, "body", ana.id, "shared")
    blobs = {owner: seal(f"by {owner}", owner=owner, context=here) for owner in (user_owner(ana), couple_owner(c.id))}
    db.session.commit()
    _fresh_request(app)
    owners = set(blobs) | {user_owner(bo), ("plan", 999_999)}
    with count_queries(app) as q:
        crypto.keys_preload(owners)
        for owner, blob in blobs.items():
            assert unseal(blob, owner=owner, context=here) == f"by {owner}"
    assert q.count == 1
    assert crypto.data_key(user_owner(bo)) is None
    with pytest.raises(DecryptError):
        unseal(blobs[user_owner(ana)], owner=couple_owner(c.id), context=here)


@pytest.mark.parametrize("count", [1, 3, 33])
def test_keys_load_whatever_the_number_of_owners(app, count):
    """Each owner's ids are padded to a fixed size (the last repeated) and a list longer
    than any size is expanded as it runs: every key is its own owner's, whatever the count."""
    owners = [("plan", 1000 + n) for n in range(count)]
    here = context("plans", 1, "text", None, None)
    blobs = {owner: seal(f"plan {owner[1]}", owner=owner, context=here) for owner in owners}
    db.session.commit()
    _fresh_request(app)
    with count_queries(app) as q:
        crypto.keys_preload(set(owners) | {("plan", 999_999)})
    assert q.count == 1
    for owner, blob in blobs.items():
        assert unseal(blob, owner=owner, context=here) == f"plan {owner[1]}"
    assert crypto.data_key(("plan", 999_999)) is None


def test_a_list_reads_its_authors_keys_with_its_rows(app, couple):
    """`with_owner_keys` joins each row's owner's wrapped key (None without one) and
    `key_given` unwraps it: the texts open with it, made ready once (`cipher`) or not,
    and in no other place."""
    ana, bo, _ = couple
    here = context("entries", 1, "body", ana.id, "private")
    blob = seal("read with the list", owner=user_owner(ana), context=here)
    db.session.commit()
    _fresh_request(app)
    stmt = crypto.with_owner_keys(select(User.id).where(User.id.in_([ana.id, bo.id])), "user", User.id)
    with count_queries(app) as q:
        rows = {row.id: row for row in db.session.execute(stmt)}
        keys = {i: crypto.key_given(("user", i), row.key_wrapped, row.key_master) for i, row in rows.items()}
    assert q.count == 1
    assert keys[bo.id] is None and rows[bo.id].key_wrapped is None
    assert keys[ana.id] == crypto.data_key(user_owner(ana))
    for key in (keys[ana.id], crypto.cipher(keys[ana.id])):
        assert crypto.unseal_with(key, blob, here) == "read with the list"
        with pytest.raises(DecryptError):
            crypto.unseal_with(key, blob, context("entries", 2, "body", ana.id, "private"))


def test_a_key_made_ready_is_forgotten_with_the_key(app, user):
    """`unseal` makes each owner's key ready once a request; shredding forgets it at once,
    so nothing opens with it later in the same request."""
    here = context("entries", 1, "body", user.id, "private")
    blob = seal("opened twice, then never", owner=user_owner(user), context=here)
    db.session.commit()
    _fresh_request(app)
    assert unseal(blob, owner=user_owner(user), context=here) == unseal(blob, owner=user_owner(user), context=here)
    shred(user_owner(user))
    with pytest.raises(DecryptError):
        unseal(blob, owner=user_owner(user), context=here)


def test_master_key_lives_outside_the_database(app, user):
    seal("x", owner=user_owner(user), context=b"c")
    db.session.commit()
    key_id, master = keyring().current
    (row,) = db.session.scalars(db.select(DataKey)).all()
    assert row.master_key_id == key_id
    assert master not in row.wrapped

    path = os.path.join(app.instance_path, "master_keys")
    assert os.stat(path).st_mode & 0o777 == 0o600


def test_a_lost_key_file_is_never_replaced_while_sealed_words_exist(app, app_config, user):
    """The instance folder lost its key file (a new container, a restore without it). A new
    key would seal new words that the old key can't open, and the old words stay unopenable
    under it: no key is made, the error names the key to bring back, and readiness says so."""
    seal("kept safe", owner=user_owner(user), context=b"c")
    db.session.commit()
    key_id = keyring().current[0]
    path = os.path.join(app.instance_path, "master_keys")
    os.remove(path)

    with pytest.raises(MasterKeyMissing, match=key_id):
        keyring(reload=True)
    assert not os.path.exists(path)

    answer = create_app(app_config).test_client().get("/readyz")  # a process starting now
    assert answer.status_code == 503
    assert answer.get_json()["checks"]["keys"] == "missing"
    assert not os.path.exists(path)


def test_readiness_fails_while_sealed_words_have_no_key(app, app_config, user):
    """A key file made anew beside an old database holds another key: the old words can't
    be opened, and readiness says so before anyone meets an error page."""
    seal("kept safe", owner=user_owner(user), context=b"c")
    db.session.commit()
    write_file(parse(new_key_line()))  # the old key is gone; another stands in its place

    answer = create_app(app_config).test_client().get("/readyz")  # a process starting now

    assert answer.status_code == 503
    assert answer.get_json()["checks"]["keys"] == "missing"


def test_readiness_sees_each_master_key_a_rotation_left_in_use(app, app_config, couple):
    """Halfway through a rotation the data keys are wrapped under two master keys: ready
    while the file holds both, not ready when either one is gone from it."""
    ana, bo, _ = couple
    seal("before the rotation", owner=user_owner(ana), context=b"c")
    db.session.commit()
    old = keyring().current
    new = parse(new_key_line())[0]
    write_file((new, old))  # a rotation began: the new key in front
    keyring(reload=True)
    seal("during the rotation", owner=user_owner(bo), context=b"c")
    db.session.commit()
    assert set(db.session.scalars(select(DataKey.master_key_id))) == {old[0], new[0]}

    def keys_check():
        return create_app(app_config).test_client().get("/readyz").get_json()["checks"]["keys"]

    assert keys_check() == "ok"
    write_file((new,))  # the old key lost before every data key was re-wrapped
    assert keys_check() == "missing"
    write_file((old,))  # or the new one
    assert keys_check() == "missing"
    write_file((new, old))
    assert keys_check() == "ok"


def test_a_new_install_makes_its_key(app):
    """No words sealed yet: the first use makes the key file, and readiness says so."""
    path = os.path.join(app.instance_path, "master_keys")
    assert not os.path.exists(path)
    assert keyring(reload=True).from_file
    assert os.path.exists(path)
    assert app.test_client().get("/readyz").get_json()["checks"]["keys"] == "ok"


def test_rotation_keeps_every_text_readable(app, couple):
    ana, bo, c = couple
    texts = {}
    for owner in (user_owner(ana), user_owner(bo), couple_owner(c.id)):
        for n in range(3):
            ctx = context("entries", n, "body", owner[1], "private")
            texts[(owner, ctx)] = seal(f"text {owner} {n}", owner=owner, context=ctx)
    db.session.commit()
    old_id = keyring().current[0]
    result = rotate(batch=2)
    assert result["rewrapped"] == 3 and result["current"] != old_id
    assert keyring().get(old_id) is None, "the old master key is gone once rotation completes"
    assert {r.master_key_id for r in db.session.scalars(db.select(DataKey))} == {result["current"]}
    _fresh_request(app)
    for (owner, ctx), blob in texts.items():
        assert unseal(blob, owner=owner, context=ctx).startswith("text ")


def test_old_master_key_works_until_rotation_completes(app, user):
    """A process that still has the old keyring reads keys wrapped by the new key
    by re-reading the key file; keys not yet re-wrapped open with the old key."""
    ctx = context("entries", 1, "body", user.id, "private")
    blob = seal("before rotation", owner=user_owner(user), context=ctx)
    db.session.commit()
    old = keyring().current
    write_file((parse(new_key_line())[0], old))  # rotation has started: new key in front
    _fresh_request(app)
    assert unseal(blob, owner=user_owner(user), context=ctx) == "before rotation"


def test_keys_from_the_environment(app_config, backend, monkeypatch):
    key = base64.b64encode(b"k" * 32).decode()
    monkeypatch.setenv("TANDEM_MASTER_KEYS", f"env1:{key}")
    app = create_app(app_config)
    with app.app_context():
        assert keyring(reload=True).current == ("env1", b"k" * 32)
        assert keyring().from_file is False


def test_shredding_makes_text_unreadable(app, user):
    ctx = context("entries", 1, "body", user.id, "private")
    blob = seal("gone for good", owner=user_owner(user), context=ctx)
    db.session.commit()
    shred(user_owner(user))
    db.session.commit()
    _fresh_request(app)
    with pytest.raises(DecryptError):
        unseal(blob, owner=user_owner(user), context=ctx)


def test_account_deletion_shreds_the_key(app, user):
    seal("mine", owner=user_owner(user), context=b"c")
    db.session.commit()
    account_delete(user=user)
    db.session.commit()
    assert db.session.scalars(db.select(DataKey)).all() == []


def test_none_stays_none(app, user):
    assert crypto.seal(None, owner=user_owner(user), context=b"c") is None
    assert crypto.unseal(None, owner=user_owner(user), context=b"c") is None
