"""Recurring schedules in the couple's own zone: the local clock across daylight-saving
changes, gaps and repeated hours, each pattern, and agreement with rrule.js, a separate
JavaScript implementation of RFC 5545 recurrence, fed our calendar-feed rules."""

import datetime
import json
import shutil
import subprocess
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar, Event, vRecur

from journal.plan.recurrence import (
    Recurrence,
    _ruleset,
    ical_rules,
    next_occurrence,
    occurrences,
    occurrences_by_day,
    occurs_at,
)

UTC = datetime.UTC
D = datetime.date
JS = Path(__file__).parent / "js"
NY, LONDON, LORD_HOWE, KOLKATA = "America/New_York", "Europe/London", "Australia/Lord_Howe", "Asia/Kolkata"


def rec(kind: str = "daily", times: tuple[str, ...] = ("20:00",), start: D = D(2026, 1, 1), **kw) -> Recurrence:  # noqa: B008 (a date is immutable)
    return Recurrence(kind=kind, times=tuple(datetime.time.fromisoformat(t) for t in times), start=start, **kw)


def utc(*args: int) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=UTC)


def local(zone: str, day: D, hour: int = 0, minute: int = 0) -> datetime.datetime:
    """A wall time that exists in `zone`, as a UTC instant, by zoneinfo alone."""
    return datetime.datetime(day.year, day.month, day.day, hour, minute, tzinfo=ZoneInfo(zone)).astimezone(UTC)


def between_days(r: Recurrence, zone: str, first: D, last: D) -> list[datetime.datetime]:
    """Occurrences on whole local days, first to last inclusive."""
    return occurrences(r, zone, local(zone, first), local(zone, last + datetime.timedelta(days=1)))


def walls(instants: list[datetime.datetime], zone: str) -> list[str]:
    return [i.astimezone(ZoneInfo(zone)).strftime("%a %Y-%m-%d %H:%M") for i in instants]


# The days of each 2026 change; Asia/Kolkata has none, so its days are ordinary ones.
CHANGES = [
    (NY, D(2026, 3, 8)),
    (NY, D(2026, 11, 1)),
    (LONDON, D(2026, 3, 29)),
    (LONDON, D(2026, 10, 25)),
    (LORD_HOWE, D(2026, 4, 5)),
    (LORD_HOWE, D(2026, 10, 4)),
    (KOLKATA, D(2026, 3, 29)),
    (KOLKATA, D(2026, 10, 25)),
]


@pytest.mark.parametrize(("zone", "change"), CHANGES)
def test_daily_keeps_the_local_clock_across_a_change(zone, change):
    before, after = change - datetime.timedelta(days=1), change + datetime.timedelta(days=1)
    got = between_days(rec(times=("08:00", "20:00")), zone, before, after)
    assert got == [local(zone, day, hour) for day in (before, change, after) for hour in (8, 20)]
    assert walls(got, zone)[::2] == [f"{day:%a %Y-%m-%d} 08:00" for day in (before, change, after)]
    offsets = {i.astimezone(ZoneInfo(zone)).utcoffset() for i in got}
    assert len(offsets) == (1 if zone == KOLKATA else 2)  # the window really straddles a change


@pytest.mark.parametrize(
    ("zone", "day", "at", "expected"),
    [
        (NY, D(2026, 3, 8), "02:30", utc(2026, 3, 8, 7, 0)),  # 03:00 EDT
        (NY, D(2026, 3, 8), "02:00", utc(2026, 3, 8, 7, 0)),
        (NY, D(2026, 3, 8), "02:59", utc(2026, 3, 8, 7, 0)),
        (LONDON, D(2026, 3, 29), "01:30", utc(2026, 3, 29, 1, 0)),  # 02:00 BST
        (LORD_HOWE, D(2026, 10, 4), "02:15", utc(2026, 10, 3, 15, 30)),  # 02:30 +11, a half-hour gap
    ],
)
def test_a_time_in_the_gap_moves_to_the_first_valid_minute(zone, day, at, expected):
    assert between_days(rec(times=(at,), start=day), zone, day, day) == [expected]
    assert expected.astimezone(ZoneInfo(zone)).date() == day


