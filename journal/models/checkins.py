"""Check-ins: how a person is doing today, and the care notes a check-in may bring."""

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from journal.models.base import Base, UTCDateTime, now_utc

#: The 1-5 scales: (field, question, words for 1..5). 1 and 5 are the words at both ends.
SCALES = (
    ("mood", "Mood", ("low", "a bit low", "in between", "fairly good", "good")),
    ("closeness", "Closeness to your partner", ("distant", "a bit distant", "in between", "fairly close", "close")),
    ("comfort", "Comfort in your body", ("sore", "a bit sore", "in between", "fairly comfortable", "comfortable")),
    ("sensation", "Sensation", ("numb", "muted", "in between", "mostly there", "fully there")),
    ("energy", "Energy", ("drained", "tired", "in between", "fairly rested", "rested")),
    ("stress", "Stress", ("calm", "mostly calm", "in between", "tense", "very stressed")),
)
SCORE_FIELDS = tuple(name for name, _, _ in SCALES)
PAIN_LEVELS = ("none", "mild", "moderate", "strong")
#: Bleeding today, each answer with the words shown for it. Light bleeding that slowly
#: settles is usual for weeks after a birth; the answers in WORRYING_BLEEDING are the
#: changes worth a clinician's word (they start the hold and the care note).
BLEEDING = {
    "none": "None",
    "settling": "Some, settling as usual",
    "heavier": "Heavier than before",
    "bright_red": "Bright red again",
    "clots": "Large clots",
    "smelly": "Smells unpleasant",
}
WORRYING_BLEEDING = frozenset({"heavier", "bright_red", "clots", "smelly"})
#: A "yes" to the old question ("Any bleeding", asked before 0005_content). Kept as it
#: was answered: it says nothing about what kind, so it is never treated as worrying.
BLEEDING_ASKED_BEFORE = "any"
BLEEDING_WORDS = {**BLEEDING, BLEEDING_ASKED_BEFORE: 'Yes (asked as "any bleeding")'}


def bleeding_words(bleeding: str | None) -> str | None:
    """The words shown for an answer about bleeding (None when not answered)."""
    return BLEEDING_WORDS.get(bleeding, bleeding) if bleeding else None


#: Today's boundaries, each with the words shown beside its colour.
BOUNDARIES = {
    "green": "open to closeness",
    "yellow": "gently, and ask first",
    "red": "not today, and that's fine",
}
#: Free-text fields, each stored sealed in `<field>_sealed`.
SEALED_FIELDS = ("note", "boundary_note")


class CheckIn(Base):
    """One person's check-in for one day. Scores, flags and the day stay clear for
    charts and care notes; the two notes are sealed with the author's key."""

    __tablename__ = "checkins"
    __table_args__ = (
        Index("ix_checkins_author_id_created_at", "author_id", "created_at"),
        Index("ix_checkins_couple_id_visibility_created_at", "couple_id", "visibility", "created_at"),
        #: The list's two branches (journal.access.Scope.newest_visible) in its order, the
        #: newest day, then time, then id: one's own check-ins, and the partner's shared ones.
        #: Each is read in order and cut to the page; with the day alone, every check-in of
        #: the newest day was read and sorted before the cut.
        Index("ix_checkins_author_id_day_created_at_id", "author_id", "day", "created_at", "id"),
        Index(
            "ix_checkins_couple_id_visibility_day_created_at_id", "couple_id", "visibility", "day", "created_at", "id"
        ),
        #: Answers to one occurrence of a prompt: the partner's shared answer, looked up
        #: for every check-in on a page (journal.checkins.services.checkins_open_to_both).
        Index(
            "ix_checkins_schedule_id_occurrence_at_couple_id",
            "schedule_id",
            "occurrence_at",
            "couple_id",
            "visibility",
            "author_id",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    #: The author's couple when written; NULL when written alone.
    couple_id: Mapped[int | None] = mapped_column(ForeignKey("couples.id", ondelete="SET NULL"))
    #: private | shared (journal.access.VISIBILITIES)
    visibility: Mapped[str] = mapped_column(String(10), default="private")
    #: The local day it is about (back-dating up to 14 days).
    day: Mapped[date]
    mood: Mapped[int | None]
    closeness: Mapped[int | None]
    comfort: Mapped[int | None]
    sensation: Mapped[int | None]
    energy: Mapped[int | None]
    stress: Mapped[int | None]
    #: Hours slept, in steps of half an hour (0-24).
    sleep_hours: Mapped[float | None]
    #: none | mild | moderate | strong
    pain: Mapped[str | None] = mapped_column(String(10))
    #: A key of BLEEDING, or BLEEDING_ASKED_BEFORE on rows from the old yes/no question.
    bleeding: Mapped[str | None] = mapped_column(String(12))
    fever: Mapped[bool | None]
    #: Today's boundaries: green | yellow | red
    boundary: Mapped[str | None] = mapped_column(String(10))
    boundary_note_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    note_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    #: The prompt it answers (schedule + occurrence), when started from one.
    schedule_id: Mapped[int | None] = mapped_column(ForeignKey("schedules.id", ondelete="SET NULL"))
    occurrence_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: Started from a prompt for both partners: the answers open to the partner only
    #: once they have answered the same prompt too (or after 48 hours, if the plan says so).
    together: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)

    @property
    def bleeding_words(self) -> str | None:
        return bleeding_words(self.bleeding)


class CareNotice(Base):
    """When a care note was shown to a person, so each shows at most once a week."""

    __tablename__ = "care_notices"
    __table_args__ = (Index("ix_care_notices_user_id_condition_shown_at", "user_id", "condition", "shown_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    #: clinician | low_mood
    condition: Mapped[str] = mapped_column(String(20))
    shown_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
