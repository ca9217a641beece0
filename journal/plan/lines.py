"""How the plan page says each scheduled practice: its days, times and dates, who it
prompts, and when it next happens (or that the plan rests). Worded here, once a row,
rather than by the template: the template's calls for these were most of the page's."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from markupsafe import Markup, escape

from journal.access import Partner, Scope
from journal.plan.forms import WEEKDAYS
from journal.plan.recurrence import next_occurrence
from journal.plan.services import ListedPractice, ListedSchedule, PlanView, recurrence_readable, schedules_listed
from journal.templating import date_words, links_by_id
from journal.zones import ZoneView


@dataclass(frozen=True, slots=True)
class ScheduleLine:
    """One row of the plan page's scheduled practices."""

    schedule_id: int
    practice: ListedPractice
    #: "later" (above the stage) or "on hold" (held), as the plan's rules say; else None.
    tag: str | None
    #: "Every day at 20:00, from 21 November 2026 &middot; next 28 November 2026, 20:00", as
    #: HTML (the partner's name escaped), each day with its year as every page words one (a
    #: start in another year says so); None for a schedule this version can't read (the page
    #: says so instead).
    when: Markup | None
    #: The links of the row: its practice's page, and changing or taking out the schedule.
    practice_href: str
    edit_href: str
    remove_href: str


def schedule_lines(
    scope: Scope,
    *,
    view: PlanView,
    zones: ZoneView,
    today: date,
    now: datetime,
    viewer_id: int,
    partner: Partner | None,
    link: Callable[..., str],
) -> list[ScheduleLine]:
    """The page's line for each of the plan's current schedules (`schedules_listed`).
    `link` builds the app's links (the templates' `url_for`): each row's, from the page's
    one link of each kind (`links_by_id`)."""
    practice_link = links_by_id(link, "practices.read", "practice_id")
    edit_link = links_by_id(link, "plan.edit", "schedule_id")
    remove_link = links_by_id(link, "plan.remove", "schedule_id")
    lines = []
    for schedule, practice in schedules_listed(scope):
        tag = "later" if view.is_later(practice) else "on hold" if view.is_held(practice) else None
        rec = recurrence_readable(schedule)
        when = None
        if rec is not None:
            next_at = next_occurrence(rec, view.timezone, now)
            when = _when(schedule, view, zones, next_at, today, viewer_id, partner)
        lines.append(
            ScheduleLine(
                schedule.id,
                practice,
                tag,
                when,
                practice_link(practice.id),
                edit_link(schedule.id),
                remove_link(schedule.id),
            )
        )
    return lines


#: The dot between a line's parts, as a reference: a page of ASCII alone encodes as a copy
#: (one character above 127 and every character is encoded one by one, templates/base.html).
_DOT = Markup(" &middot; ")


def _when(schedule: ListedSchedule, view, zones, next_at, today, viewer_id, partner) -> Markup:
    start, end = schedule.start_date, schedule.end_date
    kind = schedule.kind
    if kind == "once":
        days = f"Once, {date_words(start)}"
    elif kind == "daily":
        days = "Every day"
    elif kind == "weekly":
        days = f"Every {WEEKDAYS[start.weekday()]}"
    elif kind == "interval":
        days = f"Every {schedule.interval} days"
    else:
        days = ", ".join(WEEKDAYS[d][:3] for d in schedule.weekdays)
    parts = [days, " at ", zones.clock(schedule.times, on=zones.plan_day(next_at) if next_at else today)]
    if kind != "once":
        parts.append(f", from {date_words(start)}")
        if end:
            parts.append(f" until {date_words(end)}")
    if schedule.prompt_user_id == viewer_id:
        parts += [_DOT, "for me"]
    elif schedule.prompt_user_id:
        parts += [_DOT, "for ", escape(partner.display_name) if partner else "my partner"]
    if view.paused:
        parts += [_DOT, "paused"]
    elif next_at:
        parts += [_DOT, "next ", zones.moment(next_at)]
    return Markup("".join(parts))  # nosec B704 (our own words, and the partner's name escaped)
