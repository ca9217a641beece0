"""Export: everything a person may see, as a ZIP other tools can read.

What goes in is decided by the same selectors every page uses (`Scope.visible`,
`checkins_visible_to` with the reveal rule of `checkin_views`), so the export holds
the person's own private and shared items and the partner's shared ones (marked as
the partner's), and never the partner's private items, another couple's anything,
or a secret (password hashes, session or feed tokens, keys, feed URLs).

A fixed number of statements whatever the amount: each kind of row is read once,
every author's key is loaded once, then everything is opened in memory.
"""

import csv
import io
import json
import logging
import zipfile
from datetime import date, datetime
from pathlib import Path

import yaml

from journal.access import Partner, Scope
from journal.calendar.services import feed_calendar
from journal.checkins.services import checkin_views, checkins_visible_to
from journal.consent.services import phrases_open
from journal.crypto import keys_preload
from journal.entries.services import Reader, moment_labels
from journal.extensions import db
from journal.models import now_utc
from journal.models.checkins import SCORE_FIELDS
from journal.models.entries import MOMENT, Entry
from journal.models.notes import AREAS, FEELINGS, ProgressNote, SensationMap
from journal.notes.services import map_open, note_open, notes_visible
from journal.plan.services import plan_view, schedules_listed
from journal.progress.services import stage_history

log = logging.getLogger(__name__)

SCHEMA_VERSION = 1
SCHEMA_NAME = "tandem-export.schema.json"
SCHEMA_PATH = Path(__file__).with_name(SCHEMA_NAME)
CHECKIN_COLUMNS = (
    "id",
    "day",
    "whose",
    "visibility",
    *SCORE_FIELDS,
    "sleep_hours",
    "pain",
    "bleeding",
    "fever",
    "boundary",
    "note",
    "boundary_note",
    "created_at",
)
MOMENT_COLUMNS = ("id", "created_at", "whose", "visibility", "kind", "label", "line")


def _iso(value: datetime | date | None) -> str | None:
    return value.isoformat() if value is not None else None


class _Whose:
    def __init__(self, scope: Scope):
        self.me = scope.user.id

    def __call__(self, author_id: int) -> str:
        return "mine" if author_id == self.me else "partner"


def _checkins(scope: Scope, whose) -> list[dict]:
    rows = db.session.scalars(checkins_visible_to(scope)).all()
    out = []
    for view in checkin_views(scope, rows):
        if view.answered_only:
            continue  # the partner's answers to a shared prompt, not open to this person yet
        c = view.checkin
        item = {"id": c.id, "whose": whose(c.author_id), "visibility": c.visibility, "day": _iso(c.day)}
        item.update({name: getattr(c, name) for name in SCORE_FIELDS})
        item.update(
            sleep_hours=c.sleep_hours,
            pain=c.pain,
            bleeding=c.bleeding,
            fever=c.fever,
            boundary=c.boundary,
            note=view.note,
            boundary_note=view.boundary_note,
            created_at=_iso(c.created_at),
        )
        out.append(item)
    return out


def _entries(scope: Scope, whose) -> tuple[list[dict], list[dict]]:
    rows = db.session.scalars(scope.visible(Entry).order_by(Entry.created_at, Entry.id)).all()
    reader = Reader({e.author_id for e in rows})
    labels = moment_labels()
    entries, moments = [], []
    for e in rows:
        text = reader.open(e)
        common = {"id": e.id, "whose": whose(e.author_id), "visibility": e.visibility, "created_at": _iso(e.created_at)}
        if e.kind == MOMENT:
            moments.append(
                {
                    **common,
                    "kind": e.moment_kind,
                    "label": labels.get(e.moment_kind),
                    "line": text.line,
                    "unreadable": text.unreadable,
                }
            )
        else:
            entries.append(
                {
                    **common,
                    "edited_at": _iso(e.edited_at),
                    "title": text.title,
                    "body": text.body,
                    "tags": text.tags,
                    "practice_id": e.practice_id,
                    "unreadable": text.unreadable,
                }
            )
    return entries, moments


def _notes(scope: Scope, whose) -> tuple[list[dict], list[dict]]:
    """Progress notes, and sensation maps on their own: a map has its own visibility, so
    a partner may share a map and keep the note it belongs to private."""
    notes = db.session.scalars(
        notes_visible(scope).order_by(None).order_by(ProgressNote.created_at, ProgressNote.id)
    ).all()
    maps = db.session.scalars(scope.visible(SensationMap).order_by(SensationMap.created_at, SensationMap.id)).all()
    keys_preload({("user", n.author_id) for n in notes} | {("user", m.author_id) for m in maps})
    note_items = []
    for n in notes:
        texts = note_open(n)
        note_items.append(
            {
                "id": n.id,
                "whose": whose(n.author_id),
                "visibility": n.visibility,
                "created_at": _iso(n.created_at),
                "practice": n.practice.title if n.practice else None,
                "practice_kind": n.practice.kind if n.practice else None,
                "stage": n.stage,
                "comfort": n.comfort,
                "pace": n.pace,
                **{field: opened.value for field, opened in texts.items()},
                "unreadable": not all(o.readable for o in texts.values()),
            }
        )
    map_items = []
    for m in maps:
        opened = map_open(m)
        mine = m.author_id == scope.user.id
        map_items.append(
            {
                "id": m.id,
                "note_id": m.note_id,
                "whose": whose(m.author_id),
                "visibility": m.visibility,
                "created_at": _iso(m.created_at),
                # The author's own choice for their summaries: not the partner's business.
                "for_clinician": m.for_clinician if mine else None,
                "areas": opened.value if opened.readable else None,
            }
        )
    return note_items, map_items