def test_the_minutes_around_a_gap_stay_put():
    got = between_days(rec(times=("01:59", "03:00", "03:01"), start=D(2026, 3, 8)), NY, D(2026, 3, 8), D(2026, 3, 8))
    assert got == [utc(2026, 3, 8, 6, 59), utc(2026, 3, 8, 7, 0), utc(2026, 3, 8, 7, 1)]


def test_a_gap_time_and_the_gap_end_fire_once():
    got = between_days(rec(times=("02:30", "03:00"), start=D(2026, 3, 8)), NY, D(2026, 3, 8), D(2026, 3, 8))
    assert got == [utc(2026, 3, 8, 7, 0)]


@pytest.mark.parametrize(
    ("zone", "day", "at", "first", "second"),
    [
        (NY, D(2026, 11, 1), "01:30", utc(2026, 11, 1, 5, 30), utc(2026, 11, 1, 6, 30)),
        (LONDON, D(2026, 10, 25), "01:30", utc(2026, 10, 25, 0, 30), utc(2026, 10, 25, 1, 30)),
        (LORD_HOWE, D(2026, 4, 5), "01:45", utc(2026, 4, 4, 14, 45), utc(2026, 4, 4, 15, 15)),
    ],
)
def test_an_ambiguous_time_fires_once_at_its_first_instance(zone, day, at, first, second):
    got = between_days(rec(times=(at,), start=day - datetime.timedelta(days=3)), zone, day, day)
    assert got == [first]
    assert second not in got


@pytest.mark.parametrize(
    ("r", "expected"),
    [
        (
            rec("weekdays", start=D(2026, 3, 5), weekdays=(4, 0)),  # Thursday start; Mon and Fri
            ["Fri 2026-03-06 20:00", "Mon 2026-03-09 20:00", "Fri 2026-03-13 20:00", "Mon 2026-03-16 20:00"],
        ),
        (
            rec("interval", start=D(2026, 3, 2), interval=3),
            [
                "Mon 2026-03-02 20:00",
                "Thu 2026-03-05 20:00",
                "Sun 2026-03-08 20:00",
                "Wed 2026-03-11 20:00",
                "Sat 2026-03-14 20:00",
            ],
        ),
        (rec("weekly", start=D(2026, 3, 3)), ["Tue 2026-03-03 20:00", "Tue 2026-03-10 20:00"]),
        (rec("weekly", start=D(2025, 12, 2)), ["Tue 2026-03-03 20:00", "Tue 2026-03-10 20:00"]),
        (
            rec("interval", start=D(2025, 3, 2), interval=3),  # 366 days later is the first in the window
            [
                "Tue 2026-03-03 20:00",
                "Fri 2026-03-06 20:00",
                "Mon 2026-03-09 20:00",
                "Thu 2026-03-12 20:00",
                "Sun 2026-03-15 20:00",
            ],
        ),
        (rec("once", times=("20:00", "07:15"), start=D(2026, 3, 9)), ["Mon 2026-03-09 07:15", "Mon 2026-03-09 20:00"]),
        (rec(start=D(2026, 3, 14), end=D(2026, 3, 15)), ["Sat 2026-03-14 20:00", "Sun 2026-03-15 20:00"]),
        (rec("weekly", start=D(2026, 3, 1), end=D(2026, 3, 8)), ["Sun 2026-03-01 20:00", "Sun 2026-03-08 20:00"]),
        (rec(start=D(2026, 4, 1)), []),  # starts after the window
        (rec("once", start=D(2026, 2, 27)), []),  # happened before it
    ],
)
def test_each_pattern_in_a_fortnight(r, expected):
    assert walls(between_days(r, NY, D(2026, 3, 1), D(2026, 3, 16)), NY) == expected


