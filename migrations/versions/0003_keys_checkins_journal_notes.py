"""encryption keys, check-ins, journal and progress notes

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 07:20:00.815404

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "data_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner_type", sa.String(length=10), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("wrapped", sa.LargeBinary(), nullable=False),
        sa.Column("master_key_id", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_keys")),
        sa.UniqueConstraint("owner_type", "owner_id", name=op.f("uq_data_keys_owner_type_owner_id")),
    )
    with op.batch_alter_table("data_keys", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_data_keys_master_key_id"), ["master_key_id"], unique=False)

    op.create_table(
        "care_notices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("condition", sa.String(length=20), nullable=False),
        sa.Column("shown_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_care_notices_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_care_notices")),
    )
    with op.batch_alter_table("care_notices", schema=None) as batch_op:
        batch_op.create_index(
            "ix_care_notices_user_id_condition_shown_at", ["user_id", "condition", "shown_at"], unique=False
        )

    op.create_table(
        "checkins",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("couple_id", sa.Integer(), nullable=True),
        sa.Column("visibility", sa.String(length=10), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("mood", sa.Integer(), nullable=True),
        sa.Column("closeness", sa.Integer(), nullable=True),
        sa.Column("comfort", sa.Integer(), nullable=True),
        sa.Column("sensation", sa.Integer(), nullable=True),
        sa.Column("energy", sa.Integer(), nullable=True),
        sa.Column("stress", sa.Integer(), nullable=True),
        sa.Column("sleep_hours", sa.Double(), nullable=True),
        sa.Column("pain", sa.String(length=10), nullable=True),
        sa.Column("bleeding", sa.Boolean(), nullable=True),
        sa.Column("fever", sa.Boolean(), nullable=True),
        sa.Column("boundary", sa.String(length=10), nullable=True),
        sa.Column("boundary_note_sealed", sa.LargeBinary(), nullable=True),
        sa.Column("note_sealed", sa.LargeBinary(), nullable=True),
        sa.Column("schedule_id", sa.Integer(), nullable=True),
        sa.Column("occurrence_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("together", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"], ["users.id"], name=op.f("fk_checkins_author_id_users"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["couple_id"], ["couples.id"], name=op.f("fk_checkins_couple_id_couples"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["schedule_id"], ["schedules.id"], name=op.f("fk_checkins_schedule_id_schedules"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_checkins")),
    )
    with op.batch_alter_table("checkins", schema=None) as batch_op:
        batch_op.create_index("ix_checkins_author_id_created_at", ["author_id", "created_at"], unique=False)
        batch_op.create_index("ix_checkins_author_id_day", ["author_id", "day"], unique=False)
        batch_op.create_index(
            "ix_checkins_couple_id_visibility_created_at", ["couple_id", "visibility", "created_at"], unique=False
        )
        batch_op.create_index("ix_checkins_schedule_id_occurrence_at", ["schedule_id", "occurrence_at"], unique=False)

    op.create_table(
        "entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("couple_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("moment_kind", sa.String(length=40), nullable=True),
        sa.Column("visibility", sa.String(length=10), nullable=False),
        sa.Column("title_sealed", sa.LargeBinary(), nullable=True),
        sa.Column("body_sealed", sa.LargeBinary(), nullable=True),
        sa.Column("tags_sealed", sa.LargeBinary(), nullable=True),
        sa.Column("line_sealed", sa.LargeBinary(), nullable=True),
        sa.Column("practice_id", sa.Integer(), nullable=True),
        sa.Column("schedule_id", sa.Integer(), nullable=True),
        sa.Column("occurrence_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("edited_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("kind IN ('entry', 'moment')", name=op.f("ck_entries_kind")),
        sa.CheckConstraint("visibility IN ('private', 'shared')", name=op.f("ck_entries_visibility")),
        sa.ForeignKeyConstraint(
            ["author_id"], ["users.id"], name=op.f("fk_entries_author_id_users"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["couple_id"], ["couples.id"], name=op.f("fk_entries_couple_id_couples"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["practice_id"], ["practices.id"], name=op.f("fk_entries_practice_id_practices"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["schedule_id"], ["schedules.id"], name=op.f("fk_entries_schedule_id_schedules"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_entries")),
    )
    with op.batch_alter_table("entries", schema=None) as batch_op:
        batch_op.create_index("ix_entries_author_id_created_at", ["author_id", "created_at"], unique=False)
        batch_op.create_index(
            "ix_entries_couple_id_visibility_created_at", ["couple_id", "visibility", "created_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_entries_practice_id"), ["practice_id"], unique=False)
        batch_op.create_index("ix_entries_schedule_id_occurrence_at", ["schedule_id", "occurrence_at"], unique=False)

    op.create_table(
        "progress_notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("couple_id", sa.Integer(), nullable=True),
        sa.Column("visibility", sa.String(length=10), nullable=False),
        sa.Column("practice_id", sa.Integer(), nullable=True),
        sa.Column("schedule_id", sa.Integer(), nullable=True),
        sa.Column("occurrence_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("stage", sa.Integer(), nullable=False),
        sa.Column("comfort", sa.Integer(), nullable=True),
        sa.Column("pace", sa.String(length=10), nullable=True),
        sa.Column("went_sealed", sa.LargeBinary(), nullable=True),
        sa.Column("keep_sealed", sa.LargeBinary(), nullable=True),
        sa.Column("change_sealed", sa.LargeBinary(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("pace IN ('slower', 'same', 'more')", name=op.f("ck_progress_notes_pace_known")),
        sa.CheckConstraint("visibility IN ('private', 'shared')", name=op.f("ck_progress_notes_visibility_known")),
        sa.CheckConstraint("comfort BETWEEN 1 AND 5", name=op.f("ck_progress_notes_comfort_range")),
        sa.ForeignKeyConstraint(
            ["author_id"], ["users.id"], name=op.f("fk_progress_notes_author_id_users"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["couple_id"], ["couples.id"], name=op.f("fk_progress_notes_couple_id_couples"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["practice_id"], ["practices.id"], name=op.f("fk_progress_notes_practice_id_practices"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["schedule_id"], ["schedules.id"], name=op.f("fk_progress_notes_schedule_id_schedules"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_progress_notes")),
    )
    with op.batch_alter_table("progress_notes", schema=None) as batch_op:
        batch_op.create_index("ix_progress_notes_author_id_created_at", ["author_id", "created_at"], unique=False)
        batch_op.create_index(
            "ix_progress_notes_couple_id_visibility_created_at", ["couple_id", "visibility", "created_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_progress_notes_practice_id"), ["practice_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_progress_notes_schedule_id"), ["schedule_id"], unique=False)

    op.create_table(
        "sensation_maps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("note_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("couple_id", sa.Integer(), nullable=True),
        sa.Column("visibility", sa.String(length=10), nullable=False),
        sa.Column("for_clinician", sa.Boolean(), nullable=False),
        sa.Column("areas_sealed", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("visibility IN ('private', 'shared')", name=op.f("ck_sensation_maps_visibility_known")),
        sa.ForeignKeyConstraint(
            ["author_id"], ["users.id"], name=op.f("fk_sensation_maps_author_id_users"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["couple_id"], ["couples.id"], name=op.f("fk_sensation_maps_couple_id_couples"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["note_id"],
            ["progress_notes.id"],
            name=op.f("fk_sensation_maps_note_id_progress_notes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sensation_maps")),
        sa.UniqueConstraint("note_id", name=op.f("uq_sensation_maps_note_id")),
    )
    with op.batch_alter_table("sensation_maps", schema=None) as batch_op:
        batch_op.create_index("ix_sensation_maps_author_id_created_at", ["author_id", "created_at"], unique=False)
        batch_op.create_index(
            "ix_sensation_maps_couple_id_visibility_created_at", ["couple_id", "visibility", "created_at"], unique=False
        )

    with op.batch_alter_table("plans", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reveal_after_48h", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade():
    with op.batch_alter_table("plans", schema=None) as batch_op:
        batch_op.drop_column("reveal_after_48h")

    with op.batch_alter_table("sensation_maps", schema=None) as batch_op:
        batch_op.drop_index("ix_sensation_maps_couple_id_visibility_created_at")
        batch_op.drop_index("ix_sensation_maps_author_id_created_at")

    op.drop_table("sensation_maps")
    with op.batch_alter_table("progress_notes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_progress_notes_schedule_id"))
        batch_op.drop_index(batch_op.f("ix_progress_notes_practice_id"))
        batch_op.drop_index("ix_progress_notes_couple_id_visibility_created_at")
        batch_op.drop_index("ix_progress_notes_author_id_created_at")

    op.drop_table("progress_notes")
    with op.batch_alter_table("entries", schema=None) as batch_op:
        batch_op.drop_index("ix_entries_schedule_id_occurrence_at")
        batch_op.drop_index(batch_op.f("ix_entries_practice_id"))
        batch_op.drop_index("ix_entries_couple_id_visibility_created_at")
        batch_op.drop_index("ix_entries_author_id_created_at")

    op.drop_table("entries")
    with op.batch_alter_table("checkins", schema=None) as batch_op:
        batch_op.drop_index("ix_checkins_schedule_id_occurrence_at")
        batch_op.drop_index("ix_checkins_couple_id_visibility_created_at")
        batch_op.drop_index("ix_checkins_author_id_day")
        batch_op.drop_index("ix_checkins_author_id_created_at")

    op.drop_table("checkins")
    with op.batch_alter_table("care_notices", schema=None) as batch_op:
        batch_op.drop_index("ix_care_notices_user_id_condition_shown_at")

    op.drop_table("care_notices")
    with op.batch_alter_table("data_keys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_data_keys_master_key_id"))

    op.drop_table("data_keys")
