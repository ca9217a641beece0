"""Bad input: a clear message next to the field, what was typed kept (never a
password), 422 or the documented status, and nothing changed in the database.
"""

import logging
from datetime import timedelta
from importlib import resources
from urllib.parse import urlsplit

import pytest
from flask import request
from sqlalchemy import func, select

from journal.auth.passwords import password_verify
from journal.extensions import db
from journal.models import Invite, User, UserSession, UserToken, now_utc
from journal.testing import (
    DEFAULT_PASSWORD,
    count,
    csrf_token,
    email_links,
    field_error,
    field_value,
    login_as,
    make_user,
    path_of,
    without_csrf_tokens,
)
from journal.testing import page_text as text

pytestmark = pytest.mark.sqlite_only  # form validation and its messages: the same on both databases (tests/conftest.py)

BASE = "http://localhost"
GOOD_PASSWORD = "a quiet walk by the river"
LAYOUT = ('<a class="skip-link" href="#main">Skip to content</a>', '<footer class="site-footer">')


# -- fixtures and helpers -------------------------------------------------------------


@pytest.fixture
def csrf_app(csrf_app_config, app):
    assert app.config["WTF_CSRF_ENABLED"] is True
    return app


def only_link(smtp_sink, to: str, *, count: int = 1) -> str:
    messages = smtp_sink.wait_for(to, count=count)
    assert len(messages) == count, f"expected {count} email(s) to {to}, got {len(messages)}"
    links = email_links(messages[-1])
    assert len(links) == 1, links
    return path_of(links[0])


def stored_hash(email: str) -> str:
    return db.session.scalar(select(User.password_hash).where(User.email == email))


def assert_in_layout(response) -> None:
    body = response.get_data(as_text=True)
    for marker in LAYOUT:
        assert marker in body
    assert "Traceback" not in body
    assert 'File "' not in body


def register_data(**overrides) -> dict:
    data = {
        "email": "cy@example.com",
        "display_name": "Cy",
        "password": GOOD_PASSWORD,
        "timezone": "Europe/London",
    }
    data.update(overrides)
    return data


# -- registering ----------------------------------------------------------------------

LONG_NAME = "N" * 61
LONG_EMAIL = "e" * 4988 + "@example.com"
assert len(LONG_EMAIL) == 5000
PASSWORD_1025 = ("calm river " * 100)[:1025]
PASSWORD_128 = ("calm river " * 12)[:128]

REGISTER_CASES = {
    "malformed-email": (dict(email="not-an-email"), "email", "Please enter an email address like name@example.com."),
    "empty-name": (dict(display_name=""), "display_name", "Please tell us a name to show your partner."),
    "blank-name": (dict(display_name="    "), "display_name", "Please tell us a name to show your partner."),
    "long-name": (dict(display_name=LONG_NAME), "display_name", "Please keep your name to 60 characters."),
    "huge-email": (dict(email=LONG_EMAIL), "email", "That email address is too long."),
    "short-password": (dict(password="short pw"), "password", "Please use at least 10 characters."),
    "common-password": (dict(password="password123"), "password", "one of the most common"),
    "common-password-case": (dict(password="PassWord123"), "password", "one of the most common"),
    "password-is-email": (
        dict(email="samuel.long@example.com", password="samuel.long@example.com"),
        "password",
        "isn't your email or name",
    ),
    "password-is-name": (
        dict(display_name="Cassiopeia Jones", password="cassiopeia jones"),
        "password",
        "isn't your email or name",
    ),
    "unknown-time-zone": (dict(timezone="Mars/Olympus"), "timezone", "Please choose a time zone from the list."),
    "password-1025": (dict(password=PASSWORD_1025), "password", "Please use at most 1024 characters."),
}


def test_common_password_example_is_in_the_list():
    listed = resources.files("journal.auth").joinpath("common_passwords.txt").read_text("utf-8").split()
    assert "password123" in listed


@pytest.mark.parametrize("case", list(REGISTER_CASES))
def test_register_refuses_bad_input(client, user, smtp_sink, case):
    overrides, field, message = REGISTER_CASES[case]
    data = register_data(**overrides)
    users_before, tokens_before = count(User), count(UserToken)

    response = client.post("/register", data=data)

    assert response.status_code == 422
    error = field_error(response, field)
    assert error is not None, f"no error shown next to {field}"
    assert message in error
    assert "Please look at the note" in text(response)
    # What was typed is kept, the password never is.
    assert field_value(response, "email") == data["email"].strip()
    assert field_value(response, "display_name") == data["display_name"].strip()
    assert field_value(response, "password") in (None, "")
    if data["password"] != data["email"]:
        assert data["password"] not in response.get_data(as_text=True)
    # Nothing changed.
    assert count(User) == users_before
    assert count(UserToken) == tokens_before
    assert smtp_sink.wait_for(data["email"], timeout=0) == []
    assert client.get("/today").status_code == 302  # still logged out


