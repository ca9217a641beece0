"""couple lane: the partner's answer to the same occurrence by index; notifications
that are not reminders; plans copied on leaving a couple

Revision ID: 0005_couple
Revises: 0004

"""

import sqlalchemy as sa
from alembic import op

revision = "0005_couple"
down_revision = "0005_promises"
branch_labels = None
depends_on = None

REVEAL_COLUMNS = ["schedule_id", "occurrence_at", "couple_id", "visibility", "author_id"]


def upgrade():
    # The wider index starts with the old one's columns, so it serves every query the old one did.
    op.create_index("ix_checkins_schedule_id_occurrence_at_couple_id", "checkins", REVEAL_COLUMNS, unique=False)
    op.drop_index("ix_checkins_schedule_id_occurrence_at", table_name="checkins")

    # Every existing notification is a reminder.
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.add_column(sa.Column("kind", sa.String(length=20), server_default="reminder", nullable=False))
        batch_op.alter_column("schedule_id", existing_type=sa.Integer(), nullable=True)
        batch_op.alter_column("occurrence_at", existing_type=sa.DateTime(timezone=True), nullable=True)

    with op.batch_alter_table("plans", schema=None) as batch_op:
        batch_op.add_column(sa.Column("copied_on_leaving", sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade():
    with op.batch_alter_table("plans", schema=None) as batch_op:
        batch_op.drop_column("copied_on_leaving")

    op.execute("DELETE FROM notifications WHERE schedule_id IS NULL OR occurrence_at IS NULL")
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.alter_column("occurrence_at", existing_type=sa.DateTime(timezone=True), nullable=False)
        batch_op.alter_column("schedule_id", existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column("kind")

    op.create_index("ix_checkins_schedule_id_occurrence_at", "checkins", ["schedule_id", "occurrence_at"], unique=False)
    op.drop_index("ix_checkins_schedule_id_occurrence_at_couple_id", table_name="checkins")
