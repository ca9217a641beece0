"""Two people (or one person on two devices) editing the same item: the later save never
silently overwrites the earlier one. A form carries the version it was loaded at; a save
from an older version is refused with `EditConflict`, and the page shows what changed
while keeping what the person typed."""


class EditConflict(Exception):
    """The item was saved by someone else after this form was loaded."""


def loaded_version(value) -> int | None:
    """The version a form carried: None when it carried none (nothing to compare), -1 when
    it is not a number (treated as stale: showing the current text loses nothing)."""
    if value is None or value == "":
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        return -1
    return number if 0 <= number < 2**31 else -1


def version_check(*, current: int, loaded) -> None:
    """Raise EditConflict unless the form was loaded at the current version."""
    version = loaded_version(loaded)
    if version is not None and version != current:
        raise EditConflict
