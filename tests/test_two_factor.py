"""Two-step sign-in with an authenticator app (TOTP) and recovery codes."""

import re
from datetime import timedelta

import pyotp
import pytest
from sqlalchemy import func, select, update

from journal import create_app
from journal.auth.totp import totp_secret
from journal.extensions import db
from journal.models import RecoveryCode, User, UserSession, now_utc
from journal.testing import DEFAULT_PASSWORD, element, email_links, login, read_text, texts_of

pytestmark = (
    pytest.mark.sqlite_only
)  # TOTP and recovery codes, checked in Python: the same on both databases (tests/conftest.py)


def _previous_code(secret: str) -> str:
    """A code from the 30-second step before this one."""
    return pyotp.TOTP(secret).at(now_utc() - timedelta(seconds=30))


def _set_up(client, user) -> tuple[str, list[str]]:
    """Turn two-factor on through the pages; returns the secret and the recovery codes."""
    assert client.post("/account/two-factor/start").status_code == 302
    page = client.get("/account/two-factor/setup")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "<svg" in html and 'aria-label="QR code' in html
    secret = element(page, "span.code#totp-key").text.replace(" ", "")
    assert re.fullmatch(r"[A-Z2-7]+", secret), secret
    # The step before this one (accepted: clocks drift), so that codes of this step are
    # still unused for the rest of the test.
    done = client.post("/account/two-factor/setup", data={"code": _previous_code(secret)})
    assert done.status_code == 200
    return secret, _recovery_codes(done)


def _recovery_codes(page) -> list[str]:
    """The recovery codes a page shows, once."""
    codes = texts_of(page, "ul.recovery-codes > li")
    assert all(re.fullmatch(r"[a-z2-9]{5}-[a-z2-9]{5}", code) for code in codes), codes
    return codes


def test_setting_up_shows_a_qr_code_and_ten_recovery_codes_once(auth_client, user):
    secret, codes = _set_up(auth_client, user)
    assert len(codes) == 10 and len(set(codes)) == 10
    db.session.expire_all()
    fresh = db.session.get(User, user.id)
    assert fresh.totp_enabled_at is not None
    assert secret.encode() not in fresh.totp_secret_sealed, "the secret is sealed at rest"
    assert totp_secret(fresh) == secret
    stored = db.session.scalars(select(RecoveryCode.code_hash).where(RecoveryCode.user_id == user.id)).all()
    assert len(stored) == 10 and not set(codes) & set(stored), "only hashes are stored"
    page = read_text(auth_client.get("/account/two-factor"))
    assert "Two-step sign-in is on" in page and "10 unused recovery codes" in page
    assert not any(code in page for code in codes), "codes are shown once"


def test_a_wrong_code_does_not_turn_it_on(auth_client, user):
    auth_client.post("/account/two-factor/start")
    response = auth_client.post("/account/two-factor/setup", data={"code": "000000"})
    assert response.status_code == 422 and "That code didn't match" in read_text(response)
    empty = auth_client.post("/account/two-factor/setup", data={"code": ""})
    assert empty.status_code == 422 and "Please enter the code" in read_text(empty)
    db.session.expire_all()
    assert db.session.get(User, user.id).totp_enabled_at is None


def test_log_in_asks_for_the_code_after_the_password(app, auth_client, user):
    secret, _ = _set_up(auth_client, user)
    client = app.test_client()
    response = login(client, user.email)
    assert response.status_code == 302 and response.headers["Location"] == "/login/code"
    assert client.get("/today").status_code == 302, "not logged in by the password alone"
    wrong = client.post("/login/code", data={"code": "123456" if pyotp.TOTP(secret).now() != "123456" else "654321"})
    assert wrong.status_code == 422 and "That code didn't work" in read_text(wrong)
    right = client.post("/login/code", data={"code": pyotp.TOTP(secret).now()})
    assert right.status_code == 302 and right.headers["Location"] == "/today"
    assert client.get("/today").status_code == 200


def test_a_code_works_only_once(app, auth_client, user):
    secret, _ = _set_up(auth_client, user)
    code = pyotp.TOTP(secret).now()
    first, second = app.test_client(), app.test_client()
    login(first, user.email)
    assert first.post("/login/code", data={"code": code}).status_code == 302
    login(second, user.email)
    replay = second.post("/login/code", data={"code": code})
    assert replay.status_code == 422, "the same code again (e.g. seen over a shoulder) is refused"
    assert second.get("/today").status_code == 302


def test_set_up_code_cannot_be_replayed_at_log_in(app, auth_client, user):
    auth_client.post("/account/two-factor/start")
    secret = totp_secret(db.session.get(User, user.id))
    code = pyotp.TOTP(secret).now()
    assert auth_client.post("/account/two-factor/setup", data={"code": code}).status_code == 200
    client = app.test_client()
    login(client, user.email)
    assert client.post("/login/code", data={"code": code}).status_code == 422


