"""When a couple's scheduled practice happens, in the couple's own time zone.

A schedule is a pattern of local days (see `KINDS`) and one or more local times of day.
Rules are expanded with python-dateutil's `rrule` on naive local datetimes, and only then
given the couple's zone, so a 20:00 practice stays at 20:00 on the clock across
daylight-saving changes. Turning a local time into an instant follows two rules:

- A local time that does not exist (the spring-forward gap) moves to the first minute
  after the gap: 02:30 on 2026-03-08 in America/New_York happens at 03:00 EDT.
- An ambiguous local time (the fall-back hour) happens once, at its first instance
  (fold=0): 01:30 on 2026-11-01 in America/New_York is 05:30 UTC only.

The calendar feed (`ical_rules`) describes the same schedule in RFC 5545 terms. Calendar
clients agree with `occurrences` on every instant except a time in a gap: RFC 5545 reads a
non-existent time with the offset from before the gap (02:30 becomes 03:30 EDT), while our
reminders fire at the end of the gap (03:00 EDT). Both fall on the same local day.

Pure functions: no Flask, no database.
"""

import datetime
from dataclasses import dataclass
from functools import cached_property, lru_cache
from zoneinfo import ZoneInfo

from dateutil import rrule

KINDS = ("once", "daily", "weekdays", "interval", "weekly")

UTC = datetime.UTC
_DAY = datetime.timedelta(days=1)
_MINUTE = datetime.timedelta(minutes=1)
_BYDAY = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_MAX_INTERVAL = 365


def parse_time(text: str) -> datetime.time | None:
    """ "HH:MM" (24-hour) or None if it isn't a real time of day."""
    try:
        hours, minutes = text.strip().split(":")
        if len(minutes) != 2:
            return None
        return datetime.time(int(hours), int(minutes))
    except ValueError:
        return None


@dataclass(frozen=True)
class Recurrence:
    """A practice's schedule, in local days and local times of day."""

    kind: str  #: one of KINDS
    times: tuple[datetime.time, ...]  #: local times of day; a schedule may prompt several times a day
    start: datetime.date  #: first local day
    end: datetime.date | None = None  #: last local day, inclusive; None repeats for good
    weekdays: tuple[int, ...] = ()  #: for "weekdays": 0=Monday..6=Sunday
    interval: int = 1  #: for "interval": every N days; "weekly" repeats on start's weekday

    @cached_property
    def valid(self) -> bool:
        """No `problems()`, worked out once per value: every expansion and check asks."""
        return not self.problems()

    def problems(self) -> dict[str, str]:
        """Field name -> a calm message for the person editing the schedule; empty when valid."""
        found: dict[str, str] = {}
        if self.kind not in KINDS:
            found["kind"] = (
                "Choose how often this happens: once, every day, on chosen days, every few days or every week."
            )
        if not self.times:
            found["times"] = "Add at least one time of day."
        elif len(set(self.times)) != len(self.times):
            found["times"] = "Each time of day can only be listed once."
        elif any(t.tzinfo is not None for t in self.times):
            found["times"] = "Times of day are read in your own time zone, so leave the zone off."
        if self.end is not None and self.end < self.start:
            found["end"] = "The last day can't be before the first day."
        if self.kind == "interval" and not 1 <= self.interval <= _MAX_INTERVAL:
            found["interval"] = f"Choose a number of days between 1 and {_MAX_INTERVAL}."
        if self.kind == "weekdays":
            if not self.weekdays:
                found["weekdays"] = "Choose at least one day of the week."
            elif any(not 0 <= day <= 6 for day in self.weekdays):
                found["weekdays"] = "Days of the week run from Monday to Sunday."
        return found


def occurrences(
    rec: Recurrence, zone: str, start: datetime.datetime, end: datetime.datetime
) -> list[datetime.datetime]:
    """Aware UTC datetimes of every occurrence with start <= t < end (start/end aware),
    sorted, each instant once even when two local times land on it (a gap time and the
    time at the end of the gap)."""
    _check(rec, start=start, end=end)
    tz = ZoneInfo(zone)
    # Local bounds widened by a day: a local time can move across a UTC bound by up to
    # the size of a gap, and the exact bounds are applied to the instants below.
    low = _local_wall(start, tz) - _DAY
    high = _local_wall(end, tz) + _DAY
    return sorted(instant for instant in _expanded(rec, tz, low, high) if start <= instant < end)


def occurrences_by_day(
    rec: Recurrence, zone: str, start: datetime.datetime, end: datetime.datetime
) -> list[datetime.datetime]:
    """`occurrences`, for a page that asks about the same few days on every request
    (Today: from the start of the person's day to 24 hours from now). Whole local days
    are expanded once per process and the window is cut from them: expanding the rules
    was a sixth of Today's time. The reminder tick and the calendar feed, which ask
    about windows no request repeats, use `occurrences`."""
    _check(rec, start=start, end=end)
    tz = ZoneInfo(zone)
    first = (_local_wall(start, tz) - _DAY).date()
    last = (_local_wall(end, tz) + _DAY).date()
    return [instant for instant in _days(rec, zone, first, last) if start <= instant < end]


