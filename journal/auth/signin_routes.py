"""The second step of logging in, passkey sign-in, and "is it still you?" (re-authentication)."""

import logging
import time

from flask import Blueprint, current_app, flash, jsonify, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user

from journal.auth import passkeys, totp
from journal.auth.devices import (
    MARKER_MAX_AGE,
    browser_recognise,
    device_describe,
    marker_cookie_name,
    new_browser_alert,
)
from journal.auth.forms import ReauthCodeForm, ReauthPasswordForm, SecondFactorForm
from journal.auth.passwords import password_verify
from journal.auth.services import login_failed, login_succeeded, login_waiting, user_by_id
from journal.auth.sessions import IDLE_ENDED, session_end, session_reauthenticated, session_start
from journal.extensions import db, limiter
from journal.models import User, now_utc
from journal.urls import safe_next

log = logging.getLogger(__name__)

bp = Blueprint("signin", __name__)

#: The session key holding who typed the right password and still owes a second factor.
PENDING = "_second_factor"
#: How long, in seconds, the second step waits after the password.
PENDING_SECONDS = 300


def _limit(name):
    return limiter.limit(lambda: current_app.config[name], methods=["POST"])


def sign_in_complete(
    user: User, *, remember: bool, next_url: str | None, response=None, message: tuple[str, str] | None = None
):
    """Start the session of someone who proved who they are (password, plus the
    second factor if they have one, or a passkey): fresh Flask session (no
    fixation), browser recognised (email if new), commit, and go on to `next_url`.
    Returns the redirect, or `response` (e.g. JSON) with the browser's cookie set;
    `message` (text, category) is flashed into the new session."""
    device = device_describe(request.user_agent.string)
    login_succeeded(user)
    session_end(session.get(IDLE_ENDED))  # the session this browser left idle, if any
    session_start(user=user, remember=remember, device=device)
    marker, new = browser_recognise(user=user, marker=request.cookies.get(marker_cookie_name()))
    if new:
        new_browser_alert(user=user, device=device)
    db.session.commit()
    session.clear()
    login_user(user, remember=remember)
    if message:
        flash(*message)
    if response is None:
        response = redirect(safe_next(next_url, url_for("today.today")))
    response.set_cookie(
        marker_cookie_name(),
        marker,
        max_age=MARKER_MAX_AGE,
        path="/",
        httponly=True,
        samesite="Lax",
        secure=current_app.config["TANDEM_HTTPS"],
    )
    return response


def second_factor_begin(user: User, *, remember: bool, next_url: str | None):
    """The password was right and the person has two-factor on: ask for the code."""
    session.clear()
    session[PENDING] = {"uid": user.id, "remember": bool(remember), "next": next_url or "", "at": int(time.time())}
    return redirect(url_for("signin.second_factor"))


def _pending_user() -> tuple[User | None, dict]:
    pending = session.get(PENDING)
    if not isinstance(pending, dict) or int(time.time()) - int(pending.get("at", 0)) > PENDING_SECONDS:
        session.pop(PENDING, None)
        return None, {}
    return user_by_id(int(pending["uid"])), pending


@bp.route("/login/code", methods=["GET", "POST"])
@_limit("LIMIT_SECOND_FACTOR")
def second_factor():
    if current_user.is_authenticated:
        return redirect(url_for("today.today"))
    user, pending = _pending_user()
    if user is None:
        return redirect(url_for("auth.login"))
    form = SecondFactorForm()
    refused = False
    if form.validate_on_submit():
        now = now_utc()
        if not login_waiting(user, now) and totp.second_factor_check(user=user, code=form.code.data):
            return sign_in_complete(user, remember=pending["remember"], next_url=pending["next"])
        login_failed(user, now)
        db.session.commit()
        refused = True
    has_passkeys = bool(passkeys.passkeys_of(user=user))
    status = 422 if (form.errors or refused) else 200
    return render_template("auth/second_factor.html", form=form, refused=refused, has_passkeys=has_passkeys), status


def _json_credential():
    data = request.get_json(silent=True)
    if not isinstance(data, dict) or not isinstance(data.get("credential"), dict):
        return None, data if isinstance(data, dict) else {}
    return data["credential"], data


