"""The app factory, configuration, security headers, error pages and templates."""

import os
import re
import stat
from pathlib import Path

import pytest

from journal import create_app
from journal.config import normalise_database_url
from journal.extensions import db
from journal.static_assets import HASHED_NAME
from journal.templating import links_by_id
from journal.testing import client_for, elements

ROOT = Path(__file__).resolve().parent.parent


def test_secret_key_is_generated_once_into_the_instance_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'x.sqlite'}")
    first = create_app({"INSTANCE_PATH": str(tmp_path / "inst")})
    second = create_app({"INSTANCE_PATH": str(tmp_path / "inst")})
    key_file = tmp_path / "inst" / "secret_key"
    assert len(first.config["SECRET_KEY"]) >= 40
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"] == key_file.read_text()
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    other = create_app({"INSTANCE_PATH": str(tmp_path / "elsewhere")})
    assert other.config["SECRET_KEY"] != first.config["SECRET_KEY"]


def test_configuration_comes_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "from-the-environment")
    monkeypatch.setenv("DATABASE_URL", "postgres://u@db.example/tandem")
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/3")
    monkeypatch.setenv("MAIL_SERVER", "smtp.example")
    monkeypatch.setenv("MAIL_PORT", "2525")
    app = create_app({"INSTANCE_PATH": str(tmp_path)})
    assert app.config["SECRET_KEY"] == "from-the-environment"
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@db.example/tandem"
    assert app.config["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379/3"
    assert (app.config["MAIL_SERVER"], app.config["MAIL_PORT"]) == ("smtp.example", 2525)


def test_default_database_is_sqlite_in_the_instance_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    app = create_app({"INSTANCE_PATH": str(tmp_path)})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'tandem.sqlite'}"
    assert app.config["RATELIMIT_STORAGE_URI"] in ("memory://", os.environ.get("REDIS_URL"))


@pytest.mark.parametrize(
    "given, expected",
    [
        ("postgresql://a@h/d", "postgresql+psycopg://a@h/d"),
        ("postgres://a@h/d", "postgresql+psycopg://a@h/d"),
        ("sqlite:///x.db", "sqlite:///x.db"),
    ],
)
def test_database_url_spellings(given, expected):
    assert normalise_database_url(given) == expected


def test_security_headers_on_every_response(client):
    for path in ("/", "/login", "/does-not-exist", "/static/css/tandem.css"):
        with client.get(path) as response:
            headers = response.headers
        csp = headers["Content-Security-Policy"]
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
        assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "no-referrer"
        assert "camera=()" in headers["Permissions-Policy"]
        assert "Strict-Transport-Security" not in headers  # plain HTTP here


def test_each_security_header_is_sent_once(auth_client):
    """A page, a redirect, an error page, a JSON answer and the calendar's own caching
    rule each carry every security header exactly once (the headers are added, not set)."""
    names = ("Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy", "X-Frame-Options")
    names += ("Permissions-Policy", "Cross-Origin-Opener-Policy", "Cache-Control", "Vary")
    for path in ("/today", "/", "/does-not-exist", "/healthz", "/logout"):
        headers = auth_client.get(path).headers
        for name in names:
            assert len(headers.getlist(name)) == 1, (path, name, headers.getlist(name))
        assert headers["Cache-Control"] == "no-store" and "Cookie" in headers["Vary"]


def test_a_page_that_asks_to_be_cached_is_still_never_kept(app_config):
    """A view's own caching rule gives way to no-store, and a Vary it sends keeps its
    names and gains Cookie once (a page is someone's own)."""
    app = create_app(app_config)

    @app.get("/asks-to-be-kept")
    def asks_to_be_kept():
        return "words", {"Cache-Control": "public, max-age=600", "Vary": "Accept-Language"}

    @app.get("/already-varies")
    def already_varies():
        return "words", {"Vary": "cookie"}

    client = app.test_client()
    kept = client.get("/asks-to-be-kept").headers
    assert kept.getlist("Cache-Control") == ["no-store"]
    assert {v.strip() for v in kept["Vary"].split(",")} == {"Accept-Language", "Cookie", "Accept-Encoding"}
    varies = client.get("/already-varies").headers
    assert [v.strip().lower() for v in varies["Vary"].split(",")].count("cookie") == 1
    assert varies.getlist("Cache-Control") == ["no-store"]


def test_pages_for_logged_in_users_are_never_cached(auth_client):
    assert auth_client.get("/today").headers["Cache-Control"] == "no-store"
    assert auth_client.get("/account").headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("status, words", [(404, "couldn't find"), (405, "didn't work from here")])
