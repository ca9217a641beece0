"""The practice library and a couple's own practices."""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, LargeBinary, String, Text
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column

from journal.models.base import Base, UTCDateTime, now_utc

KINDS = (
    "check-in",
    "consent",
    "closeness",
    "touch",
    "grounding",
    "mindfulness",
    "communication",
    "medical",
    "lifestyle",
    "counselling",
)
STAGES = (1, 2, 3, 4)
#: Touch from this stage on reaches intimate areas. Such a practice is added to a plan
#: only by the partner who leads the pace, can only be put off to another day, and every
#: reminder of it says it is optional (NO_PRESSURE).
INTIMATE_FROM_STAGE = 3
#: Said wherever a reminder or prompt for an intimate practice shows.
NO_PRESSURE = "Only if it suits you both. Skipping is fine too."
#: What a couple writes in their own practice; sealed, see `Practice.text_sealed`.
OWN_TEXT_FIELDS = ("title", "summary", "steps", "safety_note")


def _own_text(name: str) -> hybrid_property:
    """The field as people read it: a library practice's clear column, or a couple's own
    practice's sealed text, opened (once per loaded row). In SQL it is the clear column,
    which for a couple's own practice holds only a neutral placeholder."""

    def get(self):
        if self.text_sealed is None:
            return getattr(self, f"_{name}")
        from journal.practices.sealing import practice_text  # here: sealing imports the models

        return practice_text(self)[name]

    def put(self, value):
        setattr(self, f"_{name}", value)

    return hybrid_property(get, put, expr=lambda cls: getattr(cls, f"_{name}").label(name))


class Practice(Base):
    """A library practice (has a slug, no owner) or one a couple wrote (plan_id set)."""

    __tablename__ = "practices"
    __table_args__ = (Index("ix_practices_kind_stage", "kind", "stage"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Stable name of a library practice; the loader updates by it. NULL for a couple's own.
    slug: Mapped[str | None] = mapped_column(String(80), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    _title: Mapped[str] = mapped_column("title", String(120))
    _summary: Mapped[str] = mapped_column("summary", String(300))
    #: Ordered list of plain-language steps.
    _steps: Mapped[list] = mapped_column("steps", JSON, default=list)
    duration_minutes: Mapped[int] = mapped_column(default=10)
    #: Touch practices only: 1 closeness .. 4 gradual return to intimate touch.
    stage: Mapped[int | None]
    together: Mapped[bool] = mapped_column(default=True)
    _safety_note: Mapped[str | None] = mapped_column("safety_note", Text)
    #: A couple's own practice: its title, summary, steps and safety note as JSON, sealed
    #: with the plan's key; its clear columns then hold a placeholder. NULL for the library.
    text_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    #: Which topics of the practice guide this covers (library practices).
    topics: Mapped[list] = mapped_column(JSON, default=list)
    #: The plan that wrote this practice; NULL for the shared library.
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc, onupdate=now_utc)
    #: Set when a library practice left the data file: kept for history, no longer offered.
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    title = _own_text("title")
    summary = _own_text("summary")
    steps = _own_text("steps")
    safety_note = _own_text("safety_note")

    @property
    def is_custom(self) -> bool:
        return self.plan_id is not None

    @property
    def is_intimate(self) -> bool:
        """A touch practice from stage 3 on (the library's or a couple's own)."""
        return self.stage is not None and self.stage >= INTIMATE_FROM_STAGE
