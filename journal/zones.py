"""Which zone, which today: the one place that turns a UTC instant into someone's
local day and clock, and says a plan's times to a viewer who lives in another zone.

A plan's schedules are written in the plan's zone; every person reads times in their
own. When the two zones differ, a time names both ("20:00 in New York, 01:00 for
you"), so nobody has to work out the difference.
"""

from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from journal.models import Plan, User, now_utc
from journal.plan.recurrence import local_to_utc


def local_today(zone: str, *, now: datetime | None = None) -> date:
    """Today's date in `zone`."""
    return (now or now_utc()).astimezone(ZoneInfo(zone)).date()


def local_day_start(zone: str, *, now: datetime) -> datetime:
    """The instant the local day of `now` began in `zone` (midnight there), in `now`'s zone."""
    local = now.astimezone(ZoneInfo(zone))
    return local.replace(hour=0, minute=0, second=0, microsecond=0).astimezone(now.tzinfo)


def today_for(user: User, *, plan: Plan | None = None, now: datetime | None = None) -> date:
    """Today for one person, in one context. The rule:

    - The person's own day (the day a check-in is for, how far back it may be dated,
      the journal's prompt of the day): their own zone. Call it without `plan`.
    - Anything on the plan's calendar (a schedule's start and end dates, pauses,
      milestones, progress and export ranges): the plan's zone, shared by both
      partners, so "today" there is the same day for the two of them. Pass the plan;
      while there is none yet, the person's own zone (the zone a new plan starts in).
    """
    return local_today(plan.timezone if plan is not None else user.timezone, now=now)


def zone_place(zone: str) -> str:
    """A zone as people say it: "America/New_York" -> "New York", "UTC" -> "UTC"."""
    return zone.rsplit("/", 1)[-1].replace("_", " ")


@dataclass(frozen=True)
class ZoneView:
    """A plan's times as one viewer reads them."""

    plan_zone: str
    viewer_zone: str

    @property
    def differs(self) -> bool:
        return self.plan_zone != self.viewer_zone

    @property
    def plan_place(self) -> str:
        return zone_place(self.plan_zone)

    @property
    def viewer_place(self) -> str:
        return zone_place(self.viewer_zone)

    def today(self, *, now: datetime | None = None) -> date:
        """The plan's today (the day its schedules and dates are written in)."""
        return local_today(self.plan_zone, now=now)

    def clock(self, times: list[str], *, on: date) -> str:
        """The local times of a schedule ("20:00, 08:00") for this viewer, on the day
        `on` of the plan's calendar (the offset between zones can change with the date)."""
        written = ", ".join(times)
        if not self.differs:
            return written
        plan_tz, viewer_tz = ZoneInfo(self.plan_zone), ZoneInfo(self.viewer_zone)
        yours = ", ".join(
            local_to_utc(datetime.combine(on, time.fromisoformat(t)), plan_tz).astimezone(viewer_tz).strftime("%H:%M")
            for t in times
        )
        return f"{written} in {zone_place(self.plan_zone)}, {yours} for you"

    def moment(self, at: datetime) -> str:
        """An instant in the viewer's zone ("28 November 2026, 01:00"), said to be
        theirs when the plan's zone is another."""
        shown = at.astimezone(ZoneInfo(self.viewer_zone)).strftime("%-d %B %Y, %H:%M")
        return f"{shown} for you" if self.differs else shown

    def plan_day(self, at: datetime) -> date:
        """The day of the plan's calendar an instant falls on."""
        return at.astimezone(ZoneInfo(self.plan_zone)).date()
