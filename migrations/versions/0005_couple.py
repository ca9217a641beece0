"""couple lane: the index that finds the partner's answer to the same occurrence

Revision ID: 0005_couple
Revises: 0004

"""
from alembic import op


revision = "0005_couple"
down_revision = "0004"
branch_labels = None
depends_on = None

REVEAL_COLUMNS = ["schedule_id", "occurrence_at", "couple_id", "visibility", "author_id"]


def upgrade():
    # The wider index starts with the old one's columns, so it serves every query the old one did.
    op.create_index("ix_checkins_schedule_id_occurrence_at_couple_id", "checkins", REVEAL_COLUMNS, unique=False)
    op.drop_index("ix_checkins_schedule_id_occurrence_at", table_name="checkins")


def downgrade():
    op.create_index("ix_checkins_schedule_id_occurrence_at", "checkins", ["schedule_id", "occurrence_at"], unique=False)
    op.drop_index("ix_checkins_schedule_id_occurrence_at_couple_id", table_name="checkins")
