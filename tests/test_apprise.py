"""Reminders through Apprise, delivered to a generic JSON webhook served on loopback."""

import json
import logging
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from sqlalchemy import select, text

from journal.extensions import db
from journal.models import AppriseTarget
from journal.reminders.channels.apprise import TEST_BODY, apprise_send, apprise_target_url, private_destination
from journal.testing import free_port, serve_in_thread

SECRET_PATH = "hook-s3cr3t-7f2a"


class Hook:
    """A tiny webhook that records the JSON Apprise posts and answers `status`."""

    def __init__(self):
        self.received: list[dict] = []
        self.status = 200
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                hook.received.append({"path": self.path, **json.loads(body)})
                self.send_response(hook.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.url = f"json://127.0.0.1:{self.port}/{SECRET_PATH}"
        self.close = serve_in_thread(self.server)


@pytest.fixture
def hook():
    h = Hook()
    yield h
    h.close()


def closed_port_url() -> str:
    """A loopback port nobody listens on."""
    return f"json://127.0.0.1:{free_port()}/{SECRET_PATH}"


@pytest.mark.sqlite_only  # the page's words: the database only stores the fixtures
def test_the_page_explains_and_asks_for_a_hidden_url(auth_client):
    page = auth_client.get("/reminders/apprise").get_data(as_text=True)
    assert "Apprise" in page and 'type="password"' in page
    assert "A service is connected" not in page


def test_saving_sends_a_test_message_then_stores_the_url_sealed(auth_client, user, hook):
    response = auth_client.post("/reminders/apprise", data={"url": hook.url})
    assert response.status_code == 302
    assert len(hook.received) == 1
    assert hook.received[0]["message"] == TEST_BODY
    assert hook.received[0]["path"] == f"/{SECRET_PATH}"
    db.session.expire_all()
    row = db.session.scalar(select(AppriseTarget).where(AppriseTarget.user_id == user.id))
    assert row is not None
    assert SECRET_PATH.encode() not in row.url_sealed and b"127.0.0.1" not in row.url_sealed
    assert apprise_target_url(user) == hook.url
    page = auth_client.get("/reminders/apprise").get_data(as_text=True)
    assert "A service is connected (json)" in page
    assert SECRET_PATH not in page and str(hook.port) not in page


def test_saving_again_replaces_the_one_destination(auth_client, user, hook):
    auth_client.post("/reminders/apprise", data={"url": hook.url})
    other = hook.url.replace(SECRET_PATH, "another-hook")
    assert auth_client.post("/reminders/apprise", data={"url": other}).status_code == 302
    db.session.expire_all()
    assert len(db.session.scalars(select(AppriseTarget)).all()) == 1
    assert apprise_target_url(user) == other


@pytest.mark.sqlite_only  # reads the SQLite file itself
def test_the_raw_sqlite_file_never_holds_the_url(auth_client, user, hook, backend):
    assert auth_client.post("/reminders/apprise", data={"url": hook.url}).status_code == 302
    db.session.commit()
    db.session.execute(text("PRAGMA wal_checkpoint(FULL)"))
    db.session.commit()
    raw = Path(db.engine.url.database).read_bytes()
    assert db.session.scalar(select(AppriseTarget)) is not None
    assert SECRET_PATH.encode() not in raw
    assert f"127.0.0.1:{hook.port}".encode() not in raw
    assert apprise_target_url(user) == hook.url


@pytest.mark.sqlite_only  # the HTTP delivery itself: the database only stores the fixtures
def test_the_sender_delivers_title_and_body(app, hook):
    result = apprise_send(url=hook.url, title="Tandem", body="It's time for the practice you planned.")
    assert result.ok and result.error is None
    assert hook.received[-1]["title"] == "Tandem"
    assert hook.received[-1]["message"] == "It's time for the practice you planned."


@pytest.mark.sqlite_only  # reading delivery failures: the database only stores the fixtures
def test_sender_failures_are_temporary_and_a_bad_url_is_permanent(app, hook):
    hook.status = 500
    failed = apprise_send(url=hook.url, title="Tandem", body="x")
    assert (failed.ok, failed.temporary, failed.error) == (False, True, "apprise-failed")
    nobody = apprise_send(url=closed_port_url(), title="Tandem", body="x")
    assert (nobody.ok, nobody.temporary, nobody.error) == (False, True, "apprise-failed")
    bad = apprise_send(url="nosuchservice://x", title="Tandem", body="x")
    assert (bad.ok, bad.temporary, bad.error) == (False, False, "apprise-url")


@pytest.mark.sqlite_only  # validation by a test message: the database only stores the fixtures
@pytest.mark.parametrize("problem", ["unknown-scheme", "server-error", "nobody-listening", "empty"])
def test_a_destination_that_fails_the_test_is_not_saved(auth_client, hook, problem):
    url = {
        "unknown-scheme": "nosuchservice://x",
        "server-error": hook.url,
        "nobody-listening": closed_port_url(),
        "empty": "",
    }[problem]
    hook.status = 500
    response = auth_client.post("/reminders/apprise", data={"url": url})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="url-error"' in page
    if url:
        assert SECRET_PATH not in page and url not in page  # not shown back, even on error
    db.session.expire_all()
    assert db.session.scalar(select(AppriseTarget)) is None


def test_delete_removes_it(auth_client, user, hook):
    auth_client.post("/reminders/apprise", data={"url": hook.url})
    response = auth_client.post("/reminders/apprise/delete")
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.scalar(select(AppriseTarget)) is None
    assert apprise_target_url(user) is None
    assert "A service is connected" not in auth_client.get("/reminders/apprise").get_data(as_text=True)


@pytest.mark.sqlite_only  # what the log lines say: the database only stores the fixtures
def test_logs_hold_neither_the_url_nor_the_message(auth_client, user, hook, caplog):
    caplog.set_level(logging.DEBUG)
    assert logging.getLogger("apprise").getEffectiveLevel() == logging.WARNING
    auth_client.post("/reminders/apprise", data={"url": hook.url})
    apprise_send(url=hook.url, title="Tandem", body="A private reminder text")
    auth_client.post("/reminders/apprise", data={"url": "nosuchservice://s3cr3t-topic"})
    auth_client.post("/reminders/apprise", data={"url": closed_port_url()})
    hook.status = 500
    auth_client.post("/reminders/apprise", data={"url": hook.url})
    auth_client.post("/reminders/apprise/delete")
    logged = caplog.text + "".join(str(r.args) for r in caplog.records)
    withheld = [r for r in caplog.records if r.name == "apprise"]
    assert withheld and all(r.levelno >= logging.WARNING and "details withheld" in r.getMessage() for r in withheld)
    for secret in (SECRET_PATH, "127.0.0.1", "s3cr3t-topic", TEST_BODY, "A private reminder text"):
        assert secret not in logged


@pytest.mark.sqlite_only  # address checks in Python: the database only stores the fixtures
@pytest.mark.parametrize(
    "url, private",
    [
        ("json://127.0.0.1:8080/hook", True),
        ("json://169.254.169.254/latest/meta-data", True),  # a cloud metadata service
        ("form://10.1.2.3/hook", True),
        ("xml://192.168.1.20/hook", True),
        ("json://[::1]:8080/hook", True),
        ("ntfy://localhost/topic", True),
        ("json://100.64.0.1/hook", True),  # carrier-grade NAT space is not the internet either
        ("json://2130706433/hook", True),  # 127.0.0.1 written as one number
        ("json://0x7f000001/hook", True),  # and in hexadecimal
        ("ntfy://10.0.0.7/topic", True),  # a self-hosted ntfy server on a private network
        ("json://93.184.216.34/hook", False),
        ("ntfy://my-quiet-topic", False),  # a topic on ntfy.sh, not a host
        ("ntfy://1234567", False),  # a numeric topic too
        ("tgram://170000000:AAbbccdd/12345", False),  # a bot id (10.34.5.128 as a number), not an address
    ],
)
def test_private_destinations_are_recognised(app, url, private):
    assert private_destination(url) is private


@pytest.mark.sqlite_only  # address checks in Python: the database only stores the fixtures
def test_a_private_destination_is_refused_unless_allowed(app, auth_client, hook):
    app.config["APPRISE_ALLOW_PRIVATE"] = False
    response = auth_client.post("/reminders/apprise", data={"url": hook.url})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "on a private network or on this server" in page and 'id="url-error"' in page
    assert hook.received == [], "nothing was sent inside the network"
    db.session.expire_all()
    assert db.session.scalar(select(AppriseTarget)) is None
    refused = apprise_send(url=hook.url, title="Tandem", body="x")
    assert (refused.ok, refused.temporary, refused.error) == (False, False, "apprise-private")
    assert hook.received == []
