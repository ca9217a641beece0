"""Reminder settings, the notifications list, and one-click unsubscribe."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from journal.extensions import csrf, db
from journal.models.practice import NO_PRESSURE
from journal.reminders import services
from journal.reminders.email_channel import unsubscribe_read
from journal.reminders.forms import ReminderSettingsForm

bp = Blueprint("reminders", __name__)


@bp.get("/reminders")
@login_required
def settings():
    current = services.settings_for(current_user)
    form = ReminderSettingsForm(
        email_on=current.email_on, push_on=current.push_on, apprise_on=current.apprise_on,
        discreet=current.discreet is not False,
        quiet_start=current.quiet_start.strftime("%H:%M") if current.quiet_start else "",
        quiet_end=current.quiet_end.strftime("%H:%M") if current.quiet_end else "",
    )
    return render_template("reminders/settings.html", form=form, recent=services.recent_reminders(current_user))


@bp.post("/reminders")
@login_required
def settings_save():
    form = ReminderSettingsForm()
    if form.validate_on_submit():
        services.settings_save(
            user=current_user, email_on=form.email_on.data, push_on=form.push_on.data,
            apprise_on=form.apprise_on.data, discreet=form.discreet.data,
            quiet_start=form.quiet_start.data or None, quiet_end=form.quiet_end.data or None,
        )
        db.session.commit()
        flash("Saved.", "success")
        return redirect(url_for("reminders.settings"))
    return render_template(
        "reminders/settings.html", form=form, recent=services.recent_reminders(current_user)
    ), 422


@bp.get("/notifications")
@login_required
def notifications():
    """Opening the list marks its notifications read (in the service, committed once
    here; no hook writes)."""
    items = services.notifications_open(user=current_user)
    db.session.commit()
    return render_template("reminders/notifications.html", items=items, no_pressure=NO_PRESSURE)


@bp.get("/unsubscribe/<token>")
def unsubscribe(token):
    """Works without logging in, for that person and channel only."""
    if unsubscribe_read(token) is None:
        abort(404)
    return render_template("reminders/unsubscribe.html", done=False)


@bp.post("/unsubscribe/<token>")
@csrf.exempt  # RFC 8058 one-click: mail clients post without a form token; the signed token is the proof
def unsubscribe_post(token):
    found = unsubscribe_read(token)
    if found is None:
        abort(404)
    services.channel_off(user_id=found[0], channel=found[1])
    db.session.commit()
    if request.form.get("List-Unsubscribe") == "One-Click":
        return "", 204
    return render_template("reminders/unsubscribe.html", done=True)
