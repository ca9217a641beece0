"""Access matrix rows for the journal (see tests/test_access_matrix.py).

The entry in the URLs is the author's, SHARED with their partner: the partner may
read it, only the author edits or deletes it (the partner gets 404, as if it did
not exist), and nobody outside the couple learns it exists. An empty POST is bad
input (422) for whoever may write.
"""
from journal.access import SHARED
from journal.entries.services import entry_create

ROLES = ("anonymous", "author", "partner", "stranger", "single")
L, A = "login", "away"


def _signed_in(outcome):
    return {"anonymous": L, **dict.fromkeys(ROLES[1:], outcome)}


def _roles(*outcomes):
    return dict(zip(ROLES, outcomes))


ROWS = {
    ("entries.index", "GET"): ("/journal", _signed_in(200)),
    ("entries.new", "GET"): ("/journal/new", _signed_in(200)),
    ("entries.new", "POST"): ("/journal/new", _signed_in(422)),
    ("entries.moment_new", "POST"): ("/journal/moments", _signed_in(422)),
    ("entries.read", "GET"): ("/journal/{entry}", _roles(L, 200, 200, 404, 404)),
    ("entries.edit", "GET"): ("/journal/{entry}/edit", _roles(L, 200, 404, 404, 404)),
    ("entries.edit", "POST"): ("/journal/{entry}/edit", _roles(L, 422, 404, 404, 404)),
    ("entries.delete", "GET"): ("/journal/{entry}/delete", _roles(L, 200, 404, 404, 404)),
    ("entries.delete", "POST"): ("/journal/{entry}/delete", _roles(L, A, 404, 404, 404)),
}


def build(people) -> dict:
    entry = entry_create(
        author=people["author"], title="An evening walk", body="We walked *slowly*.", tags=["us"], visibility=SHARED
    )
    return {"entry": entry.id}
