"""accounts and couples

Revision ID: 0001
Revises:
Create Date: 2026-11-24 06:18:46.647708

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _sqlite():
    return op.get_bind().dialect.name == "sqlite"


def _pace_leader_fk():
    return sa.ForeignKeyConstraint(
        ["pace_leader_id"], ["users.id"], name=op.f("fk_couples_pace_leader_id_users"), ondelete="SET NULL"
    )


def upgrade():
    op.create_table(
        "couples",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("pace_leader_id", sa.Integer(), nullable=True),
        # couples.pace_leader_id -> users.id closes a cycle with users.couple_id: on SQLite
        # (no ALTER ... ADD CONSTRAINT) it is declared inline, elsewhere added once users exists.
        *([_pace_leader_fk()] if _sqlite() else []),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_couples")),
    )
    with op.batch_alter_table("couples", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_couples_pace_leader_id"), ["pace_leader_id"], unique=False)

    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("display_name", sa.String(length=60), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("email_verified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("failed_logins", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("couple_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["couple_id"], ["couples.id"], name=op.f("fk_users_couple_id_couples"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("email", name=op.f("uq_users_email")),
    )
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_users_couple_id"), ["couple_id"], unique=False)

    if not _sqlite():
        op.create_foreign_key(
            op.f("fk_couples_pace_leader_id_users"),
            "couples",
            "users",
            ["pace_leader_id"],
            ["id"],
            ondelete="SET NULL",
        )

    op.create_table(
        "invites",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("inviter_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("accepted_by_id", sa.Integer(), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["accepted_by_id"], ["users.id"], name=op.f("fk_invites_accepted_by_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["inviter_id"], ["users.id"], name=op.f("fk_invites_inviter_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invites")),
        sa.UniqueConstraint("code_hash", name=op.f("uq_invites_code_hash")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_invites_token_hash")),
    )
    with op.batch_alter_table("invites", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_invites_accepted_by_id"), ["accepted_by_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_invites_inviter_id"), ["inviter_id"], unique=False)

    op.create_table(
        "user_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("remember", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_user_sessions_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_sessions")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_user_sessions_token_hash")),
    )
    with op.batch_alter_table("user_sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_user_sessions_user_id"), ["user_id"], unique=False)

    op.create_table(
        "user_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.String(length=20), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("new_email", sa.String(length=254), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_user_tokens_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_user_tokens_token_hash")),
    )
    with op.batch_alter_table("user_tokens", schema=None) as batch_op:
        batch_op.create_index("ix_user_tokens_user_id_purpose", ["user_id", "purpose"], unique=False)


def downgrade():
    with op.batch_alter_table("user_tokens", schema=None) as batch_op:
        batch_op.drop_index("ix_user_tokens_user_id_purpose")

    op.drop_table("user_tokens")
    with op.batch_alter_table("user_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_user_sessions_user_id"))

    op.drop_table("user_sessions")
    with op.batch_alter_table("invites", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_invites_inviter_id"))
        batch_op.drop_index(batch_op.f("ix_invites_accepted_by_id"))

    op.drop_table("invites")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_users_couple_id"))

    if not _sqlite():
        op.drop_constraint(op.f("fk_couples_pace_leader_id_users"), "couples", type_="foreignkey")
    op.drop_table("users")
    with op.batch_alter_table("couples", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_couples_pace_leader_id"))

    op.drop_table("couples")
