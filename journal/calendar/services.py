"""The calendar feed: a per-person secret iCalendar URL of the practices that prompt them.

The raw token is made with `secrets.token_urlsafe(32)`, shown once as a URL, and only its
SHA-256 is stored. Calendar apps can't log in, so the token is the whole credential:
regenerating replaces it (the old URL stops working at once), deleting turns the feed off.

Titles are discreet: every event is called "Tandem" and never names the practice (a phone's
lock screen and a shared family calendar show event titles to anyone nearby).
"""

import logging
import secrets
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from icalendar import Alarm, Calendar, Event, Timezone, vRecur
from sqlalchemy import delete, select

from journal.access import Scope
from journal.bulk import among
from journal.crypto.digest import token_digest
from journal.extensions import db
from journal.models import PromptAction, ReminderSettings, User, now_utc
from journal.models.calendar import CalendarFeed
from journal.models.practice import NO_PRESSURE
from journal.plan.recurrence import ical_rules, local_to_utc, next_occurrence, occurrences
from journal.plan.services import plan_paused_at, plan_view, recurrence_readable, schedules_listed
from journal.reminders.tick import in_quiet_hours
from journal.urls import external_url

log = logging.getLogger(__name__)

#: What every event and alarm is called: never the practice (a phone shows it on the lock screen).
DISCREET_TITLE = "Tandem"
CALENDAR_NAME = "Tandem"
PRODID = "-//Tandem//calendar feed//EN"
#: Minutes before each event that calendar apps show a gentle reminder.
ALARM_MINUTES = 10


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
    feed.token_hash = token_digest(token)
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
        select(User)
        .join(CalendarFeed, CalendarFeed.user_id == User.id)
        .where(CalendarFeed.token_hash == token_digest(token))
    )


def _pause_spans(pauses, zone: str) -> list[tuple[datetime, datetime | None]]:
    """Each pause as [since, end): end is the start of the day after its chosen date."""
    tz = ZoneInfo(zone)
    return [
        (p.since, None if p.until is None else local_to_utc(datetime.combine(p.until + timedelta(days=1), time()), tz))
        for p in pauses
    ]


def _paused(pauses, zone: str, at: datetime) -> bool:
    """The pause rule (`plan_paused_at`) asked at `at`, of the pauses begun by then."""
    return plan_paused_at([p for p in pauses if p.since <= at], zone, now=at)


def feed_calendar(*, user: User) -> bytes:
    """The person's scheduled practices as an iCalendar document, under the same rules
    as reminders: nothing in a paused span (a pause without an end date ends the series
    where it began; they come back on resuming), no touch practice during a safety hold
    or above the stage, no occurrence this person already did or skipped, and no alarm
    that would ring inside their quiet hours (the event stays, silent).

    Costs a fixed number of statements: the plan, its pauses, then its schedules with
    their practices, this person's done and skipped prompts, and their reminder settings
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
    pauses = view.pauses
    spans = _pause_spans(pauses, zone)
    open_ended = min((since for since, end in spans if end is None), default=None)
    rows = schedules_listed(scope)
    acted = {
        (a.schedule_id, a.occurrence_at)
        for a in db.session.execute(
            select(PromptAction.schedule_id, PromptAction.occurrence_at).where(
                PromptAction.user_id == user.id,
                among(PromptAction.schedule_id, {s.id for s, _ in rows}),
                PromptAction.state.in_(("done", "skipped")),
            )
        )
    }
    settings = db.session.get(ReminderSettings, user.id)
    cal.add_component(Timezone.from_tzid(zone))
    for schedule, practice in rows:
        if not view.prompts(schedule, practice, user.id):
            continue  # prompts only the partner, or resting (held, or above the stage): not offered now
        rec = recurrence_readable(schedule)
        if rec is None:
            continue
        skipped = {at for (sid, at) in acted if sid == schedule.id}
        for since, end in spans:  # every occurrence inside a dated pause
            if end is not None:
                skipped.update(at for at in occurrences(rec, zone, since, end) if _paused(pauses, zone, at))
        for start, rule in ical_rules(rec, zone):
            first = local_to_utc(start, tz)
            if open_ended is not None and first >= open_ended:
                continue  # the whole series falls in a pause with no end date
            if rule is None and (first in skipped or _paused(pauses, zone, first)):
                continue
            event = Event()
            event.add("uid", f"schedule-{schedule.id}-{start:%H%M}@tandem")
            event.add("dtstamp", stamp)
            event.add("dtstart", start.replace(tzinfo=tz))
            event.add("duration", timedelta(minutes=practice.duration_minutes or 10))
            if rule is not None:
                recur = vRecur.from_ical(rule)
                if open_ended is not None:
                    cut = open_ended - timedelta(seconds=1)
                    recur["UNTIL"] = [min([cut, *recur.get("UNTIL", [])])]
                event.add("rrule", recur)
                own = sorted(at for at in skipped if at.astimezone(tz).time() == start.time())
                if own:
                    event.add("exdate", [at.astimezone(tz) for at in own])
            event.add("summary", DISCREET_TITLE)
            description = "A moment from your Tandem plan."
            if practice.is_intimate:
                description += f" {NO_PRESSURE}"
            event.add("description", f"{description} Open Tandem: {today_url}")
            event.add("url", today_url)
            upcoming = next_occurrence(rec, zone, stamp) or first
            if in_quiet_hours(settings, user.timezone, upcoming - timedelta(minutes=ALARM_MINUTES)) is None:
                alarm = Alarm()
                alarm.add("action", "DISPLAY")
                alarm.add("trigger", timedelta(minutes=-ALARM_MINUTES))
                alarm.add("description", DISCREET_TITLE)
                event.add_component(alarm)
            cal.add_component(event)
    return cal.to_ical()
