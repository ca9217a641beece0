"""Another service for reminders, through an Apprise URL."""
from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import PasswordField
from wtforms.validators import DataRequired, Length

from journal.extensions import db
from journal.forms import EmptyForm, strip
from journal.reminders import apprise_send as service

bp = Blueprint("apprise", __name__, url_prefix="/reminders/apprise")


class AppriseForm(FlaskForm):
    url = PasswordField(
        "Apprise URL",
        validators=[DataRequired("Please paste the address of your service."), Length(max=2000)],
        filters=[strip],
        description="For example ntfy://your-topic or json://your-server/hook. It often holds a secret, so we never show it again.",
        render_kw={"autocomplete": "off", "spellcheck": "false"},
    )


def _page(form, status=200):
    scheme = service.apprise_target_scheme(current_user)  # None: nothing set; "" set, kind unknown
    return render_template(
        "reminders/apprise.html", form=form, has=scheme is not None, scheme=scheme
    ), status


@bp.get("")
@login_required
def page():
    return _page(AppriseForm())


@bp.post("")
@login_required
def save():
    form = AppriseForm()
    if not form.validate_on_submit():
        return _page(form, 422)
    if not service.apprise_understands(form.url.data):
        form.url.errors.append("Apprise doesn't recognise that address. Please check it.")
        return _page(form, 422)
    result = service.apprise_send(url=form.url.data, title=service.TEST_TITLE, body=service.TEST_BODY)
    if result.error == "apprise-private":
        form.url.errors.append("That address is on a private network or on this server, so Tandem can't send "
                               "there. Please use a service on the internet.")
        return _page(form, 422)
    if not result.ok:
        form.url.errors.append("We couldn't reach that service with a test message, so nothing was saved.")
        return _page(form, 422)
    service.apprise_target_save(user=current_user, url=form.url.data)
    db.session.commit()
    flash("Connected. A test message is on its way there.", "success")
    return redirect(url_for("apprise.page"))


@bp.post("/delete")
@login_required
def delete():
    if EmptyForm().validate_on_submit():
        service.apprise_target_delete(user=current_user)
        db.session.commit()
        flash("That service won't get reminders any more.", "info")
    return redirect(url_for("apprise.page"))
