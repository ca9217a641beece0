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

from journal.progress.services import Bars, BodyMap, StageStep, Trend
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
    return [
        f'<svg class="chart {extra_class}" viewBox="0 0 {WIDTH} {height}" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(desc)}</desc>',
    ]


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


def line_chart(trend: Trend, chart_id: str, summary: str) -> Markup:
    """Weekly averages, one line per person; a week without check-ins is a gap."""
    height = 200
    plot_w, plot_h = WIDTH - LEFT - RIGHT, height - TOP - BOTTOM
    n = len(trend.weeks)

    def x(i: int) -> float:
        return _week_x(i, n)

    def y(v: float) -> float:
        return TOP + (trend.high - v) / (trend.high - trend.low) * plot_h

    parts = _open(chart_id, f"{trend.label}: weekly averages", summary, height)
    step = 1 if trend.high - trend.low <= 6 else 2
    level = trend.low
    while level <= trend.high + 0.001:
        parts.append(
            f'<line class="grid" {GRID} x1="{LEFT}" x2="{LEFT + plot_w}" y1="{y(level):.1f}" y2="{y(level):.1f}"/>'
        )
        parts.append(
            f'<text class="axis-label" {LABEL} x="{LEFT - 6}" y="{y(level) + 4:.1f}" text-anchor="end">{_num(level)}</text>'
        )
        level += step
    parts += _x_labels(trend.weeks, x, height)
    high, low = trend.high, trend.low
    xs = _week_xs(n)
    labels: list[list] = []
    for series in trend.series:
        key = series.person.key
        # The weeks with a value, and each one's y: worked out and written once for its
        # line and its marker.
        weeks = [i for i, v in enumerate(series.values) if v is not None]
        if not weeks:
            continue
        ys = [TOP + (high - v) / (high - low) * plot_h for v in series.values if v is not None]
        written = [f"{py:.1f}" for py in ys]
        # A week without a value is a gap: the line stops, and starts again after it.
        starts = [k for k, i in enumerate(weeks) if k == 0 or weeks[k - 1] != i - 1]
        for start, end in zip(starts, [*starts[1:], len(weeks)]):
            if end - start > 1:
                line = " ".join([f"{xs[i][0]},{py}" for i, py in zip(weeks[start:end], written[start:end])])
                parts.append(f'<polyline class="line line-{key}" {_line(key)} points="{line}"/>')
        marker = f'class="dot dot-{key}" fill="{INK[key]}"'
        if key == "you":
            parts += [f'<circle {marker} cx="{xs[i][0]}" cy="{py}" r="4"/>' for i, py in zip(weeks, written)]
        else:
            parts += [
                f'<rect {marker} x="{xs[i][1]}" y="{py - 4:.1f}" width="8" height="8"/>' for i, py in zip(weeks, ys)
            ]
        labels.append([ys[-1] + 4, x(weeks[-1]) + 8, key, series.person.name])
    # Direct labels at the end of each line, moved apart where the lines end close together.
    labels.sort()
    for above, below in zip(labels, labels[1:]):
        if below[0] - above[0] < 15:
            middle = (above[0] + below[0]) / 2
            above[0], below[0] = middle - 7.5, middle + 7.5
    for label_y, label_x, key, name in labels:
        parts.append(
            f'<text class="line-label label-{key}" fill="{INK[key]}" font-size="13" font-weight="600" '
            f'x="{label_x:.1f}" y="{label_y:.1f}">{escape(name)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # nosec B704 (SVG built from numbers and our own labels; every name passes through escape())


def bar_rows(bars: Bars, chart_id: str, title: str, summary: str, labels: dict[str, str]) -> Markup:
    """One labelled row of weekly bars per group (a practice kind, or whose moments)."""
    row_h = 34
    height = TOP + row_h * max(len(bars.groups), 1) + BOTTOM
    left = 130
    plot_w = WIDTH - left - 20
    n = max(len(bars.weeks), 1)
    slot = plot_w / n
    top_value = max([v for values in bars.groups.values() for v in values] + [1])
    parts = _open(chart_id, title, summary, height, "bars")

    def x(i: int) -> float:
        return left + i * slot + slot / 2

    width = max(1.0, slot * 0.7)
    for r, (group, values) in enumerate(bars.groups.items()):
        base = TOP + (r + 1) * row_h - 6
        parts.append(
            f'<text class="row-label" fill="{INK["text"]}" font-size="13" x="{left - 8}" y="{base - 6}" text-anchor="end">{escape(labels.get(group, group))}</text>'
        )
        parts.append(f'<line class="grid" {GRID} x1="{left}" x2="{left + plot_w}" y1="{base}" y2="{base}"/>')
        # A week's bar is at least 2 high, so the smallest count still shows.
        heights = [(i, (row_h - 10) * v / top_value) for i, v in enumerate(values) if v]
        parts += [
            f'<rect class="bar" fill="{INK["you"]}" x="{left + i * slot + slot / 2 - width / 2:.1f}" '
            f'y="{base - (h if h > 2.0 else 2.0):.1f}" width="{width:.1f}" height="{h if h > 2.0 else 2.0:.1f}"/>'
            for i, h in heights
        ]
    parts += _x_labels(bars.weeks, x, height)
    parts.append("</svg>")
    return Markup("".join(parts))  # nosec B704 (SVG built from numbers and our own labels; every name passes through escape())


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

    parts = _open(chart_id, "Pace stage over time", summary, height)
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


def _table(head, rows: list[str]) -> Markup:
    """A numbers table's inside: a head of each column's label (escaped here), then its rows."""
    labels = "".join([f'<th scope="col">{escape(label)}</th>' for label in head])
    body = "\n".join(rows)
    return Markup(f"<thead><tr>{labels}</tr></thead>\n<tbody>\n{body}\n</tbody>")  # nosec B704 (escaped labels, rows built here)


def _local_days(instants) -> dict[datetime, str]:
    """Each instant's day in the viewer's own time zone, as the `localdate` filter writes
    it: the zone found once (what `local_time` gives), each instant written once."""
    instants = set(instants)
    if not instants:
        return {}
    zone = local_time(next(iter(instants))).tzinfo
    return {at: date_words(at.astimezone(zone)) for at in instants}


def trend_table(trend: Trend) -> Markup:
    """A trend's table: each week with any check-in, then each person's weekly average
    with, in brackets, the number of check-ins it averages (a dash for none, written as a
    reference so the page stays ASCII: see templates/base.html's title)."""
    shown = sorted({i for series in trend.series for i, v in enumerate(series.values) if v is not None})
    # Column by column: each person's cell for every week shown, added to the row so far.
    rows = [f'<tr><th scope="row">{trend.weeks[i].isoformat()}</th>' for i in shown]
    for series in trend.series:
        key, values, counts = escape(series.person.key), series.values, series.counts
        rows = [
            f'{row}<td class="avg-{key}">{"&ndash;" if values[i] is None else f"{values[i]:.1f} ({counts[i]})"}</td>'
            for row, i in zip(rows, shown)
        ]
    return _table(["Week of", *(s.person.name for s in trend.series)], [f"{row}</tr>" for row in rows])


def bars_table(bars: Bars, labels: dict[str, str]) -> Markup:
    """A bar chart's table: every week, then each group's count that week."""
    rows = [f'<tr><th scope="row">{week.isoformat()}</th>' for week in bars.weeks]
    for values in bars.groups.values():
        rows = [f"{row}<td>{v:d}</td>" for row, v in zip(rows, values)]
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
    chips = {f: (escape(f), escape(w)) for f, w in feeling_words.items()}
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
            f'<tr><th scope="row">{escape(history.label)}</th><td><span class="feel-word feel-{latest}">'
            f'{latest_words}</span></td>\n<td><ol class="ratings">{answers}</ol></td></tr>'
        )
    return Markup("\n".join(rows))  # nosec B704 (our own words and dates; every value passes through escape())
