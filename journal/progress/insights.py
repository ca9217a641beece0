"""Gentle sentences and "what seems to help", computed from a `Progress`.

Both use only what `progress_build` gathered for this viewer, so a private check-in
of the partner changes nothing here. Sentences never judge and never compare the
partners; when there is too little data to say something honestly, they say nothing.
"""

from dataclasses import dataclass
from itertools import compress
from operator import not_

from journal.progress.services import LOWER_IS_EASIER, SCORES, TRENDS, Person, Progress

#: A score sentence needs at least this many answers in each of the two four-week windows...
MIN_ANSWERS = 4
#: ...and a difference of at least this much between their averages.
MIN_DIFFERENCE = 0.5
#: A count sentence needs at least this many in the later window, and this many more.
MIN_COUNT = 3
MIN_MORE = 2
#: "What seems to help" shows a comparison only when each side has at least this many days.
MIN_DAYS = 8

KIND_WORDS = {
    "check-in": "check-in",
    "consent": "consent",
    "closeness": "closeness",
    "touch": "touch",
    "grounding": "grounding",
    "mindfulness": "mindfulness",
    "communication": "communication",
    "medical": "medical follow-up",
    "lifestyle": "everyday",
    "counselling": "counselling",
}
_LABELS = dict(TRENDS)


def _score_word(field: str) -> str:
    return {"sleep_hours": "hours of sleep"}.get(field, _LABELS[field].lower() + " scores")


def sentences(progress: Progress) -> list[str]:
    """A few plain observations about the last four weeks against the four before."""
    out = []
    for person in progress.people:
        windows = progress.recent_scores.get(person.id, {})
        for field, _ in TRENDS:
            (last_sum, last_n), (prev_sum, prev_n) = windows.get(field, ((0.0, 0), (0.0, 0)))
            if last_n < MIN_ANSWERS or prev_n < MIN_ANSWERS:
                continue
            change = last_sum / last_n - prev_sum / prev_n
            if abs(change) < MIN_DIFFERENCE:
                continue
            out.append(_score_sentence(person, field, change))
    for kind, (last, prev) in sorted(progress.recent_counts.items()):
        if last >= MIN_COUNT and last - prev >= MIN_MORE:
            if kind == "moments":
                out.append("More small moments noted in the last four weeks than in the four before.")
            else:
                out.append(
                    f"More {KIND_WORDS.get(kind, kind)} practices done in the last four weeks than in the four before."
                )
    return out


def _score_sentence(person: Person, field: str, change: float) -> str:
    whose = "Your" if person.key == "you" else f"{person.name}'s shared"
    if field in LOWER_IS_EASIER:
        direction = "lower (calmer)" if change < 0 else "higher"
    else:
        direction = "higher" if change > 0 else "lower"
    return f"{whose} {_score_word(field)} have been {direction} in the last four weeks than in the four before."


@dataclass(frozen=True)
class Comparison:
    """Check-in scores on days after a practice of one kind, against the other days."""

    kind: str
    field: str
    after_average: float
    after_days: int
    other_average: float
    other_days: int

    @property
    def kind_words(self) -> str:
        return KIND_WORDS.get(self.kind, self.kind)


def what_seems_to_help(progress: Progress) -> dict[int, list[Comparison]]:
    """Per person: for each practice kind and score, the days after a practice of that
    kind against the other days with a check-in, when each side has at least MIN_DAYS."""
    result: dict[int, list[Comparison]] = {}
    for person in progress.people:
        # Each score's days and averages as two lists: scores answered on the same days
        # (mostly all of them) share one list of days, so each kind marks its days after
        # once for them all, and their averages are split by those marks in C's loops (in
        # the order of the days, as they were added up).
        day_lists: list[list[int]] = []
        columns = {}
        for field, (days, averages) in progress.daily.get(person.id, {}).items():
            if days not in day_lists:
                day_lists.append(days)
            columns[field] = (day_lists.index(days), averages)
        found = []
        for kind, practised in sorted(progress.practice_days.get(person.id, {}).items()):
            after = {d + 1 for d in practised}
            marks = [[day in after for day in days] for days in day_lists]
            for field, _ in SCORES:
                if field not in columns:
                    continue
                which, averages = columns[field]
                on_days = marks[which].count(True)
                if on_days >= MIN_DAYS and len(averages) - on_days >= MIN_DAYS:
                    on = list(compress(averages, marks[which]))
                    off = list(compress(averages, map(not_, marks[which])))
                    found.append(Comparison(kind, field, sum(on) / len(on), len(on), sum(off) / len(off), len(off)))
        if found:
            result[person.id] = found
    return result
