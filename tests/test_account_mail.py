"""Account emails (confirm an address, reset a password, a new browser, a partner who
left...) go through an outbox the worker sends, never out of the request: a mail
server that is down doesn't fail a sign-up or a reset, the email comes once it is back,
and a reset for an email with an account does the same work as one without.

Elsewhere the tests run the worker's task inside the request (Huey's immediate mode,
tests/conftest.py); here `real_queue` puts it on a SQLite or a Redis queue, as in
production."""

import logging
import sqlite3
import uuid
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller
from huey.storage import RedisStorage, SqliteStorage
from sqlalchemy import func, select

from journal import create_app
from journal.account_mail import KEEP_FAILED, MAX_ATTEMPTS, account_mail_drain, account_mail_queue
from journal.auth.services import RESETS_PER_HOUR, email_restore
from journal.extensions import db
from journal.models import AccountMail, User, UserToken, now_utc
from journal.reminders import worker
from journal.testing import (
    IsolatedClient,
    client_for,
    email_links,
    free_port,
    make_user,
    path_of,
    read_text,
    token_issue,
)

STRONG = "a long and quiet sentence"


@pytest.fixture
def mail_down(app_config):
    """The app's mail server: a loopback port where nothing listens."""
    app_config["MAIL_PORT"] = free_port()


@pytest.fixture(params=["sqlite", "redis"])
def real_queue(request, tmp_path, monkeypatch):
    """The worker's queue as in production, on SQLite (no REDIS_URL) and on Redis: a
    request puts a task on it and nothing runs it until the test takes it off, as the
    consumer does."""
    if request.param == "sqlite":
        storage = SqliteStorage("tandem", filename=str(tmp_path / "queue.sqlite"))
    else:
        # A queue of this test's own (a name no other test or run uses), emptied after it.
        url = f"{request.getfixturevalue('redis_server')}/14"
        storage = RedisStorage(f"tandem-test-{uuid.uuid4().hex}", url=url, blocking=False)
        request.addfinalizer(storage.flush_all)
    monkeypatch.setattr(worker.huey, "immediate", False)
    monkeypatch.setattr(worker.huey, "storage", storage)
    return worker.huey


def run_queued(huey) -> int:
    """Run every task on the queue, as Huey's consumer does; how many there were."""
    count = 0
    while (task := huey.dequeue()) is not None:
        huey.execute(task)
        count += 1
    return count


def rows() -> list[AccountMail]:
    return list(db.session.scalars(select(AccountMail).order_by(AccountMail.id)))


def test_a_reset_only_queues_and_the_worker_sends_it(client, user, smtp_sink, real_queue):
    unknown = client.post("/reset", data={"email": "nobody@example.com"})
    assert real_queue.pending_count() == 1, "a task on the queue for an unknown email too: the same work"
    assert run_queued(real_queue) == 1 and rows() == []

    known = client.post("/reset", data={"email": user.email})
    assert known.status_code == unknown.status_code == 200
    assert read_text(known) == read_text(unknown)
    assert smtp_sink.wait_for(user.email, timeout=0.2) == [], "nothing is sent inside the request"
    assert real_queue.pending_count() == 1
    (queued,) = rows()
    assert (queued.user_id, queued.kind, queued.state) == (user.id, "reset_password", "pending")
    assert db.session.scalar(select(func.count()).select_from(UserToken)) == 0, "no token is stored before sending"

    assert run_queued(real_queue) == 1
    (message,) = smtp_sink.wait_for(user.email)
    assert smtp_sink.wait_for("nobody@example.com", timeout=0.2) == []
    assert message["Subject"] == "Resetting your Tandem password"
    assert client.get(path_of(email_links(message)[0])).status_code == 200
    assert rows() == [], "a sent email leaves nothing behind"


def test_a_task_already_waiting_sends_the_emails_queued_after_it(client, user, smtp_sink, real_queue):
    """No consumer running (cron sends instead), or many requests at once: the queue holds
    one task, and that one sends every email."""
    people = [user] + [make_user() for _ in range(2)]
    for person in people:
        assert client.post("/reset", data={"email": person.email}).status_code == 200
    assert real_queue.pending_count() == 1 and len(rows()) == 3
    assert run_queued(real_queue) == 1
    for person in people:
        (message,) = smtp_sink.wait_for(person.email)
        assert message["Subject"] == "Resetting your Tandem password"
    assert rows() == []


