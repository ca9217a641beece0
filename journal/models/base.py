"""Declarative base, naming convention, the one clock and the column types every model shares."""

import logging
from datetime import UTC, datetime
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import DateTime, MetaData, String, TypeDecorator
from sqlalchemy.orm import DeclarativeBase

log = logging.getLogger(__name__)

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def now_utc() -> datetime:
    """The current time, timezone-aware, in UTC. Use this everywhere."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """Stores aware datetimes as UTC and always gives them back aware.

    SQLite keeps no zone, so values are normalised to UTC on the way in and
    marked UTC on the way out; PostgreSQL gets `timestamptz`.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            # Made anew rather than by `value.replace(tzinfo=UTC)`, whose keyword parsing cost
            # twice as much: a list reads one or two of these a row.
            return datetime(
                value.year, value.month, value.day, value.hour, value.minute, value.second, value.microsecond, UTC
            )
        return value.astimezone(UTC)


@cache
def zone_known(name: str) -> str:
    """`name` if this system knows the zone, else "UTC" (logged once a process, by zone name
    only: a zone says nothing about whose row it was)."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        log.warning("stored time zone %r is not known here; read as UTC", name[:64])
        return "UTC"
    return name


class ZoneName(TypeDecorator):
    """An IANA zone name. Zones are checked on input, but a row written by an older
    version, or a zone a tzdata update dropped, would otherwise raise wherever a time is
    shown or a reminder decided: such a zone is read as UTC, here, once, for every surface
    (pages, calendar feed, reminders, export). The row keeps what it holds until someone
    saves a zone for it again (the profile and plan settings always write theirs)."""

    impl = String(64)
    cache_ok = True

    def process_result_value(self, value, dialect):
        return value if value is None else zone_known(value)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
