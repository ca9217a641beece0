"""The text summary beside each chart: what a screen reader (or a hurried glance) needs."""

from markupsafe import Markup

from journal.progress.services import Bars, StageStep, Trend


def _num(value: float) -> str:
    return f"{value:.1f}"


def trend_summary(trend: Trend) -> Markup:
    """Written as HTML (the partner's name escaped): a page writes it twice a chart."""
    parts = []
    for series in trend.series:
        values = [v for v in series.values if v is not None]
        who = "You" if series.person.key == "you" else f"{series.person.name_html} (shared check-ins)"
        if not values:
            parts.append(f"{who}: no check-ins in this period.")
            continue
        weeks = "week" if len(values) == 1 else "weeks"
        latest = next(v for v in reversed(series.values) if v is not None)
        if len(values) == 1:
            parts.append(f"{who}: one week with check-ins, averaging {_num(latest)}.")
        else:
            parts.append(
                f"{who}: {len(values)} {weeks} with check-ins, weekly averages from {_num(min(values))} "
                f"to {_num(max(values))}, most recently {_num(latest)}."
            )
    return Markup(" ".join(parts))  # nosec B704 (our own words and numbers; the name escaped)


def bars_summary(bars: Bars, labels: dict[str, str], noun: str) -> str:
    if not bars.total:
        return f"No {noun} in this period."
    counts = ", ".join(f"{labels.get(g, g)}: {sum(v)}" for g, v in bars.groups.items())
    return f"{bars.total} {noun} in {len(bars.weeks)} weeks ({counts})."


def stage_summary(steps: list[StageStep], current: int) -> str:
    if not steps:
        return f"The pace stage stayed at {current} in this period."
    forward = sum(1 for s in steps if s.to_stage > s.from_stage)
    back = len(steps) - forward
    return (
        f"{len(steps)} change{'s' if len(steps) != 1 else ''} of stage in this period "
        f"({forward} forward, {back} back); the stage is now {current}."
    )
