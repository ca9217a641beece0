"""Web push: VAPID keys, subscriptions and the sender, against a real push
endpoint served on loopback. Database tests run on SQLite and PostgreSQL."""

import base64
import json
import logging
import os
import secrets
import stat
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import http_ece
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from journal import create_app
from journal.extensions import db
from journal.models.push import PushSubscription
from journal.reminders.channels.push import (
    VAPID_FILE,
    push_send,
    subscription_endpoint,
    subscription_store,
    vapid_public_key,
)
from journal.testing import login_as, make_user, serve_in_thread


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


# -- a push service on loopback ----------------------------------------------------


class PushService:
    """A tiny push endpoint: records each request and answers `status`."""

    def __init__(self):
        self.requests: list[dict] = []
        self.status = 201
        service = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                service.requests.append({"path": self.path, "headers": dict(self.headers), "body": body})
                self.send_response(service.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.stop = serve_in_thread(self.server)

    def url(self, path: str = "/push/device-1") -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}{path}"


@pytest.fixture
def push_service():
    service = PushService()
    yield service
    service.stop()


class Browser:
    """The browser side of a subscription: its ECDH key pair and auth secret."""

    def __init__(self):
        self.private_key = ec.generate_private_key(ec.SECP256R1())
        self.auth = secrets.token_bytes(16)
        raw = self.private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        self.p256dh = b64url(raw)

    def subscription(self, endpoint: str) -> dict:
        return {"endpoint": endpoint, "keys": {"p256dh": self.p256dh, "auth": b64url(self.auth)}}

    def decrypt(self, body: bytes) -> dict:
        plain = http_ece.decrypt(body, private_key=self.private_key, auth_secret=self.auth, version="aes128gcm")
        return json.loads(plain)


def subscribe_row(user, browser: Browser, endpoint: str) -> PushSubscription:
    info = browser.subscription(endpoint)
    sub = subscription_store(user=user, endpoint=endpoint, p256dh=info["keys"]["p256dh"], auth=info["keys"]["auth"])
    db.session.commit()
    return sub


def count_subs() -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(PushSubscription))


# -- the sender ---------------------------------------------------------------------


@pytest.mark.sqlite_only  # the Web Push protocol and its encryption: the database only stores the fixtures
def test_push_is_encrypted_for_the_browser_and_signed_with_vapid(app, user, push_service, caplog):
    caplog.set_level(logging.DEBUG)
    browser = Browser()
    sub = subscribe_row(user, browser, push_service.url())

    result = push_send(
        subscription=sub,
        title="Time for your walk",
        body="Whenever suits you both.",
        url="/today",
        tag="occ-7",
        ttl=600,
    )

    assert result.ok and not result.temporary and not result.gone and result.error is None
    assert len(push_service.requests) == 1
    received = push_service.requests[0]
    assert received["path"] == "/push/device-1"
    headers = {k.lower(): v for k, v in received["headers"].items()}
    assert headers["ttl"] == "600"
    assert headers["content-encoding"] == "aes128gcm"
    assert b"Time for your walk" not in received["body"]
    assert browser.decrypt(received["body"]) == {
        "title": "Time for your walk",
        "body": "Whenever suits you both.",
        "url": "/today",
        "tag": "occ-7",
    }
    # VAPID (RFC 8292): a JWT for this push service's origin, and our public key.
    scheme, _, params = headers["authorization"].partition(" ")
    assert scheme == "vapid"
    fields = dict(part.strip().split("=", 1) for part in params.split(","))
    assert fields["k"] == vapid_public_key()
    claims = json.loads(unb64url(fields["t"].split(".")[1]))
    assert claims["aud"] == f"http://127.0.0.1:{push_service.server.server_address[1]}"
    assert claims["sub"] == "mailto:no-reply@tandem.invalid" or claims["sub"].startswith("mailto:")
    # Logs carry ids only: never the endpoint or what was sent.
    assert push_service.url() not in caplog.text
    assert "Time for your walk" not in caplog.text
    assert "127.0.0.1:" not in caplog.text


