"""Hand-written SVG charts, rendered on the server.

Each chart is an `<svg role="img">` with a `<title>` and a `<desc>`; its numbers are
in a table beside it (the templates). Colours come from classes in
static/css/tandem.css (both colour schemes); nothing depends on colour alone: lines
carry a direct label and their own marker shape and dash, bar rows are labelled.
No style attributes, so the strict CSP allows every chart, and WeasyPrint draws the
same markup as vectors in the PDF.
"""

import calendar
from datetime import date, datetime
from functools import cache

from markupsafe import Markup, escape

from journal.progress.body import html_words
from journal.progress.insights import KIND_WORDS, Comparison
from journal.progress.services import TRENDS, Bars, BodyMap, StageStep, Trend
from journal.progress.summaries import bars_summary, stage_summary, trend_summary
from journal.templating import date_words, local_time

WIDTH = 640
#: Presentation attributes for the light scheme: what WeasyPrint (and any reader that
#: ignores the stylesheet) draws. The stylesheet's classes override them on screen.
INK = {"you": "#2f5d62", "partner": "#8a4b08", "grid": "#d8d0c6", "text": "#5b544c"}
GRID = f'stroke="{INK["grid"]}" stroke-width="1"'
LABEL = f'fill="{INK["text"]}" font-size="12"'


def _step_paint(kind: str) -> str:
    """A step forward is a filled dot, a step back a hollow one."""
    if kind == "forward":
        return f'fill="{INK["you"]}"'
    return f'fill="#ffffff" stroke="{INK["you"]}" stroke-width="2"'


def _line(key: str) -> str:
    dash = ' stroke-dasharray="6 4"' if key == "partner" else ""
    return f'fill="none" stroke="{INK[key]}" stroke-width="2.5" stroke-linejoin="round"{dash}'


LEFT, RIGHT, TOP, BOTTOM = 40, 90, 14, 30


