"""The reminder pages: settings, this device's notifications (web push), another
service (Apprise), the notifications list, and one-click unsubscribe."""

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from journal.extensions import csrf, db
from journal.forms import EmptyForm
from journal.models.practice import NO_PRESSURE
from journal.reminders import services
from journal.reminders.channels import apprise, push
from journal.reminders.channels.email import unsubscribe_read
from journal.reminders.forms import AppriseForm, ReminderSettingsForm

bp = Blueprint("reminders", __name__)


@bp.get("/reminders")
@login_required
def settings():
    current = services.reminder_settings_load(current_user)
    form = ReminderSettingsForm(
        email_on=current.email_on,
        push_on=current.push_on,
        apprise_on=current.apprise_on,
        discreet=current.discreet is not False,
        quiet_start=current.quiet_start.strftime("%H:%M") if current.quiet_start else "",
        quiet_end=current.quiet_end.strftime("%H:%M") if current.quiet_end else "",
    )
    return render_template("reminders/settings.html", form=form, recent=services.reminders_newest(current_user))


@bp.post("/reminders")
@login_required
def settings_save():
    form = ReminderSettingsForm()
    if form.validate_on_submit():
        services.reminder_settings_save(
            user=current_user,
            email_on=form.email_on.data,
            push_on=form.push_on.data,
            apprise_on=form.apprise_on.data,
            discreet=form.discreet.data,
            quiet_start=form.quiet_start.data or None,
            quiet_end=form.quiet_end.data or None,
        )
        db.session.commit()
        flash("Saved.", "success")
        return redirect(url_for("reminders.settings"))
    return render_template("reminders/settings.html", form=form, recent=services.reminders_newest(current_user)), 422


# -- notifications on this device (web push; subscribing happens in JavaScript) -------


@bp.get("/reminders/push")
@login_required
def push_settings():
    return render_template(
        "reminders/push.html", devices=push.subscriptions_list(user=current_user), vapid_key=push.vapid_public_key()
    )


@bp.post("/reminders/push/subscribe")
@login_required
def push_subscribe():
    data = request.get_json(silent=True) if request.is_json else None
    if data is None:
        return jsonify(error="This device's notification details didn't come through. Please try again."), 400
    try:
        push.subscription_save(user=current_user, data=data)
    except push.SubscriptionError as exc:
        db.session.rollback()
        return jsonify(error=str(exc)), 400
    db.session.commit()
    return jsonify(ok=True), 201


@bp.post("/reminders/push/unsubscribe")
@login_required
def push_unsubscribe():
    if request.is_json:
        data = request.get_json(silent=True)
        if data is not None and not isinstance(data, dict):
            return jsonify(error="This device's notification details didn't come through."), 400
        endpoint = (data or {}).get("endpoint")
    else:
        endpoint = request.form.get("endpoint")
    if endpoint is not None and not isinstance(endpoint, str):
        return jsonify(error="This device's notification address isn't right."), 400
    removed = push.subscriptions_remove(user=current_user, endpoint=endpoint or None)
    db.session.commit()
    if request.is_json:
        return jsonify(ok=True, removed=removed)
    flash(
        "Notifications are off on all your devices." if not endpoint else "Notifications are off on this device.",
        "success",
    )
    return redirect(url_for("reminders.push_settings"))


# -- another service (Apprise) ------------------------------------------------------


def _apprise_page(form, status=200):
    scheme = apprise.apprise_target_scheme(current_user)  # None: nothing set; "" set, kind unknown
    return render_template("reminders/apprise.html", form=form, has=scheme is not None, scheme=scheme), status


@bp.get("/reminders/apprise")
@login_required
def apprise_page():
    return _apprise_page(AppriseForm())


@bp.post("/reminders/apprise")
@login_required
def apprise_save():
    form = AppriseForm()
    if not form.validate_on_submit():
        return _apprise_page(form, 422)
    if not apprise.apprise_understands(form.url.data):
        form.url.errors.append("Apprise doesn't recognise that address. Please check it.")
        return _apprise_page(form, 422)
    result = apprise.apprise_send(url=form.url.data, title=apprise.TEST_TITLE, body=apprise.TEST_BODY)
    if result.error == "apprise-private":
        form.url.errors.append(
            "That address is on a private network or on this server, so Tandem can't send "
            "there. Please use a service on the internet."
        )
        return _apprise_page(form, 422)
    if not result.ok:
        form.url.errors.append("We couldn't reach that service with a test message, so nothing was saved.")
        return _apprise_page(form, 422)
    apprise.apprise_target_save(user=current_user, url=form.url.data)
    db.session.commit()
    flash("Connected. A test message is on its way there.", "success")
    return redirect(url_for("reminders.apprise_page"))


@bp.post("/reminders/apprise/delete")
@login_required
def apprise_delete():
    if EmptyForm().validate_on_submit():
        apprise.apprise_target_delete(user=current_user)
        db.session.commit()
        flash("That service won't get reminders any more.", "info")
    return redirect(url_for("reminders.apprise_page"))


# -- the notifications list and one-click unsubscribe ---------------------------------


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
