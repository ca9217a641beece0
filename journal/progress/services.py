"""Progress: weekly trends of what a person may see.

Every number is counted over the rows the viewer may see (journal/progress/queries.py):
their own check-ins, and the partner's shared ones once they are open to them
(`checkins_open_to`), whose answers are added up by week and by day here; practices,
moments and notes, counted by the database (GROUP BY day). Free text is never opened
here; only the sensation maps (which are a choice per area, not words) are, through
journal/notes.

A page costs a fixed number of statements, whatever the amount of data.
"""

from bisect import bisect_left, bisect_right
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property
from itertools import groupby
from operator import itemgetter
from typing import NamedTuple

from markupsafe import Markup, escape

from journal.access import Scope
from journal.models import now_utc
from journal.models.checkins import SCALES
from journal.models.notes import AREAS
from journal.notes.services import sensation_history
from journal.progress import queries
from journal.progress.weeks import EPOCH, day_start_utc, days_utc, week_first_day, week_of, week_of_day, week_start
from journal.zones import today_for

#: The trends shown: the 1-5 scores, then hours of sleep.
SCORES = tuple((name, label) for name, label, _ in SCALES)
TRENDS = (*SCORES, ("sleep_hours", "Sleep (hours)"))
#: Where "higher" is the easier direction; for stress, lower is.
LOWER_IS_EASIER = {"stress"}
#: Period choices: query value -> weeks (None: all time).
PERIODS = {"4": 4, "12": 12, "52": 52, "all": None}
DEFAULT_PERIOD = "12"
#: However long "all time" is, a chart shows at most this many weeks.
MAX_WEEKS = 520
#: Rated feelings of a sensation map, from most to least comfortable (for shading and trends).
FEELING_RANK = {"comfortable": 4, "neutral": 3, "reduced": 2, "uncomfortable": 1}


@dataclass(frozen=True)
class Person:
    id: int
    #: "you" or "partner": the key used in CSS classes and tables.
    key: str
    name: str

    @cached_property
    def name_html(self) -> Markup:
        """The name, escaped once a page: the page writes it in every chart and table."""
        return escape(self.name)


@dataclass
class Series:
    person: Person
    #: One value per week of the chart; None where there was nothing (a gap, not a zero).
    values: list[float | None]
    #: How many check-ins each week had (for the table).
    counts: list[int]


@dataclass
class Trend:
    field: str
    label: str
    weeks: list[date]
    series: list[Series]
    low: float
    high: float

    @property
    def has_data(self) -> bool:
        return any(v is not None for s in self.series for v in s.values)


@dataclass
class Bars:
    """Counts per week, split into named groups (practice kinds, or whose moment)."""

    weeks: list[date]
    groups: dict[str, list[int]]

    @property
    def total(self) -> int:
        return sum(sum(v) for v in self.groups.values())


@dataclass(frozen=True)
class StageStep:
    at: datetime
    from_stage: int
    to_stage: int


@dataclass
class AreaHistory:
    area: str
    label: str
    #: (when, feeling) oldest first, within the period.
    ratings: list[tuple[datetime, str]]

    @property
    def latest(self) -> str | None:
        return self.ratings[-1][1] if self.ratings else None


@dataclass
class BodyMap:
    person: Person
    areas: dict[str, AreaHistory]
    unreadable: int = 0

    @property
    def latest(self) -> dict[str, str]:
        """Each answered area's latest feeling: what the body diagram shades."""
        return {area: history.ratings[-1][1] for area, history in self.areas.items() if history.ratings}


@dataclass
class Progress:
    period: str
    today: date
    start: date | None
    weeks: list[date]
    people: list[Person]
    trends: list[Trend]
    practices: Bars
    moments: Bars
    stages: list[StageStep]
    current_stage: int
    bodies: list[BodyMap]
    #: Daily averages per person, for "what seems to help": {person id: {score: (the days it
    #: was answered, its average on each)}}, in order of days, each day counted from
    #: 1970-01-01 (`weeks.day_of` makes it a date).
    daily: dict[int, dict[str, tuple[list[int], list[float]]]] = field(default_factory=dict)
    #: Practice days per person: {person id: {kind: {day, ...}}}, days counted the same way.
    practice_days: dict[int, dict[str, set[int]]] = field(default_factory=dict)
    #: The last four weeks and the four before, whatever the period shown (for sentences):
    #: {person id: {field: ((sum, count) last four, (sum, count) the four before)}}.
    recent_scores: dict[int, dict[str, tuple[tuple[float, int], tuple[float, int]]]] = field(default_factory=dict)
    #: {practice kind or "moments": (count last four weeks, count the four before)}.
    recent_counts: dict[str, tuple[int, int]] = field(default_factory=dict)


