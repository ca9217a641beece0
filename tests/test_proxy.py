"""Behind a reverse proxy (TANDEM_PROXY_HOPS=1): each visitor has their own rate-limit
bucket, keyed on the address the proxy saw, and the Origin check compares with the
host the browser used. Without the setting, forwarded headers are not believed."""

import pytest

from journal import create_app
from journal.extensions import db

pytestmark = (
    pytest.mark.sqlite_only
)  # forwarded headers and rate-limit keys: the same on both databases (tests/conftest.py)

LOGIN = {"email": "x@example.com", "password": "p" * 12}


def make(app_config, backend, **extra):
    app = create_app({**app_config, "RATELIMIT_ENABLED": True, "LIMIT_LOGIN": "2 per minute", **extra})
    if backend == "sqlite":
        with app.app_context():
            db.create_all()
    return app


def statuses(client, forwarded_for: str, count: int = 3) -> list[int]:
    headers = {"X-Forwarded-For": forwarded_for}
    return [
        client.post("/login", data=LOGIN, headers=headers, environ_base={"REMOTE_ADDR": "10.0.0.2"}).status_code
        for _ in range(count)
    ]


def test_behind_one_proxy_each_visitor_has_their_own_bucket(app_config, backend):
    client = make(app_config, backend, TANDEM_PROXY_HOPS=1).test_client()
    assert statuses(client, "203.0.113.7")[-1] == 429
    assert statuses(client, "198.51.100.9", count=1) == [422], "another visitor is not held back"


def test_without_the_setting_a_forwarded_address_is_not_believed(app_config, backend):
    client = make(app_config, backend).test_client()
    assert statuses(client, "203.0.113.7")[-1] == 429
    assert statuses(client, "198.51.100.9", count=1) == [429], "a made-up header doesn't buy a new bucket"


@pytest.mark.parametrize("origin, allowed", [("https://tandem.example", True), ("https://evil.example", False)])
def test_the_origin_check_uses_the_host_the_browser_used(app_config, backend, origin, allowed):
    client = make(app_config, backend, TANDEM_PROXY_HOPS=1, RATELIMIT_ENABLED=False).test_client()
    response = client.post(
        "/login",
        data=LOGIN,
        base_url="http://127.0.0.1:8000",
        headers={
            "Origin": origin,
            "X-Forwarded-Host": "tandem.example",
            "X-Forwarded-Proto": "https",
            "X-Forwarded-For": "203.0.113.7",
        },
    )
    assert (response.status_code != 400) is allowed
