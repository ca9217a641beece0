"""Registering, verifying, logging in and out, resetting and changing credentials."""

import logging
from datetime import timedelta

from sqlalchemy import func, select

from journal.access import Scope
from journal.extensions import db
from journal.models import User, UserSession, UserToken, now_utc
from journal.testing import (
    DEFAULT_PASSWORD,
    email_links,
    email_text,
    login,
    make_couple,
    make_practice,
    make_user,
    path_of,
    read_text,
)

STRONG = "slow mornings with tea"


def register(client, email="ana@example.com", name="Ana", password=STRONG, tz="Europe/London", **extra):
    return client.post(
        "/register", data={"email": email, "display_name": name, "password": password, "timezone": tz, **extra}
    )


def test_register_logs_in_and_sends_a_verification_email(client, smtp_sink):
    response = register(client, email="Ana@Example.com ")
    assert response.status_code == 302 and response.headers["Location"] == "/today"
    user = db.session.scalar(select(User))
    assert user.email == "ana@example.com" and user.timezone == "Europe/London"
    assert not user.is_verified
    assert "Hello, Ana" in client.get("/today").get_data(as_text=True)

    (message,) = smtp_sink.wait_for("ana@example.com")
    assert message["Subject"] == "Confirm your email for Tandem"
    assert message.get_body(preferencelist=("html",)) is not None
    (link,) = email_links(message)
    page = client.get(path_of(link))
    assert page.status_code == 200 and "Confirm my email" in page.get_data(as_text=True)
    db.session.refresh(user)
    assert not user.is_verified, "opening the link (GET) must not change anything"
    assert client.post(path_of(link)).status_code == 302
    db.session.refresh(user)
    assert user.is_verified
    again = client.post(path_of(link))
    assert again.status_code == 200 and "already confirmed" in again.get_data(as_text=True), "links work once"


def test_passwords_are_argon2id_at_owasp_minimum(client):
    register(client)
    stored = db.session.scalar(select(User.password_hash))
    assert stored.startswith("$argon2id$")
    _, _, version, settings, *_ = stored.split("$")
    values = dict(part.split("=") for part in settings.split(","))
    assert int(values["m"]) >= 19 * 1024 and int(values["t"]) >= 2 and int(values["p"]) >= 1
    assert STRONG not in stored


def test_register_keeps_browser_zone_choices(client):
    html = client.get("/register").get_data(as_text=True)
    assert 'data-detect="1"' in html
    assert "<option" in html and "Australia/Lord_Howe" in html and "Asia/Kolkata" in html


def test_login_and_logout(client, user):
    response = login(client, "ANA@example.com")
    assert response.status_code == 302 and response.headers["Location"] == "/today"
    assert client.get("/today").status_code == 200
    assert client.post("/logout").status_code == 302
    assert client.get("/today").status_code == 302
    assert db.session.scalar(select(func.count(UserSession.id))) == 0


def test_login_follows_local_next_only(client, user):
    client.get("/login?next=/account")
    response = client.post("/login", data={"email": user.email, "password": DEFAULT_PASSWORD, "next": "/account"})
    assert response.headers["Location"] == "/account"


def test_wrong_password_and_unknown_email_read_the_same(client, user):
    wrong = client.post("/login", data={"email": user.email, "password": "not the password"})
    unknown = client.post("/login", data={"email": "nobody@example.com", "password": "not the password"})
    assert wrong.status_code == unknown.status_code == 422
    strip = lambda r, e: r.get_data(as_text=True).replace(e, "EMAIL")  # noqa: E731
    assert strip(wrong, user.email) == strip(unknown, "nobody@example.com")
    assert "don't match" in strip(wrong, user.email)


def test_repeated_failures_slow_down_one_account(client, user, app):
    app.config["LOGIN_FREE_FAILURES"] = 3
    for _ in range(3):
        client.post("/login", data={"email": user.email, "password": "guessing again"})
    db.session.refresh(user)
    assert user.failed_logins == 3 and user.locked_until > now_utc()
    user.locked_until = now_utc() + timedelta(minutes=5)
    db.session.commit()
    # Even the right password waits until the delay is over.
    assert login(client, user.email).status_code == 422
    user.locked_until = now_utc() - timedelta(seconds=1)
    db.session.commit()
    assert login(client, user.email).status_code == 302
    db.session.refresh(user)
    assert user.failed_logins == 0


def test_password_reset_link_works_once_and_ends_sessions(client, user, smtp_sink, app):
    other_device = app.test_client()
    login(other_device, user.email)
    answer_known = client.post("/reset", data={"email": user.email})
    answer_unknown = client.post("/reset", data={"email": "nobody@example.com"})
    assert answer_known.get_data() == answer_unknown.get_data()
    (message,) = smtp_sink.wait_for(user.email)
    assert smtp_sink.wait_for("nobody@example.com", timeout=0.2) == []
    (link,) = email_links(message)
    assert client.get(path_of(link)).status_code == 200
    response = client.post(path_of(link), data={"password": "a brand new sentence"})
    assert response.status_code == 302
    assert login(client, user.email, "a brand new sentence").status_code == 302
    assert other_device.get("/today").status_code == 302, "reset ends every other session"
    assert client.post(path_of(link), data={"password": "yet another sentence"}).status_code == 410


def test_reset_link_expires_within_an_hour(client, user, smtp_sink):
    client.post("/reset", data={"email": user.email})
    (link,) = email_links(smtp_sink.wait_for(user.email)[0])
    token = db.session.scalar(select(UserToken).where(UserToken.purpose == "reset_password"))
    assert token.expires_at - token.created_at <= timedelta(hours=1)
    token.expires_at = now_utc() - timedelta(minutes=1)
    db.session.commit()
    assert client.get(path_of(link)).status_code == 410
    assert client.post(path_of(link), data={"password": "a brand new sentence"}).status_code == 410
    assert login(client, user.email).status_code == 302, "old password still works"