def test_a_reset_while_the_mail_server_is_down_answers_and_the_link_comes_later(
    mail_down, app, client, user, smtp_sink, caplog
):
    caplog.set_level(logging.INFO)
    answer = client.post("/reset", data={"email": user.email})
    assert answer.status_code == 200 and "Check your inbox" in read_text(answer)
    (waiting,) = rows()
    assert (waiting.state, waiting.attempts, waiting.error) == ("pending", 1, "smtp-connection")
    assert db.session.scalar(select(func.count()).select_from(UserToken)) == 0, "the failed try's link is gone"

    app.config.update(smtp_sink.config())  # the server is back
    assert account_mail_drain() == {}, "not before its next try"
    assert account_mail_drain(now=waiting.due_at) == {"sent": 1}
    (message,) = smtp_sink.wait_for(user.email)
    page = client.get(path_of(email_links(message)[0]))
    assert page.status_code == 200 and "Choose a new password" in read_text(page)
    assert all(user.email not in record.getMessage() for record in caplog.records)


def test_signing_up_while_the_mail_server_is_down_makes_the_account(mail_down, app, client, smtp_sink):
    response = client.post(
        "/register",
        data={"email": "ana@example.com", "display_name": "Ana", "password": STRONG, "timezone": "Europe/London"},
    )
    assert response.status_code == 302 and response.headers["Location"] == "/today"
    assert client.get("/today").status_code == 200
    user = db.session.scalar(select(User).where(User.email == "ana@example.com"))
    (waiting,) = rows()
    assert (waiting.user_id, waiting.kind) == (user.id, "verify_email")

    app.config.update(smtp_sink.config())
    account_mail_drain(now=waiting.due_at)
    (message,) = smtp_sink.wait_for("ana@example.com")
    assert client.post(path_of(email_links(message)[0])).status_code == 302
    assert db.session.get(User, user.id).email_verified_at is not None


def test_a_mail_server_down_for_hours_is_tried_then_given_up(mail_down, user):
    account_mail_queue(user_id=user.id, kind="reset_password")
    db.session.commit()
    now = now_utc()
    for attempt in range(1, MAX_ATTEMPTS + 1):
        account_mail_drain(now=now)
        (row,) = rows()
        assert row.attempts == attempt
        now = row.due_at
    assert (row.state, row.error) == ("failed", "smtp-connection")
    assert account_mail_drain(now=now + timedelta(days=1)) == {}, "a failed email is not tried again"
    assert rows() == [row], "kept a while, for `flask reminders status`"
    account_mail_drain(now=now + KEEP_FAILED + timedelta(minutes=1))
    assert rows() == []


@pytest.fixture
def refusing_server(app_config):
    """A real SMTP server that refuses every recipient for good (550)."""

    class Refuse:
        async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
            return "550 No such mailbox"

    port = free_port()
    controller = Controller(Refuse(), hostname="127.0.0.1", port=port)
    controller.start()
    app_config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
    yield
    controller.stop()


def test_an_address_refused_for_good_is_not_tried_again(refusing_server, user):
    account_mail_queue(user_id=user.id, kind="new_browser", device="Firefox on Android")
    db.session.commit()
    assert account_mail_drain() == {"failed": 1}
    (row,) = rows()
    assert (row.state, row.attempts, row.error) == ("failed", 1, "smtp-550")


def test_an_address_confirmed_meanwhile_gets_no_confirmation_email(user, smtp_sink):
    account_mail_queue(user_id=user.id, kind="verify_email")  # `user` is confirmed already
    db.session.commit()
    assert account_mail_drain() == {"skipped": 1}
    assert smtp_sink.wait_for(user.email, timeout=0.2) == [] and rows() == []


def test_a_deleted_account_takes_its_waiting_emails(mail_down, user):
    account_mail_queue(user_id=user.id, kind="reset_password")
    db.session.commit()
    account_mail_drain()
    db.session.delete(db.session.get(User, user.id))
    db.session.commit()
    assert rows() == []


def test_each_queued_email_is_claimed_and_sent_once(app, smtp_sink):
    people = [make_user(email=f"p{n}@example.com", verified=False) for n in range(6)]
    for person in people:
        account_mail_queue(user_id=person.id, kind="verify_email")
    db.session.commit()
    first = account_mail_drain(limit=3, max_batches=1)
    second = account_mail_drain(limit=3, max_batches=1)
    assert first == second == {"sent": 3}
    assert account_mail_drain() == {}
    assert sorted(m["X-Envelope-To"] for m in smtp_sink.messages) == sorted(p.email for p in people)


