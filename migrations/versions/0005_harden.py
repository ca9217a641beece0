"""harden: consent phrases, a couple's own practices and push endpoints sealed

Existing rows are sealed here with the application's keyring (the same master keys
and data keys the app uses), and the clear copies are dropped. Library practices
(which we write) stay in clear.

Revision ID: 0005_harden
Revises: 0004
"""

import hashlib
import json
from types import SimpleNamespace

import sqlalchemy as sa
from alembic import op
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

revision = "0005_harden"
down_revision = "0005_content"
branch_labels = None
depends_on = None

PLACEHOLDER = {"title": "Your own practice", "summary": "", "steps": [], "safety_note": None}


class _Keys:
    """Data keys read and made on the migration's own connection."""

    def __init__(self, bind):
        from journal.crypto import _unwrap, _wrap

        self.bind, self.cache, self._wrap, self._unwrap = bind, {}, _wrap, _unwrap

    def key(self, owner: tuple[str, int]) -> bytes:
        if owner not in self.cache:
            row = self.bind.execute(
                sa.text(
                    "SELECT owner_type, owner_id, wrapped, master_key_id FROM data_keys"
                    " WHERE owner_type = :t AND owner_id = :i"
                ),
                {"t": owner[0], "i": owner[1]},
            ).first()
            if row is not None:
                self.cache[owner] = self._unwrap(SimpleNamespace(**row._mapping))
            else:
                key = AESGCM.generate_key(bit_length=256)
                key_id, wrapped = self._wrap(key, owner)
                self.bind.execute(
                    sa.text(
                        "INSERT INTO data_keys (owner_type, owner_id, wrapped, master_key_id, created_at)"
                        " VALUES (:t, :i, :w, :k, CURRENT_TIMESTAMP)"
                    ),
                    {"t": owner[0], "i": owner[1], "w": wrapped, "k": key_id},
                )
                self.cache[owner] = key
        return self.cache[owner]


