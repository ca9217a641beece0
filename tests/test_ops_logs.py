"""Request logs: one line per request (id, method, route pattern, status, duration), never a
word a person typed, an email address or a token; gunicorn's and werkzeug's access logs
without query strings. Each test reads what the real handlers wrote."""

import json
import logging
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from journal import create_app, logs
from journal.testing import element, email_links, field_value, free_port, live_server, login_as, path_of

ROOT = Path(__file__).resolve().parents[1]
SEARCH = "/journal?q=secretword&tag=othersecret"
REQUEST_LINE = re.compile(
    r"\[(?P<id>[0-9a-f]{16})\]: (?P<method>[A-Z]+) (?P<route>\S+) (?P<status>\d{3}) (?P<ms>\d+\.\d)ms$"
)


def _get(url: str, headers: dict | None = None):
    """GET without following redirects; returns (status, headers)."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(urllib.request.Request(url, headers=headers or {}), timeout=10) as response:
            return response.status, response.headers
    except urllib.error.HTTPError as error:
        return error.code, error.headers


# -- our own request line -----------------------------------------------------------------


def test_one_line_per_request_with_id_route_pattern_status_and_duration(app, client, log_output, user):
    login_as(client, user)
    response = client.get("/journal/12345?page=2")
    assert response.status_code == 404
    request_id = response.headers["X-Request-ID"]
    lines = [line for line in log_output.getvalue().splitlines() if "journal.request" in line]
    assert len(lines) == 1, lines
    found = REQUEST_LINE.search(lines[0])
    assert found, lines[0]
    assert found["id"] == request_id
    assert (found["method"], found["route"], found["status"]) == ("GET", "/journal/<int:entry_id>", "404")
    assert "12345" not in lines[0] and "page" not in lines[0]

    # Each request has its own id.
    assert client.get("/healthz").headers["X-Request-ID"] != request_id


def test_a_proxys_request_id_is_kept_and_a_strange_one_replaced(app, client, log_output):
    assert client.get("/healthz", headers={"X-Request-ID": "lb-7f3a9c21"}).headers["X-Request-ID"] == "lb-7f3a9c21"
    odd = client.get("/healthz", headers={"X-Request-ID": "a b <forged> line"}).headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{16}", odd)
    assert "forged" not in log_output.getvalue()


def test_json_lines_for_log_collectors(app_config, log_output):
    app = create_app({**app_config, "LOG_FORMAT": "json"})
    try:
        response = app.test_client().get(SEARCH)
        lines = [json.loads(line) for line in log_output.getvalue().splitlines()]
        (line,) = [entry for entry in lines if entry["logger"] == "journal.request"]
        assert line["request_id"] == response.headers["X-Request-ID"]
        assert (line["method"], line["route"], line["status"]) == ("GET", "/journal", 302)
        assert isinstance(line["duration_ms"], float) and line["level"] == "INFO"
        assert "secretword" not in log_output.getvalue()
    finally:
        logs.configure(app.config["LOG_LEVEL"], "text")


# -- a whole journey, every line scanned -----------------------------------------------------


TYPED = {
    "password": "correct horse battery staple quietly",
    "display_name": "Marigoldine",
    "partner_name": "Thistlewood",
    "checkin_note": "Slept badly, felt tender near the scarline",
    "boundary_note": "Shoulderonly tonight",
    "title": "Lanternfish evening",
    "body": "We laughed about the crumbshower and held hands",
    "tags": "pomegranate, driftwood",
    "search": "crumbshower",
}


def test_a_full_journey_leaves_no_typed_word_email_or_token_in_the_logs(app, log_output, smtp_sink):
    logging.getLogger().setLevel(logging.DEBUG)  # everything any logger would say
    try:
        ana, bo = app.test_client(), app.test_client()
        ana_email, bo_email = "marigold.reader@example.com", "thistle.writer@example.org"
        assert (
            ana.post(
                "/register",
                data={
                    "email": ana_email,
                    "display_name": TYPED["display_name"],
                    "password": TYPED["password"],
                    "timezone": "Europe/London",
                },
            ).status_code
            == 302
        )
        tokens = []
        (message,) = smtp_sink.wait_for(ana_email)
        for link in email_links(message):
            tokens.append(link.rsplit("/", 1)[1])
            ana.get(path_of(link))
            ana.post(path_of(link))
        ana.post("/logout")
        assert ana.post("/login", data={"email": ana_email, "password": TYPED["password"]}).status_code == 302

        assert (
            bo.post(
                "/register",
                data={
                    "email": bo_email,
                    "display_name": TYPED["partner_name"],
                    "password": TYPED["password"],
                    "timezone": "Europe/Paris",
                },
            ).status_code
            == 302
        )
        ana.post("/couple/invite")
        page = ana.get("/couple")
        invite = field_value(page, "invite-link").removeprefix("http://localhost")
        code = element(page, "p.code").text
        tokens += [invite.rsplit("/", 1)[1], code]
        bo.get(invite)
        assert bo.post(invite, data={"pace_leader": "inviter"}).status_code == 302

        assert (
            ana.post(
                "/checkins/new",
                data={
                    "mood": "2",
                    "boundary": "yellow",
                    "boundary_note": TYPED["boundary_note"],
                    "note": TYPED["checkin_note"],
                    "visibility": "shared",
                },
            ).status_code
            == 302
        )
        saved = ana.post(
            "/journal/new",
            data={"title": TYPED["title"], "body": TYPED["body"], "tags": TYPED["tags"], "visibility": "shared"},
        )
        assert saved.status_code == 302
        ana.get(saved.headers["Location"])
        assert TYPED["title"] in bo.get(f"/journal?q={TYPED['search']}&tag=pomegranate").get_data(as_text=True)
        ana.get("/journal?q=Lanternfish")
        ana.post("/reset", data={"email": bo_email})
        bo.post("/login", data={"email": bo_email, "password": "wrong " + TYPED["password"]})
    finally:
        logging.getLogger().setLevel(app.config["LOG_LEVEL"])

    logged = log_output.getvalue()
    request_lines = [line for line in logged.splitlines() if "journal.request" in line]
    assert len(request_lines) >= 15 and all(REQUEST_LINE.search(line) for line in request_lines)
    words = {w.strip(",").lower() for text in TYPED.values() for w in text.split() if len(w) > 5}
    for word in sorted(words):
        assert word not in logged.lower(), f"{word!r} reached the log"
    assert not re.search(r"[\w.+-]+@[\w-]+\.[\w.]+", logged), "an email address reached the log"
    for token in tokens:
        assert token not in logged


# -- the servers' own access logs -------------------------------------------------------------


def test_werkzeug_dev_server_logs_no_query_string(app, log_output):
    logging.getLogger("werkzeug").setLevel(logging.INFO)
    with live_server(app) as base:
        status, headers = _get(base + SEARCH)
    assert status == 302
    logged = log_output.getvalue()
    werkzeug_lines = [re.sub(r"\x1b\[[0-9;]*m", "", line) for line in logged.splitlines() if " werkzeug " in line]
    assert werkzeug_lines and '"GET /journal?[redacted] HTTP/1.1" 302' in werkzeug_lines[-1]
    assert f"journal.request [{headers['X-Request-ID']}]: GET /journal 302" in logged
    assert "secretword" not in logged and "othersecret" not in logged


#: Paths that carry a secret token (email links, invitations, the calendar feed).
TOKEN_PATHS = {
    "/reset/resetSECRETtoken1": "/reset/[redacted]",
    "/verify/verifySECRETtoken2": "/verify/[redacted]",
    "/invite/inviteSECRETtoken3?next=/x": "/invite/[redacted]",
    "/unsubscribe/unsubSECRETtoken4": "/unsubscribe/[redacted]",
    "/feed/feedSECRETtoken5.ics": "/feed/[redacted]",
}


@pytest.mark.sqlite_only  # what the log handlers write, not the database
def test_request_logs_mask_tokens_in_urls(app, log_output):
    """Real requests through werkzeug's server: its access lines and the app's own carry
    no token (gunicorn's: the test below)."""
    logging.getLogger("werkzeug").setLevel(logging.INFO)
    with live_server(app) as base:
        statuses = [_get(base + path)[0] for path in TOKEN_PATHS]
    assert all(status < 500 for status in statuses), statuses
    logged = re.sub(r"\x1b\[[0-9;]*m", "", log_output.getvalue())
    werkzeug_lines = [line for line in logged.splitlines() if " werkzeug " in line]
    assert len(werkzeug_lines) == len(TOKEN_PATHS), logged
    for line, masked in zip(werkzeug_lines, TOKEN_PATHS.values()):
        assert masked in line, line
    assert "SECRET" not in logged


def test_gunicorn_with_the_repository_config_logs_no_query_string_or_token(tmp_path):
    port = free_port()
    access, errors = tmp_path / "access.log", tmp_path / "error.log"
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'tandem.sqlite'}",
        "SECRET_KEY": "gunicorn-test-secret",
        "TANDEM_INSTANCE_PATH": str(tmp_path / "instance"),
        "WEB_CONCURRENCY": "1",
        # The repository's config, with gunicorn's own access log switched on as an operator would.
        "GUNICORN_CMD_ARGS": f"--access-logfile {access} --error-logfile {errors}",
    }
    gunicorn = Path(sys.executable).with_name("gunicorn")
    process = subprocess.Popen(
        [str(gunicorn), "-c", "gunicorn.conf.py", "--bind", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        for _ in range(300):
            try:
                status, headers = _get(f"http://127.0.0.1:{port}{SEARCH}")
                break
            except (urllib.error.URLError, ConnectionError):
                if process.poll() is not None:
                    pytest.fail("gunicorn stopped: " + process.stdout.read().decode())
                time.sleep(0.1)
        else:
            pytest.fail("gunicorn did not answer")
        assert status == 302
        _get(f"http://127.0.0.1:{port}/login?next=%2Fjournal%3Fq%3Dsecretword")
        for path in TOKEN_PATHS:
            _get(f"http://127.0.0.1:{port}{path}")
    finally:
        process.send_signal(signal.SIGTERM)
        output = process.communicate(timeout=30)[0].decode()
    access_log = access.read_text()
    lines = access_log.splitlines()
    assert len(lines) == 2 + len(TOKEN_PATHS), access_log
    assert '"GET /journal HTTP/1.1" 302' in lines[0] and headers["X-Request-ID"] in lines[0]
    assert '"GET /login HTTP/1.1" 200' in lines[1]
    for line, masked in zip(lines[2:], TOKEN_PATHS.values()):  # tokens in paths masked too
        assert f'"GET {masked}' in line, line
    # The app's own request line (on stderr, through the same process).
    logged = output + errors.read_text()
    assert f"journal.request [{headers['X-Request-ID']}]: GET /journal 302" in logged
    assert "Exception in" not in logged  # the config's hooks (tests/test_gunicorn_gc.py) ran cleanly
    for text in (access_log, logged):
        assert "secretword" not in text and "othersecret" not in text and "SECRET" not in text


@pytest.mark.parametrize(
    "text",
    [
        "GET",
        "/care",
        "/journal/<int:entry_id>",
        "%s %s %s %.1fms",
        "/journal?q=secretword&tag=x",
        "/email/confirm/confirmSECRETtoken6",
        "/email/confirm/confirmSECRETtoken7?next=/account",
        *TOKEN_PATHS,
        '"GET /feed/feedSECRETtoken8.ics HTTP/1.1" 200',
        "/verify/",
    ],
)
def test_a_line_is_masked_as_both_patterns_mask_it(text):
    """`_redact` runs each pattern only where it can match (most lines hold neither): what
    it writes is what running both patterns on every line writes."""
    from journal.logs import _QUERY_STRING, _TOKEN_IN_PATH, _redact

    both = _QUERY_STRING.sub(r"\1?[redacted]", _TOKEN_IN_PATH.sub(r"\1[redacted]", text))
    assert _redact(text) == both
    assert "SECRET" not in _redact(text) and "secretword" not in _redact(text)
