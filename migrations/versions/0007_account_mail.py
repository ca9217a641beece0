"""account mail: account emails go through an outbox the worker sends

Confirmation, reset and email-change links, the new-browser notice and the word that a
partner left were sent inside the request: a mail server that was down failed the
request, and how long a reset took told whether the email had an account.

Revision ID: 0007_account_mail
Revises: 0006_union
"""

import sqlalchemy as sa
from alembic import op

revision = "0007_account_mail"
down_revision = "0006_union"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "account_mail",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("to_email", sa.String(length=254), nullable=True),
        sa.Column("device", sa.String(length=80), nullable=True),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("claimed_by", sa.String(length=64), nullable=True),
        sa.Column("error", sa.String(length=40), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_account_mail_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account_mail")),
    )
    op.create_index("ix_account_mail_state_due_at", "account_mail", ["state", "due_at"], unique=False)
    op.create_index("ix_account_mail_user_id", "account_mail", ["user_id"], unique=False)


def downgrade():
    op.drop_index("ix_account_mail_user_id", table_name="account_mail")
    op.drop_index("ix_account_mail_state_due_at", table_name="account_mail")
    op.drop_table("account_mail")
