"""Account settings: name and time zone, password, email, deleting the account."""

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, logout_user

from journal.account import services
from journal.account.forms import DeleteAccountForm, EmailChangeForm, PasswordChangeForm, ProfileForm
from journal.auth import services as auth_services
from journal.auth.reauth import reauth_required
from journal.auth.tokens import token_peek
from journal.extensions import db, limit_per_person
from journal.forms import EmptyForm

bp = Blueprint("account", __name__, url_prefix="/account")


@bp.get("")
@login_required
def settings():
    form = ProfileForm(obj=current_user)
    return render_template("account/settings.html", form=form)


@bp.post("/profile")
@login_required
def profile():
    form = ProfileForm()
    if form.validate_on_submit():
        services.profile_update(user=current_user, display_name=form.display_name.data, timezone=form.timezone.data)
        db.session.commit()
        flash("Saved.", "success")
        return redirect(url_for("account.settings"))
    return render_template("account/settings.html", form=form), 422


@bp.route("/password", methods=["GET", "POST"])
@login_required
@reauth_required
def password():
    form = PasswordChangeForm()
    form.known_email = current_user.email
    if form.validate_on_submit():
        auth_services.password_change(user=current_user, new_password=form.password.data)
        db.session.commit()
        flash("Your password is changed. Other devices have been logged out.", "success")
        return redirect(url_for("account.settings"))
    return render_template("account/password.html", form=form), 422 if form.errors else 200


@bp.route("/email", methods=["GET", "POST"])
@limit_per_person("LIMIT_ACCOUNT_EMAIL", "account-email", "POST")
@login_required
@reauth_required
def email():
    form = EmailChangeForm()
    if form.validate_on_submit():
        if auth_services.email_normalise(form.email.data) == current_user.email:
            form.email.errors.append("That's already your email.")
        else:
            auth_services.email_change_request(user=current_user, new_email=form.email.data)
            db.session.commit()
            flash("A link is on its way to your new address. Your email changes once you open it.", "info")
            return redirect(url_for("account.settings"))
    return render_template("account/email.html", form=form), 422 if form.errors else 200


@bp.get("/email/confirm/<token>")
def email_confirm(token):
    live = token_peek(raw=token, purpose="change_email") is not None
    return render_template("account/email_confirm.html", live=live), 200 if live else 410


@bp.post("/email/confirm/<token>")
def email_confirm_post(token):
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        user = auth_services.email_change_confirm(raw=token)
    except auth_services.EmailTaken:
        db.session.rollback()
        flash("That email now belongs to another account, so we couldn't change it.", "error")
        return redirect(url_for("views.index"))
    if user is None:
        return render_template("account/email_confirm.html", live=False), 410
    db.session.commit()
    flash("Your new email is confirmed.", "success")
    return redirect(url_for("account.settings" if current_user.is_authenticated else "auth.login"))


@bp.get("/email/restore/<token>")
def email_restore(token):
    """From the email sent to the old address: shows a button; the POST puts it back."""
    live = token_peek(raw=token, purpose="restore_email") is not None
    return render_template("account/email_restore.html", live=live), 200 if live else 410


@bp.post("/email/restore/<token>")
def email_restore_post(token):
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        user = auth_services.email_restore(raw=token)
    except auth_services.EmailTaken:
        db.session.rollback()
        flash("That email now belongs to another account, so we couldn't put it back.", "error")
        return redirect(url_for("views.index"))
    if user is None:
        return render_template("account/email_restore.html", live=False), 410
    db.session.commit()
    if current_user.is_authenticated:
        logout_user()
    session.clear()
    flash("Your email is back, and every device is logged out. Please choose a new password now.", "success")
    return redirect(url_for("auth.reset_request"))


@bp.route("/delete", methods=["GET", "POST"])
@login_required
@reauth_required
def delete():
    form = DeleteAccountForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        services.account_delete(user=user)
        db.session.commit()
        logout_user()
        session.clear()
        flash("Your account is deleted. We wish you both well.", "info")
        return redirect(url_for("views.index"))
    return render_template("account/delete.html", form=form), 422 if (form.errors and request.method == "POST") else 200