def test_register_accepts_a_128_character_password(client, smtp_sink):
    users_before = count(User)
    response = client.post("/register", data=register_data(password=PASSWORD_128))
    assert response.status_code == 302
    assert count(User) == users_before + 1
    assert password_verify(stored_hash("cy@example.com"), PASSWORD_128)


@pytest.mark.parametrize("typed", ["ana@example.com", "ANA@Example.COM", "  Ana@example.com "])
def test_register_with_an_existing_email(client, user, smtp_sink, typed):
    users_before = count(User)
    before_hash = stored_hash("ana@example.com")

    response = client.post("/register", data=register_data(email=typed, display_name="Another Ana"))

    assert response.status_code == 422
    assert "There may already be an account with this email" in field_error(response, "email")
    assert field_value(response, "email") == typed.strip()
    assert field_value(response, "display_name") == "Another Ana"
    assert count(User) == users_before
    assert stored_hash("ana@example.com") == before_hash
    assert db.session.scalar(select(User.display_name).where(User.email == "ana@example.com")) == "Ana"
    assert smtp_sink.wait_for("ana@example.com", timeout=0) == []


# -- logging in -----------------------------------------------------------------------


def _normalised(body: str, typed_email: str) -> str:
    return without_csrf_tokens(body, "TOKEN").replace(typed_email, "EMAIL")


@pytest.mark.parametrize("csrf", [False, True], ids=["csrf-off", "csrf-on"])
def test_login_failure_does_not_reveal_whether_the_email_exists(app_config, request, csrf):
    app_config["WTF_CSRF_ENABLED"] = csrf
    app = request.getfixturevalue("app")
    make_user(email="ana@example.com", display_name="Ana")
    sessions_before = count(UserSession)

    def attempt(email, password):
        client = app.test_client()
        data = {"email": email, "password": password}
        if csrf:
            data["csrf_token"] = csrf_token(client, "/login")
        return client.post("/login", data=data)

    wrong_password = attempt("ana@example.com", "not the right password")
    unknown_email = attempt("nobody@example.com", "not the right password")

    assert wrong_password.status_code == unknown_email.status_code == 422
    message = "That email and password don't match an account."
    assert message in text(wrong_password)
    assert message in text(unknown_email)
    assert field_value(wrong_password, "email") == "ana@example.com"
    assert field_value(unknown_email, "email") == "nobody@example.com"
    assert "not the right password" not in wrong_password.get_data(as_text=True)
    assert _normalised(wrong_password.get_data(as_text=True), "ana@example.com") == _normalised(
        unknown_email.get_data(as_text=True), "nobody@example.com"
    )
    assert ("Set-Cookie" in wrong_password.headers) == ("Set-Cookie" in unknown_email.headers)
    assert count(UserSession) == sessions_before


def test_login_with_empty_fields_says_so_next_to_them(client, user):
    response = client.post("/login", data={"email": "", "password": ""})
    assert response.status_code == 422
    assert "Please enter your email address." in field_error(response, "email")
    assert "Please enter your password." in field_error(response, "password")
    assert count(UserSession) == 0


# -- CSRF -----------------------------------------------------------------------------


@pytest.mark.parametrize("token", ["bogus-token", None], ids=["bogus", "missing"])
def test_wrong_csrf_on_login(csrf_app, token):
    ana = make_user(email="ana@example.com", display_name="Ana")
    client = csrf_app.test_client()
    csrf_token(client, "/login")  # the form was opened: the session holds a real token
    data = {"email": "ana@example.com", "password": DEFAULT_PASSWORD}
    if token:
        data["csrf_token"] = token

    response = client.post("/login", data=data)

    assert response.status_code == 400
    assert "This form had been open a long time" in text(response)
    assert_in_layout(response)
    assert count(UserSession) == 0
    assert db.session.scalar(select(User.failed_logins).where(User.id == ana.id)) == 0
    assert client.get("/today").status_code == 302  # not logged in


