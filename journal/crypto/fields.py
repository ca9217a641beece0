"""The one way a model's free-text fields are sealed and opened.

Each model that stores what people write describes its fields once:

    ENTRY_TEXT = SealedFields("entries", ("title", "body", "tags", "line"))
    ENTRY_TEXT.seal(entry, {"title": "...", "body": "..."})    # after a flush (the row needs its id)
    texts = ENTRY_TEXT.open(entry)                             # DecryptError goes to the caller
    texts, unreadable = ENTRY_TEXT.open_or_unreadable(entry)   # fields that fail to open are None

A field `f` is stored in the column `f_sealed`. The associated data binds every
value to its table, row, field, author and visibility (`journal.crypto.context`):
a ciphertext copied to another row, or a private one pasted into a shared row,
doesn't open. By default the owner of the key is the row's author and the
visibility is the row's; models without them say so.
"""

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from journal.crypto import DecryptError, Owner, context, seal, unseal, unseal_with

log = logging.getLogger(__name__)

#: What a page shows in place of text that can't be opened any more.
UNREADABLE = "This text can't be read any more."


def _author_owner(row) -> Owner:
    """A person's text is always sealed with the author's own key, so deleting the
    account shreds it, shared text included."""
    return ("user", row.author_id)


@dataclass(frozen=True)
class SealedFields:
    table: str
    fields: tuple[str, ...]
    owner: Callable[[object], Owner] = _author_owner
    author: Callable[[object], int | None] = field(default=lambda row: row.author_id)
    visibility: Callable[[object], str | None] = field(default=lambda row: row.visibility)

    def context(self, row, name: str, visibility: str | None = None) -> bytes:
        return context(self.table, row.id, name, self.author(row), visibility or self.visibility(row))

    def seal_one(self, row, name: str, text: str | None) -> None:
        setattr(row, f"{name}_sealed", seal(text, owner=self.owner(row), context=self.context(row, name)))

    def seal(self, row, texts: dict[str, str | None], *, only: Iterable[str] | None = None) -> None:
        """Seal `texts` into a flushed row: every field (or `only` these); a field
        missing from `texts`, or empty, is stored as NULL."""
        for name in only or self.fields:
            self.seal_one(row, name, texts.get(name) or None)

    def open_one(self, row, name: str) -> str | None:
        """One field opened (None if it holds nothing); DecryptError if it can't be."""
        return unseal(getattr(row, f"{name}_sealed"), owner=self.owner(row), context=self.context(row, name))

    def open_with(self, key, row, name: str) -> str | None:
        """`open_one` with the owner's data key already in hand, as bytes or made ready
        (`journal.crypto.cipher`: a list that loaded the keys of every author it shows
        opens a few dozen fields a page)."""
        blob = getattr(row, f"{name}_sealed")
        return None if blob is None else unseal_with(key, blob, self.context(row, name))

    def open(self, row, *, only: Iterable[str] | None = None) -> dict[str, str | None]:
        """Every field opened; DecryptError if any can't be (so nothing is re-sealed half-read)."""
        return {name: self.open_one(row, name) for name in only or self.fields}

    def open_or_unreadable(self, row, *, only: Iterable[str] | None = None) -> tuple[dict[str, str | None], bool]:
        """Every field opened; one that can't be is None, and the flag says so (logged by id)."""
        texts, unreadable = {}, False
        for name in only or self.fields:
            try:
                texts[name] = self.open_one(row, name)
            except DecryptError:
                texts[name], unreadable = None, True
        if unreadable:
            log.warning("%s %s has text that can't be opened", self.table, row.id)
        return texts, unreadable