@lru_cache(maxsize=4096)  # bounded: a few days of a few schedules a person
def _days(rec: Recurrence, zone: str, first: datetime.date, last: datetime.date) -> tuple[datetime.datetime, ...]:
    low = datetime.datetime.combine(first, datetime.time.min)
    high = datetime.datetime.combine(last, datetime.time.max)
    return tuple(sorted(_expanded(rec, ZoneInfo(zone), low, high)))


def _expanded(rec: Recurrence, tz: ZoneInfo, low: datetime.datetime, high: datetime.datetime) -> set[datetime.datetime]:
    """The UTC instants of every local wall time of `rec` from `low` to `high` (naive, local)."""
    if rec.kind == "once":
        local = [t for t in _once(rec) if low <= t <= high]
    else:
        local = _ruleset(rec, from_day=low.date()).between(low, high, inc=True)
    return {local_to_utc(t, tz) for t in local}


def next_occurrence(rec: Recurrence, zone: str, after: datetime.datetime) -> datetime.datetime | None:
    """The first occurrence strictly after `after` (aware), as an aware UTC datetime;
    None once the schedule has ended. The same instants as `occurrences`, by arithmetic on
    the local days (`_on_or_after`) rather than an expansion: the plan page asks it of every
    schedule, and the reminder tick of every due one."""
    _check(rec, start=after)
    tz = ZoneInfo(zone)
    low = _local_wall(after, tz) - _DAY
    times = sorted(set(t.replace(microsecond=0) for t in rec.times))
    day = _on_or_after(rec, low.date())
    while day is not None:
        # Local order is instant order: a gap time moves to the gap's end and an ambiguous
        # time takes its first instance, so turning wall times into instants never reorders.
        for t in times:
            wall = datetime.datetime.combine(day, t)
            if wall >= low and (instant := local_to_utc(wall, tz)) > after:
                return instant
        day = _on_or_after(rec, day + _DAY)
    return None


def _on_or_after(rec: Recurrence, day: datetime.date) -> datetime.date | None:
    """The first local day from `day` on which the schedule has its times (`_on_day`), or
    None when it has ended by then."""
    day = max(day, rec.start)
    if rec.kind == "once":
        found = day if day == rec.start else None
    elif rec.kind == "weekdays":
        found = day + datetime.timedelta(days=min((d - day.weekday()) % 7 for d in rec.weekdays))
    elif rec.kind in ("interval", "weekly"):
        period = rec.interval if rec.kind == "interval" else 7
        found = day + datetime.timedelta(days=-(day - rec.start).days % period)
    else:  # daily
        found = day
    if found is None or (rec.end is not None and found > rec.end):
        return None
    return found


def occurs_at(rec: Recurrence, zone: str, instant: datetime.datetime) -> bool:
    """Whether `instant` is an occurrence of `rec` in `zone`, as the schedule is now. The
    dispatcher asks it of every reminder before sending, since the schedule (its times,
    days or zone) may have changed after the reminder was queued. The same instants as
    `occurrences`, by arithmetic on the local day rather than an expansion: a few
    microseconds a reminder."""
    _check(rec, instant=instant)
    tz = ZoneInfo(zone)
    wall = _local_wall(instant, tz)
    day = wall.date()
    if wall.time() in rec.times and _on_day(rec, day) and local_to_utc(wall, tz) == instant:
        return True  # the usual case: one of its times, on one of its days
    # Otherwise only a time swallowed by a gap can land here, at the gap's end: where the
    # offset changed within the minute before. The day before too, for a gap at midnight.
    if (instant - _MINUTE).astimezone(tz).utcoffset() == instant.astimezone(tz).utcoffset():
        return False
    return any(
        _on_day(rec, d) and local_to_utc(_wall(d, t), tz) == instant for d in (day - _DAY, day) for t in rec.times
    )


def _on_day(rec: Recurrence, day: datetime.date) -> bool:
    """Whether the schedule has its times on the local `day` (the days `_ruleset` makes)."""
    if day < rec.start or (rec.end is not None and day > rec.end):
        return False
    since = (day - rec.start).days
    if rec.kind == "once":
        return since == 0
    if rec.kind == "weekdays":
        return day.weekday() in rec.weekdays
    if rec.kind == "interval":
        return since % rec.interval == 0
    if rec.kind == "weekly":
        return since % 7 == 0
    return True  # daily


