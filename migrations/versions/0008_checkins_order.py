"""checkins order: the list's two indexes hold its whole order

The check-ins list reads newest day first, then time, then id, each branch of the
access rule through its own index cut to the page. The indexes held the day alone, so
every check-in of the newest day was read and sorted before the cut (a person who checks
in often in a day paid for each of them). They now hold the whole order: each branch is
read in order and stops at the page. Anything that read by day (progress, aggregates)
reads the same leading columns.

Revision ID: 0008_checkins_order
Revises: 0007_account_mail
"""

from alembic import op

revision = "0008_checkins_order"
down_revision = "0007_account_mail"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        "ix_checkins_author_id_day_created_at_id", "checkins", ["author_id", "day", "created_at", "id"], unique=False
    )
    op.create_index(
        "ix_checkins_couple_id_visibility_day_created_at_id",
        "checkins",
        ["couple_id", "visibility", "day", "created_at", "id"],
        unique=False,
    )
    op.drop_index("ix_checkins_author_id_day", table_name="checkins")
    op.drop_index("ix_checkins_couple_id_visibility_day", table_name="checkins")


def downgrade():
    op.create_index(
        "ix_checkins_couple_id_visibility_day", "checkins", ["couple_id", "visibility", "day"], unique=False
    )
    op.create_index("ix_checkins_author_id_day", "checkins", ["author_id", "day"], unique=False)
    op.drop_index("ix_checkins_couple_id_visibility_day_created_at_id", table_name="checkins")
    op.drop_index("ix_checkins_author_id_day_created_at_id", table_name="checkins")
