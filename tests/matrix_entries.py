"""Access matrix rows for the journal (see tests/test_access_matrix.py).

The entry in the URLs is the author's, SHARED with their partner: the partner may
read it, only the author edits or deletes it (the partner gets 404, as if it did
not exist), and nobody outside the couple learns it exists. An empty POST is bad
input (422) for whoever may write.
"""

from journal.access import SHARED
from journal.entries.services import entry_create, moment_create
from tests.access_roles import A, L, roles, signed_in

ROWS = {
    ("entries.index", "GET"): ("/journal", signed_in(200)),
    ("entries.new", "GET"): ("/journal/new", signed_in(200)),
    ("entries.new", "POST"): ("/journal/new", signed_in(422)),
    ("entries.moment_new", "POST"): ("/journal/moments", signed_in(422)),
    ("entries.read", "GET"): ("/journal/{entry}", roles(L, 200, 200, 404, 404)),
    ("entries.edit", "GET"): ("/journal/{entry}/edit", roles(L, 200, 404, 404, 404)),
    ("entries.edit", "POST"): ("/journal/{entry}/edit", roles(L, 422, 404, 404, 404)),
    ("entries.delete", "GET"): ("/journal/{entry}/delete", roles(L, 200, 404, 404, 404)),
    ("entries.delete", "POST"): ("/journal/{entry}/delete", roles(L, A, 404, 404, 404)),
    # Undo a moment just kept: its author only (back to the journal); the partner can't, though it is shared.
    ("entries.moment_undo", "POST"): ("/journal/{kept_moment}/undo", roles(L, A, 404, 404, 404)),
}


def build(people) -> dict:
    entry = entry_create(
        author=people["author"], title="An evening walk", body="We walked *slowly*.", tags=["us"], visibility=SHARED
    )
    moment = moment_create(author=people["author"], moment_kind="hug", line="", visibility=SHARED)
    return {"entry": entry.id, "kept_moment": moment.id}