def test_window_bounds_are_start_inclusive_end_exclusive():
    r = rec(start=D(2026, 3, 1))
    assert occurrences(r, KOLKATA, utc(2026, 3, 2, 14, 30), utc(2026, 3, 3, 14, 30)) == [utc(2026, 3, 2, 14, 30)]
    assert occurrences(r, KOLKATA, utc(2026, 3, 2, 14, 31), utc(2026, 3, 3, 14, 30)) == []


def test_next_occurrence_is_strictly_after():
    r = rec(times=("02:30", "20:00"), start=D(2026, 3, 7), end=D(2026, 3, 8))
    assert next_occurrence(r, NY, utc(2026, 3, 1)) == local(NY, D(2026, 3, 7), 2, 30)
    assert next_occurrence(r, NY, utc(2026, 3, 8, 1, 0)) == utc(2026, 3, 8, 7, 0)  # the gap's end
    assert next_occurrence(r, NY, utc(2026, 3, 8, 7, 0)) == local(NY, D(2026, 3, 8), 20)
    assert next_occurrence(r, NY, local(NY, D(2026, 3, 8), 20)) is None
    assert next_occurrence(rec("once", start=D(2027, 6, 1)), LONDON, utc(2026, 1, 1)) == utc(2027, 6, 1, 19)
    assert next_occurrence(rec("interval", start=D(2026, 1, 1), interval=365), KOLKATA, utc(2026, 1, 2)) == (
        local(KOLKATA, D(2027, 1, 1), 20)
    )


@pytest.mark.parametrize("zone", [NY, LORD_HOWE])
def test_next_occurrence_walks_the_same_instants_as_a_window(zone):
    r = rec(times=("01:45", "02:15", "02:30", "20:00"), start=D(2026, 1, 1))
    expected = occurrences(r, zone, utc(2026, 1, 1), utc(2027, 1, 1))
    walked, cursor = [], utc(2025, 12, 31, 23, 59)
    while (cursor := next_occurrence(r, zone, cursor)) < utc(2027, 1, 1):
        walked.append(cursor)
    assert walked == expected


@pytest.mark.parametrize("kind", ["daily", "weekdays", "interval", "weekly", "once"])
@pytest.mark.parametrize("zone", [NY, LORD_HOWE, KOLKATA, "America/Santiago"])
def test_next_occurrence_of_every_kind_walks_the_same_instants_as_a_window(zone, kind):
    """`next_occurrence` works its days out by arithmetic; walked through a year from
    before the start to past the end, changes, gaps (Santiago's at midnight) and repeated
    hours included, it gives what `occurrences` expands, then None."""
    r = rec(
        kind,
        times=("00:30", "01:45", "02:30", "20:00"),
        start=D(2026, 1, 3),
        end=D(2026, 12, 20),
        weekdays=(6, 2),
        interval=3,
    )
    expected = occurrences(r, zone, utc(2025, 12, 1), utc(2027, 2, 1))
    walked, cursor = [], utc(2025, 12, 1)
    while (cursor := next_occurrence(r, zone, cursor)) is not None:
        walked.append(cursor)
    assert walked == expected
    # From anywhere, not only from an occurrence: the first one after it.
    for k in range(300):
        after = utc(2025, 12, 20) + datetime.timedelta(hours=29 * k, minutes=7 * k)
        assert next_occurrence(r, zone, after) == next((i for i in expected if i > after), None), after


def test_next_occurrence_across_a_skipped_day():
    """Samoa skipped 30 December 2011: that day's 20:00 happened at 00:00 on the 31st."""
    r = rec("daily", times=("20:00",), start=D(2011, 12, 1))
    apia = "Pacific/Apia"
    assert next_occurrence(r, apia, utc(2011, 12, 30, 6)) == utc(2011, 12, 30, 10)  # 29th 20:00, then the 30th's
    assert next_occurrence(r, apia, utc(2011, 12, 30, 10)) == utc(2011, 12, 31, 6)  # the 31st's 20:00
    expected = occurrences(r, apia, utc(2011, 12, 27), utc(2012, 1, 3))
    for k in range(5 * 24):
        after = utc(2011, 12, 28) + datetime.timedelta(hours=k)
        assert next_occurrence(r, apia, after) == next(i for i in expected if i > after), after


