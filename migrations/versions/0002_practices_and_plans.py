"""practices and plans

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24 06:34:33.011228

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "plans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("couple_id", sa.Integer(), nullable=True),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("stage", sa.Integer(), nullable=False),
        sa.Column("paused_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("paused_until", sa.Date(), nullable=True),
        sa.Column("birth_date", sa.Date(), nullable=True),
        sa.Column("hold_by_id", sa.Integer(), nullable=True),
        sa.Column("hold_since", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("(couple_id IS NULL) <> (owner_id IS NULL)", name=op.f("ck_plans_one_owner")),
        sa.ForeignKeyConstraint(
            ["couple_id"], ["couples.id"], name=op.f("fk_plans_couple_id_couples"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["hold_by_id"], ["users.id"], name=op.f("fk_plans_hold_by_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(["owner_id"], ["users.id"], name=op.f("fk_plans_owner_id_users"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plans")),
        sa.UniqueConstraint("couple_id", name=op.f("uq_plans_couple_id")),
        sa.UniqueConstraint("owner_id", name=op.f("uq_plans_owner_id")),
    )
    with op.batch_alter_table("plans", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_plans_hold_by_id"), ["hold_by_id"], unique=False)

    op.create_table(
        "consent_phrases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("signal", sa.String(length=10), nullable=False),
        sa.Column("phrase", sa.String(length=300), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["plan_id"], ["plans.id"], name=op.f("fk_consent_phrases_plan_id_plans"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"], ["users.id"], name=op.f("fk_consent_phrases_updated_by_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consent_phrases")),
    )
    with op.batch_alter_table("consent_phrases", schema=None) as batch_op:
        batch_op.create_index("ix_consent_phrases_plan_id_signal", ["plan_id", "signal"], unique=False)
        batch_op.create_index(batch_op.f("ix_consent_phrases_updated_by_id"), ["updated_by_id"], unique=False)

    op.create_table(
        "pace_ready",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("to_stage", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["plan_id"], ["plans.id"], name=op.f("fk_pace_ready_plan_id_plans"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_pace_ready_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pace_ready")),
        sa.UniqueConstraint("plan_id", "user_id", name=op.f("uq_pace_ready_plan_id_user_id")),
    )
    with op.batch_alter_table("pace_ready", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pace_ready_user_id"), ["user_id"], unique=False)

    op.create_table(
        "practices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=80), nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("title", sa.String(length=120), nullable=False),
        sa.Column("summary", sa.String(length=300), nullable=False),
        sa.Column("steps", sa.JSON(), nullable=False),
        sa.Column("duration_minutes", sa.Integer(), nullable=False),
        sa.Column("stage", sa.Integer(), nullable=True),
        sa.Column("together", sa.Boolean(), nullable=False),
        sa.Column("safety_note", sa.Text(), nullable=True),
        sa.Column("topics", sa.JSON(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=True),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["author_id"], ["users.id"], name=op.f("fk_practices_author_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(["plan_id"], ["plans.id"], name=op.f("fk_practices_plan_id_plans"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_practices")),
        sa.UniqueConstraint("slug", name=op.f("uq_practices_slug")),
    )
    with op.batch_alter_table("practices", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_practices_author_id"), ["author_id"], unique=False)
        batch_op.create_index("ix_practices_kind_stage", ["kind", "stage"], unique=False)
        batch_op.create_index(batch_op.f("ix_practices_plan_id"), ["plan_id"], unique=False)

    op.create_table(
        "stage_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("from_stage", sa.Integer(), nullable=False),
        sa.Column("to_stage", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["plan_id"], ["plans.id"], name=op.f("fk_stage_changes_plan_id_plans"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stage_changes")),
    )
    with op.batch_alter_table("stage_changes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_stage_changes_plan_id"), ["plan_id"], unique=False)

    op.create_table(
        "schedules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("practice_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("times", sa.JSON(), nullable=False),
        sa.Column("weekdays", sa.JSON(), nullable=False),
        sa.Column("interval", sa.Integer(), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("prompt_user_id", sa.Integer(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("removed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_schedules_created_by_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(["plan_id"], ["plans.id"], name=op.f("fk_schedules_plan_id_plans"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["practice_id"], ["practices.id"], name=op.f("fk_schedules_practice_id_practices"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["prompt_user_id"], ["users.id"], name=op.f("fk_schedules_prompt_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_schedules")),
    )
    with op.batch_alter_table("schedules", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_schedules_created_by_id"), ["created_by_id"], unique=False)
        batch_op.create_index("ix_schedules_plan_id_removed_at", ["plan_id", "removed_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_schedules_practice_id"), ["practice_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_schedules_prompt_user_id"), ["prompt_user_id"], unique=False)

    op.create_table(
        "prompt_actions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("schedule_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("occurrence_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("snoozed_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["schedule_id"], ["schedules.id"], name=op.f("fk_prompt_actions_schedule_id_schedules"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_prompt_actions_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_prompt_actions")),
        sa.UniqueConstraint(
            "schedule_id", "user_id", "occurrence_at", name=op.f("uq_prompt_actions_schedule_id_user_id_occurrence_at")
        ),
    )
    with op.batch_alter_table("prompt_actions", schema=None) as batch_op:
        batch_op.create_index("ix_prompt_actions_user_id_occurrence_at", ["user_id", "occurrence_at"], unique=False)


def downgrade():
    with op.batch_alter_table("prompt_actions", schema=None) as batch_op:
        batch_op.drop_index("ix_prompt_actions_user_id_occurrence_at")

    op.drop_table("prompt_actions")
    with op.batch_alter_table("schedules", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_schedules_prompt_user_id"))
        batch_op.drop_index(batch_op.f("ix_schedules_practice_id"))
        batch_op.drop_index("ix_schedules_plan_id_removed_at")
        batch_op.drop_index(batch_op.f("ix_schedules_created_by_id"))

    op.drop_table("schedules")
    with op.batch_alter_table("stage_changes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_stage_changes_plan_id"))

    op.drop_table("stage_changes")
    with op.batch_alter_table("practices", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_practices_plan_id"))
        batch_op.drop_index("ix_practices_kind_stage")
        batch_op.drop_index(batch_op.f("ix_practices_author_id"))

    op.drop_table("practices")
    with op.batch_alter_table("pace_ready", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pace_ready_user_id"))

    op.drop_table("pace_ready")
    with op.batch_alter_table("consent_phrases", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_consent_phrases_updated_by_id"))
        batch_op.drop_index("ix_consent_phrases_plan_id_signal")

    op.drop_table("consent_phrases")
    with op.batch_alter_table("plans", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_plans_hold_by_id"))

    op.drop_table("plans")
