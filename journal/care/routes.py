"""The Care page."""

from flask import Blueprint, current_app, render_template

from journal.care.services import care_contacts

bp = Blueprint("care", __name__, url_prefix="/care")


@bp.get("", endpoint="index")
def care_page():
    """Open to everyone, logged in or not: safety information is never behind a log-in."""
    return render_template("care/index.html", contacts=care_contacts(current_app.config.get("CARE_SUPPORT_CONTACTS")))