def test_putting_the_old_email_back_drops_a_change_still_waiting(mail_down, app, user, smtp_sink):
    """Someone with the password asked for two changes while the mail server was down;
    putting the old address back must not let the second one's link go out later."""
    account_mail_queue(user_id=user.id, kind="change_email", to_email="someone.else@example.com")
    raw = token_issue(user_id=user.id, purpose="restore_email", new_email=user.email)
    db.session.commit()
    assert email_restore(raw=raw) is not None
    db.session.commit()
    assert rows() == []
    app.config.update(smtp_sink.config())
    assert account_mail_drain(now=now_utc() + timedelta(days=1)) == {}
    assert smtp_sink.wait_for("someone.else@example.com", timeout=0.2) == []


@pytest.fixture
def server_that_writes(app_config):
    """A real SMTP server that, as it takes each email, tries to write to the app's SQLite
    database from a connection of its own, without waiting: what a web request does."""
    path = app_config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")
    found = []

    class WriteWhileSending:
        async def handle_DATA(self, server, session, envelope):
            other = sqlite3.connect(path, timeout=0)
            try:
                other.execute("BEGIN IMMEDIATE")
                other.execute("ROLLBACK")
                found.append("free")
            except sqlite3.OperationalError:
                found.append("locked")
            finally:
                other.close()
            return "250 OK"

    port = free_port()
    controller = Controller(WriteWhileSending(), hostname="127.0.0.1", port=port)
    controller.start()
    app_config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
    yield found
    controller.stop()


@pytest.mark.sqlite_only
def test_the_database_stays_free_for_writers_while_an_email_goes(server_that_writes, user):
    """A slow mail server must not hold SQLite's one write lock: every request that writes
    would wait on it. The link's token is written once the server has the email."""
    account_mail_queue(user_id=user.id, kind="reset_password")
    account_mail_queue(user_id=user.id, kind="new_browser", device="Firefox on Android")
    db.session.commit()
    assert account_mail_drain() == {"sent": 2}
    assert server_that_writes == ["free", "free"]
    assert db.session.scalar(select(func.count()).select_from(UserToken)) == 1


def test_asking_for_account_emails_is_limited_per_person(app, app_config, smtp_sink):
    """Sending a confirmation link again, or one to a new address, emails an address the
    person typed: a few a minute per person (an account made with someone else's address
    could otherwise fill that inbox), then the calm "take a short pause" page."""
    limited = create_app({**app_config, "RATELIMIT_ENABLED": True, "LIMIT_ACCOUNT_EMAIL": "2 per minute"})
    limited.test_client_class = IsolatedClient
    with limited.app_context():
        person = make_user(email="unconfirmed@example.com", verified=False)
        client = client_for(limited, person)
        for _ in range(2):
            assert client.post("/verify/resend").status_code == 302
        refused = client.post("/verify/resend")
        assert refused.status_code == 429 and "take a short pause" in read_text(refused)
        changing = client.post("/account/email", data={"email": "someone@example.com"})
        assert changing.status_code == 429, "one count for both"
        assert len(smtp_sink.wait_for(person.email, count=3, timeout=0.5)) == 2
        assert smtp_sink.wait_for("someone@example.com", timeout=0.2) == []
        other = client_for(limited, make_user(verified=False))
        assert other.post("/verify/resend").status_code == 302, "counted per person, not per address"


def test_resets_email_one_account_a_few_times_an_hour_whoever_asks(client, user, smtp_sink):
    """Anyone can ask to reset any address, so the emails one account gets are capped
    (the page answers the same): nobody can fill someone's inbox with them."""
    for _ in range(RESETS_PER_HOUR + 2):
        answer = client.post("/reset", data={"email": user.email})
        assert answer.status_code == 200 and "Check your inbox" in read_text(answer)
        assert f"We send at most {RESETS_PER_HOUR} of these an hour." in read_text(answer)
    assert len(smtp_sink.wait_for(user.email, count=RESETS_PER_HOUR + 1, timeout=0.5)) == RESETS_PER_HOUR
    other = make_user()
    client.post("/reset", data={"email": other.email})
    assert len(smtp_sink.wait_for(other.email)) == 1, "counted per account"


def test_an_email_that_cant_be_written_fails_and_the_others_still_go(user, smtp_sink, caplog):
    """A row of a kind this version doesn't know (written by a newer one, say) is marked
    failed at once, not claimed again every two minutes, and the batch goes on."""
    db.session.add(AccountMail(user_id=user.id, kind="a_newer_kind", due_at=now_utc()))
    account_mail_queue(user_id=user.id, kind="reset_password")
    db.session.commit()
    assert account_mail_drain() == {"failed": 1, "sent": 1}
    (left,) = rows()
    assert (left.kind, left.state, left.error) == ("a_newer_kind", "failed", "unbuildable")
    assert smtp_sink.wait_for(user.email)[0]["Subject"] == "Resetting your Tandem password"
    assert "can't be written (KeyError)" in caplog.text
