"""A plan: what a couple (or one person, before their partner joins) practises and when."""

from datetime import date, datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, LargeBinary, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from journal.models.base import Base, UTCDateTime, ZoneName, now_utc


class Plan(Base):
    """Owned by a couple, or by one person while single (exactly one of the two)."""

    __tablename__ = "plans"
    __table_args__ = (CheckConstraint("(couple_id IS NULL) <> (owner_id IS NULL)", name="one_owner"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    couple_id: Mapped[int | None] = mapped_column(ForeignKey("couples.id", ondelete="CASCADE"), unique=True)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    #: IANA zone every schedule of the plan is expressed in.
    timezone: Mapped[str] = mapped_column(ZoneName(), default="UTC")
    #: Current pace stage for touch practices (1..4).
    stage: Mapped[int] = mapped_column(default=1)
    #: Optional, never assumed: lets the plan show weeks since birth and check-up milestones.
    birth_date: Mapped[date | None]
    #: Safety hold on touch practices, set by a worrying check-in; only this person lifts it.
    hold_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    hold_since: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: The person whose check-in started the hold chose to tell their partner why.
    hold_told: Mapped[bool] = mapped_column(default=False, server_default=false())
    #: Check-ins answered together open to the partner after 48 hours even if they haven't answered.
    reveal_after_48h: Mapped[bool] = mapped_column(default=False)
    #: A plan-of-one its owner took with them on leaving a couple (a copy of the couple's
    #: plan). It never becomes a new couple's plan: a new couple starts clean.
    copied_on_leaving: Mapped[bool] = mapped_column(default=False, server_default=false())
    #: Raised by each save of the consent language: an edit form loaded at an older one is
    #: refused rather than overwriting the partner's words (journal.edits).
    consent_version: Mapped[int] = mapped_column(default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)


class PlanPause(Base):
    """One person's pause of the plan. The plan rests while any pause is on; a pause is
    lifted only by its person, or by itself after its chosen end date."""

    __tablename__ = "plan_pauses"
    __table_args__ = (UniqueConstraint("plan_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"), index=True)
    #: Who paused. NULL only for a pause carried over from before pauses belonged to a
    #: person (migration 0005_promises): either partner may lift that one.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    since: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    #: Optional local date the pause ends by itself (inclusive, in the plan's zone).
    until: Mapped[date | None]
    #: The person chose to let their partner see the end date.
    shared: Mapped[bool] = mapped_column(default=False)


class Schedule(Base):
    """One practice in the plan with its recurrence, in the plan's time zone."""

    __tablename__ = "schedules"
    __table_args__ = (Index("ix_schedules_plan_id_removed_at", "plan_id", "removed_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"))
    practice_id: Mapped[int] = mapped_column(ForeignKey("practices.id", ondelete="CASCADE"), index=True)
    #: once | daily | weekdays | interval | weekly (journal.plan.recurrence.KINDS)
    kind: Mapped[str] = mapped_column(String(10))
    #: Local times of day as "HH:MM", sorted.
    times: Mapped[list] = mapped_column(JSON)
    #: For "weekdays": 0=Monday .. 6=Sunday.
    weekdays: Mapped[list] = mapped_column(JSON, default=list)
    interval: Mapped[int] = mapped_column(default=1)
    start_date: Mapped[date]
    end_date: Mapped[date | None]
    #: Who is prompted: one person, or NULL for everyone in the plan.
    prompt_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    #: Taken out of the plan: kept so what was done stays in history.
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: The next occurrence not yet materialised into the outbox (UTC): the reminder
    #: tick reads only schedules due soon, so its cost follows the due reminders.
    next_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)


class PromptAction(Base):
    """What one person did with one occurrence of a schedule: done, skipped or snoozed."""

    __tablename__ = "prompt_actions"
    __table_args__ = (
        UniqueConstraint("schedule_id", "user_id", "occurrence_at"),
        Index("ix_prompt_actions_user_id_occurrence_at", "user_id", "occurrence_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    schedule_id: Mapped[int] = mapped_column(ForeignKey("schedules.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    #: The occurrence (UTC) this is about; with schedule_id it names one prompt.
    occurrence_at: Mapped[datetime] = mapped_column(UTCDateTime())
    #: done | skipped | snoozed
    state: Mapped[str] = mapped_column(String(10))
    snoozed_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc, onupdate=now_utc)


class StageChange(Base):
    """Every change of the plan's pace stage, with its time."""

    __tablename__ = "stage_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"), index=True)
    from_stage: Mapped[int]
    to_stage: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)


class PaceReady(Base):
    """A private "ready for the next stage" mark. Never shown to the partner; expires
    after 7 days, and every mark of the plan goes when anyone steps back."""

    __tablename__ = "pace_ready"
    __table_args__ = (UniqueConstraint("plan_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: The stage this mark is for (the plan's stage + 1 when marked).
    to_stage: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)


class ConsentPhrase(Base):
    """One of the couple's own phrases or signals for a consent moment."""

    __tablename__ = "consent_phrases"
    __table_args__ = (Index("ix_consent_phrases_plan_id_signal", "plan_id", "signal"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"))
    #: ask | slow_down | pause | stop | check_in
    signal: Mapped[str] = mapped_column(String(10))
    #: The phrase, sealed with the plan's key (`journal.consent.services.PHRASE_TEXT`).
    phrase_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    position: Mapped[int] = mapped_column(default=0)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc, onupdate=now_utc)
