"""The plan page: scheduled practices, pause, pace, timeline, time zone."""

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from journal.access import scope
from journal.extensions import db
from journal.forms import EmptyForm, timezone_options
from journal.models import Schedule, now_utc
from journal.plan import pace, services
from journal.plan.forms import PauseForm, PlanSettingsForm, ReadyForm, ScheduleForm
from journal.plan.lines import schedule_lines
from journal.plan.recurrence import Recurrence
from journal.practices.services import practice_get_or_404
from journal.zones import ZoneView, today_for

bp = Blueprint("plan", __name__, url_prefix="/plan")


def _zones() -> ZoneView:
    """The plan's zone and the viewer's own (journal.zones)."""
    return ZoneView(services.plan_view(scope()).timezone, current_user.timezone)


def _local_today():
    """The plan's today (journal.zones.today_for)."""
    return today_for(current_user, plan=scope().plan)


@bp.get("")
@login_required
def overview():
    s = scope()
    now = now_utc()
    view = services.plan_view(s, now=now)
    today = today_for(current_user, plan=view.plan, now=now)
    zones = ZoneView(view.timezone, current_user.timezone)
    partner = s.partner()
    lines = schedule_lines(
        s,
        view=view,
        zones=zones,
        today=today,
        now=now,
        viewer_id=current_user.id,
        partner=partner,
        link=current_app.jinja_env.globals["url_for"],
    )
    # The pause, time zone and pace forms' inputs are written by the template (the same HTML
    # as WTForms' through the `field` macro, tests/test_plan_forms.py): their forms validate the POSTs.
    return render_template(
        "plan/overview.html",
        view=view,
        lines=lines,
        partner=partner,
        today=today,
        pace=pace.pace_shown(scope=s, view=view, now=now),
        milestones=services.milestones_offered(view, today=today),
        zone_options=timezone_options(view.timezone),
    )


def _schedule_form(form: ScheduleForm) -> ScheduleForm:
    partner = scope().partner()
    choices = [SelectChoice("me", "Me")]
    if partner:
        choices += [SelectChoice("partner", partner.display_name), SelectChoice("both", "Both of us")]
    form.prompt.choices = choices
    if not partner and form.prompt.data == "both":
        form.prompt.data = "me"
    return form


def _prompt_user_id(choice: str):
    partner = scope().partner()
    return {"me": current_user.id, "partner": partner.id if partner else None, "both": None}.get(choice, -1)


def _save(form, practice, schedule=None):
    recurrence = Recurrence(
        kind=form.kind.data,
        times=form.times(),
        start=form.start_date.data,
        end=form.end_date.data,
        weekdays=tuple(int(d) for d in form.weekdays.data or ()) if form.kind.data == "weekdays" else (),
        interval=(form.interval.data or 1) if form.kind.data == "interval" else 1,
    )
    try:
        services.schedule_save(
            scope=scope(),
            author=current_user,
            practice=practice,
            recurrence=recurrence,
            prompt_user_id=_prompt_user_id(form.prompt.data),
            schedule=schedule,
        )
    except services.PlanError as exc:
        db.session.rollback()
        form.form_errors.append(str(exc))
        return False
    db.session.commit()
    return True


@bp.route("/add/<int:practice_id>", methods=["GET", "POST"])
@login_required
def add(practice_id):
    practice = practice_get_or_404(scope(), practice_id)
    form = _schedule_form(ScheduleForm())
    if request.method == "GET":
        form.start_date.data = _local_today()
        form.prompt.data = "both" if scope().partner() else "me"
    if form.validate_on_submit() and _save(form, practice):
        flash(f"Added to your plan: {practice.title}.", "success")
        return redirect(url_for("plan.overview"))
    view = services.plan_view(scope())
    refused = services.schedule_refused_for(scope=scope(), view=view, author=current_user, practice=practice)
    status = 422 if (form.errors or form.form_errors) else 200
    return render_template(
        "plan/schedule.html",
        form=form,
        practice=practice,
        later=view.is_later(practice),
        held=view.is_held(practice),
        resting=services.RESTING,
        refused=refused,
        schedule=None,
        zones=_zones(),
    ), status


