"""The plan's rules, each one function over plain values, asked by every surface.

Today, the plan page, the practice pages, the reminder tick, the dispatcher (for every
channel) and the calendar feed all call these, through `PlanView` for pages and with
the columns they read in bulk for the reminder pipeline, so a rule changes in one place.
"""

from datetime import date, datetime

from journal.zones import local_today


def plan_current(*, couple_id: int | None, owner_id: int | None, user_id: int, user_couple_id: int | None) -> bool:
    """Whether a plan (its `couple_id`, or its `owner_id` for a plan-of-one) is the person's
    current one: their couple's while they are in a couple, else their own. A plan-of-one
    kept while its person is in a couple (for if they are ever single again) prompts nobody;
    `Scope.plan` finds the current plan by the same rule."""
    if user_couple_id is not None:
        return couple_id == user_couple_id
    return couple_id is None and owner_id == user_id


def prompted(*, prompt_user_id: int | None, user_id: int) -> bool:
    """Whether a schedule prompts this person: everyone in the plan (None), or the one chosen."""
    return prompt_user_id is None or prompt_user_id == user_id


def practice_held(*, kind: str | None, hold_by_id: int | None) -> bool:
    """Touch practices rest while a safety hold is on."""
    return kind == "touch" and hold_by_id is not None


def practice_later(*, stage: int | None, plan_stage: int) -> bool:
    """Above the plan's current pace stage: not offered, scheduled or reminded yet."""
    return stage is not None and stage > plan_stage


def practice_resting(*, kind: str | None, stage: int | None, plan_stage: int, hold_by_id: int | None) -> bool:
    """Not prompted, reminded or put in a calendar now: held, or above the stage."""
    return practice_held(kind=kind, hold_by_id=hold_by_id) or practice_later(stage=stage, plan_stage=plan_stage)


def pause_active(since: datetime | None, until: date | None, zone: str, now: datetime) -> bool:
    """One pause is on: started, and not past its chosen end date (inclusive, in the plan's zone)."""
    if since is None:
        return False
    if until is None:
        return True
    return local_today(zone, now=now) <= until


def channel_chosen(channel: str, settings) -> bool:
    """The person has this reminder channel on now: in-app always; email, push and Apprise
    when `settings` (their ReminderSettings, or a row with its `*_on` columns; None when
    they never saved any) say so."""
    if channel == "inapp":
        return True
    return settings is not None and bool(getattr(settings, f"{channel}_on", False))


def email_sendable(*, verified_at: datetime | None) -> bool:
    """Reminder emails go only to a confirmed address."""
    return verified_at is not None