def test_windows_split_anywhere_give_the_same_instants():
    r = rec("weekdays", times=("01:30", "02:30", "20:00"), weekdays=(6, 2), start=D(2026, 1, 1))
    year = occurrences(r, NY, utc(2026, 1, 1), utc(2027, 1, 1))
    steps = (utc(2026, 1, 1) + datetime.timedelta(hours=37 * k) for k in range(240))
    cuts = [cut for cut in steps if cut < utc(2027, 1, 1)] + [utc(2027, 1, 1)]
    pieces = [i for low, high in zip(cuts, cuts[1:]) for i in occurrences(r, NY, low, high)]
    assert pieces == year


@pytest.mark.parametrize("kind", ["daily", "weekdays", "interval", "weekly", "once"])
@pytest.mark.parametrize("zone", [NY, LORD_HOWE, KOLKATA])
def test_todays_whole_day_expansion_gives_the_same_instants(zone, kind):
    """Today asks `occurrences_by_day` (whole local days, expanded once and remembered):
    every window it could ask through a year, DST changes included, holds what
    `occurrences` finds."""
    r = rec(kind, times=("01:45", "02:15", "02:30", "20:00"), start=D(2026, 1, 3), weekdays=(6, 2), interval=3)
    for k in range(240):
        now = utc(2026, 1, 1) + datetime.timedelta(hours=37 * k)
        start, end = now - datetime.timedelta(hours=30), now + datetime.timedelta(hours=24)
        assert occurrences_by_day(r, zone, start, end) == occurrences(r, zone, start, end), now


@pytest.mark.parametrize("kind", ["daily", "weekdays", "interval", "weekly", "once"])
@pytest.mark.parametrize("zone", [NY, LORD_HOWE, KOLKATA, "America/Santiago"])
def test_occurs_at_says_yes_to_exactly_the_instants_a_window_holds(zone, kind):
    """The dispatcher asks `occurs_at` of each reminder (is this still an occurrence of the
    schedule as it is now?). Through a year, changes, gaps (Santiago's at midnight) and
    repeated hours included, it holds for every instant `occurrences` gives and for no
    instant a minute, an hour or a day away that `occurrences` doesn't give."""
    r = rec(kind, times=("00:30", "01:45", "02:30", "20:00"), start=D(2026, 1, 3), weekdays=(6, 2), interval=3)
    low, high = utc(2026, 1, 1), utc(2027, 1, 1)
    ours = set(occurrences(r, zone, low - datetime.timedelta(days=2), high + datetime.timedelta(days=2)))
    assert ours
    steps = [datetime.timedelta(0)] + [
        sign * step
        for sign in (1, -1)
        for step in (datetime.timedelta(minutes=1), datetime.timedelta(hours=1), datetime.timedelta(days=1))
    ]
    for instant in sorted(ours):
        for step in steps:
            candidate = instant + step
            if low <= candidate < high:
                assert occurs_at(r, zone, candidate) == (candidate in ours), (candidate, step)


def test_occurs_at_finds_a_time_from_a_skipped_day_at_the_gap_s_end():
    """Samoa skipped 30 December 2011: that day's 20:00 happened at 00:00 on the 31st, a
    local day later, which only looking at the day before finds."""
    r = rec("daily", times=("20:00",), start=D(2011, 12, 1))
    moved = utc(2011, 12, 30, 10)
    assert moved in occurrences(r, "Pacific/Apia", utc(2011, 12, 29), utc(2012, 1, 1))
    assert occurs_at(r, "Pacific/Apia", moved)
    assert not occurs_at(r, "Pacific/Apia", moved + datetime.timedelta(minutes=1))


