"""Check-ins: a quick form, the history, sharing."""

from functools import lru_cache

from flask import Blueprint, Flask, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required
from markupsafe import Markup
from sqlalchemy.exc import IntegrityError

from journal.access import SHARED, scope, visibility_words
from journal.checkins import services
from journal.checkins.cards import checkin_cards
from journal.checkins.forms import BACKDATE_DAYS, CheckInForm, RevealForm, VisibilityForm
from journal.extensions import db
from journal.inputs import query_int
from journal.models.checkins import CheckIn
from journal.pagination import PER_PAGE
from journal.today.services import prompt_link
from journal.views import delete_confirmed
from journal.zones import today_for

bp = Blueprint("checkins", __name__, url_prefix="/checkins")

#: Session key holding the care notes to show once on the check-in just saved.
CARE_NOTES = "checkin_care_notes"


def _prompt_from(key: str | None):
    """The prompt named in the link, if this person may answer it (`prompt_link`); else None
    (a form posted without a link names none)."""
    return prompt_link(scope(), current_user, key) if key else None


#: The questions folded under "More about today" on the check-in form.
MORE_FIELDS = ("comfort", "energy", "stress", "sleep_hours", "boundary_note", "note")
HEALTH_FIELDS = ("pain", "bleeding", "fever")


def _health_open(form) -> bool:
    """Pain, bleeding and fever show unfolded when answered or mistyped just now, or when
    the last check-in reported any of them."""
    if any(getattr(form, name).errors or getattr(form, name).data for name in HEALTH_FIELDS):
        return True
    return services.checkin_last_reported_health(author=current_user)


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    key = request.args.get("prompt")
    prompt = _prompt_from(key)
    today = today_for(current_user)  # the person's own day (journal.zones.today_for)
    # A prompt sent to both partners starts as shared (answers open once both answered).
    # The partner is read for it, or for the page: a check-in saved without one never needs them.
    for_both = prompt is not None and prompt.schedule.prompt_user_id is None
    partner = scope().partner() if for_both else None
    together = for_both and partner is not None
    form = CheckInForm(day=today, today=today)
    if together and not form.is_submitted():
        form.visibility.data = SHARED  # what is sent decides; a form sent without it stays private
    words = visibility_words(partner.display_name if together else None, together=together)
    form.visibility.choices = list(words.items())
    if form.validate_on_submit():
        checkin = services.checkin_create(
            author=current_user,
            answers=form.answers,
            day=form.day.data,
            visibility=form.visibility.data,
            prompt=prompt,
        )
        notes = services.care_notes_issue(scope=scope(), checkin=checkin, today=today)
        checkin_id = checkin.id
        try:
            db.session.commit()
        except IntegrityError:  # the same prompt answered twice at once: the first answer stands
            db.session.rollback()
            flash("That was saved a moment ago already.", "info")
            return redirect(url_for("checkins.index"))
        if notes:
            session[CARE_NOTES] = {"checkin": checkin_id, "notes": notes}
        flash("Saved. Thank you for checking in.", "success")
        return redirect(url_for("checkins.show", checkin_id=checkin_id))
    status = 422 if form.errors else 200
    if not for_both:
        partner = scope().partner()
    return render_template(
        "checkins/new.html",
        form=form,
        prompt=prompt,
        prompt_key=key if prompt else None,
        partner=partner,
        together=together,
        open_body=_health_open(form),
        open_more=any(getattr(form, name).errors or getattr(form, name).data for name in MORE_FIELDS)
        or bool(form.day.errors)
        or form.day.data not in (None, today),
        backdate_days=BACKDATE_DAYS,
    ), status


@bp.get("")
@login_required
def index():
    s = scope()
    page = services.checkins_page(s, page=request.args.get("page", 1, type=query_int), per_page=PER_PAGE)
    partner = s.partner()
    return render_template(
        "checkins/index.html",
        page=page,
        cards=checkin_cards(services.checkin_views(s, page.items), partner=partner, link=_link()),
        partner=partner,
        reveal_field=reveal_field(bool(s.plan_setting("reveal_after_48h"))) if partner else None,
    )


def _link():
    """The templates' link builder (it remembers what it built: `journal.templating`)."""
    return current_app.jinja_env.globals["url_for"]


def reveal_field(on: bool) -> Markup:
    """The couple's reveal setting as the list shows it, rendered once per app for each
    state: the GET's form has no data and no errors and its words are fixed, so it is
    the same for everyone. Its CSRF field is not in it; the POST validates its own
    `RevealForm` (`settings`)."""
    return _reveal_field(current_app._get_current_object(), on)


@lru_cache(maxsize=8)  # two per app (tests make many)
def _reveal_field(app: Flask, on: bool) -> Markup:
    form = RevealForm(formdata=None, meta={"csrf": False}, reveal_after_48h=on)
    return app.jinja_env.get_template("checkins/_reveal_field.html").module.reveal_field(form)


@bp.get("/<int:checkin_id>")
@login_required
def show(checkin_id):
    s = scope()
    checkin = s.get_visible_or_404(CheckIn, checkin_id)
    partner = s.partner()
    (card,) = checkin_cards(services.checkin_views(s, [checkin]), partner=partner, link=_link())
    notes = []
    shown = session.get(CARE_NOTES)
    if shown and shown.get("checkin") == checkin.id and card.mine:
        notes = [n for n in shown.get("notes", []) if n in services.CONDITIONS]
        session.pop(CARE_NOTES)
    return render_template(
        "checkins/show.html",
        card=card,
        care_notes=notes,
        partner=partner,
    )


@bp.route("/<int:checkin_id>/delete", methods=["GET", "POST"])
@login_required
def delete(checkin_id):
    checkin = scope().get_own_or_404(CheckIn, checkin_id)
    done = delete_confirmed(
        lambda: services.checkin_delete(checkin=checkin),
        message="The check-in is deleted.",
        category="info",
        to=url_for("checkins.index"),
    )
    return done or render_template("checkins/delete.html", checkin=checkin)


@bp.post("/<int:checkin_id>/visibility")
@login_required
def visibility(checkin_id):
    checkin = scope().get_own_or_404(CheckIn, checkin_id)
    form = VisibilityForm()
    if not form.validate_on_submit():
        flash("Please choose who can see it.", "error")
        return redirect(url_for("checkins.show", checkin_id=checkin.id))
    try:
        services.checkin_visibility_set(checkin=checkin, visibility=form.visibility.data)
    except services.CheckInError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        db.session.commit()
        flash("Shared with your partner." if form.visibility.data == "shared" else "Now just for you.", "success")
    return redirect(url_for("checkins.show", checkin_id=checkin_id))


@bp.post("/settings")
@login_required
def settings():
    form = RevealForm()
    if form.validate_on_submit():
        services.reveal_setting_set(scope=scope(), on=form.reveal_after_48h.data)
        db.session.commit()
        flash("Saved.", "success")
    return redirect(url_for("checkins.index"))
