"""A batch's reminder emails (built once per wording, filled per person) are the
messages `reminder_message` builds whole with EmailMessage and policy.SMTP."""

import re
from email import message_from_bytes, policy

import pytest
from markupsafe import escape

import journal.reminders.channels.email as email_channel
from journal.reminders.channels.email import ReminderEmails, reminder_message


def _comparable(data: bytes) -> bytes:
    """The message without what differs by construction: the MIME boundary and the Date."""
    boundary = re.search(rb'boundary="([^"]+)"', data).group(1)
    return re.sub(rb"Date: [^\r\n]+", b"Date: -", data.replace(boundary, b"BOUNDARY"))


@pytest.mark.parametrize("title", [None, "Café walk — together, slowly 🌿", "A" * 120, "<b>&amp;</b> unsubscribe-slot"])
def test_a_batch_builds_the_same_email_as_the_whole_build(app, couple, title, monkeypatch):
    ana, bo, _ = couple
    # A real token has a fresh nonce each time; a fixed one per person makes the two builds comparable.
    monkeypatch.setattr(
        email_channel, "unsubscribe_token", lambda user_id, channel, address: f"t{user_id}-" + "x" * 140
    )
    emails = ReminderEmails()
    with app.test_request_context():
        for outbox_id, person, to in (
            (7, ana, ana.email),
            (8, bo, bo.email),
            (9, ana, ana.email),
            (10, bo, "zoë@example.com"),
        ):
            batch = emails.message(outbox_id=outbox_id, to=to, user_id=person.id, title=title)
            whole = reminder_message(outbox_id=outbox_id, to=to, user_id=person.id, title=title)
            assert batch[:2] == whole[:2]
            assert _comparable(batch[2]) == _comparable(whole[2])
            link = f"http://localhost/unsubscribe/t{person.id}-" + "x" * 140
            # One-click unsubscribe needs the URL itself in the header, not RFC 2047 encoded words.
            assert f"\r\nList-Unsubscribe: <{link}>\r\n".encode() in batch[2]
            assert b"\n" not in batch[2].replace(b"\r\n", b""), "SMTP lines end in CRLF"
            message = message_from_bytes(batch[2], policy=policy.default)
            assert message["To"] == to
            assert message["Message-ID"] == f"<reminder-{outbox_id}@tandem.invalid>"
            assert message["Date"].datetime.year >= 2026
            for part in ("plain", "html"):
                body = message.get_body(preferencelist=(part,)).get_content()
                assert link in body
                assert "Only if it suits you both." in body
                assert (
                    (str(escape(title)) in body if part == "html" else title in body)
                    if title
                    else ("It's time for the practice you planned" in body)
                )
