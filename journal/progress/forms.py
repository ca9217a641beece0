"""The one choice of the progress page and of sensation over time: which period to show
(a link, so no form to post)."""

from journal.progress.services import DEFAULT_PERIOD, PERIODS

PERIOD_LABELS = {"4": "4 weeks", "12": "12 weeks", "52": "A year", "all": "All time"}


def period_from(raw: str | None, default: str = DEFAULT_PERIOD) -> str:
    """The period asked for in the query string; anything unknown shows the default."""
    return raw if raw in PERIODS else default
