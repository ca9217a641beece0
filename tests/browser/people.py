"""A couple made in-process, for browser tests whose browser contexts need their
own options (JavaScript off, reduced motion), so they can't use the `partnered`
fixture. The database is shared by every browser test in the process, so every
email is unique."""
import uuid

from journal.testing import DEFAULT_PASSWORD, make_couple, make_user

PASSWORD = DEFAULT_PASSWORD


def make_partners(live_server, tag: str, *, names=("Ana", "Bo")) -> tuple[str, str]:
    """Two verified partners, the first leading the pace; returns their emails."""
    unique = uuid.uuid4().hex[:10]
    emails = tuple(f"{tag}-{name.lower()}-{unique}@example.com" for name in names)
    with live_server.app.app_context():
        a = make_user(email=emails[0], display_name=names[0], timezone="Europe/London")
        b = make_user(email=emails[1], display_name=names[1], timezone="Europe/London")
        make_couple(a, b, pace_leader=a)
    return emails