def pace_span(progress: Progress, *, now: datetime | None = None) -> tuple[datetime, datetime]:
    """From the start of the period (or of the first week shown) to now, for the stage chart."""
    now = now or now_utc()
    first = progress.start or progress.weeks[0]
    start = day_start_utc(first)
    if progress.start is None and progress.stages:
        start = min(start, progress.stages[0].at)
    return start, now


def _averages(columns: list) -> tuple[list, list]:
    """Each of `columns`' average over the answers given (None where none was), and how
    many were given: what SQL's avg() and count() give, added up in the columns' order."""
    try:
        # Mostly every check-in answered every field: each added up in one pass of C.
        sums = list(map(sum, columns))
    except TypeError:  # a field left unanswered (None): each added up over the answers given
        averages, counts = [], []
        for answers in columns:
            answered = [answer for answer in answers if answer is not None]
            averages.append(sum(answered) / len(answered) if answered else None)
            counts.append(len(answered))
        return averages, counts
    n = len(columns[0])
    return [total / n for total in sums], [n] * len(columns)


_AUTHOR = itemgetter(0)
_AUTHOR_AND_DAY = itemgetter(0, 1)


@dataclass(frozen=True)
class _Answers:
    """One person's check-in answers (`queries.checkin_answers`), added up."""

    #: {week: (each field's average, and how many answered it, in the order of TRENDS)},
    #: oldest week first.
    weeks: dict[int, tuple[list, list]]
    #: From the period's first day on: {score: (the days it was answered, and its average
    #: each of those days)}, in order of days (`Progress.daily`).
    days: dict[str, tuple[list[int], list]]


#: A person without check-ins in the window.
_NONE = _Answers({}, {})


def _answers_added_up(rows: list, start: date | None) -> dict[int, _Answers]:
    """The check-ins' answers per author, added up per week and, from `start` on, per day."""
    first_day = (start - EPOCH).days if start is not None else None
    rows.sort(key=_AUTHOR_AND_DAY)
    added_up = {}
    for author_id, group in groupby(rows, _AUTHOR):
        # The person's answers as columns, each in order of days: a week's (or the
        # period's) are one slice of each, added up without a step in Python per answer.
        _, days, *columns = zip(*group)
        weeks = {}
        answered_all = True  # no field left unanswered: no column holds a None
        i, end = 0, len(days)
        while i < end:
            week = week_of_day(days[i])
            after = bisect_left(days, week_first_day(week + 1), i)
            weeks[week] = averages, counts = _averages([column[i:after] for column in columns])
            answered_all = answered_all and min(counts) == after - i
            i = after
        shown = 0 if first_day is None else bisect_left(days, first_day)
        scores = [column[shown:] for column in columns[: len(SCORES)]]
        added_up[author_id] = _Answers(weeks, _days_averaged(list(days[shown:]), scores, answered_all))
    return added_up


def _days_averaged(days: list[int], columns: list, answered_all: bool) -> dict[str, tuple[list[int], list]]:
    """Each score's average per day, from `columns` (one person's answers to each score,
    in order of `days`): the days it was answered, and its average on each."""
    if len(set(days)) < len(days):
        days, columns = _one_a_day(days, columns)
    # Mostly one check-in a day: its answers are the day's averages.
    averaged = {}
    for (name, _), answers in zip(SCORES, columns):
        if answered_all or None not in answers:
            averaged[name] = (days, list(answers))
        else:
            answered = [(day, answer) for day, answer in zip(days, answers) if answer is not None]
            averaged[name] = ([day for day, _ in answered], [answer for _, answer in answered])
    return averaged


