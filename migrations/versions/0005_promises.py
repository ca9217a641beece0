"""promises: a pause belongs to the person who paused (plan_pauses); plans.hold_told

Each plan's pause moves from plans.paused_at/paused_until to one row per person in
plan_pauses. A pause set before this migration doesn't say who set it, so it is carried
over with user_id NULL: the plan stays paused, and either partner may lift that one
pause (as before); every pause made from now on is lifted only by its own person.
plans.hold_told records that the person whose check-in started a safety hold chose to
tell their partner why (false for every existing hold: nothing was told).

Revision ID: 0005_promises
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005_promises"
down_revision = "0004"
branch_labels = None
depends_on = None


def _plan_pauses_table(with_indexes: bool = True):
    table = op.create_table(
        "plan_pauses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("since", sa.DateTime(timezone=True), nullable=False),
        sa.Column("until", sa.Date(), nullable=True),
        sa.Column("shared", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["plan_id"], ["plans.id"], name=op.f("fk_plan_pauses_plan_id_plans"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_plan_pauses_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_pauses")),
        sa.UniqueConstraint("plan_id", "user_id", name=op.f("uq_plan_pauses_plan_id_user_id")),
    )
    with op.batch_alter_table("plan_pauses", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_plan_pauses_plan_id"), ["plan_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_plan_pauses_user_id"), ["user_id"], unique=False)
    return table


def upgrade():
    old = sa.table(
        "plans",
        sa.column("id", sa.Integer()),
        sa.column("owner_id", sa.Integer()),
        sa.column("paused_at", sa.DateTime(timezone=True)),
        sa.column("paused_until", sa.Date()),
    )
    paused = (
        op.get_bind()
        .execute(
            sa.select(old.c.id, old.c.owner_id, old.c.paused_at, old.c.paused_until).where(old.c.paused_at.is_not(None))
        )
        .all()
    )
    # Plain ALTER TABLE, never a batch rebuild of `plans`: on SQLite a rebuild drops the
    # table, and with foreign keys on that deletes every schedule, phrase and pace row
    # of every plan (ON DELETE CASCADE). SQLite has had DROP COLUMN since 3.35.
    op.drop_column("plans", "paused_until")
    op.drop_column("plans", "paused_at")
    op.add_column("plans", sa.Column("hold_told", sa.Boolean(), nullable=False, server_default=sa.false()))
    table = _plan_pauses_table()
    # A single person's plan: the pause is theirs. A couple's: nobody recorded who, so
    # either partner may lift it (user_id NULL), as before; both partners saw its end
    # date before, so it stays shown (shared).
    rows = [{"plan_id": r[0], "user_id": r[1], "since": r[2], "until": r[3], "shared": True} for r in paused]
    if rows:
        op.bulk_insert(table, rows)


def downgrade():
    old = sa.table(
        "plan_pauses",
        sa.column("plan_id", sa.Integer()),
        sa.column("since", sa.DateTime(timezone=True)),
        sa.column("until", sa.Date()),
    )
    pauses = op.get_bind().execute(sa.select(old.c.plan_id, old.c.since, old.c.until)).all()
    op.drop_table("plan_pauses")
    op.drop_column("plans", "hold_told")
    op.add_column("plans", sa.Column("paused_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("plans", sa.Column("paused_until", sa.Date(), nullable=True))
    # The plan is paused if anyone's pause is: the earliest start, the latest end (none beats any date).
    merged: dict = {}
    for plan_id, since, until in pauses:
        was = merged.get(plan_id)
        if was is None:
            merged[plan_id] = (since, until)
        else:
            merged[plan_id] = (min(was[0], since), None if was[1] is None or until is None else max(was[1], until))
    plans = sa.table(
        "plans",
        sa.column("id", sa.Integer()),
        sa.column("paused_at", sa.DateTime(timezone=True)),
        sa.column("paused_until", sa.Date()),
    )
    for plan_id, (since, until) in merged.items():
        op.execute(plans.update().where(plans.c.id == plan_id).values(paused_at=since, paused_until=until))
