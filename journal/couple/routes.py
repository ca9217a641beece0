"""Invite a partner, accept an invitation, choose who leads the pace, leave."""

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from journal.access import scope
from journal.couple import services
from journal.couple.forms import JoinForm, PaceLeaderForm
from journal.extensions import db, limiter
from journal.forms import EmptyForm
from journal.urls import external_url

bp = Blueprint("couple", __name__)

_limit_invite = limiter.limit(lambda: current_app.config["LIMIT_INVITE"], methods=["POST"])


def _pace_form(partner):
    form = PaceLeaderForm()
    form.leader.choices = (
        [SelectChoice(current_user.id, "Me"), SelectChoice(partner.id, partner.display_name)] if partner else []
    )
    return form


@bp.get("/couple")
@login_required
def overview():
    partner = scope().partner()
    couple = services.couple_of(user=current_user)
    created = session.pop("invite_once", None)
    pace_form = _pace_form(partner)
    if couple and couple.pace_leader_id:
        pace_form.leader.data = couple.pace_leader_id
    return render_template(
        "couple/overview.html",
        partner=partner,
        couple=couple,
        open_invite=None if couple else services.invite_open_for(user=current_user),
        created=created,
        join_form=JoinForm(),
        pace_form=pace_form,
    )


@bp.post("/couple/invite")
@login_required
def invite_create():
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        token, code = services.invite_create(user=current_user)
    except services.PartnerError as exc:
        flash(str(exc), "error")
        return redirect(url_for("couple.overview"))
    db.session.commit()
    # Shown once on the next page; only its hash is stored.
    session["invite_once"] = {"link": external_url("couple.invite", token=token), "code": code}
    return redirect(url_for("couple.overview"))


@bp.post("/couple/invite/revoke")
@login_required
def invite_revoke():
    if EmptyForm().validate_on_submit() and services.invite_revoke(user=current_user):
        db.session.commit()
        flash("Your invitation is closed. Nobody can use it now.", "info")
    return redirect(url_for("couple.overview"))


@bp.get("/invite/<token>")
def invite(token):
    found = services.invite_by_token(token)
    if found is None:
        abort(404)
    invite, inviter = found
    user = current_user if current_user.is_authenticated else None
    problem = services.invite_problem(invite=invite, inviter=inviter, user=user)
    return render_template("couple/invite.html", inviter=inviter, problem=problem, token=token), 409 if problem else 200


@bp.post("/invite/<token>")
@login_required
@_limit_invite
def invite_accept(token):
    if not EmptyForm().validate_on_submit():
        abort(400)
    found = services.invite_by_token(token)
    if found is None:
        abort(404)
    return _accept(*found, retry=url_for("couple.invite", token=token))


@bp.route("/couple/join", methods=["GET", "POST"])
@login_required
@_limit_invite
def join():
    form = JoinForm()
    if form.validate_on_submit():
        found = services.invite_by_code(form.code.data)
        if found is None:
            form.code.errors.append("We couldn't find that code. Please check it with your partner.")
        else:
            return _accept(*found, retry=url_for("couple.join"), form=form)
    return render_template("couple/join.html", form=form), 422 if form.errors else 200


def _accept(invite, inviter, *, retry, form=None):
    try:
        services.invite_accept(invite=invite, inviter=inviter, user=current_user)
    except services.PartnerError as exc:
        db.session.rollback()
        if form is not None:
            form.code.errors.append(str(exc))
            return render_template("couple/join.html", form=form), 409
        return render_template("couple/invite.html", inviter=inviter, problem=str(exc), token=None), 409
    db.session.commit()
    flash(f"You and {inviter.display_name} are now partnered on Tandem.", "success")
    return redirect(url_for("couple.overview"))


@bp.post("/couple/pace-leader")
@login_required
def pace_leader():
    if current_user.couple_id is None:
        abort(404)
    partner = scope().partner()
    form = _pace_form(partner)
    if form.validate_on_submit():
        couple = services.couple_of(user=current_user)
        try:
            services.pace_leader_set(user=current_user, couple=couple, leader_id=form.leader.data, partner=partner)
        except services.PartnerError as exc:
            db.session.rollback()
            flash(str(exc), "error")
        else:
            db.session.commit()
            flash("Saved. Either of you can always slow down.", "success")
    else:
        flash("Please choose one of you.", "error")
    return redirect(url_for("couple.overview"))


@bp.route("/couple/leave", methods=["GET", "POST"])
@login_required
def leave():
    if current_user.couple_id is None:
        return redirect(url_for("couple.overview"))
    form = EmptyForm()
    if request.method == "POST" and form.validate_on_submit():
        services.couple_leave(user=current_user)
        db.session.commit()
        flash("You've left the couple. Everything you wrote is still yours.", "info")
        return redirect(url_for("couple.overview"))
    return render_template("couple/leave.html", form=form, partner=scope().partner())
