"""Nothing a person types or a browser sends can make Tandem connect inside its own
network. A listener on loopback stands for "inside": for every scheme Apprise ships
that takes a host, and every web push endpoint notation, it must see no connection.

The suite's configuration allows private destinations (other tests deliver to
loopback), so every test here turns that off first."""

import re
import socket
import threading

import apprise
import pytest
from apprise.manager_plugins import NotificationManager
from sqlalchemy import select

import journal.reminders.channels.apprise as apprise_module
import journal.reminders.channels.push as push_module
from journal.extensions import db
from journal.models import AppriseTarget
from journal.models.push import PushSubscription
from journal.netguard import address_public, host_public, public_connections_only
from journal.reminders.channels.apprise import apprise_send, private_destination
from journal.reminders.channels.push import push_send, subscription_store

pytestmark = pytest.mark.sqlite_only  # the destination guard, in Python: the same on both databases (tests/conftest.py)


class Listener:
    """Counts TCP connections on one loopback port, IPv4 and (where it exists) IPv6."""

    def __init__(self):
        self.connections = 0
        self.open = True
        self.sockets = [socket.create_server(("127.0.0.1", 0))]
        self.port = self.sockets[0].getsockname()[1]
        try:
            self.sockets.append(socket.create_server(("::1", self.port), family=socket.AF_INET6))
        except OSError:
            pass
        for sock in self.sockets:
            sock.settimeout(0.2)
            threading.Thread(target=self._accept, args=(sock,), daemon=True).start()

    def _accept(self, sock):
        while self.open:
            try:
                conn, _ = sock.accept()
            except (TimeoutError, OSError):
                continue
            self.connections += 1
            conn.close()

    def close(self):
        self.open = False
        for sock in self.sockets:
            sock.close()


@pytest.fixture
def listener():
    one = Listener()
    yield one
    one.close()


@pytest.fixture
def guarded(app):
    app.config["APPRISE_ALLOW_PRIVATE"] = False
    return app


# -- URLs for every Apprise plugin that takes a host ----------------------------------

_SAMPLES = [
    "abcdef0123456789abcdef0123456789",
    "A1b2C3d4E5",
    "abcdefgh",
    "1234567890",
    "15551234567",
    "+15551234567",
    "abcdef01-2345-6789-abcd-ef0123456789",
    "user@example.com",
    "1234",
]


def _sample(spec: dict) -> str:
    regex = spec.get("regex")
    for value in _SAMPLES:
        if regex is None or re.match(regex[0], value, re.I if "i" in (regex[1:] or [""])[0] else 0):
            return value
    return "abc"


def _url(plugin, template: str, host: str, port: int) -> str:
    schema = plugin.protocol if plugin.protocol else plugin.secure_protocol
    schema = schema[0] if isinstance(schema, (list, tuple)) else schema
    url = template.replace("{schema}", schema)
    for token in re.findall(r"{(\w+)}", url):
        value = {"host": host, "port": str(port)}.get(token) or _sample(plugin.template_tokens.get(token, {}))
        url = url.replace(f"{{{token}}}", value, 1)
    return url


def _host_plugins():
    manager = NotificationManager()
    plugins = {manager[schema] for schema in manager.schemas()}
    return sorted((p for p in plugins if "host" in p.template_tokens), key=lambda p: p.__name__)


def host_urls(host: str, port: int) -> dict[str, str]:
    """One URL per plugin with a host part, preferring a template that names the port,
    and one Apprise can parse when the plugin is usable here."""
    urls = {}
    for plugin in _host_plugins():
        templates = [t for t in plugin.templates if "{host}" in t]
        templates.sort(key=lambda t: "{port}" not in t)
        candidates = [_url(plugin, t, host, port) for t in templates]
        parsed = [u for u in candidates if apprise.Apprise.instantiate(u, suppress_exceptions=True)]
        urls[plugin.__name__] = (parsed or candidates)[0]
    return urls


HOST_PLUGINS = [p.__name__ for p in _host_plugins()]


def test_the_plugin_list_is_apprises_own():
    assert len(HOST_PLUGINS) > 40
    assert {
        "NotifyXBMC",
        "NotifyHomeAssistant",
        "NotifyEmby",
        "NotifyBark",
        "NotifySynology",
        "NotifyNextcloudTalk",
        "NotifyMastodon",
        "NotifyMisskey",
        "NotifyLametric",
        "NotifyParsePlatform",
        "NotifyPushjet",
        "NotifyRSyslog",
    } <= set(HOST_PLUGINS)


@pytest.mark.parametrize("host", ["127.0.0.1", "2130706433", "0x7f000001", "127.1", "[::1]"])
def test_every_scheme_with_a_host_is_refused_on_save_and_never_connects(guarded, auth_client, listener, host):
    urls = host_urls(host, listener.port)
    for name, url in urls.items():
        response = auth_client.post("/reminders/apprise", data={"url": url})
        assert response.status_code == 422, name
        refused = apprise_send(url=url, title="Tandem", body="x")
        assert not refused.ok, name
        if host == "127.0.0.1":  # other notations may be a name to some plugins (Infobip: <name>.api.infobip.com)
            assert private_destination(url), name
            assert refused.error in ("apprise-private", "apprise-url"), name
    assert listener.connections == 0
    db.session.expire_all()
    assert db.session.scalar(select(AppriseTarget)) is None