PASSKEY_FAILED = "That passkey didn't work here. Please try again, or use your password."


@bp.post("/login/passkey/options")
@_limit("LIMIT_LOGIN")
def passkey_options():
    """Usernameless: the browser offers whichever passkeys it holds for this site."""
    options = passkeys.authentication_options()
    return current_app.response_class(options, mimetype="application/json")


@bp.post("/login/passkey")
@_limit("LIMIT_LOGIN")
def passkey_login():
    """A passkey that verified the person signs in on its own, and also finishes a
    log-in waiting for its second factor."""
    credential, data = _json_credential()
    if credential is None:
        return jsonify(error=PASSKEY_FAILED), 400
    pending_user, pending = _pending_user()
    try:
        if pending_user is not None:  # the second factor after a right password
            user = passkeys.passkey_authenticate(
                credential=credential, user=pending_user, require_user_verification=False
            )
        else:
            user = passkeys.passkey_authenticate(credential=credential)
    except passkeys.PasskeyRefused:
        db.session.rollback()
        return jsonify(error=PASSKEY_FAILED), 400
    if pending_user is not None:
        remember, next_url = pending["remember"], pending["next"]
    else:
        remember, next_url = bool(data.get("remember")), data.get("next")
    target = safe_next(next_url if isinstance(next_url, str) else None, url_for("today.today"))
    return sign_in_complete(user, remember=remember, next_url=target, response=jsonify(redirect=target))


@bp.route("/reauth", methods=["GET", "POST"])
@login_required
@_limit("LIMIT_SECOND_FACTOR")
def reauth():
    """Confirm it's you: password, a code from the authenticator app, or a passkey."""
    next_url = request.values.get("next", "")
    target = safe_next(next_url, url_for("account.settings"))
    password_form = ReauthPasswordForm(prefix="pw")
    code_form = ReauthCodeForm(prefix="code")
    if request.method == "POST":
        now = now_utc()
        if "pw-password" in request.form and password_form.validate_on_submit():
            if not login_waiting(current_user, now) and password_verify(
                current_user.password_hash, password_form.password.data
            ):
                return _reauthenticated(target)
            login_failed(current_user, now)
            db.session.commit()
            password_form.password.errors.append("That isn't your password. Please try again.")
        elif "code-code" in request.form and code_form.validate_on_submit():
            if not login_waiting(current_user, now) and totp.second_factor_check(
                user=current_user, code=code_form.code.data
            ):
                return _reauthenticated(target)
            login_failed(current_user, now)
            db.session.commit()
            code_form.code.errors.append("That code didn't work. Codes change every 30 seconds; try the newest one.")
        elif "pw-password" not in request.form and "code-code" not in request.form:
            password_form.validate_on_submit()
    status = 422 if (password_form.errors or code_form.errors) else 200
    return render_template(
        "auth/reauth.html",
        password_form=password_form,
        code_form=code_form,
        next_url=target,
        two_factor=totp.two_factor_enabled(current_user),
        has_passkeys=bool(passkeys.passkeys_of(user=current_user)),
    ), status


def _reauthenticated(target: str):
    login_succeeded(current_user)
    session_reauthenticated(user=current_user)
    db.session.commit()
    return redirect(target)


@bp.post("/reauth/passkey/options")
@login_required
@_limit("LIMIT_SECOND_FACTOR")
def reauth_passkey_options():
    options = passkeys.authentication_options(user=current_user)
    return current_app.response_class(options, mimetype="application/json")


@bp.post("/reauth/passkey")
@login_required
@_limit("LIMIT_SECOND_FACTOR")
def reauth_passkey():
    credential, data = _json_credential()
    if credential is None:
        return jsonify(error=PASSKEY_FAILED), 400
    try:
        passkeys.passkey_authenticate(credential=credential, user=current_user, require_user_verification=False)
    except passkeys.PasskeyRefused:
        db.session.rollback()
        return jsonify(error=PASSKEY_FAILED), 400
    next_url = data.get("next")
    target = safe_next(next_url if isinstance(next_url, str) else None, url_for("account.settings"))
    session_reauthenticated(user=current_user)
    db.session.commit()
    return jsonify(redirect=target)
