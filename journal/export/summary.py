"""The summary a person takes to a clinician or therapist.

Trends always; the sensation map, pace history and practices done when chosen; free
text only when ticked (all of one's own notes, or only the notes one marked "include in a
summary for a clinician"); the partner's shared check-ins only when ticked. Nothing here
reads what the person may not see: the numbers come from `progress_build`, the notes
are the person's own.
"""

from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from journal.access import Scope
from journal.checkins.services import checkin_views
from journal.crypto import keys_preload
from journal.extensions import db
from journal.models import now_utc
from journal.models.checkins import CheckIn
from journal.models.notes import ProgressNote, SensationMap
from journal.notes.services import map_open, note_open
from journal.progress.services import Progress, pace_span, progress_build
from journal.progress.weeks import day_start_utc, days_utc
from journal.zones import today_for


@dataclass(frozen=True)
class SummaryOptions:
    since: date
    until: date
    sensation: bool = True
    pace: bool = True
    practices: bool = True
    flagged: bool = False
    notes: bool = False
    partner: bool = False


@dataclass
class NoteText:
    at: datetime
    kind: str
    practice: str | None
    comfort: int | None
    texts: list[tuple[str, str]]
    areas: dict[str, str] | None = None


@dataclass
class Summary:
    options: SummaryOptions
    person: str
    made_on: date
    progress: Progress
    pace_start: datetime
    pace_end: datetime
    notes: list[NoteText] = field(default_factory=list)


NOTE_LABELS = {"went": "How it went", "keep": "What to keep", "change": "What to change"}


def _own_notes(scope: Scope, options: SummaryOptions) -> list[NoteText]:
    """The person's own words in the range: every note if `notes`, else only those whose
    sensation map they marked for a clinician (if `flagged`)."""
    start, end = days_utc(options.since, options.until)
    rows = db.session.execute(
        select(ProgressNote, SensationMap)
        .outerjoin(SensationMap, SensationMap.note_id == ProgressNote.id)
        .options(joinedload(ProgressNote.practice))
        .where(ProgressNote.author_id == scope.user.id, ProgressNote.created_at >= start, ProgressNote.created_at < end)
        .order_by(ProgressNote.created_at, ProgressNote.id)
    ).all()
    checkins = []
    if options.notes:
        checkins = db.session.scalars(
            scope.own(CheckIn)
            .where(CheckIn.day >= options.since, CheckIn.day <= options.until, CheckIn.note_sealed.is_not(None))
            .order_by(CheckIn.day, CheckIn.id)
        ).all()
    keys_preload({("user", scope.user.id)})
    out = []
    for note, sensation_map in rows:
        flagged = sensation_map is not None and sensation_map.for_clinician
        if not (options.notes or (options.flagged and flagged)):
            continue
        texts = [
            (NOTE_LABELS[f], o.value if o.readable else "This text can't be read any more.")
            for f, o in note_open(note).items()
            if o.value or not o.readable
        ]
        areas = None
        if flagged and sensation_map is not None:
            opened = map_open(sensation_map)
            areas = opened.value if opened.readable else None
        out.append(
            NoteText(
                note.created_at,
                "Progress note",
                note.practice.title if note.practice else None,
                note.comfort,
                texts,
                areas,
            )
        )
    for view in checkin_views(scope, checkins):
        if view.note:
            at = day_start_utc(view.checkin.day)
            out.append(NoteText(at, "Check-in", None, None, [("Note", view.note)]))
    out.sort(key=lambda n: n.at)
    return out


def summary_build(scope: Scope, *, options: SummaryOptions, now: datetime | None = None) -> Summary:
    now = now or now_utc()
    progress = progress_build(scope, since=options.since, until=options.until, now=now)
    if not options.partner:
        progress = _without_partner(progress)
    if not options.sensation:
        progress.bodies = []
    pace_start, pace_end = pace_span(progress, now=now)
    pace_end = min(pace_end, day_start_utc(options.until + timedelta(days=1)))
    notes = _own_notes(scope, options) if (options.notes or options.flagged) else []
    return Summary(
        options,
        scope.user.display_name,
        today_for(scope.user, plan=scope.plan, now=now),
        progress,
        pace_start,
        pace_end,
        notes,
    )


def _without_partner(progress: Progress) -> Progress:
    me = progress.people[0]
    trends = [replace(t, series=[s for s in t.series if s.person.key == "you"]) for t in progress.trends]
    bodies = [b for b in progress.bodies if b.person.key == "you"]
    return replace(progress, people=[me], trends=trends, bodies=bodies, daily={}, practice_days={}, recent_scores={})