def ical_rules(rec: Recurrence, zone: str) -> list[tuple[datetime.datetime, str | None]]:
    """For the calendar feed: one (local naive DTSTART, RRULE value or None for "once")
    per time of day, e.g. (datetime(2026, 3, 1, 20, 0), "FREQ=DAILY;UNTIL=20260402T035959Z").

    The feed writes DTSTART with TZID=zone, so UNTIL is the UTC instant of the end day's
    last local second (RFC 5545 section 3.3.10). DTSTART is the first instance, as RFC 5545
    requires: for "weekdays" that is the first chosen day on or after `start`. A schedule
    whose chosen days never fall between start and end has no instances and no rules."""
    _check(rec)
    if rec.kind == "once":
        return [(_wall(rec.start, t), None) for t in rec.times]
    first = rec.start
    if rec.kind == "weekdays":
        first += datetime.timedelta(days=min((day - first.weekday()) % 7 for day in rec.weekdays))
    if rec.end is not None and first > rec.end:
        return []
    parts = {
        "daily": ["FREQ=DAILY"],
        "weekdays": ["FREQ=WEEKLY", "BYDAY=" + ",".join(_BYDAY[day] for day in sorted(set(rec.weekdays)))],
        "interval": ["FREQ=DAILY", f"INTERVAL={rec.interval}"],
        "weekly": ["FREQ=WEEKLY"],
    }[rec.kind]
    if rec.end is not None:
        last_second = local_to_utc(datetime.datetime.combine(rec.end, datetime.time(23, 59, 59)), ZoneInfo(zone))
        parts.append("UNTIL=" + last_second.strftime("%Y%m%dT%H%M%SZ"))
    rule = ";".join(parts)
    return [(_wall(first, t), rule) for t in rec.times]


def local_to_utc(wall: datetime.datetime, tz: ZoneInfo) -> datetime.datetime:
    """The instant a naive local wall time happens in `tz`: the first instance of an
    ambiguous time, the end of the gap (to the minute) for a time that does not exist."""
    instant = wall.replace(tzinfo=tz, fold=0).astimezone(UTC)
    if instant.astimezone(tz).replace(tzinfo=None) == wall:
        return instant
    return _gap_end(wall, tz)


def _gap_end(wall: datetime.datetime, tz: ZoneInfo) -> datetime.datetime:
    """The first whole UTC minute on the far side of the gap that swallowed `wall`.

    Inside a gap, fold=1 reads `wall` with the offset after the change (an instant before
    it) and fold=0 with the offset before (an instant at or after it). The change lies
    between the two; halve the span until it is one minute wide."""
    before = wall.replace(tzinfo=tz, fold=1).astimezone(UTC).replace(second=0, microsecond=0)
    after = wall.replace(tzinfo=tz, fold=0).astimezone(UTC)
    if after.second or after.microsecond:
        after = after.replace(second=0, microsecond=0) + _MINUTE
    old_offset = before.astimezone(tz).utcoffset()
    while after - before > _MINUTE:
        middle = before + ((after - before) // _MINUTE // 2) * _MINUTE
        if middle.astimezone(tz).utcoffset() == old_offset:
            before = middle
        else:
            after = middle
    return after


def _ruleset(rec: Recurrence, *, from_day: datetime.date) -> rrule.rruleset:
    """The schedule's rules in naive local time, restarted at the last instance day on or
    before `from_day` so that expanding a window far from `start` stays cheap.

    Restarting keeps the pattern because each kind repeats every `period` days: one day
    for "daily" and "weekdays" (a weekly rule with interval 1 has no phase), N for
    "interval", seven for "weekly". COUNT is never used, so nothing depends on the
    number of earlier instances."""
    period = {"daily": 1, "weekdays": 1, "interval": rec.interval, "weekly": 7}[rec.kind]
    first = rec.start
    if from_day > first:
        first += datetime.timedelta(days=(from_day - first).days // period * period)
    until = None if rec.end is None else datetime.datetime.combine(rec.end, datetime.time.max)
    freq, options = {
        "daily": (rrule.DAILY, {}),
        "weekdays": (rrule.WEEKLY, {"byweekday": sorted(set(rec.weekdays))}),
        "interval": (rrule.DAILY, {"interval": rec.interval}),
        "weekly": (rrule.WEEKLY, {}),
    }[rec.kind]
    rules = rrule.rruleset()
    for t in rec.times:
        rules.rrule(rrule.rrule(freq, dtstart=_wall(first, t), until=until, **options))
    return rules


def _once(rec: Recurrence) -> list[datetime.datetime]:
    return [_wall(rec.start, t) for t in rec.times]


def _wall(day: datetime.date, t: datetime.time) -> datetime.datetime:
    """A naive local datetime, to the second: the calendar feed has no finer unit."""
    return datetime.datetime.combine(day, t.replace(microsecond=0))


def _local_wall(instant: datetime.datetime, tz: ZoneInfo) -> datetime.datetime:
    return instant.astimezone(tz).replace(tzinfo=None)


def _check(rec: Recurrence, **instants: datetime.datetime) -> None:
    """Refuse invalid schedules and naive instants: both are programming errors here,
    since forms validate with `problems()` first."""
    if not rec.valid:
        raise ValueError(f"invalid recurrence: {', '.join(sorted(rec.problems()))}")
    for name, value in instants.items():
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"{name} must be an aware datetime")
