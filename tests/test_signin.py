"""Sign-in that survives a stolen password: re-authentication before sensitive
changes, the sessions page, and the email about a browser not seen before."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from journal.auth.devices import device_describe
from journal.extensions import db
from journal.models import KnownBrowser, User, UserSession, UserToken, now_utc
from journal.testing import DEFAULT_PASSWORD, email_text, login, login_as, make_user, read_text

FIREFOX_ANDROID = "Mozilla/5.0 (Android 14; Mobile; rv:128.0) Gecko/128.0 Firefox/128.0"
SAFARI_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)
CHROME_WINDOWS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36"
)
EDGE_MAC = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Safari/537.36 Edg/126.0.0.0"
)


def _age_authentication(user, minutes=11):
    """Move every session's last authentication of `user` `minutes` into the past."""
    db.session.execute(
        update(UserSession)
        .where(UserSession.user_id == user.id)
        .values(authenticated_at=now_utc() - timedelta(minutes=minutes))
    )
    db.session.commit()


def _count(model, *where):
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


# ------------------------------------------------------------------ re-authentication


@pytest.mark.parametrize(
    "path", ["/account/password", "/account/email", "/account/delete", "/account/two-factor", "/account/passkeys"]
)
def test_sensitive_pages_ask_to_confirm_after_ten_minutes(auth_client, user, path):
    assert auth_client.get(path).status_code == 200, "just logged in: no need to confirm"
    _age_authentication(user, minutes=9)
    assert auth_client.get(path).status_code == 200
    _age_authentication(user, minutes=11)
    response = auth_client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"] == f"/reauth?next={path}"


def test_stale_posts_change_nothing(app, auth_client, user, smtp_sink):
    _age_authentication(user)
    email = auth_client.post("/account/email", data={"email": "ana.new@example.com"})
    assert email.status_code == 302 and email.headers["Location"].startswith("/reauth")
    password = auth_client.post("/account/password", data={"password": "a brand new phrase"})
    assert password.status_code == 302 and password.headers["Location"].startswith("/reauth")
    delete = auth_client.post("/account/delete", data={"confirm": "y"})
    assert delete.status_code == 302 and delete.headers["Location"].startswith("/reauth")
    assert _count(UserToken) == 0 and smtp_sink.messages == []
    db.session.expire_all()
    assert db.session.get(User, user.id) is not None
    assert login(app.test_client(), user.email).status_code == 302, "password unchanged"


def test_confirming_with_the_password_opens_the_page_for_ten_minutes(auth_client, user):
    _age_authentication(user)
    page = auth_client.get("/reauth?next=/account/password")
    assert page.status_code == 200 and "Confirm it's you" in read_text(page)
    wrong = auth_client.post("/reauth", data={"next": "/account/password", "pw-password": "not my password"})
    assert wrong.status_code == 422 and "That isn't your password" in read_text(wrong)
    assert auth_client.get("/account/password").status_code == 302, "still not confirmed"
    right = auth_client.post("/reauth", data={"next": "/account/password", "pw-password": DEFAULT_PASSWORD})
    assert right.status_code == 302 and right.headers["Location"] == "/account/password"
    assert auth_client.get("/account/password").status_code == 200
    changed = auth_client.post("/account/password", data={"password": "a brand new phrase"})
    assert changed.status_code == 302 and changed.headers["Location"] == "/account"


def test_the_time_of_confirming_lives_on_the_server_not_in_the_cookie(app, user):
    here, there = app.test_client(), app.test_client()
    login_as(here, user)
    login_as(there, user)
    _age_authentication(user)
    here.post("/reauth", data={"next": "/account", "pw-password": DEFAULT_PASSWORD})
    assert here.get("/account/email").status_code == 200
    assert there.get("/account/email").status_code == 302, "the other session was not confirmed"
    # Putting an old timestamp into this session's row makes it stale again, cookie untouched.
    _age_authentication(user)
    assert here.get("/account/email").status_code == 302


