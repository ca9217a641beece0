"""A couple's own practices are their writing: sealed like every other piece of it.

The title, summary, steps and safety note go into one sealed JSON value
(`Practice.text_sealed`) under the plan's key, so either partner can read and edit
them and they stay with the plan. The clear columns hold a neutral placeholder,
which is also all that SQL (ordering, the reminder worker's joined read) sees.
Library practices, which we write, stay in clear.
"""

import json
import logging

from journal.crypto import DecryptError
from journal.crypto.fields import UNREADABLE, SealedFields
from journal.models.practice import OWN_TEXT_FIELDS, Practice

log = logging.getLogger(__name__)

PRACTICE_TEXT = SealedFields(
    Practice.__tablename__,
    ("text",),
    owner=lambda row: ("plan", row.plan_id),
    author=lambda row: None,
    visibility=lambda row: None,
)
#: What the clear columns of a couple's own practice hold.
PLACEHOLDER = {"title": "Your own practice", "summary": "", "steps": [], "safety_note": None}
_CACHE = "_tandem_opened_text"


def practice_text_of(row) -> dict:
    """A plan's own practice's words, opened from a row with its `id`, `plan_id` and
    `text_sealed` (a practice, or columns read for a list); a calm placeholder when they
    can't be opened any more."""
    try:
        opened = json.loads(PRACTICE_TEXT.open_one(row, "text"))
        return {name: opened.get(name, PLACEHOLDER[name]) for name in OWN_TEXT_FIELDS}
    except (DecryptError, ValueError, TypeError):
        log.warning("practice %s can't be opened", row.id)
        return {**PLACEHOLDER, "title": UNREADABLE}


def practice_text(practice: Practice) -> dict:
    """The practice's own words (`practice_text_of`), opened once per loaded value."""
    blob = practice.text_sealed
    cached = practice.__dict__.get(_CACHE)
    if cached is not None and cached[0] is blob:
        return cached[1]
    text = practice_text_of(practice)
    practice.__dict__[_CACHE] = (blob, text)
    return text


def practice_text_seal(practice: Practice, fields: dict) -> None:
    """Seal a flushed practice's own words; its clear columns keep the placeholder."""
    text = {name: fields.get(name, PLACEHOLDER[name]) for name in OWN_TEXT_FIELDS}
    PRACTICE_TEXT.seal_one(practice, "text", json.dumps(text))
    for name, value in PLACEHOLDER.items():
        if getattr(practice, f"_{name}") != value:
            setattr(practice, f"_{name}", value)