def test_a_new_reset_link_replaces_the_old_one(client, user, smtp_sink):
    client.post("/reset", data={"email": user.email})
    client.post("/reset", data={"email": user.email})
    first, second = smtp_sink.wait_for(user.email, count=2)
    assert client.get(path_of(email_links(first)[0])).status_code == 410
    assert client.get(path_of(email_links(second)[0])).status_code == 200


def test_change_password_ends_other_sessions_only(app, user):
    here, elsewhere = app.test_client(), app.test_client()
    login(here, user.email)
    login(elsewhere, user.email, remember=True)
    bad = here.post("/account/password", data={"password": "short"})
    assert bad.status_code == 422 and "at least 10 characters" in bad.get_data(as_text=True)
    ok = here.post("/account/password", data={"password": "fresh long phrase"})
    assert ok.status_code == 302
    assert here.get("/account").status_code == 200
    assert elsewhere.get("/account").status_code == 302, "remember-me cookie ended too"
    assert login(app.test_client(), user.email, "fresh long phrase").status_code == 302


def test_change_email_needs_confirmation_from_the_new_address(auth_client, user, smtp_sink):
    response = auth_client.post("/account/email", data={"email": "ana.new@example.com"})
    assert response.status_code == 302
    db.session.refresh(user)
    assert user.email == "ana@example.com", "unchanged until confirmed"
    (message,) = smtp_sink.wait_for("ana.new@example.com")
    (link,) = email_links(message)
    assert auth_client.post(path_of(link)).status_code == 302
    db.session.refresh(user)
    assert user.email == "ana.new@example.com" and user.is_verified


def test_profile_sets_name_and_time_zone(auth_client, user):
    response = auth_client.post("/account/profile", data={"display_name": "Ana M", "timezone": "Asia/Kolkata"})
    assert response.status_code == 302
    db.session.refresh(user)
    assert (user.display_name, user.timezone) == ("Ana M", "Asia/Kolkata")
    bad = auth_client.post("/account/profile", data={"display_name": "Ana M", "timezone": "Nowhere/Else"})
    assert bad.status_code == 422 and "choose a time zone" in bad.get_data(as_text=True)
    db.session.refresh(user)
    assert user.timezone == "Asia/Kolkata"


def test_delete_account_ends_sessions_and_leaves_couple(app, couple):
    ana, bo, _ = couple
    ana_id, bo_id = ana.id, bo.id
    client = app.test_client()
    login(client, ana.email)
    response = client.post("/account/delete", data={"confirm": "y"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, ana_id) is None
    assert db.session.get(User, bo_id).couple_id is None
    assert client.get("/today").status_code == 302


def test_logs_hold_no_password_token_or_email(client, smtp_sink, caplog):
    caplog.set_level(logging.DEBUG)
    register(client, password="my secret sentence here")
    client.post("/logout")
    client.post("/login", data={"email": "ana@example.com", "password": "wrong secret sentence"})
    client.post("/reset", data={"email": "ana@example.com"})
    links = [link for m in smtp_sink.wait_for("ana@example.com", count=2) for link in email_links(m)]
    for link in links:
        client.get(path_of(link))
    # Our own log lines (the SMTP test server's protocol log is not the app's).
    text = "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith("mail."))
    assert "my secret sentence here" not in text and "wrong secret sentence" not in text
    assert "ana@example.com" not in text
    for link in links:
        assert link.rsplit("/", 1)[1] not in text


def test_email_bodies_carry_no_private_detail(app, client, smtp_sink):
    """Every account email Ana gets (verification, reset, a sign-in from a new browser),
    sent while she has a partner, a practice of their own and a note: her greeting,
    and not the partner's name, the practice's title or a word of the note, in the
    subject or in any part (the plain text and the HTML alike)."""
    register(client)
    ana = db.session.scalar(select(User).where(User.email == "ana@example.com"))
    bo = make_user(email="bo@example.com", display_name="Bartholomew")
    make_couple(ana, bo, pace_leader=ana)
    practice = make_practice("Moonlit shoulder rub", kind="touch", stage=1, plan=Scope(ana).plan_or_create())
    saved = client.post(
        "/checkins/new", data={"mood": "3", "note": "Marmalade lighthouse evening", "visibility": "shared"}
    )
    assert saved.status_code == 302
    client.post("/logout")
    client.post("/reset", data={"email": "ana@example.com"})
    other_browser = app.test_client()
    assert login(other_browser, "ana@example.com", STRONG).status_code == 302

    messages = smtp_sink.wait_for("ana@example.com", count=3)
    assert len(messages) >= 3
    for message in messages:
        assert "Tandem" in message["Subject"]
        text = message["Subject"] + "\n" + email_text(message)
        assert "Hello Ana" in text.replace(",", "")
        assert message.get_body(preferencelist=("html",)) is not None, message["Subject"]
        for part, content in [("Subject", message["Subject"]), *every_part(message)]:
            for private in ("Bartholomew", "bo@example.com", practice.title, "Moonlit", "Marmalade", "lighthouse"):
                assert private not in content, (message["Subject"], part, private)


def every_part(message) -> list[tuple[str, str]]:
    """(content type, content) of every part of an email, the HTML ones also as read
    (entities decoded)."""
    found = []
    for part in message.walk():
        if part.is_multipart():
            continue
        content = part.get_content()
        if isinstance(content, bytes):
            content = content.decode("utf-8", "replace")
        found.append((part.get_content_type(), content))
        if part.get_content_type() == "text/html":
            found.append(("text/html, as read", read_text(content)))
    return found
