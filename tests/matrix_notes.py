"""Access matrix rows for progress notes (see tests/test_access_matrix.py).

The note in the URLs is the author's, SHARED with their partner, with a shared
sensation map: the partner may read it, but only the author changes or deletes it.
"""

from journal.access import SHARED, Scope
from journal.notes.services import SensationInput, note_create
from tests.access_roles import A, L, roles, signed_in

ROWS = {
    ("notes.index", "GET"): ("/notes", signed_in(200)),
    ("notes.new", "GET"): ("/notes/new", signed_in(200)),
    # An empty form: "please answer at least one question".
    ("notes.new", "POST"): ("/notes/new", signed_in(422)),
    ("notes.sensation", "GET"): ("/notes/sensation", signed_in(200)),
    ("notes.read", "GET"): ("/notes/{note}", roles(L, 200, 200, 404, 404)),
    ("notes.delete", "GET"): ("/notes/{note}/delete", roles(L, 200, 404, 404, 404)),
    ("notes.delete", "POST"): ("/notes/{note}/delete", roles(L, A, 404, 404, 404)),
    # No visibility posted: the author is sent back to the note with a calm message.
    ("notes.visibility", "POST"): ("/notes/{note}/visibility", roles(L, A, 404, 404, 404)),
    ("notes.map_visibility", "POST"): ("/notes/{note}/map/visibility", roles(L, A, 404, 404, 404)),
}


def build(people) -> dict:
    author = people["author"]
    note = note_create(
        scope=Scope(author),
        author=author,
        went="A slow, kind evening.",
        comfort=4,
        visibility=SHARED,
        sensation=SensationInput(areas={"hands": "comfortable"}, visibility=SHARED),
    )
    return {"note": note.id}
