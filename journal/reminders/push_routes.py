"""Web push on this device: turn notifications on (JavaScript), see how many
devices have them, and turn them off."""
import logging

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from journal.extensions import db
from journal.models.push import PushSubscription
from journal.reminders.push import SubscriptionError, subscription_save, subscriptions_remove, vapid_public_key

bp = Blueprint("push", __name__, url_prefix="/reminders/push")
log = logging.getLogger(__name__)


@bp.route("", methods=["GET"])
@login_required
def settings():
    devices = db.session.execute(
        db.select(PushSubscription)
        .filter_by(user_id=current_user.id)
        .order_by(PushSubscription.created_at, PushSubscription.id)
    ).scalars().all()
    return render_template("reminders/push.html", devices=devices, vapid_key=vapid_public_key())


@bp.route("/subscribe", methods=["POST"])
@login_required
def subscribe():
    data = request.get_json(silent=True) if request.is_json else None
    if data is None:
        return jsonify(error="This device's notification details didn't come through. Please try again."), 400
    try:
        subscription_save(user=current_user, data=data)
    except SubscriptionError as exc:
        db.session.rollback()
        return jsonify(error=str(exc)), 400
    db.session.commit()
    return jsonify(ok=True), 201


@bp.route("/unsubscribe", methods=["POST"])
@login_required
def unsubscribe():
    if request.is_json:
        data = request.get_json(silent=True)
        if data is not None and not isinstance(data, dict):
            return jsonify(error="This device's notification details didn't come through."), 400
        endpoint = (data or {}).get("endpoint")
    else:
        endpoint = request.form.get("endpoint")
    if endpoint is not None and not isinstance(endpoint, str):
        return jsonify(error="This device's notification address isn't right."), 400
    removed = subscriptions_remove(user=current_user, endpoint=endpoint or None)
    db.session.commit()
    if request.is_json:
        return jsonify(ok=True, removed=removed)
    flash("Notifications are off on all your devices." if not endpoint else "Notifications are off on this device.", "success")
    return redirect(url_for("push.settings"))
