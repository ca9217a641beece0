"""Today: the landing page after log-in."""
from flask import Blueprint, render_template
from flask_login import current_user, login_required

from journal.access import scope
from journal.extensions import db
from journal.models import Couple

bp = Blueprint("today", __name__)


@bp.get("/today")
@login_required
def today():
    partner = scope().partner()
    couple = db.session.get(Couple, current_user.couple_id) if current_user.couple_id else None
    return render_template("today/today.html", partner=partner, couple=couple)