@pytest.mark.sqlite_only  # the VAPID claim: the database only stores the fixtures
def test_contact_can_be_configured(app, user, push_service):
    app.config["PUSH_CONTACT"] = "care@example.org"
    sub = subscribe_row(user, Browser(), push_service.url())
    assert push_send(subscription=sub, title="t", body="b", url="/", tag="x").ok
    headers = {k.lower(): v for k, v in push_service.requests[0]["headers"].items()}
    token = headers["authorization"].split("t=", 1)[1].split(",")[0]
    assert json.loads(unb64url(token.split(".")[1]))["sub"] == "mailto:care@example.org"


#: What each answer of a push service means: (gone, temporary), and whether the
#: subscription is kept. Gone (404/410) removes it; busy (429/5xx) retries; other refusals fail.
ANSWERS = {
    404: (True, False, False),
    410: (True, False, False),
    429: (False, True, True),
    500: (False, True, True),
    503: (False, True, True),
    400: (False, False, True),
    403: (False, False, True),
    413: (False, False, True),
}


@pytest.mark.sqlite_only  # reading the push service's answer: the database only stores the fixtures
@pytest.mark.parametrize("status", list(ANSWERS))
def test_each_push_service_answer_is_gone_temporary_or_permanent(app, user, push_service, status):
    gone, temporary, kept = ANSWERS[status]
    push_service.status = status
    sub = subscribe_row(user, Browser(), push_service.url())
    result = push_send(subscription=sub, title="t", body="b", url="/", tag="x")
    assert (result.ok, result.gone, result.temporary, result.error) == (False, gone, temporary, f"push-{status}")
    db.session.commit()
    assert count_subs() == (1 if kept else 0)


@pytest.mark.sqlite_only  # a network failure: the database only stores the fixtures
def test_unreachable_push_service_is_temporary(app, user, push_service):
    endpoint = push_service.url()
    push_service.stop()
    sub = subscribe_row(user, Browser(), endpoint)
    result = push_send(subscription=sub, title="t", body="b", url="/", tag="x")
    assert result.temporary and not result.ok and result.error == "push-network"
    assert count_subs() == 1
    push_service.stop = lambda: None


# -- VAPID keys -------------------------------------------------------------------


def test_vapid_key_is_made_once_private_and_shared(tmp_path):
    instance = tmp_path / "instance"
    keys = []
    for _ in range(2):
        app = create_app(
            {"TESTING": True, "INSTANCE_PATH": str(instance), "SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x"}
        )
        with app.app_context():
            keys.append(vapid_public_key())
    assert keys[0] == keys[1]
    raw = unb64url(keys[0])
    assert len(raw) == 65 and raw[0] == 4
    path = instance / VAPID_FILE
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert path.read_text().startswith("-----BEGIN PRIVATE KEY-----")
    assert not [p for p in instance.iterdir() if p.name.startswith(f".{VAPID_FILE}")], "no temporary files left"


# -- the page and the routes ------------------------------------------------------


def test_page_offers_the_button_and_exposes_the_key(app, auth_client, user):
    with auth_client.get("/reminders/push") as response:
        assert response.status_code == 200
        page = response.get_data(as_text=True)
    assert f'data-vapid-key="{vapid_public_key()}"' in page
    assert "Turn on notifications on this device" in page
    assert "needs JavaScript" in page
    assert "/static/js/push-" in page
    assert "<script>" not in page and "<script >" not in page
    assert "aren't on for any of your devices" in page


def _subscribe(client, payload, **kwargs):
    body = payload if isinstance(payload, (str, bytes)) else json.dumps(payload)
    return client.post("/reminders/push/subscribe", data=body, content_type="application/json", **kwargs)


