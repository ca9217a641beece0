"""Sessions end for real: log-out, idle timeout, absolute lifetime, fixation."""

import time
from datetime import timedelta

from sqlalchemy import select

from journal import create_app
from journal.auth.sessions import sessions_prune
from journal.extensions import db
from journal.models import UserSession, now_utc
from journal.testing import count_queries, login


def _cookies(client) -> dict:
    return {c.key: c.value for c in client._cookies.values()}


def _restore(client, cookies: dict) -> None:
    for key, value in cookies.items():
        client.set_cookie(key, value)


def test_a_copied_cookie_stops_working_after_log_out(app, user):
    client = app.test_client()
    login(client, user.email, remember=True)
    copied = _cookies(client)
    assert {"tandem", "tandem_remember"} <= set(copied)
    client.post("/logout")
    thief = app.test_client()
    _restore(thief, copied)
    assert thief.get("/today").status_code == 302


def test_remember_cookie_alone_restores_a_live_session_but_not_an_ended_one(app, user):
    client = app.test_client()
    login(client, user.email, remember=True)
    remember_only = app.test_client()
    remember_only.set_cookie("tandem_remember", _cookies(client)["tandem_remember"])
    assert remember_only.get("/today").status_code == 200
    db.session.execute(db.delete(UserSession))
    db.session.commit()
    other = app.test_client()
    other.set_cookie("tandem_remember", _cookies(client)["tandem_remember"])
    assert other.get("/today").status_code == 302


def test_log_out_ends_only_this_device(app, user):
    phone, laptop = app.test_client(), app.test_client()
    login(phone, user.email)
    login(laptop, user.email)
    phone.post("/logout")
    assert phone.get("/today").status_code == 302
    assert laptop.get("/today").status_code == 200


def test_session_is_renewed_at_log_in(app, user):
    client = app.test_client()
    client.get("/login")
    before = _cookies(client).get("tandem")
    login(client, user.email)
    after = _cookies(client)["tandem"]
    assert before != after
    planted = app.test_client()
    if before:
        planted.set_cookie("tandem", before)
    assert planted.get("/today").status_code == 302, "a pre-login cookie is not logged in"


def test_absolute_lifetime(app, user):
    client = app.test_client()
    login(client, user.email)
    row = db.session.scalar(select(UserSession))
    row.created_at = now_utc() - timedelta(hours=app.config["SESSION_ABSOLUTE_HOURS"], minutes=1)
    db.session.commit()
    assert client.get("/today").status_code == 302


def test_remembered_sessions_last_longer(app, user):
    client = app.test_client()
    login(client, user.email, remember=True)
    row = db.session.scalar(select(UserSession))
    row.created_at = now_utc() - timedelta(hours=app.config["SESSION_ABSOLUTE_HOURS"] + 1)
    db.session.commit()
    assert client.get("/today").status_code == 200
    row.created_at = now_utc() - timedelta(days=app.config["REMEMBER_DAYS"], minutes=1)
    db.session.commit()
    assert client.get("/today").status_code == 302


def test_idle_timeout(app, user):
    client = app.test_client()
    login(client, user.email)
    assert client.get("/today").status_code == 200
    idle = app.config["SESSION_IDLE_MINUTES"] * 60 + 5
    with client.session_transaction() as sess:
        sess["_seen"] = int(time.time()) - idle
    with count_queries(app) as q:
        response = client.get("/today")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    writes = [st for st in q.statements if st.lstrip().split()[0].upper() in ("INSERT", "UPDATE", "DELETE")]
    assert writes == [], "the user loader only reads (STYLE: hooks don't write)"
    assert client.get("/today").status_code == 302, "the idle session stays over"
    (idle_hash,) = db.session.scalars(select(UserSession.token_hash)).all()

    login(client, user.email)  # the next log-in in this browser clears the idle session's row
    db.session.expire_all()
    (new_hash,) = db.session.scalars(select(UserSession.token_hash)).all()
    assert new_hash != idle_hash
    assert client.get("/today").status_code == 200


