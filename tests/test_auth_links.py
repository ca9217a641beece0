"""Email links opened again: a verification link whose address is already confirmed
says so and offers to log in; one that is too old or replaced says it expired. And
two concurrent uses of one password-reset token: exactly one wins."""

import threading
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from journal.account_mail import account_mail_drain
from journal.auth import tokens
from journal.auth.services import password_reset, verification_send
from journal.extensions import db
from journal.models import User, UserToken, now_utc
from journal.testing import client_for, email_links, make_user, path_of, read_text, token_issue


@pytest.fixture
def unverified(app, smtp_sink):
    user = make_user(email="new@example.com", display_name="New", verified=False)
    smtp_sink.clear()
    verification_send(user=user)
    db.session.commit()
    account_mail_drain()  # as the worker does once the request has answered
    (message,) = smtp_sink.wait_for(user.email)
    (link,) = email_links(message)
    return user, path_of(link)


def test_a_verification_link_opened_again_says_the_email_is_confirmed(app, client, unverified):
    user, link = unverified
    assert client.post(link).status_code == 302
    for page in (client.get(link), client.post(link)):
        text = read_text(page)
        assert page.status_code == 200, text
        assert "Your email is already confirmed" in text and "expired" not in text
        assert 'href="/login"' in page.get_data(as_text=True) and "Log in" in text
    logged_in = client_for(app, db.session.get(User, user.id))
    page = logged_in.get(link)
    assert "already confirmed" in read_text(page) and 'href="/today"' in page.get_data(as_text=True)


def test_an_old_or_replaced_link_of_an_unconfirmed_email_has_expired(app, client, unverified):
    user, link = unverified
    db.session.execute(update(UserToken).values(expires_at=now_utc() - timedelta(minutes=1)))
    db.session.commit()
    page = client.get(link)
    assert page.status_code == 410 and "This link has expired" in read_text(page)
    token_issue(user_id=user.id, purpose="verify_email")  # a new link replaces the first
    db.session.commit()
    assert "This link has expired" in read_text(client.post(link))
    assert client.get("/verify/not-a-token").status_code == 410


def test_two_concurrent_uses_of_one_reset_token_exactly_one_wins(app):
    """Two threads, each with its own connection and transaction, use the same token at
    the same moment; a barrier lines them up after both have read it as live."""
    user = make_user(email="race@example.com")
    raw = token_issue(user_id=user.id, purpose="reset_password")
    db.session.commit()
    barrier = threading.Barrier(2, timeout=10)
    results, errors = [], []

    real_peek = tokens.token_peek

    def peek_then_wait(**kwargs):
        found = real_peek(**kwargs)
        barrier.wait()  # both have seen the token live before either uses it
        return found

    def use(password):
        try:
            with app.app_context():
                try:
                    results.append(password if password_reset(raw=raw, new_password=password) else None)
                    db.session.commit()
                except Exception as exc:  # a serialisation failure is a lost race, not a win
                    db.session.rollback()
                    results.append(None)
                    errors.append(type(exc).__name__)
        except Exception as exc:
            errors.append(repr(exc))

    tokens.token_peek = peek_then_wait
    try:
        threads = [threading.Thread(target=use, args=(pw,)) for pw in ("first choice words", "second choice words")]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
    finally:
        tokens.token_peek = real_peek
    winners = [r for r in results if r]
    assert len(results) == 2 and len(winners) == 1, (results, errors)
    db.session.expire_all()
    assert db.session.scalar(select(UserToken.used_at).where(UserToken.user_id == user.id)) is not None