def test_subscribe_saves_and_updates_by_endpoint(app, auth_client, user):
    browser = Browser()
    endpoint = "https://push.example.com/send/abc"
    with _subscribe(auth_client, browser.subscription(endpoint)) as response:
        assert response.status_code == 201
    again = Browser()
    with _subscribe(auth_client, again.subscription(endpoint)) as response:
        assert response.status_code == 201
    subs = db.session.execute(db.select(PushSubscription)).scalars().all()
    assert len(subs) == 1
    assert (subs[0].user_id, subscription_endpoint(subs[0]), subs[0].p256dh) == (user.id, endpoint, again.p256dh)
    assert endpoint.encode() not in subs[0].endpoint_sealed
    with auth_client.get("/reminders/push") as response:
        assert "Notifications are on for 1 device." in response.get_data(as_text=True)


# A fixed, valid browser key (any point on P-256) so test ids are the same on every worker.
_FIXED = (
    ec.derive_private_key(12345, ec.SECP256R1())
    .public_key()
    .public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
)
GOOD = {"endpoint": "https://push.example.com/send/abc", "keys": {"p256dh": b64url(_FIXED), "auth": b64url(b"a" * 16)}}


@pytest.mark.sqlite_only  # validation of what the browser sends: the database only stores the fixtures
@pytest.mark.parametrize(
    "payload",
    [
        "{not json",
        "",
        json.dumps([GOOD]),
        {},
        {"endpoint": GOOD["endpoint"]},
        {"keys": GOOD["keys"]},
        {**GOOD, "keys": {"p256dh": GOOD["keys"]["p256dh"]}},
        {**GOOD, "keys": {"auth": GOOD["keys"]["auth"]}},
        {**GOOD, "keys": "nope"},
        {**GOOD, "keys": {**GOOD["keys"], "p256dh": b64url(b"\x04" + b"x" * 63)}},
        {**GOOD, "keys": {**GOOD["keys"], "auth": b64url(b"x" * 15)}},
        {**GOOD, "keys": {**GOOD["keys"], "auth": b64url(b"x" * 17)}},
        {**GOOD, "keys": {**GOOD["keys"], "auth": "not*base64!!!!!!!!!!!!"}},
        {**GOOD, "keys": {**GOOD["keys"], "auth": 12345}},
        {**GOOD, "endpoint": "http://push.example.com/send/abc"},
        {**GOOD, "endpoint": "ftp://push.example.com/send/abc"},
        {**GOOD, "endpoint": "javascript:alert(1)"},
        {**GOOD, "endpoint": "https://"},
        {**GOOD, "endpoint": "https://push.example.com/" + "a" * 1000},
        {**GOOD, "endpoint": None},
    ],
    ids=[
        "broken-json",
        "empty-body",
        "a-list",
        "empty-object",
        "no-keys",
        "only-keys",
        "no-auth",
        "no-p256dh",
        "keys-not-object",
        "p256dh-64-bytes",
        "auth-15-bytes",
        "auth-17-bytes",
        "auth-not-base64",
        "auth-number",
        "http-endpoint",
        "ftp-endpoint",
        "javascript-endpoint",
        "no-host",
        "endpoint-too-long",
        "endpoint-null",
    ],
)
def test_bad_subscription_is_refused_and_nothing_saved(app, auth_client, payload):
    with _subscribe(auth_client, payload) as response:
        assert response.status_code == 400
        data = response.get_json()
    assert isinstance(data["error"], str) and data["error"]
    assert count_subs() == 0


@pytest.mark.sqlite_only  # request handling: the database only stores the fixtures
def test_form_post_to_subscribe_is_refused(app, auth_client):
    with auth_client.post("/reminders/push/subscribe", data={"endpoint": GOOD["endpoint"]}) as response:
        assert response.status_code == 400
        assert response.get_json()["error"]
    assert count_subs() == 0


