"""The progress page's one choice: which period to show (a link, so no form to post)."""
from journal.progress.services import DEFAULT_PERIOD, PERIODS

PERIOD_LABELS = {"4": "4 weeks", "12": "12 weeks", "52": "A year", "all": "All time"}


def period_from(raw: str | None) -> str:
    """The period asked for in the query string; anything unknown shows the default."""
    return raw if raw in PERIODS else DEFAULT_PERIOD
