"""Access matrix rows for check-ins and the Care page (see tests/test_access_matrix.py).

The check-in in the URLs is the author's, shared with the partner and not from a
prompt: the partner may read it, only the author may change or delete it, and
nobody outside the couple learns it exists. The Care page is open to everyone.
"""
from journal.checkins.services import checkin_create
from journal.models import now_utc

L, A = "login", "away"
ROLES = ("anonymous", "author", "partner", "stranger", "single")


def _signed_in(outcome):
    return {"anonymous": L, **dict.fromkeys(ROLES[1:], outcome)}


def _roles(*outcomes):
    return dict(zip(ROLES, outcomes))


ROWS = {
    ("checkins.new", "GET"): ("/checkins/new", _signed_in(200)),
    ("checkins.new", "POST"): ("/checkins/new", _signed_in(422)),
    ("checkins.index", "GET"): ("/checkins", _signed_in(200)),
    ("checkins.show", "GET"): ("/checkins/{checkin}", _roles(L, 200, 200, 404, 404)),
    ("checkins.delete", "GET"): ("/checkins/{checkin}/delete", _roles(L, 200, 404, 404, 404)),
    ("checkins.delete", "POST"): ("/checkins/{checkin}/delete", _roles(L, A, 404, 404, 404)),
    ("checkins.visibility", "POST"): ("/checkins/{checkin}/visibility", _roles(L, A, 404, 404, 404)),
    ("checkins.settings", "POST"): ("/checkins/settings", _signed_in(A)),
    ("care.index", "GET"): ("/care", dict.fromkeys(ROLES, 200)),
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
