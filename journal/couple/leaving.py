"""Leaving a couple: each partner takes their own copy of the plan.

The couple's plan stays with the ended couple (what was written in it points there),
and its schedules stop. Each former partner gets a plan-of-one holding a copy of it:
the schedules that prompted both of them or them alone (now prompting them), the
couple's own practices, the consent words, the stage and the pace history; their own
marks on the old prompts (done, skipped, snoozed, and their notifications) follow
their copies. A pause is a person's boundary: their own pause (and one from before
pauses had an owner) follows them to their copy; the other's does not. The one who stays is
told, discreetly, in-app and by email if they have email reminders on.
"""

import logging
from datetime import datetime

from sqlalchemy import delete, or_, select, update

from journal.account_mail import account_mail_queue
from journal.consent.services import PHRASE_TEXT
from journal.crypto import DecryptError
from journal.extensions import db
from journal.models import (
    ConsentPhrase,
    Notification,
    Outbox,
    Plan,
    PlanPause,
    Practice,
    PromptAction,
    Schedule,
    StageChange,
    User,
)
from journal.models.practice import OWN_TEXT_FIELDS
from journal.plan.services import schedule_refresh_due
from journal.practices.sealing import PLACEHOLDER, practice_text_seal

log = logging.getLogger(__name__)

#: Columns of a couple's own practice that a copy keeps.
PRACTICE_FIELDS = (
    "kind",
    "title",
    "summary",
    "steps",
    "duration_minutes",
    "stage",
    "together",
    "safety_note",
    "topics",
    "author_id",
    "created_at",
    "updated_at",
    "retired_at",
)
#: Columns of a schedule that a copy keeps (who is prompted changes to the owner).
SCHEDULE_FIELDS = ("kind", "times", "weekdays", "interval", "start_date", "end_date", "created_by_id", "created_at")


def plan_copy_for(*, plan: Plan, person: User, now: datetime) -> Plan:
    """`person`'s own copy of the couple's `plan`, as their plan-of-one. A plan-of-one
    they kept from before the couple makes way for it (its schedules end, kept in
    history; its consent words are replaced)."""
    mine = db.session.scalar(select(Plan).where(Plan.owner_id == person.id))
    if mine is None:
        mine = Plan(owner_id=person.id, created_at=now)
        db.session.add(mine)
        db.session.flush()
    else:
        db.session.execute(
            update(Schedule).where(Schedule.plan_id == mine.id, Schedule.removed_at.is_(None)).values(removed_at=now)
        )
        db.session.execute(delete(ConsentPhrase).where(ConsentPhrase.plan_id == mine.id))
    mine.timezone = plan.timezone
    mine.stage = plan.stage
    mine.birth_date = plan.birth_date
    mine.reveal_after_48h = plan.reveal_after_48h
    mine.copied_on_leaving = True
    if plan.hold_by_id == person.id:  # a hold they started stays until they lift it
        mine.hold_by_id, mine.hold_since = plan.hold_by_id, plan.hold_since
    db.session.execute(delete(PlanPause).where(PlanPause.plan_id == mine.id))
    for pause in db.session.scalars(
        select(PlanPause).where(
            PlanPause.plan_id == plan.id, or_(PlanPause.user_id == person.id, PlanPause.user_id.is_(None))
        )
    ):
        db.session.add(
            PlanPause(plan_id=mine.id, user_id=person.id, since=pause.since, until=pause.until, shared=pause.shared)
        )

    # The couple's own words are sealed under the plan's key with each row in the context:
    # a copy is opened here and sealed again under the new plan (never copied as a blob,
    # never written in clear).
    practices, words = {}, {}
    for practice in db.session.scalars(select(Practice).where(Practice.plan_id == plan.id).order_by(Practice.id)):
        copy = Practice(
            plan_id=mine.id,
            slug=None,
            **PLACEHOLDER,
            **{f: getattr(practice, f) for f in PRACTICE_FIELDS if f not in OWN_TEXT_FIELDS},
        )
        db.session.add(copy)
        practices[practice.id] = copy
        words[practice.id] = {f: getattr(practice, f) for f in OWN_TEXT_FIELDS}
    db.session.flush()
    for old_id, copy in practices.items():
        practice_text_seal(copy, words[old_id])

    schedules = {}
    for schedule in db.session.scalars(
        select(Schedule)
        .where(Schedule.plan_id == plan.id, Schedule.removed_at.is_(None))
        .order_by(Schedule.created_at, Schedule.id)
    ):
        if schedule.prompt_user_id not in (None, person.id):
            continue  # only for the partner who is gone
        copy = Schedule(plan_id=mine.id, prompt_user_id=person.id, **{f: getattr(schedule, f) for f in SCHEDULE_FIELDS})
        own = practices.get(schedule.practice_id)
        copy.practice_id = own.id if own is not None else schedule.practice_id
        schedule_refresh_due(copy, mine.timezone, now=now)
        db.session.add(copy)
        schedules[schedule.id] = copy

    phrases = []
    for phrase in db.session.scalars(select(ConsentPhrase).where(ConsentPhrase.plan_id == plan.id)):
        try:
            text = PHRASE_TEXT.open_one(phrase, "phrase")
        except DecryptError:
            continue  # a phrase that can't be opened any more isn't carried over
        copy = ConsentPhrase(
            plan_id=mine.id,
            signal=phrase.signal,
            phrase_sealed=b"",
            position=phrase.position,
            updated_by_id=phrase.updated_by_id,
            updated_at=phrase.updated_at,
        )
        db.session.add(copy)
        phrases.append((copy, text))
    for change in db.session.scalars(select(StageChange).where(StageChange.plan_id == plan.id)):
        db.session.add(
            StageChange(
                plan_id=mine.id, from_stage=change.from_stage, to_stage=change.to_stage, created_at=change.created_at
            )
        )
    db.session.flush()
    for copy, text in phrases:
        PHRASE_TEXT.seal_one(copy, "phrase", text)

    # What this person did with the old prompts, and their notifications, follow the copies.
    for old_id, copy in schedules.items():
        for model in (PromptAction, Notification):
            db.session.execute(
                update(model)
                .where(model.schedule_id == old_id, model.user_id == person.id)
                .values(schedule_id=copy.id)
                .execution_options(synchronize_session=False)
            )
    log.info("plan %s copied for user %s as plan %s", plan.id, person.id, mine.id)
    return mine


def plan_end_for_couple(*, plan: Plan, now: datetime) -> None:
    """The ended couple's schedules stop; reminders not yet sent from them are dropped
    (each copy sends its own)."""
    old = select(Schedule.id).where(Schedule.plan_id == plan.id).scalar_subquery()
    db.session.execute(delete(Outbox).where(Outbox.schedule_id.in_(old), Outbox.state == "pending"))
    db.session.execute(
        update(Schedule).where(Schedule.plan_id == plan.id, Schedule.removed_at.is_(None)).values(removed_at=now)
    )


def partner_left_tell(*, user: User, now: datetime) -> None:
    """A discreet word to the one who stays: in-app, and by email if they have email
    reminders on and a confirmed address when it is sent (`journal.account_mail`). It
    says nothing about why."""
    db.session.add(Notification(user_id=user.id, kind="partner_left", created_at=now))
    account_mail_queue(user_id=user.id, kind="partner_left")
    db.session.flush()
    log.info("user %s told their partner left", user.id)
