"""Consent language: read it in one tap from any page, edit it together."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from journal.access import scope
from journal.consent import services
from journal.consent.forms import ConsentForm
from journal.edits import EditConflict
from journal.extensions import db

bp = Blueprint("consent", __name__, url_prefix="/consent")


@bp.get("")
@login_required
def overview():
    phrases, suggested = services.phrases_open(scope())
    return render_template(
        "consent/overview.html",
        phrases=phrases,
        suggested=suggested,
        signals=services.SIGNALS,
        labels=services.SIGNAL_LABELS,
    )


@bp.route("/edit", methods=["GET", "POST"])
@login_required
def edit():
    form = ConsentForm()
    if request.method == "GET":
        form.fill(services.phrases_open(scope())[0])
        form.version.data = services.consent_version(scope())
    if form.validate_on_submit():
        try:
            services.phrases_replace(
                scope=scope(), author=current_user, phrases=form.phrases(), version=form.version.data
            )
        except EditConflict:
            # Nothing written; the form keeps these words and now carries the current version.
            db.session.rollback()
            s = scope()
            form.version.data = services.consent_version(s)
            return render_template(
                "consent/edit.html",
                form=form,
                meanwhile=services.phrases_open(s)[0],
                signals=services.SIGNALS,
                labels=services.SIGNAL_LABELS,
            ), 409
        db.session.commit()
        flash("Your consent language is saved. You can change it together any time.", "success")
        return redirect(url_for("consent.overview"))
    return render_template("consent/edit.html", form=form), 422 if form.errors else 200
