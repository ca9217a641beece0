"""Access matrix rows for the Apprise destination (see tests/test_access_matrix.py)."""
from tests.access_roles import A, signed_in

ROWS = {
    ("apprise.page", "GET"): ("/reminders/apprise", signed_in(200)),
    ("apprise.save", "POST"): ("/reminders/apprise", signed_in(422)),
    ("apprise.delete", "POST"): ("/reminders/apprise/delete", signed_in(A)),
}


def build(people) -> dict:
    return {}
