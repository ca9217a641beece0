"""Export and the clinician summary: thin, the rules are in services.py and summary.py."""

import logging
from datetime import timedelta
from pathlib import Path

from flask import Blueprint, Response, current_app, render_template, request
from flask_login import current_user, login_required

from journal.access import scope
from journal.auth.reauth import reauth_required
from journal.export import services
from journal.export.forms import ExportForm, SummaryForm
from journal.export.summary import SummaryOptions, summary_build
from journal.extensions import limit_per_person
from journal.models.notes import AREAS, FEELINGS
from journal.progress import charts
from journal.zones import today_for

bp = Blueprint("export", __name__, url_prefix="/export")
log = logging.getLogger(__name__)


def _heavy(*methods: str):
    """A PDF of a year, or a whole export, takes seconds of a worker: LIMIT_EXPORT a
    person, shared between them (one counter, scope "export")."""
    return limit_per_person("LIMIT_EXPORT", "export", *methods)


PAPER = {"a4": "A4", "letter": "Letter"}


@bp.route("", methods=["GET", "POST"])
@_heavy("POST")
@login_required
@reauth_required  # a password, code or passkey in this session within REAUTH_MINUTES
def download():
    form = ExportForm()
    if form.validate_on_submit():
        data = services.export_zip(scope())
        name = f"tandem-export-{today_for(current_user, plan=scope().plan).isoformat()}.zip"
        return Response(
            data,
            mimetype="application/zip",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )
    status = 422 if request.method == "POST" else 200
    return render_template("export/download.html", form=form), status


def _summary_form() -> SummaryForm:
    return SummaryForm(formdata=request.args if request.args else None)


def _options(form: SummaryForm) -> SummaryOptions:
    return SummaryOptions(
        since=form.since.data,
        until=form.until.data,
        sensation=form.include_sensation.data,
        pace=form.include_pace.data,
        practices=form.include_practices.data,
        flagged=form.include_flagged.data,
        notes=form.include_notes.data,
        partner=form.include_partner.data,
    )


def _summary_context(form: SummaryForm) -> dict:
    summary = summary_build(scope(), options=_options(form))
    return {"summary": summary, "charts": charts, "areas": AREAS, "feelings": FEELINGS}


@bp.get("/summary")
@login_required
def summary():
    form = _summary_form()
    if not request.args:
        today = today_for(current_user, plan=scope().plan)
        form.until.data = today
        form.since.data = today - timedelta(weeks=12)
    partner = scope().partner()
    return render_template("export/summary_form.html", form=form, partner=partner)


@bp.get("/summary/page")
@login_required
def summary_page():
    form = _summary_form()
    if not request.args or not form.validate():
        return render_template("export/summary_form.html", form=form, partner=scope().partner()), 422
    args = {k: v for k, v in request.args.items() if k != "paper"}
    return render_template("export/summary.html", pdf_args=args, papers=PAPER, **_summary_context(form))


@bp.get("/summary.pdf")
@_heavy("GET")
@login_required
def summary_pdf():
    form = _summary_form()
    if not request.args or not form.validate():
        return render_template("export/summary_form.html", form=form, partner=scope().partner()), 422
    paper = PAPER.get(request.args.get("paper", "a4"), "A4")
    html = render_template("export/summary_pdf.html", **_summary_context(form))
    pdf = _pdf(html, paper)
    log.info("user %s made a clinician summary PDF", current_user.id)
    return Response(
        pdf, mimetype="application/pdf", headers={"Content-Disposition": 'attachment; filename="tandem-summary.pdf"'}
    )


PDF_STYLESHEETS = ("css/progress.css", "css/summary-print.css")


def _pdf(html: str, paper: str) -> bytes:
    """The PDF, drawn from our own stylesheets only: the page links none, so WeasyPrint
    fetches nothing (no network at run time)."""
    from weasyprint import CSS, HTML  # imported here: loading pango is slow and only this route needs it

    logging.getLogger("weasyprint").setLevel(logging.ERROR)  # it warns about every SVG-only CSS property
    static = Path(current_app.static_folder)
    sheets = [CSS(filename=str(static / name)) for name in (*PDF_STYLESHEETS, f"css/summary-{paper.lower()}.css")]
    return HTML(string=html).write_pdf(stylesheets=sheets)
