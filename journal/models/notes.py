"""Progress notes written after a practice, and the optional sensation map.

What a person wrote (how it went, what to keep, what to change, the map) is
sealed with the author's key; comfort, the pace suggestion, dates and
visibility stay in clear. The map has its own visibility: someone may share
how it went and still keep where touch felt numb to themselves.
"""

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from journal.models.base import Base, UTCDateTime, now_utc
from journal.models.practice import Practice

#: Stored pace suggestion -> how the page words it.
PACE_SUGGESTIONS = {
    "slower": "A little slower",
    "same": "About the same",
    "more": "Ready for a little more",
}

#: The fixed body areas of a sensation map, in the order they are asked.
AREAS = {
    "hands": "Hands and arms",
    "shoulders": "Shoulders and neck",
    "back": "Back",
    "face": "Face and hair",
    "feet": "Feet and legs",
    "belly": "Belly",
    "scar": "Around a scar, if there is one",
    "chest": "Chest",
    "hips": "Hips and thighs",
    "intimate_outer": "Intimate area, outside",
    "intimate_inner": "Intimate area, inside",
}

#: How touch felt in one area.
FEELINGS = {
    "comfortable": "Comfortable",
    "neutral": "Neutral",
    "reduced": "Reduced or numb",
    "uncomfortable": "Uncomfortable",
    "not_tried": "Not tried",
}

_VISIBILITY_KNOWN = "visibility IN ('private', 'shared')"


class ProgressNote(Base):
    """How a practice went, written by one person."""

    __tablename__ = "progress_notes"
    __table_args__ = (
        Index("ix_progress_notes_author_id_created_at", "author_id", "created_at"),
        Index("ix_progress_notes_couple_id_visibility_created_at", "couple_id", "visibility", "created_at"),
        CheckConstraint(_VISIBILITY_KNOWN, name="visibility_known"),
        CheckConstraint("comfort BETWEEN 1 AND 5", name="comfort_range"),
        CheckConstraint("pace IN ('slower', 'same', 'more')", name="pace_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    #: The author's couple when written; NULL if written while single.
    couple_id: Mapped[int | None] = mapped_column(ForeignKey("couples.id", ondelete="SET NULL"))
    #: private | shared (journal.access.VISIBILITIES)
    visibility: Mapped[str] = mapped_column(String(10), default="private")
    practice_id: Mapped[int | None] = mapped_column(ForeignKey("practices.id", ondelete="SET NULL"), index=True)
    #: With occurrence_at, the prompt this note answered (NULL when not written from a prompt).
    schedule_id: Mapped[int | None] = mapped_column(ForeignKey("schedules.id", ondelete="SET NULL"), index=True)
    occurrence_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: The plan's pace stage when written: a "ready for more" offer only stands at that stage.
    stage: Mapped[int] = mapped_column(default=1)
    #: 1 (not comfortable) .. 5 (very comfortable), or NULL if not answered.
    comfort: Mapped[int | None]
    #: slower | same | more (PACE_SUGGESTIONS), or NULL if not answered.
    pace: Mapped[str | None] = mapped_column(String(10))
    went_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    keep_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    change_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)

    practice: Mapped[Practice | None] = relationship(lazy="raise")


class SensationMap(Base):
    """How touch felt per body area after a touch practice, one per note."""

    __tablename__ = "sensation_maps"
    __table_args__ = (
        Index("ix_sensation_maps_author_id_created_at", "author_id", "created_at"),
        Index("ix_sensation_maps_couple_id_visibility_created_at", "couple_id", "visibility", "created_at"),
        CheckConstraint(_VISIBILITY_KNOWN, name="visibility_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    note_id: Mapped[int] = mapped_column(ForeignKey("progress_notes.id", ondelete="CASCADE"), unique=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    couple_id: Mapped[int | None] = mapped_column(ForeignKey("couples.id", ondelete="SET NULL"))
    #: private | shared, apart from the note's own visibility.
    visibility: Mapped[str] = mapped_column(String(10), default="private")
    #: The person chose to include this map in a summary for a clinician.
    for_clinician: Mapped[bool] = mapped_column(default=False)
    #: JSON {area: feeling} (AREAS, FEELINGS), sealed as a whole.
    areas_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    #: The note's created_at, so both carry the same date.
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