def _num(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _open(chart_id: str, title: str, desc: str, height: int, extra_class: str = "") -> list[str]:
    """A chart's start: its title and description, both escaped already (`escape`)."""
    return [
        f'<svg class="chart {extra_class}" viewBox="0 0 {WIDTH} {height}" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{chart_id}-title">{title}</title>',
        f'<desc id="{chart_id}-desc">{desc}</desc>',
    ]


#: The trends' labels (our own words), escaped once per process.
_TREND_LABELS = {name: escape(label) for name, label in TRENDS}


def _label(trend: Trend) -> str:
    return _TREND_LABELS.get(trend.field) or escape(trend.label)


#: The months as `strftime`'s "%b" names them, read once (`strftime` for each label cost more
#: than the rest of it).
_MONTHS_SHORT = tuple(calendar.month_abbr)


def _short(day: date) -> str:
    return f"{day.day} {_MONTHS_SHORT[day.month]}"


def _x_labels(weeks: list[date], x, height: int) -> list[str]:
    if not weeks:
        return []
    picks = sorted({0, len(weeks) - 1, (len(weeks) - 1) // 2})
    out = []
    for i in picks:
        anchor = "start" if i == 0 and len(weeks) > 1 else "end" if i == len(weeks) - 1 and len(weeks) > 1 else "middle"
        out.append(
            f'<text class="axis-label" {LABEL} x="{x(i):.1f}" y="{height - 8}" text-anchor="{anchor}">{_short(weeks[i])}</text>'
        )
    return out


def _week_x(i: int, n: int) -> float:
    """Where week `i` of `n` sits across a line chart."""
    plot_w = WIDTH - LEFT - RIGHT
    return LEFT + (plot_w / 2 if n == 1 else i * plot_w / (n - 1))


@cache
def _week_xs(n: int) -> tuple[tuple[str, str], ...]:
    """Each week's x on a line chart of `n` weeks, written, and 4 to its left (a square
    marker's corner): the same on every chart, so written once per process."""
    return tuple((f"{x:.1f}", f"{x - 4:.1f}") for x in (_week_x(i, n) for i in range(n)))


LINE_HEIGHT = 200
LINE_PLOT_H = LINE_HEIGHT - TOP - BOTTOM


def _grid(low: float, high: float) -> str:
    """A line chart's levels, a line and a label each, on the scale from `low` to `high`."""

    def y(v: float) -> float:
        return TOP + (high - v) / (high - low) * LINE_PLOT_H

    parts = []
    step = 1 if high - low <= 6 else 2
    level = low
    while level <= high + 0.001:
        parts.append(
            f'<line class="grid" {GRID} x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(level):.1f}" y2="{y(level):.1f}"/>'
        )
        parts.append(
            f'<text class="axis-label" {LABEL} x="{LEFT - 6}" y="{y(level) + 4:.1f}" text-anchor="end">{_num(level)}</text>'
        )
        level += step
    return "".join(parts)


#: The levels of the scores' scale and of sleep's, written once per process (a chart whose
#: sleep averages go above 12 hours writes its own).
_GRIDS = {(1.0, 5.0): _grid(1.0, 5.0), (0.0, 12.0): _grid(0.0, 12.0)}


class _Weeks:
    """What every chart and table of one page's weeks shares, written once for them all:
    each week's label, the line charts' x axis, each weekly average's words and its
    height on a scale (a page writes a few hundred numbers: formatting one cost more than
    the rest of writing it, and most averages come back in other weeks and charts)."""

    def __init__(self, weeks: list[date]):
        n = len(weeks)
        self.labels = [week.isoformat() for week in weeks]
        self.axis = "".join(_x_labels(weeks, lambda i: _week_x(i, n), LINE_HEIGHT))
        #: {average: its words, "3.2"}
        self.words: dict[float, str] = {}
        #: {(low, high): {average: (its height on that scale, written)}}
        self.heights: dict[tuple[float, float], dict[float, tuple[float, str]]] = {}
        #: {(low, high): {average: the top of its square marker, written}}
        self.corners: dict[tuple[float, float], dict[float, str]] = {}

    def word(self, value: float) -> str:
        words = self.words.get(value)
        if words is None:
            words = self.words[value] = f"{value:.1f}"
        return words


def line_chart(trend: Trend, chart_id: str, summary: str, weeks: _Weeks | None = None) -> Markup:
    """Weekly averages, one line per person; a week without check-ins is a gap. `summary`
    is escaped here unless it is Markup already (`summaries.trend_summary`)."""
    weeks = weeks or _Weeks(trend.weeks)
    n = len(trend.weeks)
    high, low = trend.high, trend.low
    parts = _open(chart_id, f"{_label(trend)}: weekly averages", escape(summary), LINE_HEIGHT)
    parts.append(_GRIDS.get((low, high)) or _grid(low, high))
    parts.append(weeks.axis)
    xs = _week_xs(n)
    heights = weeks.heights.setdefault((low, high), {})
    corners = weeks.corners.setdefault((low, high), {})
    labels: list[list] = []
    for series in trend.series:
        key = series.person.key
        # The weeks with a value, each one's height, worked out and written once a page
        # for every line and marker that has it.
        marks = []
        for i, v in enumerate(series.values):
            if v is not None:
                at = heights.get(v)
                if at is None:
                    py = TOP + (high - v) / (high - low) * LINE_PLOT_H
                    at = heights[v] = (py, f"{py:.1f}")
                marks.append((i, v, at))
        if not marks:
            continue
        # A week without a value is a gap: the line stops, and starts again after it.
        starts = [k for k, mark in enumerate(marks) if k == 0 or marks[k - 1][0] != mark[0] - 1]
        for start, end in zip(starts, [*starts[1:], len(marks)]):
            if end - start > 1:
                line = " ".join([f"{xs[i][0]},{at[1]}" for i, _, at in marks[start:end]])
                parts.append(f'<polyline class="line line-{key}" {_line(key)} points="{line}"/>')
        marker = f'class="dot dot-{key}" fill="{INK[key]}"'
        if key == "you":
            parts += [f'<circle {marker} cx="{xs[i][0]}" cy="{at[1]}" r="4"/>' for i, _, at in marks]
        else:
            for i, v, at in marks:
                corner = corners.get(v)
                if corner is None:
                    corner = corners[v] = f"{at[0] - 4:.1f}"
                parts.append(f'<rect {marker} x="{xs[i][1]}" y="{corner}" width="8" height="8"/>')
        last, _, (py, _) = marks[-1]
        labels.append([py + 4, _week_x(last, n) + 8, key, series.person.name_html])
    # Direct labels at the end of each line, moved apart where the lines end close together.
    labels.sort()
    for above, below in zip(labels, labels[1:]):
        if below[0] - above[0] < 15:
            middle = (above[0] + below[0]) / 2
            above[0], below[0] = middle - 7.5, middle + 7.5
    for label_y, label_x, key, name in labels:
        parts.append(
            f'<text class="line-label label-{key}" fill="{INK[key]}" font-size="13" font-weight="600" '
            f'x="{label_x:.1f}" y="{label_y:.1f}">{name}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # nosec B704 (SVG built from numbers and our own labels; names and the summary escaped)


BAR_ROW_H = 34
BAR_LEFT = 130
BAR_PLOT_W = WIDTH - BAR_LEFT - 20


@cache
def _bar_slots(n: int) -> tuple[tuple[str, ...], str]:
    """Where each week's bar starts on a bar chart of `n` weeks, written, and the bars'
    width: the same on every chart, so written once per process."""
    slot = BAR_PLOT_W / n
    width = max(1.0, slot * 0.7)
    return tuple(f"{BAR_LEFT + i * slot + slot / 2 - width / 2:.1f}" for i in range(n)), f"{width:.1f}"


def bar_rows(bars: Bars, chart_id: str, title: str, summary: str, labels: dict[str, str]) -> Markup:
    """One labelled row of weekly bars per group (a practice kind, or whose moments)."""
    row_h, left, plot_w = BAR_ROW_H, BAR_LEFT, BAR_PLOT_W
    height = TOP + row_h * max(len(bars.groups), 1) + BOTTOM
    n = max(len(bars.weeks), 1)
    slot = plot_w / n
    top_value = max([v for values in bars.groups.values() for v in values] + [1])
    parts = _open(chart_id, escape(title), escape(summary), height, "bars")

    def x(i: int) -> float:
        return left + i * slot + slot / 2

    xs, width = _bar_slots(n)
    # A count's bar, written once a chart: its height (at least 2, so the smallest count
    # still shows), and how far its top is above a row's base line.
    bars_of: dict[int, tuple[str, float]] = {}
    for r, (group, values) in enumerate(bars.groups.items()):
        base = TOP + (r + 1) * row_h - 6
        parts.append(
            f'<text class="row-label" fill="{INK["text"]}" font-size="13" x="{left - 8}" y="{base - 6}" text-anchor="end">{escape(labels.get(group, group))}</text>'
        )
        parts.append(f'<line class="grid" {GRID} x1="{left}" x2="{left + plot_w}" y1="{base}" y2="{base}"/>')
        for i, v in enumerate(values):
            if not v:
                continue
            bar = bars_of.get(v)
            if bar is None:
                h = (row_h - 10) * v / top_value
                h = h if h > 2.0 else 2.0
                bar = bars_of[v] = (f"{h:.1f}", h)
            parts.append(
                f'<rect class="bar" fill="{INK["you"]}" x="{xs[i]}" y="{base - bar[1]:.1f}" width="{width}" height="{bar[0]}"/>'
            )
    parts += _x_labels(bars.weeks, x, height)
    parts.append("</svg>")
    return Markup("".join(parts))  # nosec B704 (SVG built from numbers and our own labels; every name passes through escape())


def bars_figure(
    bars: Bars, block_id: str, title: str, labels: dict[str, str], noun: str, open_table: bool = False
) -> Markup:
    """A bar chart's figure: its summary (`summaries.bars_summary`), and when anything was
    counted, its chart and table of numbers."""
    summary = escape(bars_summary(bars, labels, noun))
    inner = ""
    if bars.total:
        chart = bar_rows(bars, f"chart-{block_id}", title, summary, labels)
        table = numbers_table(f"table-{block_id}", escape(title), bars_table(bars, labels), open_table)
        inner = f"\n  {chart}\n  {table}\n  "
    return Markup(
        f'\n<figure class="chart-figure" id="{block_id}">\n'
        f'  <figcaption><p class="chart-summary">{summary}</p></figcaption>\n  {inner}\n</figure>'
    )  # nosec B704 (the summary and title escaped; the chart and table escape what they write)


def stage_figure(progress, start: datetime, end: datetime, open_table: bool = False) -> Markup:
    """The pace chart's figure: its summary (`summaries.stage_summary`), its chart, and
    when the stage changed, its table."""
    summary = escape(stage_summary(progress.stages, progress.current_stage))
    chart = stage_chart(progress.stages, start, end, progress.current_stage, "chart-pace", summary)
    table = ""
    if progress.stages:
        table = (
            f"\n  {numbers_table('table-pace', 'Changes of pace stage', stage_table(progress.stages), open_table)}\n  "
        )
    return Markup(
        f'\n<figure class="chart-figure" id="pace">\n'
        f'  <figcaption><p class="chart-summary">{summary}</p></figcaption>\n  {chart}\n  {table}\n</figure>'
    )  # nosec B704 (our own words and numbers, escaped all the same)


def stage_chart(
    steps: list[StageStep], start: datetime, end: datetime, current: int, chart_id: str, summary: str
) -> Markup:
    """The pace stage over time: a step line, a marker at each change."""
    height = 170
    plot_w, plot_h = WIDTH - LEFT - RIGHT, height - TOP - BOTTOM
    span = max((end - start).total_seconds(), 1.0)

    def x(at: datetime) -> float:
        return LEFT + max(0.0, min(1.0, (at - start).total_seconds() / span)) * plot_w

    def y(stage: int) -> float:
        return TOP + (4 - stage) / 3 * plot_h

    parts = _open(chart_id, "Pace stage over time", escape(summary), height)
    for stage in (1, 2, 3, 4):
        parts.append(
            f'<line class="grid" {GRID} x1="{LEFT}" x2="{LEFT + plot_w}" y1="{y(stage):.1f}" y2="{y(stage):.1f}"/>'
        )
        parts.append(
            f'<text class="axis-label" {LABEL} x="{LEFT - 6}" y="{y(stage) + 4:.1f}" text-anchor="end">{stage}</text>'
        )
    stage = steps[0].from_stage if steps else current
    points = [f"{x(start):.1f},{y(stage):.1f}"]
    for s in steps:
        points.append(f"{x(s.at):.1f},{y(s.from_stage):.1f}")
        points.append(f"{x(s.at):.1f},{y(s.to_stage):.1f}")
    points.append(f"{x(end):.1f},{y(current):.1f}")
    parts.append(f'<polyline class="line line-you" {_line("you")} points="{" ".join(points)}"/>')
    for s in steps:
        kind = "forward" if s.to_stage > s.from_stage else "back"
        parts.append(
            f'<circle class="dot step-{kind}" {_step_paint(kind)} cx="{x(s.at):.1f}" cy="{y(s.to_stage):.1f}" r="5"/>'
        )
    parts.append(
        f'<text class="line-label label-you" fill="{INK["you"]}" font-size="13" font-weight="600" x="{LEFT + plot_w + 8}" y="{y(current) + 4:.1f}">Stage {current}</text>'
    )
    parts.append(f'<text class="axis-label" {LABEL} x="{LEFT}" y="{height - 8}">{_short(start.date())}</text>')
    parts.append(
        f'<text class="axis-label" {LABEL} x="{LEFT + plot_w}" y="{height - 8}" text-anchor="end">{_short(end.date())}</text>'
    )
    parts.append("</svg>")
    return Markup("".join(parts))  # nosec B704 (SVG built from numbers and our own labels; every name passes through escape())


# -- the tables under the charts: what each chart draws, as numbers. Written here with the
# charts rather than cell by cell in the template: a year or all time is hundreds of rows,
# and the template's escaping and lookups per cell were most of the page's time.


def _head(labels) -> str:
    """A numbers table's head: each column's label, escaped already."""
    cells = "".join([f'<th scope="col">{label}</th>' for label in labels])
    return f"<thead><tr>{cells}</tr></thead>"


def _table(head, rows: list[str]) -> Markup:
    """A numbers table's inside: a head of each column's label (escaped here), then its rows."""
    body = "\n".join(rows)
    return Markup(f"{_head(map(escape, head))}\n<tbody>\n{body}\n</tbody>")  # nosec B704 (escaped labels, rows built here)


def _local_days(instants) -> dict[datetime, str]:
    """Each instant's day in the viewer's own time zone, as the `localdate` filter writes
    it: the zone found once (what `local_time` gives), each instant written once."""
    instants = set(instants)
    if not instants:
        return {}
    zone = local_time(next(iter(instants))).tzinfo
    return {at: date_words(at.astimezone(zone)) for at in instants}


def trend_table(trend: Trend, weeks: _Weeks | None = None) -> Markup:
    """A trend's table: each week with any check-in, then each person's weekly average
    with, in brackets, the number of check-ins it averages (a dash for none, written as a
    reference so the page stays ASCII: see templates/base.html's title)."""
    weeks = weeks or _Weeks(trend.weeks)
    shown = sorted({i for series in trend.series for i, v in enumerate(series.values) if v is not None})
    # Column by column: each person's cell for every week shown, added to the row so far.
    rows = [f'<tr><th scope="row">{weeks.labels[i]}</th>' for i in shown]
    for series in trend.series:
        key, values, counts, word = series.person.key, series.values, series.counts, weeks.word
        rows = [
            f'{row}<td class="avg-{key}">{"&ndash;" if values[i] is None else f"{word(values[i])} ({counts[i]})"}</td>'
            for row, i in zip(rows, shown)
        ]
    head = _head(["Week of", *(s.person.name_html for s in trend.series)])
    body = "\n".join([f"{row}</tr>" for row in rows])
    return Markup(f"{head}\n<tbody>\n{body}\n</tbody>")  # nosec B704 (names escaped, numbers and our words)


def trend_figures(trends: list[Trend], open_table: bool = False) -> Markup:
    """Each trend's figure: its heading and summary (`summaries.trend_summary`), its chart
    and its table of numbers, written in one pass rather than by a macro a trend: the
    weeks' labels and axis, and most averages' words, are the same in every chart."""
    if not trends:
        return Markup()
    weeks = _Weeks(trends[0].weeks)
    figures = []
    for trend in trends:
        summary = trend_summary(trend)
        label = _label(trend)
        chart = line_chart(trend, f"chart-{trend.field}", summary, weeks)
        table = numbers_table(
            f"table-{trend.field}",
            f"{label}: weekly averages (check-ins that week)",
            trend_table(trend, weeks),
            open_table,
        )
        figures.append(
            f'\n<figure class="chart-figure" id="trend-{trend.field}">\n'
            f'  <figcaption><h3>{label}</h3><p class="chart-summary">{summary}</p></figcaption>\n'
            f"  {chart}\n  {table}\n</figure>"
        )
    return Markup("".join(figures))  # nosec B704 (our own words and numbers; names escaped)


def numbers_table(table_id: str, caption: str, table: str, open_table: bool = False) -> str:
    """The table under a chart, folded: what the chart draws, as numbers (its caption
    escaped already, its head and rows from the functions here)."""
    return (
        f'<details class="chart-numbers"{" open" if open_table else ""}>\n'
        "    <summary>The numbers</summary>\n"
        f'    <table class="numbers" id="{table_id}">\n'
        f"      <caption>{caption}</caption>\n"
        f"      {table}\n"
        "    </table>\n"
        "  </details>"
    )


def bars_table(bars: Bars, labels: dict[str, str]) -> Markup:
    """A bar chart's table: every week, then each group's count that week."""
    rows = [f'<tr><th scope="row">{week.isoformat()}</th>' for week in bars.weeks]
    for values in bars.groups.values():
        rows = [f"{row}<td>{v}</td>" for row, v in zip(rows, values)]
    return _table(["Week of", *(labels.get(g, g) for g in bars.groups)], [f"{row}</tr>" for row in rows])


def stage_table(steps: list[StageStep]) -> Markup:
    """The pace chart's table: each change of stage, its day, and whether it was a step forward."""
    days = _local_days(s.at for s in steps)
    rows = [
        f"<tr><td>{days[s.at]}</td><td>{s.from_stage:d}</td><td>{s.to_stage:d}</td>"
        f"<td>{'Forward' if s.to_stage > s.from_stage else 'Back'}</td></tr>"
        for s in steps
    ]
    return _table(["Date", "From", "To", "Step"], rows)


def sensation_rows(body: BodyMap, feeling_words: dict[str, str]) -> Markup:
    """The sensation table's rows: each area with an answer, its latest, then every answer
    in the period, oldest first, each with its day in the viewer's own time zone."""
    chips = {f: (html_words(f), html_words(w)) for f, w in feeling_words.items()}
    # A map answers for several areas at one instant: each instant's day is written once.
    days = _local_days(when for history in body.areas.values() for when, _ in history.ratings)
    rows = []
    for history in body.areas.values():
        if not history.ratings:
            continue
        latest, latest_words = chips[history.latest]
        answers = "".join(
            [
                f'<li class="feel-chip feel-{chips[f][0]}">{days[when]}: {chips[f][1]}</li>'
                for when, f in history.ratings
            ]
        )
        rows.append(
            f'<tr><th scope="row">{html_words(history.label)}</th><td><span class="feel-word feel-{latest}">'
            f'{latest_words}</span></td>\n<td><ol class="ratings">{answers}</ol></td></tr>'
        )
    return Markup("\n".join(rows))  # nosec B704 (our own words and dates; every value passes through escape())


#: The practice kinds as a table's row starts them, escaped once per process.
_KIND_HEADS = {kind: escape(words.capitalize()) for kind, words in KIND_WORDS.items()}


def helps_rows(comparisons: list[Comparison]) -> Markup:
    """The rows of "what seems to help": each kind of practice and score, its average on
    the days after one and on the other days, with how many days each."""
    rows = [
        f'<tr><th scope="row">{_KIND_HEADS.get(c.kind) or escape(c.kind_words.capitalize())}</th><td>{_TREND_LABELS[c.field]}</td>'
        f"<td>{c.after_average:.1f} ({c.after_days} days)</td><td>{c.other_average:.1f} ({c.other_days} days)</td></tr>"
        for c in comparisons
    ]
    return Markup("\n      ".join(rows))  # nosec B704 (our own words and numbers; a kind we have no words for escaped)