@pytest.mark.parametrize(
    "url",
    [
        "kodi://127.0.0.1:{port}",
        "xbmc://127.0.0.1:{port}",
        "hassio://127.0.0.1:{port}/token",
        "emby://127.0.0.1:{port}",
        "bark://[::1]:{port}/device",
        "synology://127.0.0.1:{port}/token",
        "nctalk://user:pass@127.0.0.1:{port}/room",
        "mastodon://token@127.0.0.1:{port}",
        "misskey://token@127.0.0.1:{port}",
        "lametric://apikey@127.0.0.1:{port}",
        "parsep://app:key@127.0.0.1:{port}",
        "pjet://127.0.0.1:{port}/secret",
        "kodi://2130706433:{port}",
        "rsyslog://127.0.0.1:{port}",
        "rsyslog://93.184.216.34",
        "syslog://",
        "dbus://",
        "windows://",
        "json://169.254.169.254/latest/meta-data",
        "json://[::ffff:127.0.0.1]:{port}/hook",
        "mailto://user:pass@example.com?smtp=127.0.0.1&port={port}",
        "fcm://project/device?keyfile=/etc/passwd",
    ],
)
def test_the_reported_destinations_are_refused(guarded, auth_client, listener, url):
    url = url.format(port=listener.port)
    response = auth_client.post("/reminders/apprise", data={"url": url})
    assert response.status_code == 422
    assert private_destination(url)
    assert listener.connections == 0


def test_a_host_apprise_builds_from_another_part_is_stopped_at_the_connection(guarded, listener):
    """Zulip joins the organisation and a server name; whatever the URL says, the
    socket may only reach a public address while a reminder is being sent."""
    with public_connections_only() as guard, pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", listener.port), timeout=2)
    assert guard.refused
    assert listener.connections == 0
    with socket.create_connection(("127.0.0.1", listener.port), timeout=2):
        pass  # outside the guard the socket works as before


def test_the_guard_is_off_when_private_destinations_are_allowed(app, listener):
    app.config["APPRISE_ALLOW_PRIVATE"] = True
    with public_connections_only() as guard, socket.create_connection(("127.0.0.1", listener.port), timeout=2):
        pass
    assert not guard.refused


@pytest.mark.parametrize(
    "address, public",
    [
        ("127.0.0.1", False),
        ("10.0.0.1", False),
        ("100.64.0.1", False),
        ("169.254.169.254", False),
        ("224.0.0.1", False),
        ("0.0.0.0", False),
        ("::", False),
        ("::1", False),
        ("fe80::1", False),
        ("ff02::1", False),
        ("::ffff:127.0.0.1", False),
        ("2002:7f00:1::1", False),
        ("fc00::1", False),
        ("93.184.216.34", True),
        ("2606:2800:220:1::1", True),
    ],
)
def test_which_addresses_are_public(address, public):
    assert address_public(address) is public


@pytest.mark.parametrize(
    "host", ["127.0.0.1", "2130706433", "0x7f000001", "0177.0.0.1", "127.1", "[::1]", "localhost", "0"]
)
def test_every_notation_of_this_machine_resolves_to_it(host):
    assert not host_public(host)


# -- web push ------------------------------------------------------------------------


def _subscription(endpoint: str) -> dict:
    return {"endpoint": endpoint, "keys": {"p256dh": "B" + "A" * 86, "auth": "A" * 22}}


@pytest.mark.parametrize(
    "endpoint",
    [
        "https://127.0.0.1/push",
        "https://[::1]/push",
        "https://2130706433/push",
        "https://0x7f000001/push",
        "https://169.254.169.254/latest/meta-data",
        "https://10.0.0.8/push",
        "https://[::ffff:127.0.0.1]/push",
        "https://localhost/push",
        "https://0/push",
    ],
)
def test_a_push_endpoint_inside_the_network_is_refused(guarded, auth_client, endpoint):
    response = auth_client.post("/reminders/push/subscribe", json=_subscription(endpoint))
    assert response.status_code == 400
    assert "internet" in response.get_json()["error"]
    db.session.expire_all()
    assert db.session.scalar(select(PushSubscription)) is None


def test_a_stored_push_endpoint_inside_the_network_is_never_contacted(guarded, user, listener):
    sub = subscription_store(
        user=user, endpoint=f"https://127.0.0.1:{listener.port}/push", p256dh="B" + "A" * 86, auth="A" * 22
    )  # saved before the check existed
    db.session.commit()
    result = push_send(subscription=sub, title="Tandem", body="x", url="/today", tag="t")
    assert (result.ok, result.temporary, result.error) == (False, False, "push-private")
    assert listener.connections == 0


def test_a_dns_answer_that_changes_after_the_check_is_stopped_at_the_connection(guarded, user, listener, monkeypatch):
    """DNS rebinding: the name looked public when checked, and points inside when the
    connection is made. The check is skipped here to stand for that moment."""
    monkeypatch.setattr(apprise_module, "private_destination", lambda url: False)
    monkeypatch.setattr(push_module, "endpoint_public", lambda endpoint: True)
    result = apprise_send(url=f"json://127.0.0.1:{listener.port}/hook", title="Tandem", body="x")
    assert (result.ok, result.temporary, result.error) == (False, False, "apprise-private")
    sub = subscription_store(
        user=user,
        endpoint=f"http://127.0.0.1:{listener.port}/push",
        p256dh="BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM",
        auth="tBHItJI5svbpez7KI4CCXg",
    )
    db.session.commit()
    pushed = push_send(subscription=sub, title="Tandem", body="x", url="/today", tag="t")
    assert (pushed.ok, pushed.error) == (False, "push-private")
    assert listener.connections == 0
