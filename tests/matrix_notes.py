"""Access matrix rows for progress notes (see tests/test_access_matrix.py).

The note in the URLs is the author's, SHARED with their partner, with a shared
sensation map: the partner may read it, but only the author changes or deletes it.
"""
from journal.access import SHARED, Scope
from journal.notes.services import SensationInput, note_create

ROLES = ("anonymous", "author", "partner", "stranger", "single")
L, A = "login", "away"


def _signed_in(outcome):
    return {"anonymous": L, **dict.fromkeys(ROLES[1:], outcome)}


def _roles(*outcomes):
    return dict(zip(ROLES, outcomes))


ROWS = {
    ("notes.index", "GET"): ("/notes", _signed_in(200)),
    ("notes.new", "GET"): ("/notes/new", _signed_in(200)),
    # An empty form: "please answer at least one question".
    ("notes.new", "POST"): ("/notes/new", _signed_in(422)),
    ("notes.sensation", "GET"): ("/notes/sensation", _signed_in(200)),
    ("notes.read", "GET"): ("/notes/{note}", _roles(L, 200, 200, 404, 404)),
    ("notes.delete", "GET"): ("/notes/{note}/delete", _roles(L, 200, 404, 404, 404)),
    ("notes.delete", "POST"): ("/notes/{note}/delete", _roles(L, A, 404, 404, 404)),
    # No visibility posted: the author is sent back to the note with a calm message.
    ("notes.visibility", "POST"): ("/notes/{note}/visibility", _roles(L, A, 404, 404, 404)),
    ("notes.map_visibility", "POST"): ("/notes/{note}/map/visibility", _roles(L, A, 404, 404, 404)),
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
