"""Access matrix rows for check-ins and the Care page (see tests/test_access_matrix.py).

The check-in in the URLs is the author's, shared with the partner and not from a
prompt: the partner may read it, only the author may change or delete it, and
nobody outside the couple learns it exists. The Care page is open to everyone.
"""

from journal.checkins.services import checkin_create
from journal.models import now_utc
from tests.access_roles import A, L, each, roles, signed_in

ROWS = {
    ("checkins.new", "GET"): ("/checkins/new", signed_in(200)),
    ("checkins.new", "POST"): ("/checkins/new", signed_in(422)),
    ("checkins.index", "GET"): ("/checkins", signed_in(200)),
    ("checkins.show", "GET"): ("/checkins/{checkin}", roles(L, 200, 200, 404, 404)),
    ("checkins.delete", "GET"): ("/checkins/{checkin}/delete", roles(L, 200, 404, 404, 404)),
    ("checkins.delete", "POST"): ("/checkins/{checkin}/delete", roles(L, A, 404, 404, 404)),
    ("checkins.visibility", "POST"): ("/checkins/{checkin}/visibility", roles(L, A, 404, 404, 404)),
    ("checkins.settings", "POST"): ("/checkins/settings", signed_in(A)),
    ("care.index", "GET"): ("/care", each(200)),
}


def build(people) -> dict:
    author = people["author"]
    checkin = checkin_create(
        author=author,
        answers={"mood": 4, "note": "A quiet walk together."},
        day=now_utc().date(),
        visibility="shared",
    )
    return {"checkin": checkin.id}
