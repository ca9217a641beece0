"""Pages that belong to no feature (welcome, More, offline, health) and the delete-confirmation
step every feature's routes share."""

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from journal.extensions import db
from journal.forms import EmptyForm
from journal.health import database_ready, keys_ready, queue_ready

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
    """Served from the root so its scope is the whole app, under its one unversioned name;
    like every page, no-store. It names the shell it caches by the URLs pages link."""
    return render_template("sw.js"), {"Content-Type": "text/javascript; charset=utf-8"}


@bp.get("/healthz")
def healthz():
    """The process answers (a liveness probe: restart the process if this fails)."""
    return {"status": "ok"}


@bp.get("/readyz")
def readyz():
    """The database and the reminder queue answer and the master keys load (a readiness
    probe: send no traffic here while this says 503). Says which part failed, never why (no
    hosts, no messages)."""
    database = database_ready()
    checks = {
        "database": "ok" if database else "unreachable",
        # The keys' check reads the database: not asked while it doesn't answer.
        "keys": ("ok" if keys_ready() else "missing") if database else "unchecked",
        "queue": "ok" if queue_ready(current_app.config["REDIS_URL"]) else "unreachable",
    }
    ready = all(state == "ok" for state in checks.values())
    return {"status": "ok" if ready else "unavailable", "checks": checks}, 200 if ready else 503


def delete_confirmed(remove, *, message: str, category: str, to: str):
    """The POST of a "Delete this?" page: with a valid form, run `remove()`, commit, say
    `message` and go to `to`; otherwise None, and the route shows its confirmation page."""
    if not EmptyForm().validate_on_submit():
        return None
    remove()
    db.session.commit()
    flash(message, category)
    return redirect(to)
