"""Register, log in and out, verify email, reset a forgotten password."""

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, logout_user

from journal.auth import services
from journal.auth.forms import LoginForm, RegisterForm, ResetPasswordForm, ResetRequestForm
from journal.auth.sessions import session_end
from journal.auth.signin_routes import second_factor_begin, sign_in_complete
from journal.auth.tokens import token_peek
from journal.auth.totp import two_factor_enabled
from journal.extensions import db, limit_per_person, limiter
from journal.forms import EmptyForm

bp = Blueprint("auth", __name__)


def _limit(name):
    return limiter.limit(lambda: current_app.config[name], methods=["POST"])


@bp.route("/register", methods=["GET", "POST"])
@_limit("LIMIT_REGISTER")
def register():
    if current_user.is_authenticated:
        return redirect(url_for("today.today"))
    form = RegisterForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    if form.validate_on_submit():
        try:
            user = services.user_register(
                email=form.email.data,
                display_name=form.display_name.data,
                password=form.password.data,
                timezone=form.timezone.data,
            )
        except services.EmailTaken:
            form.email.errors.append(
                "There may already be an account with this email. Try logging in, or reset your password."
            )
        else:
            welcome = ("Welcome to Tandem. An email with a link to confirm your address is on its way.", "success")
            return sign_in_complete(user, remember=False, next_url=form.next.data, message=welcome)
    return render_template("auth/register.html", form=form), 422 if form.errors else 200


@bp.route("/login", methods=["GET", "POST"])
@_limit("LIMIT_LOGIN")
def login():
    if current_user.is_authenticated:
        return redirect(url_for("today.today"))
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    refused = False
    if form.validate_on_submit():
        try:
            user = services.login_attempt(email=form.email.data, password=form.password.data)
        except services.LoginRefused:
            db.session.commit()  # keep the failure count
            refused = True
        else:
            if two_factor_enabled(user):
                db.session.commit()
                return second_factor_begin(user, remember=form.remember.data, next_url=form.next.data)
            return sign_in_complete(user, remember=form.remember.data, next_url=form.next.data)
    status = 422 if (form.errors or refused) else 200
    return render_template("auth/login.html", form=form, refused=refused), status


@bp.post("/logout")
@login_required
def logout():
    if EmptyForm().validate_on_submit():
        session_end(current_user.session_token)
        db.session.commit()
        logout_user()
        session.clear()
        flash("You're logged out. Take care.", "info")
    return redirect(url_for("views.index"))


@bp.get("/verify/<token>")
def verify(token):
    """Shows a confirm button; the POST does the change (mail scanners only GET)."""
    state = services.verification_link_state(raw=token)
    return render_template("auth/verify.html", state=state), 410 if state == services.LINK_EXPIRED else 200


@bp.post("/verify/<token>")
def verify_confirm(token):
    if not EmptyForm().validate_on_submit():
        abort(400)
    user = services.email_verify(raw=token)
    db.session.commit()
    if user is None:
        state = services.verification_link_state(raw=token)
        return render_template("auth/verify.html", state=state), 410 if state == services.LINK_EXPIRED else 200
    flash("Thank you, your email is confirmed.", "success")
    return redirect(url_for("today.today" if current_user.is_authenticated else "auth.login"))


@bp.post("/verify/resend")
@limit_per_person("LIMIT_ACCOUNT_EMAIL", "account-email", "POST")
@login_required
def verify_resend():
    if EmptyForm().validate_on_submit() and not current_user.is_verified:
        services.verification_send(user=current_user)
        db.session.commit()
        flash("A new link is on its way. It may take a minute to arrive.", "info")
    return redirect(url_for("account.settings"))


@bp.route("/reset", methods=["GET", "POST"])
@_limit("LIMIT_RESET")
def reset_request():
    form = ResetRequestForm()
    if form.validate_on_submit():
        services.password_reset_request(email=form.email.data)
        db.session.commit()
        return render_template("auth/reset_sent.html", per_hour=services.RESETS_PER_HOUR)
    return render_template("auth/reset_request.html", form=form), 422 if form.errors else 200


@bp.route("/reset/<token>", methods=["GET", "POST"])
@_limit("LIMIT_RESET")
def reset_password(token):
    live = token_peek(raw=token, purpose="reset_password")
    if live is None:
        return render_template("auth/reset_expired.html"), 410
    form = ResetPasswordForm()
    form.known_email = services.user_email(user_id=live.user_id)
    if form.validate_on_submit():
        user = services.password_reset(raw=token, new_password=form.password.data)
        db.session.commit()
        if user is None:
            return render_template("auth/reset_expired.html"), 410
        logout_user()
        session.clear()
        flash("Your password is changed. Please log in with it.", "success")
        return redirect(url_for("auth.login"))
    return render_template("auth/reset_password.html", form=form), 422 if form.errors else 200
