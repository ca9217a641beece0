"""The progress page: thin, every number from journal.progress.services."""

from flask import Blueprint, render_template, request
from flask_login import login_required

from journal.access import scope
from journal.models.notes import AREAS, FEELINGS
from journal.progress import charts, insights
from journal.progress.body import body_areas
from journal.progress.forms import PERIOD_LABELS, period_from
from journal.progress.services import pace_span, progress_build

bp = Blueprint("progress", __name__, url_prefix="/progress")
# The body diagram's areas (templates/progress/_body.html), for every page that draws one.
bp.add_app_template_global(body_areas, "body_areas")


@bp.get("")
@login_required
def index():
    period = period_from(request.args.get("period"))
    progress = progress_build(scope(), period=period)
    pace_start, pace_end = pace_span(progress)
    return render_template(
        "progress/index.html",
        progress=progress,
        period_labels=PERIOD_LABELS,
        sentences=insights.sentences(progress),
        helps=insights.what_seems_to_help(progress),
        charts=charts,
        areas=AREAS,
        feelings=FEELINGS,
        pace_start=pace_start,
        pace_end=pace_end,
    )
