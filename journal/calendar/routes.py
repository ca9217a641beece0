"""The calendar feed page (logged in) and the feed itself (the token is the credential)."""

from flask import Blueprint, Response, abort, flash, redirect, render_template, session, url_for
from flask_login import current_user, login_required

from journal.calendar import services
from journal.extensions import db
from journal.forms import EmptyForm

bp = Blueprint("calendar", __name__)

_ONCE = "calendar_feed_once"


@bp.get("/calendar")
@login_required
def overview():
    return render_template(
        "calendar/overview.html",
        exists=services.feed_exists(user=current_user),
        created=session.pop(_ONCE, None),
        title=services.DISCREET_TITLE,
    )


@bp.post("/calendar/regenerate")
@login_required
def regenerate():
    if not EmptyForm().validate_on_submit():
        abort(400)
    token = services.feed_regenerate(user=current_user)
    db.session.commit()
    # Shown once on the next page; only its hash is stored.
    session[_ONCE] = services.feed_url(token)
    return redirect(url_for("calendar.overview"))


@bp.post("/calendar/delete")
@login_required
def delete():
    if not EmptyForm().validate_on_submit():
        abort(400)
    if services.feed_delete(user=current_user):
        db.session.commit()
        flash("Your calendar feed is off. Calendars using it will stop updating.", "info")
    session.pop(_ONCE, None)
    return redirect(url_for("calendar.overview"))


@bp.get("/feed/<token>.ics")
def feed(token):
    # No login: calendar apps can't log in. An unknown or replaced token is a plain 404.
    owner = services.feed_owner(token)
    if owner is None:
        abort(404)
    body = services.feed_calendar(user=owner)
    response = Response(body, content_type="text/calendar; charset=utf-8")
    response.headers["Cache-Control"] = "no-store"
    return response