def upgrade():
    from journal.crypto import context, seal_with

    bind = op.get_bind()
    keys = _Keys(bind)
    if bind.dialect.name == "sqlite":
        # SQLite rebuilds a table to drop a column; freed pages are zeroed, not left
        # holding the clear text. (On PostgreSQL, VACUUM reclaims them in time.)
        bind.execute(sa.text("PRAGMA secure_delete = ON"))

    with op.batch_alter_table("consent_phrases") as batch:
        batch.add_column(sa.Column("phrase_sealed", sa.LargeBinary(), nullable=True))
    for row in bind.execute(sa.text("SELECT id, plan_id, phrase FROM consent_phrases")).all():
        blob = seal_with(
            keys.key(("plan", row.plan_id)), row.phrase, context("consent_phrases", row.id, "phrase", None, None)
        )
        bind.execute(sa.text("UPDATE consent_phrases SET phrase_sealed = :b WHERE id = :i"), {"b": blob, "i": row.id})
    with op.batch_alter_table("consent_phrases") as batch:
        batch.alter_column("phrase_sealed", existing_type=sa.LargeBinary(), nullable=False)
        batch.drop_column("phrase")

    with op.batch_alter_table("practices") as batch:
        batch.add_column(sa.Column("text_sealed", sa.LargeBinary(), nullable=True))
    own = bind.execute(
        sa.text("SELECT id, plan_id, title, summary, steps, safety_note FROM practices WHERE plan_id IS NOT NULL")
    ).all()
    for row in own:
        steps = row.steps if not isinstance(row.steps, str) else json.loads(row.steps)
        text = json.dumps(
            {"title": row.title, "summary": row.summary, "steps": steps or [], "safety_note": row.safety_note}
        )
        blob = seal_with(keys.key(("plan", row.plan_id)), text, context("practices", row.id, "text", None, None))
        bind.execute(
            sa.text(
                "UPDATE practices SET text_sealed = :b, title = :t, summary = :s, steps = :st, safety_note = NULL"
                " WHERE id = :i"
            ),
            {"b": blob, "t": PLACEHOLDER["title"], "s": "", "st": "[]", "i": row.id},
        )

    with op.batch_alter_table("push_subscriptions") as batch:
        batch.add_column(sa.Column("endpoint_hash", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("endpoint_sealed", sa.LargeBinary(), nullable=True))
    for row in bind.execute(sa.text("SELECT id, user_id, endpoint FROM push_subscriptions")).all():
        blob = seal_with(
            keys.key(("user", row.user_id)),
            row.endpoint,
            context("push_subscriptions", row.id, "endpoint", row.user_id, None),
        )
        bind.execute(
            sa.text("UPDATE push_subscriptions SET endpoint_sealed = :b, endpoint_hash = :h WHERE id = :i"),
            {"b": blob, "h": hashlib.sha256(row.endpoint.encode("utf-8")).hexdigest(), "i": row.id},
        )
    with op.batch_alter_table("push_subscriptions") as batch:
        batch.alter_column("endpoint_hash", existing_type=sa.String(length=64), nullable=False)
        batch.alter_column("endpoint_sealed", existing_type=sa.LargeBinary(), nullable=False)
        batch.drop_constraint("uq_push_subscriptions_endpoint", type_="unique")
        batch.drop_column("endpoint")
        batch.create_unique_constraint(batch.f("uq_push_subscriptions_endpoint_hash"), ["endpoint_hash"])


def downgrade():
    """Back to clear text (what 0004 expects); text whose key is gone comes back empty."""
    from journal.crypto import DecryptError, context, unseal_with

    bind = op.get_bind()
    keys = _Keys(bind)

    def opened(owner, blob, ctx):
        try:
            return unseal_with(keys.key(owner), blob, ctx)
        except DecryptError:
            return None

    with op.batch_alter_table("push_subscriptions") as batch:
        batch.add_column(sa.Column("endpoint", sa.String(length=1000), nullable=True))
    for row in bind.execute(sa.text("SELECT id, user_id, endpoint_sealed FROM push_subscriptions")).all():
        endpoint = opened(
            ("user", row.user_id),
            row.endpoint_sealed,
            context("push_subscriptions", row.id, "endpoint", row.user_id, None),
        )
        if endpoint is None:
            bind.execute(sa.text("DELETE FROM push_subscriptions WHERE id = :i"), {"i": row.id})
        else:
            bind.execute(
                sa.text("UPDATE push_subscriptions SET endpoint = :e WHERE id = :i"), {"e": endpoint, "i": row.id}
            )
    with op.batch_alter_table("push_subscriptions") as batch:
        batch.drop_constraint("uq_push_subscriptions_endpoint_hash", type_="unique")
        batch.drop_column("endpoint_sealed")
        batch.drop_column("endpoint_hash")
        batch.alter_column("endpoint", existing_type=sa.String(length=1000), nullable=False)
        batch.create_unique_constraint("uq_push_subscriptions_endpoint", ["endpoint"])

    own = bind.execute(sa.text("SELECT id, plan_id, text_sealed FROM practices WHERE text_sealed IS NOT NULL")).all()
    for row in own:
        text = json.loads(
            opened(("plan", row.plan_id), row.text_sealed, context("practices", row.id, "text", None, None)) or "{}"
        )
        bind.execute(
            sa.text("UPDATE practices SET title = :t, summary = :s, steps = :st, safety_note = :n WHERE id = :i"),
            {
                "t": text.get("title", PLACEHOLDER["title"])[:120],
                "s": (text.get("summary") or "")[:300],
                "st": json.dumps(text.get("steps") or []),
                "n": text.get("safety_note"),
                "i": row.id,
            },
        )
    with op.batch_alter_table("practices") as batch:
        batch.drop_column("text_sealed")

    with op.batch_alter_table("consent_phrases") as batch:
        batch.add_column(sa.Column("phrase", sa.String(length=300), nullable=True))
    for row in bind.execute(sa.text("SELECT id, plan_id, phrase_sealed FROM consent_phrases")).all():
        phrase = opened(
            ("plan", row.plan_id), row.phrase_sealed, context("consent_phrases", row.id, "phrase", None, None)
        )
        bind.execute(sa.text("UPDATE consent_phrases SET phrase = :p WHERE id = :i"), {"p": phrase or "", "i": row.id})
    with op.batch_alter_table("consent_phrases") as batch:
        batch.drop_column("phrase_sealed")
        batch.alter_column("phrase", existing_type=sa.String(length=300), nullable=False)
