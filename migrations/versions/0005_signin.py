"""signin: re-authentication time and device on sessions, known browsers, two-factor, passkeys

Revision ID: 0005_signin
Revises: 0004
Create Date: 2026-11-27 05:40:00

Existing sessions keep working: their re-authentication time starts as the time
they were created (so a sensitive change asks to confirm it's you), and their
device reads as unknown.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0005_signin"
down_revision = "0005_ops"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("totp_secret_sealed", sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column("totp_enabled_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("totp_last_step", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("webauthn_handle", sa.LargeBinary(length=64), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_users_webauthn_handle"), ["webauthn_handle"])

    with op.batch_alter_table("user_sessions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("authenticated_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("device", sa.String(length=80), nullable=True))
    op.execute("UPDATE user_sessions SET authenticated_at = created_at, device = ''")
    with op.batch_alter_table("user_sessions", schema=None) as batch_op:
        batch_op.alter_column("authenticated_at", existing_type=sa.DateTime(timezone=True), nullable=False)
        batch_op.alter_column("device", existing_type=sa.String(length=80), nullable=False)

    op.create_table(
        "known_browsers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("marker_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_known_browsers_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_known_browsers")),
        sa.UniqueConstraint("user_id", "marker_hash", name=op.f("uq_known_browsers_user_id_marker_hash")),
    )
    op.create_table(
        "recovery_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_recovery_codes_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recovery_codes")),
    )
    op.create_index("ix_recovery_codes_user_id_code_hash", "recovery_codes", ["user_id", "code_hash"], unique=False)
    op.create_table(
        "passkeys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("credential_id", sa.LargeBinary(length=1023), nullable=False),
        sa.Column("public_key", sa.LargeBinary(), nullable=False),
        sa.Column("sign_count", sa.Integer(), nullable=False),
        sa.Column("transports", sa.String(length=200), nullable=False),
        sa.Column("device", sa.String(length=80), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_passkeys_user_id_users"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_passkeys")),
        sa.UniqueConstraint("credential_id", name=op.f("uq_passkeys_credential_id")),
    )
    with op.batch_alter_table("passkeys", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_passkeys_user_id"), ["user_id"], unique=False)


def downgrade():
    with op.batch_alter_table("passkeys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_passkeys_user_id"))
    op.drop_table("passkeys")
    op.drop_index("ix_recovery_codes_user_id_code_hash", table_name="recovery_codes")
    op.drop_table("recovery_codes")
    op.drop_table("known_browsers")
    with op.batch_alter_table("user_sessions", schema=None) as batch_op:
        batch_op.drop_column("device")
        batch_op.drop_column("authenticated_at")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_users_webauthn_handle"), type_="unique")
        batch_op.drop_column("webauthn_handle")
        batch_op.drop_column("totp_last_step")
        batch_op.drop_column("totp_enabled_at")
        batch_op.drop_column("totp_secret_sealed")
