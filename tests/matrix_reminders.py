"""Access matrix rows for reminder settings, notifications and unsubscribe links.

The unsubscribe link in the URL is the author's: it works for whoever holds it
(an email client posts it without logging in), and only for that person and channel.
"""

from journal.reminders.channels.email import unsubscribe_token
from tests.access_roles import A, each, signed_in

ROWS = {
    ("reminders.settings", "GET"): ("/reminders", signed_in(200)),
    # An empty form saves "everything off" except in-app: a valid choice.
    ("reminders.settings_save", "POST"): ("/reminders", signed_in(A)),
    ("reminders.notifications", "GET"): ("/notifications", signed_in(200)),
    ("reminders.unsubscribe", "GET"): ("/unsubscribe/{unsubscribe}", each(200)),
    ("reminders.unsubscribe_post", "POST"): ("/unsubscribe/{unsubscribe}", each(200)),
}


def build(people) -> dict:
    return {"unsubscribe": unsubscribe_token(people["author"].id, "email", people["author"].email)}