@pytest.mark.parametrize("token", ["bogus-token", None], ids=["bogus", "missing"])
def test_wrong_csrf_on_invite(csrf_app, token):
    ana = make_user(email="ana@example.com", display_name="Ana")
    client = csrf_app.test_client()
    login_as(client, ana)
    csrf_token(client, "/couple")
    response = client.post("/couple/invite", data={"csrf_token": token} if token else {})
    assert response.status_code == 400
    assert "This form had been open a long time" in text(response)
    assert_in_layout(response)
    assert count(Invite) == 0


@pytest.mark.parametrize("token", ["bogus-token", None], ids=["bogus", "missing"])
def test_wrong_csrf_on_profile(csrf_app, token):
    ana = make_user(email="ana@example.com", display_name="Ana", timezone="Europe/Paris")
    client = csrf_app.test_client()
    login_as(client, ana)
    csrf_token(client, "/account")
    data = {"display_name": "Changed", "timezone": "Asia/Tokyo"}
    if token:
        data["csrf_token"] = token
    response = client.post("/account/profile", data=data)
    assert response.status_code == 400
    assert "This form had been open a long time" in text(response)
    assert_in_layout(response)
    row = db.session.execute(select(User.display_name, User.timezone).where(User.id == ana.id)).one()
    assert tuple(row) == ("Ana", "Europe/Paris")


def test_right_csrf_on_profile_works(csrf_app):
    """The control for the three tests above: with the real token the change goes through."""
    ana = make_user(email="ana@example.com", display_name="Ana")
    client = csrf_app.test_client()
    login_as(client, ana)
    token = csrf_token(client, "/account")
    response = client.post("/account/profile", data={"display_name": "Changed", "timezone": "UTC", "csrf_token": token})
    assert response.status_code == 302
    assert db.session.scalar(select(User.display_name).where(User.id == ana.id)) == "Changed"


def test_a_form_token_works_only_in_its_own_browser(csrf_app):
    """Two people open forms in the same minute: each page carries its own browser's token
    (a signed token is reused for a while within one session, never across sessions), and
    each is refused in the other's session."""
    ana = make_user(email="ana@example.com", display_name="Ana")
    ben = make_user(email="ben@example.com", display_name="Ben")
    ana_client, ben_client = csrf_app.test_client(), csrf_app.test_client()
    login_as(ana_client, ana)
    login_as(ben_client, ben)
    ana_token, ben_token = csrf_token(ana_client, "/account"), csrf_token(ben_client, "/account")
    assert ana_token != ben_token
    data = {"display_name": "Changed", "timezone": "UTC"}
    assert ana_client.post("/account/profile", data={**data, "csrf_token": ben_token}).status_code == 400
    assert ben_client.post("/account/profile", data={**data, "csrf_token": ana_token}).status_code == 400
    assert db.session.scalar(select(User.display_name).where(User.id == ana.id)) == "Ana"
    assert ana_client.post("/account/profile", data={**data, "csrf_token": ana_token}).status_code == 302


# -- account settings -----------------------------------------------------------------


@pytest.mark.parametrize(
    "data, field, message",
    [
        ({"display_name": "", "timezone": "UTC"}, "display_name", "Please tell us a name to show your partner."),
        ({"display_name": "   ", "timezone": "UTC"}, "display_name", "Please tell us a name to show your partner."),
        ({"display_name": LONG_NAME, "timezone": "UTC"}, "display_name", "Please keep your name to 60 characters."),
        ({"display_name": "Ana B", "timezone": "Mars/Olympus"}, "timezone", "Please choose a time zone from the list."),
    ],
    ids=["empty-name", "blank-name", "long-name", "unknown-time-zone"],
)
def test_profile_refuses_bad_input(auth_client, user, data, field, message):
    response = auth_client.post("/account/profile", data=data)
    assert response.status_code == 422
    assert message in field_error(response, field)
    assert field_value(response, "display_name") == data["display_name"].strip()
    row = db.session.execute(select(User.display_name, User.timezone).where(User.id == user.id)).one()
    assert tuple(row) == ("Ana", "UTC")


@pytest.mark.parametrize(
    "data, field, message",
    [
        ({"code": ""}, "code", "Please type the code your partner gave you."),
        ({"code": "A" * 33}, "code", "That code is too long"),
    ],
    ids=["empty", "too-long"],
)
def test_join_refuses_bad_codes(auth_client, user, data, field, message):
    response = auth_client.post("/couple/join", data=data)
    assert response.status_code == 422
    assert message in field_error(response, field)
    assert field_value(response, "code") == data["code"]
    assert db.session.scalar(select(User.couple_id).where(User.id == user.id)) is None


