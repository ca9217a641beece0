"""Journal entries and small moments: one row each, written by one person."""

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from journal.models.base import Base, UTCDateTime, now_utc

ENTRY = "entry"
MOMENT = "moment"
#: `moment_kind` of a moment told in the person's own words (the others are slugs
#: of `moment_kinds` in journal/practices/library.yaml).
OWN_WORDS = "own"


class Entry(Base):
    """A journal entry (title, Markdown body, tags) or a small moment (a kind and an
    optional line). Every text a person typed is sealed with the author's key; the
    kind, dates and visibility stay clear so the journal can be filtered in SQL."""

    __tablename__ = "entries"
    __table_args__ = (
        Index("ix_entries_author_id_created_at", "author_id", "created_at"),
        Index("ix_entries_couple_id_visibility_created_at", "couple_id", "visibility", "created_at"),
        Index("ix_entries_schedule_id_occurrence_at", "schedule_id", "occurrence_at"),
        CheckConstraint("kind IN ('entry', 'moment')", name="kind"),
        CheckConstraint("visibility IN ('private', 'shared')", name="visibility"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    #: The author's couple when written, or when last turned from private to shared; NULL if single.
    couple_id: Mapped[int | None] = mapped_column(ForeignKey("couples.id", ondelete="SET NULL"))
    #: "entry" or "moment".
    kind: Mapped[str] = mapped_column(String(10), default=ENTRY)
    #: Moments only: a slug of library.yaml `moment_kinds`, or "own" (the words are in the line).
    moment_kind: Mapped[str | None] = mapped_column(String(40))
    #: "private" (author only) or "shared" (both partners of `couple_id`).
    visibility: Mapped[str] = mapped_column(String(10), default="private")
    title_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    #: Markdown, as typed.
    body_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    #: The tags as one comma-separated string.
    tags_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    #: Moments only: the optional line (the moment itself for "own").
    line_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    #: The practice this entry is about, if any.
    practice_id: Mapped[int | None] = mapped_column(ForeignKey("practices.id", ondelete="SET NULL"), index=True)
    #: With `occurrence_at`: the Today prompt (`schedule_id@YYYYMMDDTHHMMSSZ`) this entry answers.
    schedule_id: Mapped[int | None] = mapped_column(ForeignKey("schedules.id", ondelete="SET NULL"))
    occurrence_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    #: Set when the author changed the text or the visibility; shown as "edited".
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: Raised by every ORM update (and checked in its WHERE): an edit form carries the version
    #: it was loaded at, so a save from an older one is refused (journal.edits).
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version}

    @property
    def is_moment(self) -> bool:
        return self.kind == MOMENT