def test_a_window_far_from_the_start_does_not_walk_the_years_between():
    r = rec("interval", times=("08:00", "20:00"), start=D(1, 1, 1), interval=3)
    # The rules a window expands restart within one period of it, not in year 1 (walking
    # from there took seconds a call); counted in days, not timed.
    first = next(iter(_ruleset(r, from_day=D(2026, 6, 1))))
    assert datetime.timedelta(0) <= D(2026, 6, 1) - first.date() < datetime.timedelta(days=3)
    week = [D(2026, 6, 1) + datetime.timedelta(days=n) for n in range(7)]
    expected = [local(LONDON, day, hour) for day in week if (day - D(1, 1, 1)).days % 3 == 0 for hour in (8, 20)]
    assert between_days(r, LONDON, week[0], week[-1]) == expected


@pytest.mark.parametrize(
    ("r", "field"),
    [
        (rec("hourly"), "kind"),
        (rec(times=()), "times"),
        (rec(times=("08:00", "08:00")), "times"),
        (Recurrence(kind="daily", times=(datetime.time(8, tzinfo=UTC),), start=D(2026, 1, 1)), "times"),
        (rec(start=D(2026, 3, 2), end=D(2026, 3, 1)), "end"),
        (rec("interval", interval=0), "interval"),
        (rec("interval", interval=-1), "interval"),
        (rec("interval", interval=366), "interval"),
        (rec("weekdays"), "weekdays"),
        (rec("weekdays", weekdays=(7,)), "weekdays"),
        (rec("weekdays", weekdays=(-1, 2)), "weekdays"),
    ],
)
def test_problems_name_the_field_calmly(r, field):
    problems = r.problems()
    assert list(problems) == [field]
    assert problems[field].endswith(".") and "invalid" not in problems[field].lower()
    with pytest.raises(ValueError):
        occurrences(r, NY, utc(2026, 1, 1), utc(2026, 2, 1))


@pytest.mark.parametrize(
    "r",
    [
        rec(),
        rec("once", start=D(2026, 3, 1), end=D(2026, 3, 1)),
        rec("interval", interval=365),
        rec("weekdays", weekdays=(0, 6)),
        rec("weekly", interval=0),  # interval only matters for "interval"
    ],
)
def test_valid_schedules_have_no_problems(r):
    assert r.problems() == {}


def test_naive_instants_are_refused():
    with pytest.raises(ValueError):
        occurrences(rec(), NY, datetime.datetime(2026, 1, 1), utc(2026, 2, 1))


@pytest.mark.parametrize(
    ("r", "zone", "expected"),
    [
        (
            rec(start=D(2026, 3, 1), end=D(2026, 4, 1)),
            NY,
            [(datetime.datetime(2026, 3, 1, 20), "FREQ=DAILY;UNTIL=20260402T035959Z")],
        ),
        (
            rec(start=D(2026, 3, 1), end=D(2026, 4, 1)),
            KOLKATA,
            [(datetime.datetime(2026, 3, 1, 20), "FREQ=DAILY;UNTIL=20260401T182959Z")],
        ),
        (
            rec("weekdays", times=("08:00", "20:00"), start=D(2026, 3, 5), weekdays=(2, 0)),
            LONDON,
            [
                (datetime.datetime(2026, 3, 9, 8), "FREQ=WEEKLY;BYDAY=MO,WE"),
                (datetime.datetime(2026, 3, 9, 20), "FREQ=WEEKLY;BYDAY=MO,WE"),
            ],
        ),
        (
            rec("interval", start=D(2026, 3, 1), interval=3),
            LONDON,
            [(datetime.datetime(2026, 3, 1, 20), "FREQ=DAILY;INTERVAL=3")],
        ),
        (rec("weekly", start=D(2026, 3, 3)), LONDON, [(datetime.datetime(2026, 3, 3, 20), "FREQ=WEEKLY")]),
        (rec("once", start=D(2026, 3, 3)), LONDON, [(datetime.datetime(2026, 3, 3, 20), None)]),
        (rec("weekdays", start=D(2026, 3, 3), end=D(2026, 3, 5), weekdays=(5,)), LONDON, []),  # no Saturday in range
    ],
)
def test_ical_rules(r, zone, expected):
    assert ical_rules(r, zone) == expected


