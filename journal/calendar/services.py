"""The calendar feed: a per-person secret iCalendar URL of the practices that prompt them.

The raw token is made with `secrets.token_urlsafe(32)`, shown once as a URL, and only its
SHA-256 is stored. Calendar apps can't log in, so the token is the whole credential:
regenerating replaces it (the old URL stops working at once), deleting turns the feed off.

Titles are discreet: every event is called "Tandem" and never names the practice (a phone's
lock screen and a shared family calendar show event titles to anyone nearby).
"""
import hashlib
import logging
import secrets
from datetime import timedelta
from zoneinfo import ZoneInfo

from icalendar import Alarm, Calendar, Event, Timezone, vRecur
from sqlalchemy import delete, select

from journal.access import Scope
from journal.extensions import db
from journal.models import User, now_utc
from journal.models.calendar import CalendarFeed
from journal.models.practice import NO_PRESSURE
from journal.plan.recurrence import ical_rules
from journal.plan.services import plan_view, recurrence_of, schedules_with_practices
from journal.views import external_url

log = logging.getLogger(__name__)

#: What every event is called while titles are discreet (the default, and for now the only choice).
DISCREET_TITLE = "Tandem"
CALENDAR_NAME = "Tandem"
PRODID = "-//Tandem//calendar feed//EN"
#: Minutes before each event that calendar apps show a gentle reminder.
ALARM_MINUTES = 10


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def feed_url(token: str) -> str:
    """The absolute feed URL, built on BASE_URL (never on the request's Host header)."""
    return external_url("calendar.feed", token=token)


def feed_exists(*, user: User) -> bool:
    return db.session.scalar(select(CalendarFeed.id).where(CalendarFeed.user_id == user.id)) is not None


def feed_regenerate(*, user: User) -> str:
    """Make the person's feed, or give it a new token: returns the raw token (shown once)."""
    token = secrets.token_urlsafe(32)
    feed = db.session.scalar(select(CalendarFeed).where(CalendarFeed.user_id == user.id))
    if feed is None:
        feed = CalendarFeed(user_id=user.id)
        db.session.add(feed)
    feed.token_hash = _digest(token)
    feed.created_at = now_utc()
    db.session.flush()
    log.info("user %s calendar feed %s issued", user.id, feed.id)
    return token


def feed_delete(*, user: User) -> bool:
    """Turn the feed off. True if there was one."""
    done = db.session.execute(delete(CalendarFeed).where(CalendarFeed.user_id == user.id)).rowcount
    if done:
        log.info("user %s calendar feed deleted", user.id)
    return bool(done)


def feed_owner(token: str) -> User | None:
    """The person a feed token belongs to, in one statement; None for an unknown or old token."""
    if not token or len(token) > 200:
        return None
    return db.session.scalar(
        select(User).join(CalendarFeed, CalendarFeed.user_id == User.id).where(CalendarFeed.token_hash == _digest(token))
    )


def feed_calendar(*, user: User, discreet: bool = True) -> bytes:
    """The person's scheduled practices as an iCalendar document.

    Costs a fixed number of statements: the plan, then its schedules with their practices
    (the caller already loaded the feed owner by token)."""
    scope = Scope(user)
    view = plan_view(scope)
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", CALENDAR_NAME)
    if view.plan is None:
        return cal.to_ical()
    zone = view.timezone
    tz = ZoneInfo(zone)
    today_url = external_url("today.today")
    stamp = now_utc()
    cal.add_component(Timezone.from_tzid(zone))
    # A paused plan still lists its events: calendar apps have no way to pause a feed, and
    # emptying it would delete the events from people's calendars. Reminders in the app
    # itself do stop while paused; the events here say only "Tandem".
    for schedule, practice in db.session.execute(schedules_with_practices(scope)).all():
        if schedule.prompt_user_id is not None and schedule.prompt_user_id != user.id:
            continue  # prompts only the partner
        if view.is_held(practice) or view.is_later(practice):
            continue  # touch practices on hold, or above the current stage: not offered now
        for start, rule in ical_rules(recurrence_of(schedule), zone):
            event = Event()
            event.add("uid", f"schedule-{schedule.id}-{start:%H%M}@tandem")
            event.add("dtstamp", stamp)
            event.add("dtstart", start.replace(tzinfo=tz))
            event.add("duration", timedelta(minutes=practice.duration_minutes or 10))
            if rule is not None:
                event.add("rrule", vRecur.from_ical(rule))
            event.add("summary", DISCREET_TITLE if discreet else practice.title)
            description = "A moment from your Tandem plan."
            if practice.is_intimate:
                description += f" {NO_PRESSURE}"
            event.add("description", f"{description} Open Tandem: {today_url}")
            event.add("url", today_url)
            alarm = Alarm()
            alarm.add("action", "DISPLAY")
            alarm.add("trigger", timedelta(minutes=-ALARM_MINUTES))
            alarm.add("description", DISCREET_TITLE if discreet else practice.title)
            event.add_component(alarm)
            cal.add_component(event)
    return cal.to_ical()