@pytest.mark.sqlite_only  # endpoint validation: the database only stores the fixtures
def test_loopback_endpoint_only_while_testing(app, auth_client):
    local = Browser().subscription("http://127.0.0.1:9/push")
    with _subscribe(auth_client, local) as response:
        assert response.status_code == 201
    app.config["TESTING"] = False
    other = Browser().subscription("http://localhost:9/push")
    with _subscribe(auth_client, other) as response:
        assert response.status_code == 400
    assert count_subs() == 1


def test_unsubscribe_one_endpoint_json(app, auth_client, user):
    a, b = Browser(), Browser()
    subscribe_row(user, a, "https://push.example.com/a")
    subscribe_row(user, b, "https://push.example.com/b")
    with auth_client.post("/reminders/push/unsubscribe", json={"endpoint": "https://push.example.com/a"}) as response:
        assert response.status_code == 200
        assert response.get_json()["removed"] == 1
    remaining = db.session.execute(db.select(PushSubscription)).scalars()
    assert [subscription_endpoint(s) for s in remaining] == ["https://push.example.com/b"]


def test_unsubscribe_all_with_the_form(app, auth_client, user):
    other = make_user(email="cy@example.com", display_name="Cy")
    subscribe_row(user, Browser(), "https://push.example.com/a")
    subscribe_row(user, Browser(), "https://push.example.com/b")
    subscribe_row(other, Browser(), "https://push.example.com/cy")
    with auth_client.post("/reminders/push/unsubscribe", data={}) as response:
        assert response.status_code == 302
        assert response.headers["Location"].endswith("/reminders/push")
    remaining = db.session.execute(db.select(PushSubscription)).scalars().all()
    assert [s.user_id for s in remaining] == [other.id]


def test_someone_else_cannot_remove_my_subscription(app, user):
    mine = "https://push.example.com/ana-phone"
    subscribe_row(user, Browser(), mine)
    bo = make_user(email="bo@example.com", display_name="Bo")
    client = app.test_client()
    login_as(client, bo)
    with client.post("/reminders/push/unsubscribe", json={"endpoint": mine}) as response:
        assert response.status_code == 200
        assert response.get_json()["removed"] == 0
    with client.post("/reminders/push/unsubscribe", data={"endpoint": mine}) as response:
        assert response.status_code == 302
    assert count_subs() == 1


def test_deleting_the_user_removes_their_subscriptions(app, user):
    subscribe_row(user, Browser(), "https://push.example.com/a")
    db.session.delete(user)
    db.session.commit()
    assert count_subs() == 0


def test_anonymous_people_are_sent_to_log_in(app, client):
    for method, path in [
        ("GET", "/reminders/push"),
        ("POST", "/reminders/push/subscribe"),
        ("POST", "/reminders/push/unsubscribe"),
    ]:
        with client.open(path, method=method) as response:
            assert response.status_code == 302 and response.headers["Location"].startswith("/login")


@pytest.mark.sqlite_only  # the service worker's script: the database only stores the fixtures
def test_service_worker_shows_pushes_and_opens_same_origin_links(client):
    with client.get("/sw.js") as response:
        body = response.get_data(as_text=True)
    assert 'addEventListener("push"' in body and "showNotification" in body
    assert 'addEventListener("notificationclick"' in body and "self.location.origin" in body
    assert 'addEventListener("fetch"' in body and "var SHELL" in body


@pytest.mark.sqlite_only  # the protocol's answer to bad keys: the database only stores the fixtures
def test_unusable_stored_keys_are_a_permanent_failure(app, user, push_service):
    sub = subscription_store(
        user=user, endpoint=push_service.url(), p256dh=b64url(b"\x04" + b"\x01" * 64), auth=b64url(b"a" * 16)
    )
    db.session.commit()
    result = push_send(subscription=sub, title="t", body="b", url="/", tag="x")
    assert not result.ok and not result.temporary and not result.gone and result.error == "push-invalid"
    assert push_service.requests == []
