"""Days and weeks as SQL expressions, the same on SQLite and PostgreSQL.

A day is counted from 1970-01-01 (day 0); a week runs Monday to Sunday and is
numbered so that week 1 starts on Monday 1970-01-05. Grouping by these numbers
lets the database do the counting (GROUP BY day) instead of Python.
Timestamps are taken on their UTC date; check-ins carry their own local day.
"""

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Date, Integer, cast, func, literal

from journal.extensions import db

EPOCH = date(1970, 1, 1)
#: The Monday before week 1: week n starts on WEEK_ZERO + n weeks.
WEEK_ZERO = date(1969, 12, 29)
_JULIAN_EPOCH = 2440587.5


def dialect_name() -> str:
    """The database these expressions are written for (a statement built from them is
    kept per dialect: the tests run both databases in one process)."""
    return db.session.get_bind().dialect.name


def day_number(column, *, timestamp: bool = False):
    """Days since 1970-01-01 of a date column (or of a timestamp's UTC date)."""
    if dialect_name() == "postgresql":
        value = cast(func.timezone("UTC", column), Date) if timestamp else column
        return cast(value - literal(EPOCH, Date), Integer)
    return cast(func.julianday(column) - _JULIAN_EPOCH, Integer)


def week_of(day: date) -> int:
    return week_of_day((day - EPOCH).days)


def week_of_day(number: int) -> int:
    """The week of a day counted from 1970-01-01 (`day_number`)."""
    return (number + 3) // 7


def week_first_day(week: int) -> int:
    """The first day of a week (its Monday), counted from 1970-01-01 (`day_number`)."""
    return 7 * week - 3


def week_start(week: int) -> date:
    return WEEK_ZERO + timedelta(weeks=week)


def day_of(number: int) -> date:
    return EPOCH + timedelta(days=number)


def day_start_utc(day: date) -> datetime:
    """Midnight UTC at the start of `day`, for comparing with timestamp columns."""
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def days_utc(since: date | None, until: date | None) -> tuple[datetime | None, datetime | None]:
    """The days from `since` to `until` (both included) as instants for timestamp columns:
    the start of the first, and the start of the day after the last (compare with < it).
    A missing end stays None (open)."""
    return (
        None if since is None else day_start_utc(since),
        None if until is None else day_start_utc(until + timedelta(days=1)),
    )
