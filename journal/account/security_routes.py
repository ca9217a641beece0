"""Account security: active sessions, two-factor sign-in and passkeys."""

from datetime import timedelta

from flask import Blueprint, abort, current_app, flash, jsonify, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, logout_user

from journal.auth import passkeys, totp
from journal.auth.devices import device_describe
from journal.auth.forms import SecondFactorForm
from journal.auth.reauth import reauth_required
from journal.auth.sessions import session_end_own, session_is_current, sessions_end_all, sessions_of
from journal.extensions import db, limiter
from journal.forms import EmptyForm
from journal.models import now_utc

bp = Blueprint("security", __name__, url_prefix="/account")

#: Ids in URLs are database integers; anything larger names nothing.
_MAX_ID = 2**31 - 1


def rough_time(value, now=None) -> str:
    """ "today", "yesterday", "3 days ago", "5 weeks ago": how long ago, roughly."""
    days = ((now or now_utc()) - value) // timedelta(days=1)
    if days <= 0:
        return "today"
    if days == 1:
        return "yesterday"
    if days < 14:
        return f"{days} days ago"
    return f"{days // 7} weeks ago"


# ------------------------------------------------------------------ sessions


@bp.get("/sessions")
@login_required
def sessions():
    rows = [
        {
            "id": row.id,
            "device": row.device or "An unknown browser",
            "since": rough_time(row.created_at),
            "current": session_is_current(user=current_user, user_session=row),
            "remember": row.remember,
        }
        for row in sessions_of(user=current_user)
    ]
    rows.sort(key=lambda r: not r["current"])  # this one first
    return render_template("account/sessions.html", rows=rows)


@bp.post("/sessions/<int:session_id>/end")
@login_required
def session_end(session_id):
    if session_id > _MAX_ID:
        abort(404)
    if not EmptyForm().validate_on_submit():
        abort(400)
    row = session_end_own(user=current_user, session_id=session_id)
    if row is None:
        abort(404)
    current = session_is_current(user=current_user, user_session=row)
    db.session.commit()
    if current:
        logout_user()
        session.clear()
        flash("You're logged out on this device.", "info")
        return redirect(url_for("auth.login"))
    flash("That session is ended. It will need the password to come back.", "success")
    return redirect(url_for("security.sessions"))


@bp.post("/sessions/end-others")
@login_required
def sessions_end_others():
    if EmptyForm().validate_on_submit():
        sessions_end_all(user=current_user, keep_token=current_user.session_token)
        db.session.commit()
        flash("You're logged out everywhere else.", "success")
    return redirect(url_for("security.sessions"))


# ------------------------------------------------------------------ two-factor


def _limit():
    return limiter.limit(lambda: current_app.config["LIMIT_SECOND_FACTOR"], methods=["POST"])


@bp.get("/two-factor")
@login_required
@reauth_required
def two_factor():
    enabled = totp.two_factor_enabled(current_user)
    left = totp.recovery_codes_left(user=current_user) if enabled else 0
    return render_template("account/two_factor.html", enabled=enabled, left=left)


@bp.post("/two-factor/start")
@login_required
@reauth_required
def two_factor_start():
    if not EmptyForm().validate_on_submit():
        abort(400)
    if totp.two_factor_enabled(current_user):
        return redirect(url_for("security.two_factor"))
    totp.totp_begin(user=current_user)
    db.session.commit()
    return redirect(url_for("security.two_factor_setup"))


@bp.route("/two-factor/setup", methods=["GET", "POST"])
@login_required
@reauth_required
@_limit()
def two_factor_setup():
    """Scan or type the secret, then prove it works with a code."""
    if totp.two_factor_enabled(current_user) or current_user.totp_secret_sealed is None:
        return redirect(url_for("security.two_factor"))
    form = SecondFactorForm()
    form.code.description = "The six digits the app shows for Tandem."
    if form.validate_on_submit():
        codes = totp.totp_confirm(user=current_user, code=form.code.data)
        if codes is not None:
            db.session.commit()
            return render_template("account/recovery_codes.html", codes=codes, fresh_setup=True)
        db.session.commit()
        form.code.errors.append("That code didn't match. Codes change every 30 seconds; try the newest one.")
    secret = totp.totp_secret(current_user)
    uri = totp.totp_uri(user=current_user, secret=secret)
    return render_template(
        "account/two_factor_setup.html",
        form=form,
        qr=totp.totp_qr_svg(uri),
        secret=totp.secret_grouped(secret),
    ), 422 if form.errors else 200


@bp.post("/two-factor/recovery-codes")
@login_required
@reauth_required
def recovery_codes():
    """New recovery codes (the old ones stop working), shown this once."""
    if not EmptyForm().validate_on_submit() or not totp.two_factor_enabled(current_user):
        return redirect(url_for("security.two_factor"))
    codes = totp.recovery_codes_make(user=current_user)
    db.session.commit()
    return render_template("account/recovery_codes.html", codes=codes, fresh_setup=False)


@bp.post("/two-factor/disable")
@login_required
@reauth_required
def two_factor_disable():
    if EmptyForm().validate_on_submit():
        totp.two_factor_disable(user=current_user)
        db.session.commit()
        flash("Two-step sign-in is off. Your password alone signs you in again.", "info")
    return redirect(url_for("security.two_factor"))


# ------------------------------------------------------------------ passkeys


@bp.get("/passkeys")
@login_required
@reauth_required
def passkeys_page():
    rows = [
        {
            "id": p.id,
            "device": p.device or "A passkey",
            "added": p.created_at,
            "used": rough_time(p.last_used_at) if p.last_used_at else None,
        }
        for p in passkeys.passkeys_of(user=current_user)
    ]
    return render_template("account/passkeys.html", rows=rows)


@bp.post("/passkeys/options")
@login_required
@reauth_required
def passkey_options():
    options = passkeys.registration_options(user=current_user)
    db.session.commit()  # the user handle, made once
    return current_app.response_class(options, mimetype="application/json")


@bp.post("/passkeys/add")
@login_required
@reauth_required
def passkey_add():
    data = request.get_json(silent=True)
    if not isinstance(data, dict) or not isinstance(data.get("credential"), dict):
        return jsonify(error="That didn't work. Please try again."), 400
    try:
        passkeys.passkey_register(
            user=current_user, credential=data["credential"], device=device_describe(request.user_agent.string)
        )
    except passkeys.PasskeyRefused:
        db.session.rollback()
        return jsonify(error="That passkey couldn't be added. Please try again."), 400
    db.session.commit()
    flash("Your passkey is added. Next time you can log in with it.", "success")
    return jsonify(redirect=url_for("security.passkeys_page"))


@bp.post("/passkeys/<int:passkey_id>/delete")
@login_required
@reauth_required
def passkey_delete(passkey_id):
    if passkey_id > _MAX_ID:
        abort(404)
    if not EmptyForm().validate_on_submit():
        abort(400)
    if not passkeys.passkey_delete(user=current_user, passkey_id=passkey_id):
        abort(404)
    db.session.commit()
    flash("That passkey is removed.", "info")
    return redirect(url_for("security.passkeys_page"))
