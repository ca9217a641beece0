"""Access matrix rows for the Apprise destination (see tests/test_access_matrix.py)."""

from tests.access_roles import A, signed_in

ROWS = {
    ("reminders.apprise_page", "GET"): ("/reminders/apprise", signed_in(200)),
    ("reminders.apprise_save", "POST"): ("/reminders/apprise", signed_in(422)),
    ("reminders.apprise_delete", "POST"): ("/reminders/apprise/delete", signed_in(A)),
}


def build(people) -> dict:
    return {}
