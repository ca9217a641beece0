"""How a link names one Today prompt: the one format and the one parser.

A key is ``<schedule id>@<occurrence in UTC, YYYYMMDDTHHMMSSZ>``. Which keys a person
may act on or write about is decided in `journal.today.services` (`prompt_find` for
acting on Today, `prompt_link` for writing about a prompt); this module only reads
and writes the key, so the format lives in one place.
"""

from datetime import UTC, datetime

from journal.inputs import query_int

PROMPT_STAMP = "%Y%m%dT%H%M%SZ"


def prompt_key(schedule_id: int | None, occurrence_at: datetime | None) -> str:
    """The key for one occurrence of a schedule; empty when either is missing."""
    if schedule_id is None or occurrence_at is None:
        return ""
    return f"{schedule_id}@{occurrence_at.astimezone(UTC).strftime(PROMPT_STAMP)}"


def prompt_parse(key: str | None) -> tuple[int, datetime] | None:
    """(schedule id, occurrence) from a key, or None for anything malformed."""
    try:
        schedule_id, stamp = (key or "").split("@", 1)
        return query_int(schedule_id), datetime.strptime(stamp, PROMPT_STAMP).replace(tzinfo=UTC)
    except ValueError:
        return None