def _one_a_day(days: list[int], columns: list) -> tuple[list[int], list]:
    """A day of several check-ins counts once, each score at the average of its answers
    that day: the days, and each score's answers (or averages), one a day."""
    one_a_day, rows = [], []
    i, end = 0, len(days)
    while i < end:
        after = bisect_right(days, days[i], i)
        answers = [column[i:after] for column in columns]
        rows.append([column[0] for column in answers] if after - i == 1 else _averages(answers)[0])
        one_a_day.append(days[i])
        i = after
    return one_a_day, list(zip(*rows))


class _MomentWeek(NamedTuple):
    author_id: int
    week: int
    n: int


def _count_weeks_and_days(rows, start: date | None):
    """The rows of `queries.day_events`, counted: the viewer's practices done per kind and
    week (kind, week, n), and the (kind, day) pairs of them from `start` on; moments per
    author and week; and (author, kind, day) of the progress notes from `start` on."""
    practice_weeks: dict[tuple[str, int], int] = defaultdict(int)
    moment_weeks: dict[tuple[int, int], int] = defaultdict(int)
    own_days, noted = [], []
    first = (start - EPOCH).days if start is not None else None
    for source, author_id, kind, day in rows:
        if source == "moment":
            moment_weeks[(author_id, week_of_day(day))] += 1
            continue
        if source == "practice":
            practice_weeks[(kind, week_of_day(day))] += 1
        if first is None or day >= first:
            if source == "practice":
                own_days.append((kind, day))
            else:
                noted.append((author_id, kind, day))
    return (
        [(kind, week, n) for (kind, week), n in practice_weeks.items()],
        own_days,
        [_MomentWeek(a, w, n) for (a, w), n in moment_weeks.items()],
        noted,
    )


def _people(scope: Scope) -> list[Person]:
    me = Person(scope.user.id, "you", "You")
    partner = scope.partner()
    if partner is None:
        return [me]
    return [me, Person(partner.id, "partner", partner.display_name)]


def stage_history(scope: Scope, since: date | None = None, until: date | None = None) -> list[StageStep]:
    """The changes of the couple's pace stage, oldest first: every one, or those from
    `since` to `until` (either end open when None)."""
    return [
        StageStep(at, from_stage, to_stage) for at, from_stage, to_stage in queries.stage_changes(scope, since, until)
    ]


def _bodies(scope: Scope, people: list[Person], since: date | None, until: date | None) -> list[BodyMap]:
    by_id = {p.id: p for p in people}
    bodies = []
    window_start, window_end = days_utc(since, until)
    for history in sensation_history(scope, since=window_start, before=window_end):
        person = by_id.get(history.author_id)
        if person is None:
            continue
        areas = {}
        for area, label in AREAS.items():
            areas[area] = AreaHistory(area, label, history.by_area.get(area, []))
        if any(a.ratings for a in areas.values()):
            bodies.append(BodyMap(person, areas, history.unreadable))
    return bodies


# -- putting it together ------------------------------------------------------------


def period_start(today: date, period: str) -> date | None:
    """The first day (a Monday) of the last `period` weeks up to `today`, or None for all
    time: the window of the progress page and of sensation over time."""
    weeks_back = PERIODS[period]
    return week_start(week_of(today) - weeks_back + 1) if weeks_back else None


