"""versions for edits that must not overwrite each other

Revision ID: 0005_ops
Revises: 0004
Create Date: 2026-11-27

Existing rows start at version 1 (entries) and 0 (a plan's consent language), the
values new rows get, so forms loaded before the upgrade still save.
"""

import sqlalchemy as sa
from alembic import op

revision = "0005_ops"
down_revision = "0005_couple"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("entries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="1"))
    with op.batch_alter_table("plans", schema=None) as batch_op:
        batch_op.add_column(sa.Column("consent_version", sa.Integer(), nullable=False, server_default="0"))


def downgrade():
    with op.batch_alter_table("plans", schema=None) as batch_op:
        batch_op.drop_column("consent_version")
    with op.batch_alter_table("entries", schema=None) as batch_op:
        batch_op.drop_column("version")
