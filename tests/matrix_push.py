"""Access matrix rows for web push (see tests/test_access_matrix.py).

Subscriptions belong to one person and are never named in a URL: every signed-in
person reaches only their own. The author has one subscription.
"""

from journal.reminders.channels.push import subscription_store
from tests.access_roles import A, signed_in

ROWS = {
    ("reminders.push_settings", "GET"): ("/reminders/push", signed_in(200)),
    # A form post is not the subscription JSON the page's script sends.
    ("reminders.push_subscribe", "POST"): ("/reminders/push/subscribe", signed_in(400)),
    # No endpoint: turns off this person's own devices, then back to the page.
    ("reminders.push_unsubscribe", "POST"): ("/reminders/push/unsubscribe", signed_in(A)),
}


def build(people) -> dict:
    subscription_store(
        user=people["author"],
        endpoint="https://push.example.com/send/author-device",
        p256dh="B" + "A" * 86,
        auth="A" * 22,
    )
    return {}