def _plan(scope: Scope) -> dict | None:
    view = plan_view(scope)
    if view.plan is None:
        return None
    schedules = []
    for schedule, practice in schedules_listed(scope):
        schedules.append(
            {
                "practice": practice.title,
                "kind": practice.kind,
                "recurrence": schedule.kind,
                "times": schedule.times,
                "weekdays": schedule.weekdays,
                "interval": schedule.interval,
                "start_date": _iso(schedule.start_date),
                "end_date": _iso(schedule.end_date),
                "for": "everyone"
                if schedule.prompt_user_id is None
                else ("me" if schedule.prompt_user_id == scope.user.id else "partner"),
            }
        )
    # The couple's own words, opened by the consent service (sealed under the plan's key);
    # our suggestions, when they never wrote their own, are not theirs to export.
    phrases, suggested = phrases_open(scope)
    return {
        "timezone": view.timezone,
        "stage": view.stage,
        "paused": view.paused,
        "schedules": schedules,
        "stage_changes": [{"at": _iso(s.at), "from": s.from_stage, "to": s.to_stage} for s in stage_history(scope)],
        "consent_phrases": []
        if suggested
        else [{"signal": signal, "phrase": phrase} for signal, words in sorted(phrases.items()) for phrase in words],
    }


def _kept_plan(scope: Scope) -> dict | None:
    """The plan of their own a person in a couple kept (for if they are ever single again):
    it prompts nobody and shows on no page, but it holds their words. None while single
    (their own plan is then `plan`) or when they kept none."""
    if scope.couple_id is None:
        return None
    return _plan(Scope.as_single(scope.user))


def export_data(scope: Scope, *, now: datetime | None = None) -> dict:
    """Everything this person may see, as the document described by tandem-export.schema.json."""
    whose = _Whose(scope)
    partner: Partner | None = scope.partner()
    entries, moments = _entries(scope, whose)
    notes, maps = _notes(scope, whose)
    return {
        "format": "tandem-export",
        "version": SCHEMA_VERSION,
        "exported_at": _iso(now or now_utc()),
        "person": {"display_name": scope.user.display_name, "email": scope.user.email, "timezone": scope.user.timezone},
        "partner": {"display_name": partner.display_name} if partner else None,
        "checkins": _checkins(scope, whose),
        "entries": entries,
        "moments": moments,
        "progress_notes": notes,
        "sensation_maps": maps,
        "plan": _plan(scope),
        "kept_plan": _kept_plan(scope),
        "words": {"areas": AREAS, "feelings": FEELINGS},
    }


# -- the files ----------------------------------------------------------------------


def _csv(rows: list[dict], columns: tuple[str, ...]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore", lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: ("" if row.get(k) is None else row.get(k)) for k in columns})
    return out.getvalue()


def _markdown(entry: dict, partner_name: str | None) -> str:
    front = {
        "id": entry["id"],
        "title": entry["title"],
        "author": "me" if entry["whose"] == "mine" else (partner_name or "partner"),
        "visibility": entry["visibility"],
        "created": entry["created_at"],
        "edited": entry["edited_at"],
        "tags": entry["tags"],
    }
    head = yaml.safe_dump(front, sort_keys=False, allow_unicode=True)
    return f"---\n{head}---\n\n{entry['body'] or ''}\n"


def export_zip(scope: Scope, *, now: datetime | None = None) -> bytes:
    """The whole export as ZIP bytes (built in memory: two years of daily data for two
    people is a few megabytes and well under a second)."""
    now = now or now_utc()
    data = export_data(scope, now=now)
    partner_name = data["partner"]["display_name"] if data["partner"] else None
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("tandem.json", json.dumps(data, ensure_ascii=False, indent=1))
        z.writestr(SCHEMA_NAME, SCHEMA_PATH.read_text(encoding="utf-8"))
        z.writestr("checkins.csv", _csv(data["checkins"], CHECKIN_COLUMNS))
        z.writestr("moments.csv", _csv(data["moments"], MOMENT_COLUMNS))
        for entry in data["entries"]:
            day = entry["created_at"][:10]
            z.writestr(f"journal/{day}-{entry['id']}.md", _markdown(entry, partner_name))
        z.writestr("calendar.ics", feed_calendar(user=scope.user))
    log.info("user %s exported their data", scope.user.id)
    return buffer.getvalue()
