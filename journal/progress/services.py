"""Progress: weekly trends of what a person may see.

Every number is counted over the rows the viewer may see (journal/progress/queries.py):
their own check-ins, and the partner's shared ones once they are open to them
(`checkins_open_to`), whose answers are added up by week and by day here; practices,
moments and notes, counted by the database (GROUP BY day). Free text is never opened
here; only the sensation maps (which are a choice per area, not words) are, through
journal/notes.

A page costs a fixed number of statements, whatever the amount of data.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from operator import itemgetter
from typing import NamedTuple

from journal.access import Scope
from journal.models import now_utc
from journal.models.checkins import SCALES
from journal.models.notes import AREAS
from journal.notes.services import sensation_history
from journal.progress import queries
from journal.progress.weeks import EPOCH, day_start_utc, days_utc, week_of, week_of_day, week_start
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
    #: Daily averages per person, for "what seems to help": {person id: {field: {day: average}}},
    #: each day counted from 1970-01-01 (`weeks.day_of` makes it a date).
    daily: dict[int, dict[str, dict[int, float]]] = field(default_factory=dict)
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


def _figures(group: list, count: int) -> list:
    """Over the rows of `group` (`queries.checkin_answers`), each of the first `count`
    fields' average over the rows that answered it (None if none did) and how many did:
    what SQL's avg() and count() give."""
    figures = []
    for answers in list(zip(*group))[2 : 2 + count]:
        answered = [answer for answer in answers if answer is not None]
        figures += (sum(answered) / len(answered) if answered else None, len(answered))
    return figures


_AUTHOR_AND_DAY = itemgetter(0, 1)


def _checkin_weeks_and_days(rows: list, start: date | None):
    """The check-ins' answers (`queries.checkin_answers`) added up per author and week:
    (author, week, the number of check-ins, then each field's average and count, in the
    order of TRENDS); and per author and day from `start` on: (author, day, then each
    score's average, in the order of SCORES). Both in order of author and week or day."""
    first = (start - EPOCH).days if start is not None else None
    rows.sort(key=_AUTHOR_AND_DAY)
    weeks: dict[tuple[int, int], list] = defaultdict(list)
    days: dict[tuple[int, int], list] = defaultdict(list)
    for row in rows:
        weeks[(row[0], week_of_day(row[1]))].append(row)
        if first is None or row[1] >= first:
            days[(row[0], row[1])].append(row)
    week_rows = [(*key, len(group), *_figures(group, len(TRENDS))) for key, group in weeks.items()]
    # Mostly one check-in a day: its answers are the day's averages.
    day_rows = [
        group[0][: 2 + len(SCORES)] if len(group) == 1 else (*key, *_figures(group, len(SCORES))[::2])
        for key, group in days.items()
    ]
    return week_rows, day_rows


class _MomentWeek(NamedTuple):
    author_id: int
    week: int
    n: int


def _count_weeks_and_days(rows, start: date | None):
    """The rows of `queries.counts_by_day`, split: the viewer's practices done per kind and
    week (kind, week, n), and the (kind, day) pairs of them from `start` on; moments per
    author and week; and (author, kind, day) of the progress notes from `start` on."""
    practice_weeks: dict[tuple[str, int], int] = defaultdict(int)
    moment_weeks: dict[tuple[int, int], int] = defaultdict(int)
    own_days, noted = [], []
    first = (start - EPOCH).days if start is not None else None
    for source, author_id, kind, day, n in rows:
        if source == "moment":
            moment_weeks[(author_id, week_of_day(day))] += n
            continue
        if source == "practice":
            practice_weeks[(kind, week_of_day(day))] += n
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

    checkin_rows, day_rows = _checkin_weeks_and_days(
        queries.checkin_answers(scope, query_from, until, now, tuple(name for name, _ in TRENDS)), start
    )
    practice_rows, own_days, moment_rows, noted_days = _count_weeks_and_days(
        queries.counts_by_day(scope, query_from, until), start
    )

    first = (
        week_of(start)
        if start
        else min(  # all time: from the first week with anything
            [r[1] for r in checkin_rows] + [r[1] for r in practice_rows] + [r.week for r in moment_rows] + [this_week]
        )
    )
    first = max(first, this_week - MAX_WEEKS + 1)
    week_numbers = list(range(first, this_week + 1))
    weeks = [week_start(w) for w in week_numbers]
    index = {w: i for i, w in enumerate(week_numbers)}

    trends = _trends(checkin_rows, people, weeks, index)
    practices = _bars(weeks, index, ((kind, week, n) for kind, week, n in practice_rows))
    moments = _bars(
        weeks,
        index,
        (("yours" if a == scope.user.id else "shared", w, n) for a, w, n in moment_rows),
        ("yours", "shared"),
    )

    # Each score's daily averages, person by person, in one pass over the day rows.
    daily = {person.id: {name: {} for name, _ in SCORES} for person in people}
    columns = {person_id: list(scores.values()) for person_id, scores in daily.items()}
    for author_id, day, *averages in day_rows:
        for averages_by_day, average in zip(columns.get(author_id, ()), averages):
            if average is not None:
                averages_by_day[day] = average
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
        daily=daily,
        practice_days={k: dict(v) for k, v in practice_days.items()},
        recent_scores=_recent_scores(checkin_rows, this_week),
        recent_counts=_recent_counts(practice_rows, moment_rows, this_week),
    )


def _window(week: int, this_week: int) -> int | None:
    """0 for the last four weeks (this one included), 1 for the four before, else None."""
    back = this_week - week
    return 0 if 0 <= back < 4 else 1 if 4 <= back < 8 else None


def _recent_scores(rows, this_week: int):
    result: dict = defaultdict(lambda: defaultdict(lambda: [[0.0, 0], [0.0, 0]]))
    for author_id, week, _, *figures in rows:  # each field's average and count, as in TRENDS
        which = _window(week, this_week)
        if which is None:
            continue
        for (name, _), average, n in zip(TRENDS, figures[::2], figures[1::2]):
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


def _trends(rows, people: list[Person], weeks: list[date], index: dict[int, int]) -> list[Trend]:
    # Each person's row for each week of the chart, None for a week without check-ins. A
    # row's columns (`_checkin_weeks_and_days`): author, week, the number of check-ins, then
    # each field's average and count, in the order of TRENDS.
    weekly = {person.id: [None] * len(weeks) for person in people}
    for row in rows:
        if row[0] in weekly and row[1] in index:
            weekly[row[0]][index[row[1]]] = row
    trends = []
    for position, (name, label) in enumerate(TRENDS):
        average, count = 3 + 2 * position, 4 + 2 * position
        series = []
        for person in people:
            cells = weekly[person.id]
            values = [None if row is None else row[average] for row in cells]
            counts = [0 if row is None or row[average] is None else row[count] for row in cells]
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