def test_a_recovery_code_signs_in_once(app, auth_client, user):
    _, codes = _set_up(auth_client, user)
    client = app.test_client()
    login(client, user.email)
    assert client.post("/login/code", data={"code": codes[0].upper()}).status_code == 302
    again = app.test_client()
    login(again, user.email)
    assert again.post("/login/code", data={"code": codes[0]}).status_code == 422
    assert again.post("/login/code", data={"code": codes[1]}).status_code == 302
    assert db.session.scalar(select(func.count()).select_from(RecoveryCode).where(RecoveryCode.used_at.is_(None))) == 8


def test_the_second_step_waits_only_a_few_minutes(app, auth_client, user):
    secret, _ = _set_up(auth_client, user)
    client = app.test_client()
    login(client, user.email)
    with client.session_transaction() as sess:
        pending = dict(sess["_second_factor"])
        pending["at"] -= 301
        sess["_second_factor"] = pending
    response = client.post("/login/code", data={"code": pyotp.TOTP(secret).now()})
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert client.get("/today").status_code == 302


def test_guessing_codes_slows_the_account_down(app, auth_client, user):
    secret, _ = _set_up(auth_client, user)
    client = app.test_client()
    login(client, user.email)
    for _ in range(app.config["LOGIN_FREE_FAILURES"] + 1):
        client.post("/login/code", data={"code": "99999"})
    right = client.post("/login/code", data={"code": pyotp.TOTP(secret).now()})
    assert right.status_code == 422, "even the right code waits after many wrong ones"


def test_codes_are_rate_limited(app_config, backend, user):
    limited = create_app({**app_config, "RATELIMIT_ENABLED": True, "LIMIT_SECOND_FACTOR": "3 per minute"})
    client = limited.test_client()
    statuses = [client.post("/login/code", data={"code": "123456"}).status_code for _ in range(4)]
    assert statuses[:3] == [302, 302, 302] and statuses[3] == 429


def test_turning_off_and_new_recovery_codes_need_a_recent_confirmation(app, auth_client, user):
    _, codes = _set_up(auth_client, user)
    db.session.execute(update(UserSession).values(authenticated_at=now_utc() - timedelta(minutes=11)))
    db.session.commit()
    response = auth_client.post("/account/two-factor/disable")
    assert response.status_code == 302 and response.headers["Location"].startswith("/reauth")
    db.session.expire_all()
    assert db.session.get(User, user.id).totp_enabled_at is not None

    auth_client.post("/reauth", data={"next": "/account/two-factor", "pw-password": DEFAULT_PASSWORD})
    fresh_codes = auth_client.post("/account/two-factor/recovery-codes")
    new = _recovery_codes(fresh_codes)
    assert len(new) == 10 and not set(new) & set(codes)
    assert auth_client.post("/account/two-factor/disable").status_code == 302
    db.session.expire_all()
    fresh = db.session.get(User, user.id)
    assert fresh.totp_enabled_at is None and fresh.totp_secret_sealed is None
    client = app.test_client()
    assert login(client, user.email).headers["Location"] == "/today", "the password alone again"


def test_confirming_it_is_you_with_a_code(app, auth_client, user):
    secret, _ = _set_up(auth_client, user)
    db.session.execute(update(UserSession).values(authenticated_at=now_utc() - timedelta(minutes=11)))
    db.session.commit()
    page = read_text(auth_client.get("/reauth?next=/account/email"))
    assert "Or a code from your authenticator app" in page
    response = auth_client.post("/reauth", data={"next": "/account/email", "code-code": pyotp.TOTP(secret).now()})
    assert response.status_code == 302 and response.headers["Location"] == "/account/email"
    assert auth_client.get("/account/email").status_code == 200


def test_someone_without_two_factor_logs_in_with_the_password_alone(client, user):
    response = login(client, user.email)
    assert response.status_code == 302 and response.headers["Location"] == "/today"
    assert client.get("/login/code").headers["Location"] == "/today"


def test_login_code_page_without_a_password_first_goes_to_log_in(client):
    assert client.get("/login/code").headers["Location"] == "/login"
    assert client.post("/login/code", data={"code": "123456"}).headers["Location"] == "/login"


def test_typing_the_password_again_does_not_reset_the_count_of_wrong_codes(app, auth_client, user):
    secret, _ = _set_up(auth_client, user)
    client = app.test_client()
    for _ in range(app.config["LOGIN_FREE_FAILURES"] + 1):
        login(client, user.email)
        client.post("/login/code", data={"code": "99999"})
    login(client, user.email)
    right = client.post("/login/code", data={"code": pyotp.TOTP(secret).now()})
    assert right.status_code != 302 and client.get("/today").status_code == 302


def test_a_password_reset_still_asks_for_the_code(app, auth_client, user, smtp_sink):
    _set_up(auth_client, user)
    client = app.test_client()
    client.post("/reset", data={"email": user.email})
    (message,) = smtp_sink.wait_for(user.email)
    link = email_links(message)[0].removeprefix("http://localhost")
    assert client.post(link, data={"password": "a brand new sentence"}).status_code == 302
    response = login(client, user.email, "a brand new sentence")
    assert response.headers["Location"] == "/login/code", "someone who reads the inbox still needs the phone"
    assert client.get("/today").status_code == 302
