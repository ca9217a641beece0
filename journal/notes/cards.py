"""A progress note as the history lists it: a card of plain values, worded once per row
in Python, so the list's template only places them. Nothing here is kept past the
request: a card holds what a person wrote."""

from collections.abc import Callable
from typing import NamedTuple
from zoneinfo import ZoneInfo

from markupsafe import Markup, escape

from journal.access import SHARED
from journal.models import User
from journal.models.notes import PACE_SUGGESTIONS
from journal.notes.services import Opened
from journal.templating import date_words, links_by_id

#: A note's heading when it names no practice.
NO_PRACTICE = "A note"


class NoteCard(NamedTuple):
    """What the list shows of one note to its viewer."""

    #: The note's own page.
    href: str
    #: The day it was written, in the viewer's zone, as the `localdate` filter words it.
    day: str
    #: Whose it is and who sees it: "from <partner>", "shared" or "only you".
    who: str
    #: The practice it is about, or NO_PRACTICE.
    title: str
    #: False when its first answer can't be opened any more.
    readable: bool
    #: Its first answer given (None without one), whole: the template shortens it.
    preview: str | None
    #: Comfort and pace, worded ("Comfort 4 of 5 &middot; A little slower"), or "".
    rating: Markup


#: Each pace as a card says it, escaped once per process (our own words).
_PACES = {pace: escape(words) for pace, words in PACE_SUGGESTIONS.items()}


def _rating(comfort: int | None, pace: str | None) -> Markup:
    """Comfort and pace, their dot written as an entity: a page all of ASCII is encoded as a
    copy, where one character above 127 had each character encoded one by one."""
    parts = []
    if comfort:
        parts.append(f"Comfort {int(comfort)} of 5")
    if pace:
        parts.append(_PACES.get(pace, ""))
    return Markup(" &middot; ".join(parts))  # nosec B704 (a number and our own words, escaped)


def note_cards(
    rows: list, previews: dict[int, Opened], *, viewer: User, partner: User | None, link: Callable[..., str]
) -> list[NoteCard]:
    """The cards of a page of `notes_page` for `viewer`, whose partner (if any) is
    `partner`. `link` builds the app's links (the templates' `url_for`)."""
    zone = ZoneInfo(getattr(viewer, "timezone", None) or "UTC")
    from_partner = f"from {partner.display_name}" if partner is not None else "from your partner"
    note_link = links_by_id(link, "notes.read", "note_id")
    cards = []
    for row in rows:
        if row.author_id != viewer.id:
            who = from_partner
        elif row.visibility == SHARED:
            who = "shared"
        else:
            who = "only you"
        local = row.created_at.astimezone(zone)
        preview = previews[row.id]
        cards.append(
            NoteCard(
                note_link(row.id),
                date_words(local),
                who,
                row.practice or NO_PRACTICE,
                preview.readable,
                preview.value or None,
                _rating(row.comfort, row.pace),
            )
        )
    return cards
