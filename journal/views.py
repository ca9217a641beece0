"""Pages that belong to no feature (welcome, health) and helpers every template uses."""
from datetime import datetime
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from flask import Blueprint, Flask, current_app, has_request_context, redirect, render_template, send_from_directory, url_for
from flask_login import current_user, login_required
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup


bp = Blueprint("views", __name__)


@bp.get("/")
def index():
    if current_user.is_authenticated:
        return redirect(url_for("today.today"))
    return render_template("welcome.html")


@bp.get("/more")
@login_required
def more():
    """Everything the phone's tab bar has no room for, as a plain page (no JavaScript needed)."""
    return render_template("more.html")


@bp.get("/offline")
def offline():
    """The page the service worker shows without a connection (cached, so anonymous)."""
    return render_template("offline.html", offline=True)


@bp.get("/sw.js")
def service_worker():
    """Served from the root so its scope is the whole app; like every page, no-store."""
    return send_from_directory(current_app.static_folder, "sw.js", mimetype="text/javascript", max_age=0)


@bp.get("/healthz")
def healthz():
    """The process answers (a liveness probe: restart the process if this fails)."""
    return {"status": "ok"}


@bp.get("/readyz")
def readyz():
    """The database and the reminder queue answer (a readiness probe: send no traffic here
    while this says 503). Says which part failed, never why (no hosts, no messages)."""
    from journal.health import database_ready, queue_ready

    checks = {"database": database_ready(), "queue": queue_ready(current_app.config["REDIS_URL"])}
    ready = all(checks.values())
    states = {part: "ok" if up else "unreachable" for part, up in checks.items()}
    return {"status": "ok" if ready else "unavailable", "checks": states}, 200 if ready else 503


def safe_next(target: str | None, default: str) -> str:
    """Only local paths are followed after log-in (no open redirect)."""
    if not target or any(ord(c) < 32 or ord(c) == 127 for c in target):
        return default  # a control character (CR/LF) can't go into a Location header
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    return target


def external_url(endpoint: str, **values) -> str:
    """An absolute link for emails, feeds and pushes, built on BASE_URL (never on a
    request's Host header), with or without a request in progress."""
    path = current_app.url_map.bind("localhost").build(endpoint, values)
    return current_app.config["BASE_URL"] + path


def delete_confirmed(remove, *, message: str, category: str, to: str):
    """The POST of a "Delete this?" page: with a valid form, run `remove()`, commit, say
    `message` and go to `to`; otherwise None, and the route shows its confirmation page."""
    from flask import flash

    from journal.extensions import db
    from journal.forms import EmptyForm

    if not EmptyForm().validate_on_submit():
        return None
    remove()
    db.session.commit()
    flash(message, category)
    return redirect(to)


def local_time(value: datetime, zone: str | None = None) -> datetime:
    """`value` (UTC) in the viewer's own time zone."""
    if zone is None:
        zone = current_user.timezone if current_user.is_authenticated else "UTC"
    return value.astimezone(ZoneInfo(zone))


def register_template_helpers(app: Flask) -> None:
    @app.context_processor
    def _unread():
        """The header's unread count, read with the session itself."""
        if not has_request_context() or not current_user.is_authenticated:
            return {}
        from journal.reminders.services import unread_count

        loaded = getattr(current_user._get_current_object(), "unread_count", None)
        if loaded is not None:  # read with the session (journal.auth.sessions.session_load)
            return {"unread": loaded}
        try:
            return {"unread": unread_count(current_user)}
        except Exception:  # an error page must still render if the database is down
            return {"unread": 0}

    @app.template_global()
    def has_page(endpoint: str) -> bool:
        """Whether this app serves `endpoint`, so a link to a feature that may not be
        installed (or not merged yet) is shown only where it leads somewhere."""
        return endpoint in current_app.view_functions

    @app.template_global()
    def csrf_field() -> Markup:
        """Every form's CSRF token as a hidden input, without an id (a page holds several
        forms; the same id twice is invalid HTML). Nothing when CSRF is switched off."""
        if not current_app.config.get("WTF_CSRF_ENABLED", True):
            return Markup("")
        return Markup('<input name="csrf_token" type="hidden" value="{}">').format(generate_csrf())

    from journal.crypto.fields import UNREADABLE

    app.jinja_env.globals["unreadable_text"] = UNREADABLE  # one marker for every page

    @app.template_filter("localdate")
    def _localdate(value: datetime) -> str:
        return local_time(value).strftime("%-d %B %Y")

    @app.template_filter("localtime")
    def _localtime(value: datetime) -> str:
        """"20:00", or "Tomorrow 08:00" / "Wed 08:00" when not today."""
        local = local_time(value)
        today = local_time(datetime.now(value.tzinfo)).date()
        if local.date() == today:
            return local.strftime("%H:%M")
        if (local.date() - today).days == 1:
            return local.strftime("Tomorrow %H:%M")
        return local.strftime("%a %-d %b, %H:%M")

    @app.template_filter("localdatetime")
    def _localdatetime(value: datetime) -> str:
        return local_time(value).strftime("%-d %B %Y, %H:%M")