# -- emailed links: expired and reused ------------------------------------------------


def test_reset_link_works_once(client, user, smtp_sink):
    assert client.post("/reset", data={"email": "ana@example.com"}).status_code == 200
    link = only_link(smtp_sink, "ana@example.com")

    page = client.get(link)
    assert page.status_code == 200
    assert "Choose a new password" in text(page)
    first = client.post(link, data={"password": "the first new password"})
    assert first.status_code == 302
    assert urlsplit(first.headers["Location"]).path == "/login"
    after_first = stored_hash("ana@example.com")
    assert password_verify(after_first, "the first new password")

    second = client.post(link, data={"password": "the second new password"})
    assert second.status_code == 410
    assert "This link has expired" in text(second)
    assert_in_layout(second)
    assert client.get(link).status_code == 410
    assert stored_hash("ana@example.com") == after_first


def test_reset_link_past_its_expiry(client, user, smtp_sink):
    client.post("/reset", data={"email": "ana@example.com"})
    link = only_link(smtp_sink, "ana@example.com")
    token = db.session.scalar(select(UserToken).where(UserToken.purpose == "reset_password"))
    token.expires_at = now_utc() - timedelta(seconds=1)
    db.session.commit()
    before = stored_hash("ana@example.com")

    page = client.get(link)
    assert page.status_code == 410
    assert "This link has expired" in text(page)
    response = client.post(link, data={"password": "the first new password"})
    assert response.status_code == 410
    assert "This link has expired" in text(response)
    assert stored_hash("ana@example.com") == before
    assert password_verify(before, DEFAULT_PASSWORD)


def test_reset_with_an_unusable_new_password_keeps_the_link(client, user, smtp_sink):
    client.post("/reset", data={"email": "ana@example.com"})
    link = only_link(smtp_sink, "ana@example.com")
    before = stored_hash("ana@example.com")

    for password, message in [
        ("short", "Please use at least 10 characters."),
        ("password123", "one of the most common"),
        ("ana@example.com", "isn't your email or name"),
    ]:
        response = client.post(link, data={"password": password})
        assert response.status_code == 422
        assert message in field_error(response, "password")
        assert stored_hash("ana@example.com") == before
    assert client.post(link, data={"password": "the first new password"}).status_code == 302


def test_verification_link_works_once(client, smtp_sink):
    assert client.post("/register", data=register_data()).status_code == 302
    link = only_link(smtp_sink, "cy@example.com")
    anonymous = client.application.test_client()

    assert anonymous.get(link).status_code == 200
    assert anonymous.post(link).status_code == 302
    verified_at = db.session.scalar(select(User.email_verified_at).where(User.email == "cy@example.com"))
    assert verified_at is not None

    again = anonymous.post(link)
    assert again.status_code == 200
    assert "Your email is already confirmed" in text(again)
    assert_in_layout(again)
    assert anonymous.get(link).status_code == 200
    db.session.expire_all()
    assert db.session.scalar(select(User.email_verified_at).where(User.email == "cy@example.com")) == verified_at


def test_email_change_link_after_the_address_was_taken(auth_client, user, smtp_sink):
    response = auth_client.post("/account/email", data={"email": "shared@example.com"})
    assert response.status_code == 302
    link = only_link(smtp_sink, "shared@example.com")
    other = make_user(email="shared@example.com", display_name="Dee")

    response = auth_client.post(link, follow_redirects=True)
    assert response.status_code == 200
    assert "That email now belongs to another account" in text(response)
    assert db.session.scalar(select(User.email).where(User.id == user.id)) == "ana@example.com"
    assert db.session.scalar(select(User.email).where(User.id == other.id)) == "shared@example.com"
    assert count(User) == 2


def test_email_change_refuses_bad_input(auth_client, user, smtp_sink):
    cases = [
        ({"email": "not-an-email"}, "email", "like name@example.com"),
        ({"email": "ana@example.com"}, "email", "That's already your email."),
    ]
    for data, field, message in cases:
        response = auth_client.post("/account/email", data=data)
        assert response.status_code == 422
        assert message in field_error(response, field)
        assert field_value(response, "email") == data["email"]
    assert count(UserToken) == 0
    assert smtp_sink.messages == []
    assert db.session.scalar(select(User.email).where(User.id == user.id)) == "ana@example.com"