def test_a_changed_cookie_is_refused_even_after_the_good_one_was_read(app, user):
    """The signed cookie is checked once per process and remembered by its exact value: a
    copy changed by one character is a different value, checked again and refused."""
    client = app.test_client()
    login(client, user.email)
    assert client.get("/today").status_code == 200  # read, checked and remembered
    good = _cookies(client)["tandem"]
    at = len(good) - 3  # in the signature
    changed = good[:at] + ("A" if good[at] != "A" else "B") + good[at + 1 :]
    forger = app.test_client()
    forger.set_cookie("tandem", changed)
    assert forger.get("/today").status_code == 302
    again = app.test_client()
    again.set_cookie("tandem", good)
    assert again.get("/today").status_code == 200


def test_a_remembered_cookie_still_expires(app, user):
    """A cookie this process already read still ends with its lifetime."""
    client = app.test_client()
    login(client, user.email)
    assert client.get("/today").status_code == 200
    assert client.get("/today").status_code == 200  # read from what the process remembered
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(seconds=-1)  # every cookie is now past it
    assert client.get("/today").status_code == 302


def test_prune_deletes_sessions_past_their_lifetime(app, user):
    hours = app.config["SESSION_ABSOLUTE_HOURS"]
    old = now_utc() - timedelta(hours=hours + 1)
    for remember in (False, True):
        db.session.add(UserSession(user_id=user.id, token_hash=f"{remember}-old", remember=remember, created_at=old))
    db.session.add(UserSession(user_id=user.id, token_hash="fresh", remember=False, created_at=now_utc()))
    db.session.commit()
    assert sessions_prune() == 1
    db.session.commit()
    assert sorted(db.session.scalars(select(UserSession.token_hash))) == ["True-old", "fresh"]


def test_session_cookie_flags(app, user):
    client = app.test_client()
    response = login(client, user.email, remember=True)
    cookies = response.headers.getlist("Set-Cookie")
    session_cookie = next(c for c in cookies if c.startswith("tandem="))
    assert "HttpOnly" in session_cookie and "SameSite=Lax" in session_cookie
    remember = next(c for c in cookies if c.startswith("tandem_remember="))
    assert "HttpOnly" in remember


def test_https_uses_host_prefixed_secure_cookies(app_config, backend):
    app = create_app({**app_config, "TANDEM_HTTPS": True, "WTF_CSRF_ENABLED": True})
    assert app.config["SESSION_COOKIE_NAME"] == "__Host-tandem"
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["REMEMBER_COOKIE_SECURE"]
    response = app.test_client().get("/login", base_url="https://localhost")
    assert "max-age=" in response.headers["Strict-Transport-Security"]
    cookie = response.headers.get("Set-Cookie", "")
    assert cookie.startswith("__Host-tandem=") and "Secure" in cookie and "Path=/" in cookie


def test_posts_from_another_site_are_refused(auth_client, user):
    response = auth_client.post(
        "/account/profile",
        data={"display_name": "Changed", "timezone": "UTC"},
        headers={"Origin": "https://evil.example"},
    )
    assert response.status_code == 400
    db.session.refresh(user)
    assert user.display_name == "Ana"


def test_a_new_secret_key_ends_cookies_signed_with_the_old_one_unless_kept_as_a_fallback(app, user):
    """The cookie's signer is made once and kept (journal.security.KeptSigner), yet a
    key changed while the process runs is used from the next request on."""
    client = app.test_client()
    login(client, user.email)
    assert client.get("/today").status_code == 200
    signed = _cookies(client)
    old = app.secret_key
    app.secret_key = "another-" + "k" * 40
    try:
        assert client.get("/today").status_code == 302  # signed with a key no longer trusted
        app.config["SECRET_KEY_FALLBACKS"] = [old]
        _restore(client, signed)  # the refusal above set a fresh cookie
        assert client.get("/today").status_code == 200
    finally:
        app.secret_key = old
        app.config["SECRET_KEY_FALLBACKS"] = []
