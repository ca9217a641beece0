"""Browse the library, read a practice, write the couple's own."""

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from markupsafe import Markup

from journal.access import scope
from journal.extensions import db
from journal.inputs import query_int
from journal.models import KINDS, STAGES, Practice
from journal.plan.services import plan_view, schedule_refused_for
from journal.practices import services
from journal.practices.forms import KIND_LABELS, PracticeForm

bp = Blueprint("practices", __name__, url_prefix="/practices")

#: The macro of one card of the library.
CARD = "practices/_card.html"
#: The filters' kinds, in the library's order, with their labels.
KIND_CHOICES = tuple((k, KIND_LABELS[k]) for k in KINDS)


def _cards(plan: services.LibraryPlan, practices) -> Markup:
    """The list's cards as HTML, each with its mark ("later" above the plan's stage, "on
    hold" while touch rests: the plan's rules, asked through `plan`): the library's own as
    `kept` holds them (rendered once per process for each mark), a couple's own rendered
    now and never kept. Put together here rather than in the template: each call a
    template makes costs about ten of Python's, and three of them a card were most of the
    page; joined here too, as text: every piece is HTML already (Jinja's `join`, and
    Markup's, ask each piece for its HTML again and make a new Markup of it)."""
    env = current_app.jinja_env
    kept, card = env.globals["kept"], env.get_template(CARD).module.card
    pieces = []
    for p in practices:
        label = KIND_LABELS[p.kind]
        mark = "later" if plan.is_later(p) else "on hold" if plan.is_held(p) else ""
        pieces.append(card(p, label, mark) if p.is_custom else kept(CARD, "card", p, label, mark))
    return Markup("\n".join(pieces))  # nosec B704 (each piece is a Markup: a macro's output)


@bp.get("")
@login_required
def browse():
    kind = request.args.get("kind") or None
    stage = request.args.get("stage", type=query_int)
    if kind not in (None, *KINDS) or stage not in (None, *STAGES):
        abort(404)
    plan, practices = services.practices_browse(scope(), kind=kind, stage=stage)
    cards = _cards(plan, practices)
    return render_template("practices/browse.html", cards=cards, kind=kind, stage=stage, kinds=KIND_CHOICES)


@bp.get("/<int:practice_id>")
@login_required
def read(practice_id):
    view = plan_view(scope())  # first: it reads the plan with its pauses, and the practice's rule asks the plan
    practice = services.practice_get_or_404(scope(), practice_id)
    refused = schedule_refused_for(scope=scope(), view=view, author=current_user, practice=practice)
    return render_template(
        "practices/read.html", practice=practice, kind_labels=KIND_LABELS, view=view, refused=refused
    )


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    form = PracticeForm()
    if form.validate_on_submit():
        practice = services.practice_create(scope=scope(), author=current_user, **form.values())
        db.session.commit()
        flash("Your practice is saved. Only the two of you can see it.", "success")
        return redirect(url_for("practices.read", practice_id=practice.id))
    return render_template("practices/form.html", form=form, practice=None), 422 if form.errors else 200


@bp.route("/<int:practice_id>/edit", methods=["GET", "POST"])
@login_required
def edit(practice_id):
    practice = scope().get_in_plan_or_404(Practice, practice_id)
    form = PracticeForm()
    if request.method == "GET":
        form.fill(practice)
    if form.validate_on_submit():
        services.practice_update(practice=practice, **form.values())
        db.session.commit()
        flash("Saved.", "success")
        return redirect(url_for("practices.read", practice_id=practice.id))
    return render_template("practices/form.html", form=form, practice=practice), 422 if form.errors else 200
