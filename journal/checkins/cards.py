"""A check-in as a card says it: its link, its day, who wrote it and its answers
worded, each piece plain text or HTML written once per process from our own words, so
a page's template only places them (the list shows twenty cards a page)."""

import calendar
from collections.abc import Callable
from operator import attrgetter
from typing import NamedTuple

from markupsafe import Markup

from journal.access import SHARED
from journal.checkins.services import CheckInView
from journal.models import User
from journal.models.checkins import BLEEDING_WORDS, BOUNDARIES, PAIN_LEVELS, SCALES, SCORE_FIELDS, CheckIn
from journal.templating import date_words, links_by_id

#: A card's day: "Monday 4 May 2026", in `strftime`'s terms (`day_words` writes it by
#: hand; a test holds the two to the same words).
DAY_FORMAT = "%A %-d %B %Y"
#: The weekdays as `strftime` names them (the app runs in the C locale).
_WEEKDAYS = tuple(calendar.day_name)
#: Hours slept as the form takes them: 0 to 24, in whole or half hours.
_SLEEP_HOURS = [half / 2 for half in range(49)]
_ROW = Markup("<div><dt>{}</dt><dd>{}</dd></div>")


def _hours(hours: float) -> str:
    return f"{hours:g} hour{'' if hours == 1 else 's'}"


def _score_words(label: str, score: int, words: tuple[str, ...]) -> Markup:
    return Markup("<div><dt>{}</dt><dd>{} of 5 &middot; {}</dd></div>").format(label, score, words[score - 1])


#: A card's row for each answer it can hold, written once per process from our own words
#: (escaped): each scale's scores ("<div><dt>Mood</dt><dd>4 of 5 &middot; fairly good</dd></div>"),
#: the hours slept, pain, bleeding and fever. A card joins its rows.
_ROWS = {
    **{
        (name, score): _score_words(label, score, words)
        for name, label, words in SCALES
        for score in range(1, len(words) + 1)
    },
    **{("sleep_hours", hours): _ROW.format("Slept", _hours(hours)) for hours in _SLEEP_HOURS},
    **{("pain", level): _ROW.format("Pain", level) for level in PAIN_LEVELS},
    **{("bleeding", key): _ROW.format("Bleeding", words) for key, words in BLEEDING_WORDS.items()},
    ("fever", True): _ROW.format("Fever", "yes"),
    ("fever", False): _ROW.format("Fever", "no"),
}
_SCALE_LABELS = {name: label for name, label, _ in SCALES}
_HEALTH_LABELS = {"sleep_hours": "Slept", "pain": "Pain", "bleeding": "Bleeding"}
_HEALTH_FIELDS = ("sleep_hours", "pain", "bleeding", "fever")


def _row(name: str, value) -> Markup:
    """The card's row for an answer: written once per process, or for a value outside
    what the form saves (the database allows one) worded here: a score as its number
    alone, other hours slept, an answer under its stored name."""
    row = _ROWS.get((name, value))
    if row is not None:
        return row
    if name in _SCALE_LABELS:
        return Markup("<div><dt>{}</dt><dd>{} of 5</dd></div>").format(_SCALE_LABELS[name], value)
    return _ROW.format(_HEALTH_LABELS[name], _hours(value) if name == "sleep_hours" else value)


#: Today's boundary as a card says it, for each colour: its words in a span of its colour.
_BOUNDARIES = {
    name: Markup('<span class="boundary-{}">{}</span>').format(name, f"{name.capitalize()}: {words}")
    for name, words in BOUNDARIES.items()
}


def _boundary(boundary: str | None) -> Markup | None:
    if not boundary:
        return None
    found = _BOUNDARIES.get(boundary)
    if found is None:
        return Markup('<span class="boundary-{}">{}</span>').format(boundary, f"{boundary.capitalize()}: ")
    return found


#: The start of a list of a card's rows.
_LIST_OPEN = '<dl class="scores">'
_SCORES = attrgetter(*SCORE_FIELDS)
_HEALTH = attrgetter(*_HEALTH_FIELDS)


def _rows_of(names: tuple[str, ...]) -> tuple[tuple[str, dict], ...]:
    """`_ROWS` for each of `names`, in order: (name, {value: row}), so a card looks each
    answer up by its value alone (a key made of name and value was made for every answer)."""
    return tuple((name, {value: row for (of, value), row in _ROWS.items() if of == name}) for name in names)


_SCORE_ROWS = _rows_of(SCORE_FIELDS)
_HEALTH_ROWS = _rows_of(_HEALTH_FIELDS)
#: No answers (or none open to the viewer).
_NOTHING = Markup("")


def _answers(checkin: CheckIn) -> Markup:
    """The card's lists of answers: the scores in the scales' order, then sleep, pain,
    bleeding and fever; a list only where something in it was answered."""
    scores = "".join(
        [
            rows.get(value) or _row(name, value)
            for (name, rows), value in zip(_SCORE_ROWS, _SCORES(checkin))
            if value is not None
        ]
    )
    health = "".join(
        [
            rows.get(value) or _row(name, value)
            for (name, rows), value in zip(_HEALTH_ROWS, _HEALTH(checkin))
            if value is not None and value != ""
        ]
    )
    # Rows written from our own words, every value escaped (nosec B704 below).
    if scores and health:
        return Markup(f"{_LIST_OPEN}{scores}</dl>\n{_LIST_OPEN}{health}</dl>")  # nosec B704
    if scores or health:
        return Markup(f"{_LIST_OPEN}{scores or health}</dl>")  # nosec B704
    return _NOTHING


def day_words(day) -> str:
    """A card's day, `strftime(DAY_FORMAT)`'s "Monday 4 May 2026", by hand (`strftime`
    cost as much as the rest of the card's words)."""
    return f"{_WEEKDAYS[day.weekday()]} {date_words(day)}"


class CheckInCard(NamedTuple):
    """What a card shows of one check-in to one viewer (`CheckInView`), worded. The
    list unpacks it in its loop, so the fields' order is the list's."""

    #: The check-in's own page.
    href: str
    #: The day it is about, as the card says it ("Monday 4 May 2026").
    day: str
    #: Who wrote it, as the viewer says it: "You", the partner's name, or "Your partner".
    author: str
    mine: bool
    shared: bool
    from_prompt: bool
    answered_only: bool
    waiting: bool
    #: The lists of answers (empty when none was given, or when the answers are not
    #: open to the viewer).
    answers: Markup
    #: Today's boundary in its colour, or None when not given.
    boundary: Markup | None
    boundary_note: str | None
    note: str | None
    id: int


def checkin_cards(views: list[CheckInView], *, partner: User | None, link: Callable[..., str]) -> list[CheckInCard]:
    """The cards of `views`; a card whose answers are not open to the viewer says only
    who answered, and nothing of its answers is worded. `link` builds the app's links
    (the templates' `url_for`)."""
    partner_id, partner_name = (partner.id, partner.display_name) if partner is not None else (None, None)
    checkin_link = links_by_id(link, "checkins.show", "checkin_id")
    cards = []
    for view in views:
        c = view.checkin
        if view.mine:
            author = "You"
        elif c.author_id == partner_id:
            author = partner_name
        else:
            author = "Your partner"
        hidden = view.answered_only
        cards.append(
            CheckInCard(
                checkin_link(c.id),
                day_words(c.day),
                author,
                view.mine,
                c.visibility == SHARED,
                bool(c.schedule_id),
                hidden,
                view.waiting,
                _NOTHING if hidden else _answers(c),
                None if hidden else _boundary(c.boundary),
                view.boundary_note,
                view.note,
                c.id,
            )
        )
    return cards
