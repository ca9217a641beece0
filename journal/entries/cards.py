"""An entry or a moment as the journal's list shows it: a card of plain values, worded
once per row in Python, so the list's template only places them (a page shows twenty).
Nothing here is kept past the request: a card holds what a person wrote."""

from collections.abc import Callable
from typing import NamedTuple
from zoneinfo import ZoneInfo

from journal.access import SHARED
from journal.entries.listing import Item
from journal.entries.services import UNREADABLE
from journal.models import User
from journal.models.entries import MOMENT, OWN_WORDS
from journal.templating import datetime_words, links_by_id

#: A moment whose kind the library no longer has.
SOME_MOMENT = "A small moment"


class JournalCard(NamedTuple):
    """What the list shows of one entry or moment to its viewer."""

    #: The entry's own page.
    href: str
    #: When it was written, for `<time datetime>` ("2026-05-04T18:15:00+00:00").
    at: str
    #: The same in the viewer's time zone, worded.
    when: str
    #: The author's name on someone else's entry; None on the viewer's own.
    author: str | None
    edited: bool
    shared: bool
    #: The heading: an entry's title, a moment's kind or its own words (or UNREADABLE).
    title: str
    #: A moment's line under its kind, when it has one (or UNREADABLE).
    line: str | None
    #: Each tag with the link to the journal filtered by it.
    tags: list[tuple[str, str]]


def journal_cards(items: list[Item], *, viewer: User, labels: dict[str, str], link: Callable[..., str]):
    """The cards of a page's `items` for `viewer`. `link` builds the app's links (the
    templates' `url_for`); a tag's link is built once a page however many cards carry it."""
    zone = ZoneInfo(getattr(viewer, "timezone", None) or "UTC")
    entry_link = links_by_id(link, "entries.read", "entry_id")
    tag_links: dict[str, str] = {}

    def tag_link(tag: str) -> str:
        href = tag_links.get(tag)
        if href is None:
            href = tag_links[tag] = link("entries.index", tag=tag)
        return href

    cards = []
    for item in items:
        entry, text = item.entry, item.text
        created_at = entry.created_at
        line = None
        if entry.kind == MOMENT:
            if entry.moment_kind == OWN_WORDS:
                title = text.line or UNREADABLE
            else:
                title = labels.get(entry.moment_kind, SOME_MOMENT)
                if text.line or entry.line_sealed:
                    line = text.line or UNREADABLE
            tags = []
        else:
            title = text.title or UNREADABLE
            tags = [(tag_link(tag), tag) for tag in item.tags]
        cards.append(
            JournalCard(
                entry_link(entry.id),
                created_at.isoformat(timespec="seconds"),
                datetime_words(created_at.astimezone(zone)),
                None if item.mine else item.author_name,
                entry.edited_at is not None,
                entry.visibility == SHARED,
                title,
                line,
                tags,
            )
        )
    return cards
