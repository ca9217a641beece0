"""content: the check-in's bleeding question asks what kind of bleeding

Until now a check-in asked "Any bleeding: yes / no", and any "yes" held touch
practices. Light bleeding that slowly settles is usual for weeks after a birth, so
the question now offers kinds of bleeding (none, settling as usual, heavier than
before, bright red again, large clots, smells unpleasant) and only the changes
start the hold and the care note.

`checkins.bleeding` becomes a short text. Existing rows keep what they said:
"no" becomes "none"; "yes" becomes "any" (shown as "Yes (asked as 'any
bleeding')"). An old "yes" is NOT read as one of the worrying answers: it never
said what kind of bleeding it was, and re-reading it now starts no hold and no
note. Nothing else about old rows changes.

On SQLite the column change rebuilds `checkins` (batch mode). No table has a foreign key
to `checkins`, so dropping the old copy cascades to nothing.

Revision ID: 0005_content
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005_content"
down_revision = "0005_signin"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("checkins") as batch:
        batch.add_column(sa.Column("bleeding_kind", sa.String(length=12), nullable=True))
    op.execute("UPDATE checkins SET bleeding_kind = CASE WHEN bleeding THEN 'any' WHEN NOT bleeding THEN 'none' END")
    with op.batch_alter_table("checkins") as batch:
        batch.drop_column("bleeding")
    with op.batch_alter_table("checkins") as batch:
        batch.alter_column("bleeding_kind", new_column_name="bleeding", existing_type=sa.String(length=12))


def downgrade():
    with op.batch_alter_table("checkins") as batch:
        batch.add_column(sa.Column("bleeding_flag", sa.Boolean(), nullable=True))
    # Back to yes / no: any bleeding at all is a yes.
    op.execute(
        "UPDATE checkins SET bleeding_flag = CASE WHEN bleeding IS NULL THEN NULL "
        "WHEN bleeding = 'none' THEN false ELSE true END"
    )
    with op.batch_alter_table("checkins") as batch:
        batch.drop_column("bleeding")
    with op.batch_alter_table("checkins") as batch:
        batch.alter_column("bleeding_flag", new_column_name="bleeding", existing_type=sa.Boolean())