# Agreement with rrule.js. Each zone gets times that land in its 2026 gap and repeated hour.
AWKWARD = {
    NY: ("02:30", "01:30"),
    LONDON: ("01:30", "01:15"),
    LORD_HOWE: ("02:15", "01:45"),
    KOLKATA: ("00:00", "23:59"),
}
# Some start long before the year compared, so the window is not where the pattern began.
KINDS = {
    "daily": dict(kind="daily", start=D(2026, 1, 1)),
    "weekdays": dict(kind="weekdays", weekdays=(6, 2, 4), start=D(2025, 6, 4)),  # the changes fall on Sundays
    "interval": dict(kind="interval", interval=3, start=D(2024, 2, 27), end=D(2026, 12, 20)),
    "weekly": dict(kind="weekly", start=D(2025, 1, 5), end=D(2026, 11, 29)),  # Sundays
}


@pytest.fixture(scope="module")
def rrule_js():
    if shutil.which("node") is None or not (JS / "node_modules" / "rrule").is_dir():
        pytest.fail("rrule.js is missing: run `npm ci --prefix tests/js` (needs node and npm)")

    def expand(
        ics: bytes, low: datetime.datetime, high: datetime.datetime
    ) -> dict[datetime.datetime, datetime.datetime]:
        args = ["node", "expand.js", low.isoformat(), high.isoformat()]
        done = subprocess.run(args, cwd=JS, input=ics, capture_output=True, check=True, timeout=60)
        return {
            datetime.datetime.fromisoformat(o["utc"]): datetime.datetime.fromisoformat(o["local"])
            for o in json.loads(done.stdout)
        }

    return expand


def feed(r: Recurrence, zone: str) -> bytes:
    cal = Calendar()
    cal.add("prodid", "-//Tandem//recurrence tests//EN")
    cal.add("version", "2.0")
    for number, (start, rule) in enumerate(ical_rules(r, zone)):
        event = Event()
        event.add("uid", f"{number}@tests.tandem")
        event.add("dtstamp", utc(2026, 1, 1))
        event.add("summary", "Practice")
        event.add("dtstart", start.replace(tzinfo=ZoneInfo(zone)))
        if rule is not None:
            event.add("rrule", vRecur.from_ical(rule))
        cal.add_component(event)
    cal.add_missing_timezones()
    return cal.to_ical()


def first_valid_minute(wall: datetime.datetime, zone: str) -> datetime.datetime:
    """Brute force, independent of the module's search: step until the wall time exists."""
    tz = ZoneInfo(zone)
    while wall.replace(tzinfo=tz).astimezone(UTC).astimezone(tz).replace(tzinfo=None) != wall:
        wall += datetime.timedelta(minutes=1)
    return wall.replace(tzinfo=tz).astimezone(UTC)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("zone", AWKWARD)
def test_a_year_agrees_with_rrule_js(zone, kind, rrule_js):
    r = rec(times=("08:00", "20:00", *AWKWARD[zone]), **KINDS[kind])
    low, high = utc(2026, 1, 1), utc(2027, 1, 1)
    ours = set(occurrences(r, zone, low, high))
    theirs = rrule_js(feed(r, zone), low, high)
    assert len(theirs) > 150

    # RFC 5545 reads a wall time in a gap with the offset from before the gap (02:30 -> 03:30
    # EDT); we fire at the end of the gap (03:00 EDT). Those are the only differences allowed,
    # and both must fall on the wall time's own day.
    gap_ends = set()
    for instant in theirs.keys() - ours:
        wall, tz = theirs[instant], ZoneInfo(zone)
        assert wall.replace(tzinfo=tz).astimezone(UTC) == instant  # fold=0 in a gap: the offset before
        ends = first_valid_minute(wall, zone)
        assert ends != instant, f"{wall} exists in {zone}, yet only rrule.js has it"
        assert ends in ours and ends.astimezone(tz).date() == wall.date() == instant.astimezone(tz).date()
        gap_ends.add(ends)
    assert ours - theirs.keys() <= gap_ends
    if zone != KOLKATA and kind != "interval":
        assert gap_ends, "every Sunday-hitting schedule meets the spring gap"
