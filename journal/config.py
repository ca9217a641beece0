"""Configuration: safe embedded defaults, overridden by environment variables,
overridden in turn by the mapping given to `create_app` (tests).

Secrets are never constants in code: on first run a random SECRET_KEY is written
into the instance folder (mode 0600) and read back on every later start, so all
processes of one installation share it.
"""

import os
import secrets
from datetime import timedelta
from pathlib import Path


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def instance_secret(instance_path: str, filename: str, make=lambda: secrets.token_urlsafe(48)) -> str:
    """Read a secret kept in the instance folder, creating it once if absent.

    The new value is written to a private temporary file and hard-linked into
    place, which fails if the name exists: processes starting together agree on
    one fully written value.
    """
    path = Path(instance_path) / filename
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        tmp = path.with_name(f".{filename}.{os.getpid()}.{secrets.token_hex(4)}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(make())
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    value = path.read_text().strip()
    if not value:
        raise RuntimeError(f"{path} is empty; delete it to have a new secret generated")
    return value


def normalise_database_url(url: str) -> str:
    """Accept the common `postgres://` and `postgresql://` spellings and use psycopg 3."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def queue_sqlite_path() -> Path:
    """The reminder queue's SQLite file when there is no REDIS_URL (the worker's, and what
    /readyz checks): in TANDEM_INSTANCE_PATH, else in `instance/` beside the package."""
    folder = os.environ.get("TANDEM_INSTANCE_PATH") or Path(__file__).resolve().parents[1] / "instance"
    return Path(folder) / "huey.sqlite"


def load(instance_path: str) -> dict:
    """The configuration from the environment, with the embedded defaults."""
    env = os.environ
    https = _env_bool("TANDEM_HTTPS", False)
    database_url = env.get("DATABASE_URL") or f"sqlite:///{Path(instance_path) / 'tandem.sqlite'}"
    redis_url = env.get("REDIS_URL") or None
    return {
        "SECRET_KEY": env.get("SECRET_KEY") or instance_secret(instance_path, "secret_key"),
        "SQLALCHEMY_DATABASE_URI": normalise_database_url(database_url),
        "REDIS_URL": redis_url,
        "TANDEM_HTTPS": https,
        # How many reverse proxies in front of Tandem add X-Forwarded-* headers (0: none,
        # the headers are ignored). Rate limits and the Origin check then see the client.
        "TANDEM_PROXY_HOPS": _env_int("TANDEM_PROXY_HOPS", 0),
        "BASE_URL": env.get("TANDEM_BASE_URL", "http://127.0.0.1:5000").rstrip("/"),
        # Mail: with no MAIL_SERVER, messages are written as .eml files into
        # instance/mail/ so a developer can open the links without an SMTP server.
        "MAIL_SERVER": env.get("MAIL_SERVER") or None,
        "MAIL_PORT": _env_int("MAIL_PORT", 25),
        "MAIL_USE_TLS": _env_bool("MAIL_USE_TLS", False),
        "MAIL_USE_SSL": _env_bool("MAIL_USE_SSL", False),
        "MAIL_USERNAME": env.get("MAIL_USERNAME") or None,
        "MAIL_PASSWORD": env.get("MAIL_PASSWORD") or None,
        "MAIL_DEFAULT_SENDER": env.get("MAIL_DEFAULT_SENDER", "Tandem <no-reply@tandem.invalid>"),
        "MAIL_TIMEOUT": _env_int("MAIL_TIMEOUT", 10),
        # Apprise destinations on loopback or private networks (a home ntfy server, say)
        # are refused unless this is on: a pasted URL must not reach inside the network.
        "APPRISE_ALLOW_PRIVATE": _env_bool("APPRISE_ALLOW_PRIVATE", False),
        # Sessions: idle timeout and absolute lifetime; remembered sessions last longer.
        "SESSION_IDLE_MINUTES": _env_int("SESSION_IDLE_MINUTES", 120),
        "SESSION_ABSOLUTE_HOURS": _env_int("SESSION_ABSOLUTE_HOURS", 24),
        "REMEMBER_DAYS": _env_int("REMEMBER_DAYS", 30),
        # Rate limits (Flask-Limiter syntax). Counters live in Redis when REDIS_URL is set.
        "RATELIMIT_ENABLED": _env_bool("RATELIMIT_ENABLED", True),
        "RATELIMIT_STORAGE_URI": env.get("RATELIMIT_STORAGE_URI") or redis_url or "memory://",
        "LIMIT_LOGIN": env.get("LIMIT_LOGIN", "10 per minute;100 per hour"),
        "LIMIT_REGISTER": env.get("LIMIT_REGISTER", "5 per minute;50 per hour"),
        "LIMIT_RESET": env.get("LIMIT_RESET", "5 per minute;30 per hour"),
        "LIMIT_INVITE": env.get("LIMIT_INVITE", "10 per minute;60 per hour"),
        # Per signed-in person: the clinician summary's PDF and the export's ZIP, counted together.
        "LIMIT_EXPORT": env.get("LIMIT_EXPORT", "6 per minute;30 per hour"),
        # Per signed-in person: a confirmation link sent again and a link to a new address,
        # counted together (each emails an address the person typed).
        "LIMIT_ACCOUNT_EMAIL": env.get("LIMIT_ACCOUNT_EMAIL", "3 per minute;10 per hour"),
        # Codes typed at the second step of logging in and on "confirm it's you".
        "LIMIT_SECOND_FACTOR": env.get("LIMIT_SECOND_FACTOR", "10 per minute;60 per hour"),
        # Minutes after a log-in or re-authentication during which email, password,
        # two-factor, passkeys, export and deleting the account can be changed.
        "REAUTH_MINUTES": _env_int("REAUTH_MINUTES", 10),
        # Passkeys (WebAuthn): the relying-party id (a host name) and origin; empty means
        # the host and origin of TANDEM_BASE_URL.
        "WEBAUTHN_RP_ID": env.get("WEBAUTHN_RP_ID") or None,
        "WEBAUTHN_ORIGIN": env.get("WEBAUTHN_ORIGIN") or None,
        # Failed log-ins on one account before each further try waits (doubling, capped).
        "LOGIN_FREE_FAILURES": _env_int("LOGIN_FREE_FAILURES", 5),
        "LOGIN_MAX_DELAY_SECONDS": _env_int("LOGIN_MAX_DELAY_SECONDS", 900),
        "LOG_LEVEL": env.get("LOG_LEVEL", "INFO"),
        # "json": one JSON object a line, for log collectors; anything else: plain text.
        "LOG_FORMAT": env.get("LOG_FORMAT", "text").strip().lower(),
        # Support contacts on the Care page, one a line as "Name: detail"; empty shows
        # a neutral line pointing to local emergency and support services.
        "CARE_SUPPORT_CONTACTS": env.get("CARE_SUPPORT_CONTACTS", ""),
        # The contact push services may use to reach the operator (VAPID "sub").
        "PUSH_CONTACT": env.get("PUSH_CONTACT") or None,
    }


#: Fixed settings that follow from the ones above; not meant to be changed by operators.
FIXED = {
    # hide_parameters: SQL errors never echo values (user text) into logs.
    # A kept PostgreSQL connection its server ended is found without a round trip
    # (`journal.extensions._still_connected`), not by pool_pre_ping's query each request.
    "SQLALCHEMY_ENGINE_OPTIONS": {"hide_parameters": True},
    "WTF_CSRF_TIME_LIMIT": 8 * 3600,
    # Flask-WTF's HTTPS referrer check cannot work with Referrer-Policy: no-referrer;
    # the token, SameSite cookies and our Origin check (journal.security) do that job.
    "WTF_CSRF_SSL_STRICT": False,
    "MAX_CONTENT_LENGTH": 2 * 1024 * 1024,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "REMEMBER_COOKIE_HTTPONLY": True,
    "REMEMBER_COOKIE_SAMESITE": "Lax",
    "REMEMBER_COOKIE_REFRESH_EACH_REQUEST": False,
    "RATELIMIT_HEADERS_ENABLED": False,
    "RATELIMIT_STRATEGY": "moving-window",
}


def finish(config: dict) -> None:
    """Derive the cookie settings that depend on HTTPS and the remember period, and the
    connection pool's that depend on the database."""
    https = config["TANDEM_HTTPS"]
    config["SESSION_COOKIE_SECURE"] = https
    config["REMEMBER_COOKIE_SECURE"] = https
    config["SESSION_COOKIE_NAME"] = "__Host-tandem" if https else "tandem"
    config["REMEMBER_COOKIE_NAME"] = "__Host-tandem-remember" if https else "tandem_remember"
    config["REMEMBER_COOKIE_DURATION"] = timedelta(days=config["REMEMBER_DAYS"])
    config["PERMANENT_SESSION_LIFETIME"] = timedelta(days=config["REMEMBER_DAYS"])
    config["PREFERRED_URL_SCHEME"] = "https" if https else "http"