def test_error_pages_use_the_layout(client, status, words):
    response = client.get("/nowhere") if status == 404 else client.get("/logout")
    body = response.get_data(as_text=True)
    assert response.status_code == status
    assert words in body.replace("&#39;", "'") and 'id="main"' in body and "Skip to content" in body


def test_server_errors_show_a_calm_page_and_no_trace(app_config, backend):
    app = create_app(app_config)

    @app.get("/boom")
    def boom():
        raise RuntimeError("secret words the user typed")

    response = app.test_client().get("/boom")
    body = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Nothing you saved is lost" in body and "Traceback" not in body and "secret words" not in body


def test_rate_limited_requests_get_a_friendly_page(app_config, backend):
    app = create_app({**app_config, "RATELIMIT_ENABLED": True, "LIMIT_LOGIN": "2 per minute"})
    client = app.test_client()
    with app.app_context():
        db.create_all() if backend == "sqlite" else None
    statuses = [
        client.post("/login", data={"email": "x@example.com", "password": "p" * 12}).status_code for _ in range(3)
    ]
    assert statuses[-1] == 429
    page = client.post("/login", data={"email": "x@example.com", "password": "p" * 12}).get_data(as_text=True)
    assert "take a short pause" in page.replace("&#39;", "'") and 'id="main"' in page
    assert client.get("/login").status_code == 200, "reading the page is not limited"


# Emails are not served under the CSP; every page template is.
TEMPLATES = sorted(p for p in (ROOT / "templates").rglob("*.html") if p.parent.name != "email")


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: str(p.relative_to(ROOT / "templates")))
def test_templates_have_no_inline_script_or_style(template):
    source = template.read_text()
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", source), "inline <script>"
    assert not re.search(r"\son[a-z]+\s*=", source), "inline event handler"
    assert not re.search(r"\sstyle\s*=", source) and "<style" not in source, "inline style"
    assert "|safe" not in source.replace(" ", ""), "unescaped output"
    assert not re.search(r"""(?:src|href|action)\s*=\s*["']https?://""", source), "no CDN or remote asset"


def test_static_assets_are_local_and_small():
    css = (ROOT / "static/css/tandem.css").read_text()
    assert "@import" not in css and "url(http" not in css
    assert "prefers-color-scheme: dark" in css and "prefers-reduced-motion" in css
    assert ":focus-visible" in css

    # What we write, not the static build's hashed and compressed copies of it (Makefile).
    def built(path: Path) -> bool:
        return (
            bool(HASHED_NAME.search(path.name)) or path.suffix in (".gz", ".br") or path.name == "cache_manifest.json"
        )

    total = sum(p.stat().st_size for p in (ROOT / "static").rglob("*") if p.is_file() and not built(p))
    assert total < 150_000


def test_rate_limits_are_shared_through_redis_by_several_processes(app_config, backend, redis_server):
    """Two app instances (as two gunicorn workers would be) count against one limit."""
    import redis

    url = f"{redis_server}/15"
    redis.Redis.from_url(url).flushdb()
    config = {**app_config, "RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": url, "LIMIT_LOGIN": "3 per minute"}
    first, second = create_app(config), create_app(config)
    data = {"email": "x@example.com", "password": "p" * 12}
    statuses = [first.test_client().post("/login", data=data).status_code for _ in range(2)]
    statuses += [second.test_client().post("/login", data=data).status_code for _ in range(2)]
    assert statuses[-1] == 429, statuses


@pytest.mark.sqlite_only  # links are built in Python; the database only stores the person
def test_links_follow_the_prefix_each_request_is_served_under(client):
    """Templates remember the links they build (journal.templating); one request under a
    path prefix must not leave its prefix on the next request's links, nor the reverse."""

    def register_links(**kwargs):
        page = client.get("/login", **kwargs)
        return {a.get("href") for a in elements(page, "a") if a.text == "Create account"}

    assert register_links() == {"/register"}
    assert register_links(environ_overrides={"SCRIPT_NAME": "/tandem"}) == {"/tandem/register"}
    assert register_links() == {"/register"}


@pytest.mark.sqlite_only  # links are built in Python
def test_remembered_links_tell_true_from_one(app):
    """A remembered link's values are told apart by type too: True and 1 are equal in
    Python, but ?page=True and ?page=1 are different links."""
    link = app.jinja_env.globals["url_for"]
    with app.test_request_context("/"):
        assert link("entries.index", page=1) == "/journal?page=1"
        assert link("entries.index", page=True) == "/journal?page=True"
        assert link("entries.index", page="1") == "/journal?page=1"


