"""union lane: the partner's shared check-ins by day, for the list cut per branch

The check-ins list reads the viewer's own check-ins (`ix_checkins_author_id_day`)
and the partner's shared ones newest day first, each branch cut to a page in the
database; this index lets the shared branch stop at the page instead of sorting
every shared check-in of the couple.

Revision ID: 0006_union
Revises: 0005_harden
"""

from alembic import op

revision = "0006_union"
down_revision = "0005_harden"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        "ix_checkins_couple_id_visibility_day", "checkins", ["couple_id", "visibility", "day"], unique=False
    )


def downgrade():
    op.drop_index("ix_checkins_couple_id_visibility_day", table_name="checkins")
