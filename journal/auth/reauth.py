"""Re-authentication ("is it still you?") before the changes a stolen session must not make.

Changing the email, the password, two-factor or passkeys, exporting data and
deleting the account need the person to have entered their password, a code from
their authenticator app, or used a passkey in this session within the last
`REAUTH_MINUTES` (10). The time lives server-side, on the `user_sessions` row
(`authenticated_at`): a copied cookie carries no freshness of its own.

Wiring a view (after `login_required`, so anonymous people still go to log in):

    from journal.auth.reauth import reauth_required

    @bp.route("/export", methods=["GET", "POST"])
    @login_required
    @reauth_required
    def export(): ...

A stale GET is sent to `/reauth?next=<this page>` and comes back after; a stale
POST is not replayed (its form may be old): it goes to `/reauth?next=<this path>`
so the person can send it again. A stale JSON request (a page's script) gets 401
with `{"redirect": "/reauth?next=<its "page" field>"}` for the script to follow. Services can ask `reauth_fresh(user)` directly.
"""

from datetime import timedelta
from functools import wraps

from flask import current_app, flash, jsonify, redirect, request, url_for
from flask_login import current_user

from journal.models import User, now_utc


def reauth_fresh(user: User, *, now=None) -> bool:
    """True when `user` proved who they are in this session within REAUTH_MINUTES."""
    at = getattr(user, "session_authenticated_at", None)
    if at is None:
        return False
    window = timedelta(minutes=current_app.config["REAUTH_MINUTES"])
    return (now or now_utc()) - at <= window


def reauth_url(next_path: str) -> str:
    return url_for("signin.reauth", next=next_path)


def reauth_required(view):
    """Let the view run only for a recent authentication; otherwise ask again first."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if current_user.is_authenticated and not reauth_fresh(current_user):
            if request.is_json:  # a script's request: it sends the person to confirm
                data = request.get_json(silent=True)
                page = data.get("page") if isinstance(data, dict) and isinstance(data.get("page"), str) else "/account"
                return jsonify(error="Please confirm it's you first.", redirect=reauth_url(page)), 401
            if request.method == "GET":
                target = request.full_path if request.query_string else request.path
            else:
                target = request.path
                flash("Please confirm it's you, then try that again.", "info")
            return redirect(reauth_url(target))
        return view(*args, **kwargs)

    return wrapped