def test_reset_request_answers_the_same_for_known_and_unknown_email(app, user, smtp_sink):
    known = app.test_client().post("/reset", data={"email": "ana@example.com"})
    unknown = app.test_client().post("/reset", data={"email": "nobody@example.com"})
    assert known.status_code == unknown.status_code == 200
    assert known.get_data(as_text=True) == unknown.get_data(as_text=True)
    assert "Check your inbox" in text(known)
    assert len(smtp_sink.wait_for("ana@example.com")) == 1
    assert smtp_sink.wait_for("nobody@example.com", timeout=0) == []
    assert len(smtp_sink.messages) == 1
    assert db.session.scalar(select(func.count()).select_from(UserToken)) == 1


def test_reset_request_with_a_malformed_email(client, user, smtp_sink):
    response = client.post("/reset", data={"email": "not-an-email"})
    assert response.status_code == 422
    assert "like name@example.com" in field_error(response, "email")
    assert field_value(response, "email") == "not-an-email"
    assert smtp_sink.messages == []


# -- oversized requests ---------------------------------------------------------------


@pytest.mark.parametrize("path", ["/register", "/login", "/reset"])
def test_oversized_body_gets_the_friendly_413_page(client, path):
    users_before = count(User)
    data = register_data(display_name="x" * (3 * 1024 * 1024))
    response = client.post(path, data=data)
    assert response.status_code == 413
    assert "That was more than we can take at once" in text(response)
    assert_in_layout(response)
    assert count(User) == users_before


def test_oversized_body_when_logged_in(auth_client, user):
    response = auth_client.post("/account/profile", data={"display_name": "x" * (3 * 1024 * 1024), "timezone": "UTC"})
    assert response.status_code == 413
    assert "That was more than we can take at once" in text(response)
    assert db.session.scalar(select(User.display_name).where(User.id == user.id)) == "Ana"


# -- next= never leaves the site ------------------------------------------------------

OFF_SITE = [
    "https://evil.example/",
    "//evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "///evil.example",
    "https:/evil.example",
    "javascript:alert(1)",
    "/\t/evil.example",
    " //evil.example",
    "evil.example",
]


def _lands_on_today(response) -> None:
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert location.netloc in ("", "localhost")
    assert location.path == "/today"


@pytest.mark.parametrize("target", OFF_SITE)
def test_off_site_next_is_ignored_after_log_in(app, user, target):
    client = app.test_client()
    page = client.get("/login", query_string={"next": target})
    assert page.status_code == 200
    response = client.post("/login", data={"email": "ana@example.com", "password": DEFAULT_PASSWORD, "next": target})
    _lands_on_today(response)


@pytest.mark.parametrize("target", OFF_SITE[:3])
def test_off_site_next_is_ignored_after_registering(client, target):
    response = client.post("/register", data=register_data(next=target))
    _lands_on_today(response)


def test_local_next_is_followed_after_log_in(client, user):
    response = client.post(
        "/login", data={"email": "ana@example.com", "password": DEFAULT_PASSWORD, "next": "/account"}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/account"


# -- unhandled exceptions -------------------------------------------------------------

SECRET_TEXT = "Ana-wrote-this-7781"


@pytest.fixture
def boom_app(app):
    """The fresh app with a route that fails on whatever the user typed (added before any request)."""

    def boom():
        typed = request.args.get("q", "")
        raise ValueError(f"could not read {typed}")

    app.add_url_rule("/boom", "boom", boom)
    return app


def test_unhandled_exception_shows_the_friendly_500_page(boom_app, caplog):
    caplog.set_level(logging.INFO)
    response = boom_app.test_client().get("/boom", query_string={"q": SECRET_TEXT})

    assert response.status_code == 500
    assert "Something went wrong on our side" in text(response)
    assert_in_layout(response)
    body = response.get_data(as_text=True)
    assert "ValueError" not in body
    assert SECRET_TEXT not in body

    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors, "the failure was not logged"
    assert any("ValueError" in r.getMessage() for r in errors)
    assert SECRET_TEXT not in caplog.text
    for record in caplog.records:
        assert SECRET_TEXT not in record.getMessage()
        assert record.exc_info is None or SECRET_TEXT not in str(record.exc_info[1])


def test_unhandled_exception_for_a_logged_in_user(boom_app, user, caplog):
    client = boom_app.test_client()
    login_as(client, user)
    response = client.get("/boom", query_string={"q": SECRET_TEXT})
    assert response.status_code == 500
    assert "Something went wrong on our side" in text(response)
    assert_in_layout(response)
    assert SECRET_TEXT not in caplog.text