def progress_build(
    scope: Scope,
    *,
    period: str = DEFAULT_PERIOD,
    since: date | None = None,
    until: date | None = None,
    now: datetime | None = None,
) -> Progress:
    """Everything the progress page shows, for one viewer: the last `period` weeks, or
    (for the clinician summary) the days from `since` to `until`."""
    now = now or now_utc()
    today = until or today_for(scope.user, plan=scope.plan, now=now)
    this_week = week_of(today)
    start = since if since is not None else period_start(today, period)
    # Sentences look at the last eight weeks whatever the period shown.
    query_from = min(start, week_start(this_week - 7)) if start else None
    people = _people(scope)

    answers = _answers_added_up(
        queries.checkin_answers(scope, query_from, until, now, tuple(name for name, _ in TRENDS)), start
    )
    practice_rows, own_days, moment_rows, noted_days = _count_weeks_and_days(
        queries.day_events(scope, query_from, until), start
    )

    first = (
        week_of(start)
        if start
        else min(  # all time: from the first week with anything
            [next(iter(a.weeks)) for a in answers.values()]
            + [r[1] for r in practice_rows]
            + [r.week for r in moment_rows]
            + [this_week]
        )
    )
    first = max(first, this_week - MAX_WEEKS + 1)
    week_numbers = list(range(first, this_week + 1))
    weeks = [week_start(w) for w in week_numbers]
    index = {w: i for i, w in enumerate(week_numbers)}

    trends = _trends(answers, people, weeks, week_numbers)
    practices = _bars(weeks, index, ((kind, week, n) for kind, week, n in practice_rows))
    moments = _bars(
        weeks,
        index,
        (("yours" if a == scope.user.id else "shared", w, n) for a, w, n in moment_rows),
        ("yours", "shared"),
    )

    practice_days: dict[int, dict[str, set[int]]] = defaultdict(lambda: defaultdict(set))
    for kind, day in own_days:
        practice_days[scope.user.id][kind].add(day)
    for author_id, kind, day in noted_days:
        practice_days[author_id][kind].add(day)

    return Progress(
        period=period,
        today=today,
        start=start,
        weeks=weeks,
        people=people,
        trends=trends,
        practices=practices,
        moments=moments,
        stages=stage_history(scope, start, until),
        current_stage=scope.plan.stage if scope.plan is not None else 1,
        bodies=_bodies(scope, people, start, until),
        daily={person.id: answers[person.id].days for person in people if person.id in answers},
        practice_days={k: dict(v) for k, v in practice_days.items()},
        recent_scores=_recent_scores(answers, this_week),
        recent_counts=_recent_counts(practice_rows, moment_rows, this_week),
    )


def _window(week: int, this_week: int) -> int | None:
    """0 for the last four weeks (this one included), 1 for the four before, else None."""
    back = this_week - week
    return 0 if 0 <= back < 4 else 1 if 4 <= back < 8 else None


def _recent_scores(answers: dict[int, _Answers], this_week: int):
    result: dict = defaultdict(lambda: defaultdict(lambda: [[0.0, 0], [0.0, 0]]))
    for author_id, added_up in answers.items():
        for week in range(this_week - 7, this_week + 1):
            row = added_up.weeks.get(week)
            if row is None:
                continue
            which = _window(week, this_week)
            averages, counts = row
            for (name, _), average, n in zip(TRENDS, averages, counts):
                if n:
                    cell = result[author_id][name][which]
                    cell[0] += average * n
                    cell[1] += n
    return {a: {f: (tuple(v[0]), tuple(v[1])) for f, v in fields.items()} for a, fields in result.items()}


def _recent_counts(practice_rows, moment_rows, this_week: int) -> dict[str, tuple[int, int]]:
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for kind, week, n in practice_rows:
        which = _window(week, this_week)
        if which is not None:
            counts[kind][which] += n
    for _, week, n in moment_rows:
        which = _window(week, this_week)
        if which is not None:
            counts["moments"][which] += n
    return {k: (v[0], v[1]) for k, v in counts.items()}


def _trends(answers: dict[int, _Answers], people: list[Person], weeks: list[date], numbers: list[int]) -> list[Trend]:
    # Each person's figures for each week of the chart (`_Answers.weeks`), None for a week
    # without check-ins: each field's average and count.
    weekly = {person.id: [answers.get(person.id, _NONE).weeks.get(week) for week in numbers] for person in people}
    trends = []
    for position, (name, label) in enumerate(TRENDS):
        series = []
        for person in people:
            cells = weekly[person.id]
            values = [None if row is None else row[0][position] for row in cells]
            counts = [0 if row is None else row[1][position] for row in cells]
            series.append(Series(person, values, counts))
        low, high = (0.0, 12.0) if name == "sleep_hours" else (1.0, 5.0)
        top = max([v for s in series for v in s.values if v is not None] + [high])
        trends.append(Trend(name, label, weeks, series, low, top))
    return trends


def _bars(weeks: list[date], index: dict[int, int], rows, order: tuple[str, ...] = ()) -> Bars:
    groups: dict[str, list[int]] = {}
    for group, week, n in rows:
        if week not in index:
            continue
        groups.setdefault(group, [0] * len(weeks))[index[week]] += n
    rank = {g: i for i, g in enumerate(order)}
    return Bars(weeks, dict(sorted(groups.items(), key=lambda item: (rank.get(item[0], len(rank)), item[0]))))
