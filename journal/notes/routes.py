"""Progress notes: write one after a practice, read the history, share or delete,
and see sensation return over time."""

import logging

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from journal.access import JUST_ME, PRIVATE, SHARED, scope
from journal.extensions import db
from journal.inputs import query_int
from journal.models.notes import AREAS, FEELINGS, PACE_SUGGESTIONS, ProgressNote
from journal.notes import services
from journal.notes.cards import note_cards
from journal.notes.forms import NoteForm, TouchNoteForm, VisibilityForm
from journal.plan.forms import ReadyForm
from journal.plan.pace import LAST_STAGE, my_ready
from journal.plan.services import plan_view
from journal.practices.services import practice_get_or_404
from journal.progress.forms import PERIOD_LABELS, period_from
from journal.progress.services import period_start
from journal.progress.weeks import days_utc
from journal.today.services import prompt_link
from journal.views import delete_confirmed
from journal.zones import today_for

bp = Blueprint("notes", __name__, url_prefix="/notes")
log = logging.getLogger(__name__)

WORDS = {"areas": AREAS, "feelings": FEELINGS, "paces": PACE_SUGGESTIONS}


def _linked():
    """The prompt and practice named in the query string. An unknown prompt is
    ignored; a practice that isn't this person's to see is a 404."""
    key = request.args.get("prompt")
    prompt = prompt_link(scope(), current_user, key)
    if key and prompt is None:
        log.info("user %s: note asked for a prompt it may not name", current_user.id)
    if prompt is not None:
        return prompt, prompt.practice
    raw = request.args.get("practice")
    if raw is None or raw == "":
        return None, None
    try:
        practice_id = query_int(raw)
    except ValueError:
        abort(404)
    return None, practice_get_or_404(scope(), practice_id)


def _partner_choices(form, partner) -> None:
    """Word the "who sees it" choices with the partner's name (none are shown while single)."""
    if partner is None:
        return
    fields = [form.visibility] + ([form.sensation_visibility] if isinstance(form, TouchNoteForm) else [])
    for field in fields:
        field.choices = [SelectChoice(PRIVATE, JUST_ME), SelectChoice(SHARED, f"Me and {partner.display_name}")]


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    prompt, practice = _linked()
    touch = practice is not None and practice.kind == "touch"
    form = (TouchNoteForm if touch else NoteForm)()
    partner = scope().partner()
    _partner_choices(form, partner)
    if form.validate_on_submit():
        values = form.values()
        if partner is None:
            values["visibility"] = PRIVATE
        sensation = None
        if touch and form.map_areas():
            sensation = services.SensationInput(
                areas=form.map_areas(),
                visibility=form.sensation_visibility.data if partner else PRIVATE,
                for_clinician=form.for_clinician.data,
            )
        note = services.note_create(
            scope=scope(), author=current_user, practice=practice, prompt=prompt, sensation=sensation, **values
        )
        db.session.commit()
        flash("Saved. Thank you for taking a moment for this.", "success")
        return redirect(url_for("notes.read", note_id=note.id))
    action = url_for("notes.new", prompt=prompt.key if prompt else None, practice=practice.id if practice else None)
    return render_template(
        "notes/form.html", form=form, practice=practice, touch=touch, partner=partner, action=action, **WORDS
    ), 422 if form.errors else 200


@bp.get("")
@login_required
def index():
    s = scope()
    pagination, previews = services.notes_page(s, page=request.args.get("page", 1, type=query_int))
    partner = s.partner()
    cards = note_cards(
        pagination.items, previews, viewer=s.user, partner=partner, link=current_app.jinja_env.globals["url_for"]
    )
    return render_template("notes/index.html", pagination=pagination, cards=cards, partner=partner)


def _ready_offer(note: ProgressNote):
    """The stage to offer a private "ready" for, or None. Only the author, only for a
    "ready for more" note written at the current stage, never twice, never past 4."""
    if note.author_id != current_user.id or note.pace != "more":
        return None
    view = plan_view(scope())
    if view.stage >= LAST_STAGE or note.stage != view.stage or my_ready(scope=scope(), view=view):
        return None
    return view.stage + 1


@bp.get("/<int:note_id>")
@login_required
def read(note_id):
    note = scope().get_visible_or_404(ProgressNote, note_id)
    sensation_map = services.map_get(scope(), note)
    practice = services.note_practice(note)
    ready_stage = _ready_offer(note)
    return render_template(
        "notes/read.html",
        note=note,
        texts=services.note_open(note),
        sensation_map=sensation_map,
        map_areas=services.map_open(sensation_map) if sensation_map else None,
        practice=practice,
        partner=scope().partner(),
        couple_id=scope().couple_id,
        ready_stage=ready_stage,
        ready_form=ReadyForm(to_stage=str(ready_stage)) if ready_stage else None,
        **WORDS,
    )


@bp.route("/<int:note_id>/delete", methods=["GET", "POST"])
@login_required
def delete(note_id):
    note = scope().get_own_or_404(ProgressNote, note_id)
    done = delete_confirmed(
        lambda: services.note_delete(note=note),
        message="The note is deleted.",
        category="info",
        to=url_for("notes.index"),
    )
    if done:
        return done
    has_map = services.map_get(scope(), note) is not None
    return render_template("notes/delete.html", note=note, has_map=has_map)


def _change_visibility(change, **row) -> None:
    """Run a visibility change from the posted form, and say calmly what happened."""
    form = VisibilityForm()
    if not form.validate_on_submit():
        flash("Please choose who sees it.", "error")
        return
    try:
        change(scope=scope(), visibility=form.visibility.data, **row)
    except services.NoteError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return
    db.session.commit()
    flash("Now only you see it." if form.visibility.data == PRIVATE else "Shared with your partner.", "success")


@bp.post("/<int:note_id>/visibility")
@login_required
def visibility(note_id):
    note = scope().get_own_or_404(ProgressNote, note_id)
    _change_visibility(services.note_visibility_set, note=note)
    return redirect(url_for("notes.read", note_id=note.id))


@bp.post("/<int:note_id>/map/visibility")
@login_required
def map_visibility(note_id):
    note = scope().get_own_or_404(ProgressNote, note_id)
    sensation_map = services.map_get_own(scope(), note)
    if sensation_map is None:
        abort(404)
    _change_visibility(services.map_visibility_set, sensation_map=sensation_map)
    return redirect(url_for("notes.read", note_id=note.id))


#: Sensation over time shows a year unless asked for another period: a page of every map
#: ever made would cost more the longer a couple keeps them.
SENSATION_PERIOD = "52"


@bp.get("/sensation")
@login_required
def sensation():
    viewer = scope()
    period = period_from(request.args.get("period"), SENSATION_PERIOD)
    start = period_start(today_for(viewer.user, plan=viewer.plan), period)
    since, _ = days_utc(start, None)
    histories = services.sensation_history(viewer, since=since)
    older = not histories and start is not None and services.sensation_exists(viewer)
    return render_template(
        "notes/sensation.html",
        histories=histories,
        older=older,
        partner=viewer.partner(),
        period=period,
        period_labels=PERIOD_LABELS,
        **WORDS,
    )
