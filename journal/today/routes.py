"""Today: the landing page after log-in, and acting on a prompt."""

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from markupsafe import Markup
from sqlalchemy.exc import IntegrityError

from journal.access import scope
from journal.extensions import db
from journal.models.practice import NO_PRESSURE
from journal.today import services
from journal.today.forms import PromptForm

bp = Blueprint("today", __name__)

ACTIONS = ("done", "skip", "15min", "1h", "tomorrow")
MESSAGES = {
    "done": "Noted. However it went is fine.",
    "skip": "Skipped. Rest is part of the plan too.",
    "15min": "We'll bring it back in 15 minutes.",
    "1h": "We'll bring it back in an hour.",
    "tomorrow": "We'll bring it back tomorrow.",
}


#: The macro of what a prompt says of its practice.
PRACTICE = "today/_practice.html"


def _practice_pieces(prompts: list[services.Prompt]) -> list[Markup]:
    """What each prompt says of its practice (its title, summary and steps, the words
    "no pressure" for an intimate one), as HTML: a library practice's as `kept` holds it
    (rendered once per process), a couple's own rendered now and never kept. Its steps
    were most of a prompt's time in the template, escaped one by one."""
    env = current_app.jinja_env
    kept, piece = env.globals["kept"], env.get_template(PRACTICE).module.practice
    pieces = []
    for prompt in prompts:
        p = prompt.practice
        values = (p.id, p.title, p.summary, tuple(p.steps or ()), NO_PRESSURE if p.is_intimate else None)
        pieces.append(piece(*values) if p.plan_id is not None else kept(PRACTICE, "practice", *values))
    return pieces


@bp.get("/today")
@login_required
def today():
    s = scope()
    partner = s.partner()
    view, prompts = services.prompts_for(s, s.user)
    return render_template(
        "today/today.html",
        partner=partner,
        # Today asks the couple to choose who leads the pace until they do.
        pace_chosen=view.pace_leader_id is not None,
        view=view,
        prompts=list(zip(prompts, _practice_pieces(prompts))),
    )


@bp.post("/today/act")
@login_required
def act():
    form = PromptForm()
    action = request.form.get("action")
    if not form.validate_on_submit() or action not in ACTIONS:
        abort(400)
    try:
        prompt = services.prompt_find(scope(), current_user, form.prompt.data)
    except services.PromptError:
        flash("That prompt has already been taken care of.", "info")
        return redirect(url_for("today.today"))
    try:
        services.prompt_act(user=current_user, prompt=prompt, action=action)
    except services.PromptError:
        flash("This one can wait for another day, or be skipped. Either is fine.", "info")
        return redirect(url_for("today.today"))
    try:
        db.session.commit()
    except IntegrityError:  # the same prompt answered twice at once: the first answer stands
        db.session.rollback()
    if action == "done" and current_user.couple_id and services.prompt_done_together(prompt):
        message = "Noted, for you both. However it went is fine."
    elif action == "tomorrow" and prompt.practice.is_intimate:
        message = "Another day, then. Skipping it then is fine too."
    else:
        message = MESSAGES[action]
    flash(message, "success")
    return redirect(url_for("today.today"))