@bp.route("/<int:schedule_id>/edit", methods=["GET", "POST"])
@login_required
def edit(schedule_id):
    schedule = scope().get_in_plan_or_404(Schedule, schedule_id)
    if schedule.removed_at is not None:
        abort(404)
    practice = services.schedule_practice(schedule)
    form = _schedule_form(ScheduleForm())
    if request.method == "GET":
        form.kind.data = schedule.kind
        for field, value in zip((form.time_1, form.time_2, form.time_3), schedule.times + ["", ""]):
            field.data = value
        form.weekdays.data = [str(d) for d in schedule.weekdays]
        form.interval.data = schedule.interval
        form.start_date.data, form.end_date.data = schedule.start_date, schedule.end_date
        partner = scope().partner()
        form.prompt.data = (
            "both"
            if schedule.prompt_user_id is None
            else "me"
            if schedule.prompt_user_id == current_user.id
            else "partner"
            if partner and schedule.prompt_user_id == partner.id
            else "me"
        )
    if form.validate_on_submit() and _save(form, practice, schedule):
        flash("Saved.", "success")
        return redirect(url_for("plan.overview"))
    status = 422 if (form.errors or form.form_errors) else 200
    return render_template(
        "plan/schedule.html",
        form=form,
        practice=practice,
        later=False,
        held=services.plan_view(scope()).is_held(practice),
        resting=services.RESTING,
        schedule=schedule,
        zones=_zones(),
    ), status


@bp.post("/<int:schedule_id>/remove")
@login_required
def remove(schedule_id):
    schedule = scope().get_in_plan_or_404(Schedule, schedule_id)
    if EmptyForm().validate_on_submit():
        services.schedule_remove(schedule=schedule)
        db.session.commit()
        flash("Taken out of your plan. What you did stays in your history.", "info")
    return redirect(url_for("plan.overview"))


@bp.post("/pause")
@login_required
def pause():
    form = PauseForm(today=_local_today())
    if form.validate_on_submit():
        services.plan_pause(scope=scope(), until=form.until.data, shared=bool(form.share.data))
        db.session.commit()
        flash("Your plan is paused. Take all the time you need.", "info")
    else:
        flash(" ".join(form.until.errors) or "Please try again.", "error")
    return redirect(url_for("plan.overview"))


@bp.post("/resume")
@login_required
def resume():
    if EmptyForm().validate_on_submit():
        try:
            running = services.plan_resume(scope=scope())
        except services.PlanError as exc:
            db.session.rollback()
            flash(str(exc), "info")
        else:
            db.session.commit()
            if running:
                flash("Welcome back. Your plan is running again.", "success")
            else:
                flash("Your pause is lifted. The plan rests until your partner is ready too.", "info")
    return redirect(url_for("plan.overview"))


@bp.post("/settings")
@login_required
def settings():
    form = PlanSettingsForm(today=_local_today())
    if form.validate_on_submit():
        services.plan_settings_update(scope=scope(), timezone=form.timezone.data, birth_date=form.birth_date.data)
        db.session.commit()
        flash("Saved.", "success")
    else:
        flash(" ".join(e for errors in form.errors.values() for e in errors), "error")
    return redirect(url_for("plan.overview"))


@bp.post("/hold/lift")
@login_required
def hold_lift():
    if EmptyForm().validate_on_submit():
        try:
            services.hold_lift(scope=scope(), user=current_user)
        except services.PlanError as exc:
            flash(str(exc), "error")
        else:
            db.session.commit()
            flash("The hold is lifted. Go gently.", "success")
    return redirect(url_for("plan.overview"))


@bp.post("/hold/tell")
@login_required
def hold_tell():
    if EmptyForm().validate_on_submit():
        try:
            services.hold_tell_partner(scope=scope(), user=current_user)
        except services.PlanError as exc:
            flash(str(exc), "error")
        else:
            db.session.commit()
            flash("Your partner can now see why touch practices are resting.", "success")
    return redirect(url_for("plan.overview"))


@bp.post("/pace/back")
@login_required
def pace_back():
    if EmptyForm().validate_on_submit():
        try:
            stage = pace.pace_step_back(scope=scope())
        except pace.PaceError as exc:
            db.session.commit()
            flash(str(exc), "info")
        else:
            db.session.commit()
            flash(f"You're at stage {stage} now. Slowing down is always right.", "success")
    return redirect(url_for("plan.overview"))


@bp.post("/pace/ready")
@login_required
def pace_ready():
    form = ReadyForm()
    if form.validate_on_submit():
        try:
            moved = pace.pace_mark_ready(scope=scope(), user=current_user, to_stage=int(form.to_stage.data))
        except pace.PaceError as exc:
            db.session.rollback()
            flash(str(exc), "error")
        else:
            db.session.commit()
            if moved and scope().couple_id:
                flash(f"You're both ready: stage {int(form.to_stage.data)} is open. Go slowly.", "success")
            elif moved:
                flash(f"Stage {int(form.to_stage.data)} is open. Go slowly.", "success")
            else:
                flash("Noted, just for you. Nothing changes until you both feel ready.", "info")
    else:
        flash("Stages open one at a time.", "error")
    return redirect(url_for("plan.overview"))


@bp.post("/pace/unready")
@login_required
def pace_unready():
    if EmptyForm().validate_on_submit():
        pace.pace_unmark(scope=scope(), user=current_user)
        db.session.commit()
        flash("Taken back. There's no hurry.", "info")
    return redirect(url_for("plan.overview"))