@pytest.mark.sqlite_only  # links are built in Python
def test_a_lists_row_links_read_as_werkzeug_builds_them(app):
    """A list builds its rows' links from one link split where the id goes
    (`links_by_id`): each reads as werkzeug builds it, under a path prefix too; a link
    whose id can't be found in one place is built whole for each row."""
    link = app.jinja_env.globals["url_for"]
    ids = [1, 7, 10, 42, 987_654_321, 123_456_789, 2**40]
    for environ in ({}, {"SCRIPT_NAME": "/tandem"}, {"SCRIPT_NAME": "/987654321"}):
        with app.test_request_context("/", environ_overrides=environ):
            for endpoint, name in (
                ("entries.read", "entry_id"),
                ("checkins.show", "checkin_id"),
                ("notes.read", "note_id"),
            ):
                row_link = links_by_id(link, endpoint, name)
                assert [row_link(i) for i in ids] == [app.url_for(endpoint, **{name: i}) for i in ids]

    def twice(endpoint, **values):  # an id written in two places: no one place to split at
        (value,) = values.values()
        return f"/r/{value}?again={value}"

    assert links_by_id(twice, "any", "row_id")(5) == "/r/5?again=5"


@pytest.mark.sqlite_only  # links are built in Python
def test_a_persons_words_in_a_link_read_as_werkzeug_builds_them(app):
    """A tag or search words go after the remembered rest of the link, never into what is
    kept, and the link reads exactly as werkzeug builds it, whatever the words hold; a
    value that belongs in the path (an invitation's token) is still built in full."""
    link = app.jinja_env.globals["url_for"]
    words = ["calm", "two words", "a&b=c", "50% #1", "über/ñ", "?,;:@!$'()*", "", "+plus+"]
    with app.test_request_context("/"):
        link.remembered.cache_clear()
        for word in words:
            assert link("entries.index", tag=word) == app.url_for("entries.index", tag=word)
            assert link("entries.index", page=3, tag=word) == app.url_for("entries.index", page=3, tag=word)
            assert link("entries.index", kind="entry", q=word, tag="walk") == app.url_for(
                "entries.index", kind="entry", q=word, tag="walk"
            )
            token = word or "x"
            assert link("couple.invite_accept", token=token) == app.url_for("couple.invite_accept", token=token)
        # Kept: /journal, /journal?page=3 and /journal?kind=entry. No word, no token.
        assert link.remembered.cache_info().currsize == 3


@pytest.mark.sqlite_only  # markup only
def test_every_description_a_field_points_to_is_on_the_page(app, couple):
    """A field's `aria-describedby` names hints and errors that are on the page: a
    checkbox's hint was pointed to and never shown ("Otherwise your partner sees only that
    the plan is paused for now.")."""
    client = client_for(app, couple[0])
    pages = {path: client.get(path) for path in FORM_PAGES}
    # A form sent back with an error points to its error too.
    pages["sent back"] = client.post("/checkins/new", data={"mood": "9", "visibility": "private"})
    assert pages["sent back"].status_code == 422
    for name, response in pages.items():
        assert response.status_code in (200, 422), name
        ids = {el.get("id") for el in elements(response, "[id]")}
        described = [el for el in elements(response, "[aria-describedby]")]
        for el in described:
            for target in el.get("aria-describedby").split():
                assert target in ids, f"{name}: {el.get('id')} points to {target}, not on the page"
    assert any("share-hint" in el.get("aria-describedby") for el in elements(pages["/plan"], "[aria-describedby]"))


#: Pages whose forms have hints (the plan's pause, notes, export, reminders, check-ins, journal, account).
FORM_PAGES = (
    "/plan",
    "/notes/new",
    "/export",
    "/export/summary",
    "/reminders",
    "/checkins/new",
    "/journal/new",
    "/account",
)


@pytest.mark.sqlite_only  # links are built in Python
def test_a_link_to_an_endpoint_the_app_lacks_fails_as_werkzeug_says(app):
    """With a person's words in it too: the build's own error, not a lookup's."""
    from werkzeug.routing import BuildError

    link = app.jinja_env.globals["url_for"]
    with app.test_request_context("/"):
        for values in ({}, {"page": 2}, {"tag": "calm"}):
            with pytest.raises(BuildError):
                link("entries.no_such_page", **values)