def test_confirming_never_leaves_the_site(auth_client, user):
    _age_authentication(user)
    response = auth_client.post("/reauth", data={"next": "https://evil.example/", "pw-password": DEFAULT_PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == "/account"


def test_a_script_asking_too_late_is_told_where_to_confirm(auth_client, user):
    _age_authentication(user)
    response = auth_client.post("/account/passkeys/options", json={"page": "/account/passkeys"})
    assert response.status_code == 401
    assert response.get_json()["redirect"] == "/reauth?next=/account/passkeys"


def test_wrong_passwords_when_confirming_slow_the_account_down(auth_client, user, app):
    _age_authentication(user)
    for _ in range(app.config["LOGIN_FREE_FAILURES"] + 1):
        auth_client.post("/reauth", data={"next": "/account", "pw-password": "a wrong guess here"})
    waiting = auth_client.post("/reauth", data={"next": "/account", "pw-password": DEFAULT_PASSWORD})
    assert waiting.status_code == 422, "even the right password waits after many wrong ones"


# ------------------------------------------------------------------ sessions page


def test_device_names_are_plain_words():
    assert device_describe(FIREFOX_ANDROID) == "Firefox on Android"
    assert device_describe(SAFARI_IPHONE) == "Safari on an iPhone"
    assert device_describe(CHROME_WINDOWS) == "Chrome on Windows"
    assert device_describe(EDGE_MAC) == "Edge on a Mac"
    assert device_describe("") == "An unknown browser"
    assert device_describe("curl/8.5.0") == "An unknown browser"


def test_sessions_page_lists_each_browser_and_marks_this_one(app, user):
    phone = app.test_client()
    phone.environ_base["HTTP_USER_AGENT"] = FIREFOX_ANDROID
    laptop = app.test_client()
    laptop.environ_base["HTTP_USER_AGENT"] = CHROME_WINDOWS
    assert login(phone, user.email).status_code == 302
    assert login(laptop, user.email, remember=True).status_code == 302
    page = read_text(phone.get("/account/sessions"))
    assert "Firefox on Android · this one Logged in today" in page
    assert "Chrome on Windows Logged in today, kept logged in" in page
    assert "Log out everywhere else" in page
    assert "Where you're logged in" in read_text(phone.get("/account"))


def test_ending_a_session_logs_that_browser_out(app, user):
    phone, laptop = app.test_client(), app.test_client()
    login(phone, user.email)
    login(laptop, user.email, remember=True)
    laptop_session = db.session.scalar(select(UserSession).where(UserSession.remember.is_(True)))
    response = phone.post(f"/account/sessions/{laptop_session.id}/end")
    assert response.status_code == 302
    assert laptop.get("/today").status_code == 302, "the laptop has to log in again"
    assert phone.get("/today").status_code == 200


def test_someone_else_s_session_cannot_be_ended(app, user):
    other = make_user(email="other@example.com")
    theirs = app.test_client()
    login_as(theirs, other)
    their_session = db.session.scalar(select(UserSession).where(UserSession.user_id == other.id))
    mine = app.test_client()
    login_as(mine, user)
    assert mine.post(f"/account/sessions/{their_session.id}/end").status_code == 404
    assert mine.post("/account/sessions/99999999999999999999/end").status_code == 404
    assert theirs.get("/today").status_code == 200


def test_log_out_everywhere_else(app, user):
    here, phone, laptop = app.test_client(), app.test_client(), app.test_client()
    for client in (here, phone, laptop):
        login_as(client, user)
    assert here.post("/account/sessions/end-others").status_code == 302
    assert here.get("/today").status_code == 200
    assert phone.get("/today").status_code == 302 and laptop.get("/today").status_code == 302
    assert _count(UserSession, UserSession.user_id == user.id) == 1


def test_ending_this_session_logs_out_here(app, user):
    client = app.test_client()
    login(client, user.email)
    row = db.session.scalar(select(UserSession).where(UserSession.user_id == user.id))
    response = client.post(f"/account/sessions/{row.id}/end")
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert client.get("/today").status_code == 302


# ------------------------------------------------------------------ a browser not seen before


def test_a_new_browser_signing_in_sends_a_discreet_email(app, user, smtp_sink):
    first = app.test_client()
    assert login(first, user.email).status_code == 302
    assert smtp_sink.messages == [], "the first browser of an account is just remembered"
    first.post("/logout")
    assert login(first, user.email).status_code == 302
    assert smtp_sink.messages == [], "the same browser again: nothing to say"

    stranger = app.test_client()
    stranger.environ_base["HTTP_USER_AGENT"] = FIREFOX_ANDROID
    assert login(stranger, user.email).status_code == 302
    (message,) = smtp_sink.wait_for(user.email)
    assert message["Subject"] == "A new sign-in to your Tandem account"
    body = email_text(message)
    assert "Firefox on Android" in body and "UTC time" in body
    assert "http://localhost/account/sessions" in body
    assert _count(KnownBrowser, KnownBrowser.user_id == user.id) == 2
    markers = db.session.scalars(select(KnownBrowser.marker_hash)).all()
    cookie = stranger.get_cookie("tandem_browser")
    assert cookie is not None and cookie.value not in markers, "only a hash of the marker is stored"


def test_registering_remembers_the_browser_without_an_email_about_it(client, smtp_sink):
    welcome = client.post(
        "/register",
        data={"email": "cy@example.com", "display_name": "Cy", "password": "slow mornings with tea", "timezone": "UTC"},
        follow_redirects=True,
    )
    assert "Welcome to Tandem" in read_text(welcome), "the welcome survives the fresh session"
    client.post("/logout")
    smtp_sink.clear()
    assert login(client, "cy@example.com", "slow mornings with tea").status_code == 302
    assert smtp_sink.messages == []


def test_a_mail_server_that_is_down_does_not_stop_a_log_in(app, user, smtp_sink):
    login(app.test_client(), user.email)  # the first browser: remembered
    app.config["MAIL_PORT"] = 1  # nothing listens there
    client = app.test_client()
    assert login(client, user.email).status_code == 302
    assert client.get("/today").status_code == 200
    assert smtp_sink.messages == [], "the email could not go"
