"""Reading the practice library data file shipped in the package."""

from functools import lru_cache
from importlib import resources

import yaml

FIELDS = ("slug", "kind", "title", "summary", "steps", "duration_minutes", "stage", "together", "safety_note", "topics")


@lru_cache(maxsize=1)
def library_data() -> dict:
    """The parsed `library.yaml` (practices, topics, consent phrases, prompts, moments)."""
    text = resources.files("journal.practices").joinpath("library.yaml").read_text("utf-8")
    return yaml.safe_load(text)


def consent_suggestions() -> dict[str, list[str]]:
    """Suggested phrases per signal, in the order of the data file."""
    suggestions: dict[str, list[str]] = {}
    for item in library_data()["consent_phrases"]:
        suggestions.setdefault(item["signal"], []).append(item["phrase"])
    return suggestions
