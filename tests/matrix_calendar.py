"""Access matrix rows for the calendar feed (see tests/test_access_matrix.py).

The feed token in the URL is the author's: the token is the whole credential (calendar
apps can't log in), so everyone holding it gets the feed, logged in or not.
"""

from journal.calendar.services import feed_regenerate
from tests.access_roles import A, each, signed_in

ROWS = {
    ("calendar.overview", "GET"): ("/calendar", signed_in(200)),
    ("calendar.regenerate", "POST"): ("/calendar/regenerate", signed_in(A)),
    ("calendar.delete", "POST"): ("/calendar/delete", signed_in(A)),
    ("calendar.feed", "GET"): ("/feed/{feed_token}.ics", each(200)),
}


def build(people) -> dict:
    return {"feed_token": feed_regenerate(user=people["author"])}
