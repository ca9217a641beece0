"""Unsubscribe links are opaque (nothing readable in them), one-click (RFC 8058) and
work without logging in, for the address they were sent to and for 90 days. Changing
the sign-in email tells the old address, discreetly, with a way to put it back."""

import base64
import re
import time

from sqlalchemy import select

from journal.extensions import db
from journal.models import ReminderSettings, UserSession
from journal.reminders.channels.email import UNSUBSCRIBE_DAYS, unsubscribe_read, unsubscribe_token
from journal.testing import DEFAULT_PASSWORD, email_links, email_text


def test_the_token_holds_nothing_readable(app, user):
    token = unsubscribe_token(user.id, "email", user.email)
    raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    # Each pattern long enough that random bytes don't hold it by chance ("1," alone turned up
    # in about one token in seven hundred).
    for readable in (b'"u"', b'"c"', b"email", str(user.id).encode() + b',"', user.email.encode()):
        assert readable not in raw
    assert unsubscribe_token(user.id, "email", user.email) != token, "every link is different"
    assert unsubscribe_read(token) == (user.id, "email")


def test_a_changed_token_or_an_old_one_does_nothing(app, user, client):
    token = unsubscribe_token(user.id, "email", user.email)
    tampered = token[:10] + ("A" if token[10] != "A" else "B") + token[11:]
    assert client.post(f"/unsubscribe/{tampered}", data={"List-Unsubscribe": "One-Click"}).status_code == 404
    old = unsubscribe_token(user.id, "email", user.email, now=0)
    assert client.post(f"/unsubscribe/{old}", data={"List-Unsubscribe": "One-Click"}).status_code == 404

    recent = unsubscribe_token(user.id, "email", user.email, now=time.time() - (UNSUBSCRIBE_DAYS - 1) * 86400)
    assert client.post(f"/unsubscribe/{recent}", data={"List-Unsubscribe": "One-Click"}).status_code == 204
    assert db.session.scalar(select(ReminderSettings.email_on).where(ReminderSettings.user_id == user.id)) is False


def test_a_link_sent_to_an_old_address_stops_working(app, user, client):
    token = unsubscribe_token(user.id, "email", user.email)
    user.email = "ana.elsewhere@example.com"
    db.session.commit()
    assert client.get(f"/unsubscribe/{token}").status_code == 404


def change_email(client, user, smtp_sink, new="ana.new@example.com"):
    assert client.post("/account/email", data={"email": new, "current_password": DEFAULT_PASSWORD}).status_code == 302
    (confirm,) = email_links(smtp_sink.wait_for(new)[-1])
    assert client.post(confirm.removeprefix("http://localhost")).status_code == 302


def test_the_old_address_hears_of_a_change_without_the_new_one(app, auth_client, user, smtp_sink):
    smtp_sink.clear()
    change_email(auth_client, user, smtp_sink)
    (notice,) = smtp_sink.wait_for("ana@example.com")
    assert notice["Subject"] == "Your Tandem sign-in email was changed"
    body = email_text(notice)
    assert "ana.new" not in body and "ana.new" not in notice["Subject"]
    assert re.search(r"/account/email/restore/", body)


def test_the_old_address_can_put_itself_back_and_every_device_is_logged_out(app, auth_client, user, smtp_sink):
    smtp_sink.clear()
    change_email(auth_client, user, smtp_sink)
    (link,) = email_links(smtp_sink.wait_for("ana@example.com")[-1])
    path = link.removeprefix("http://localhost")
    anonymous = app.test_client()
    assert anonymous.get(path).status_code == 200
    response = anonymous.post(path)
    assert response.status_code == 302 and response.headers["Location"].endswith("/reset")
    db.session.expire_all()
    db.session.refresh(user)
    assert user.email == "ana@example.com"
    assert db.session.scalar(select(UserSession).where(UserSession.user_id == user.id)) is None
    assert auth_client.get("/account").status_code == 302, "the session that changed it is over"
    assert anonymous.post(path).status_code == 410, "once only"
