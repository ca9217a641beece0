"""Account settings forms: validation only."""

from flask_wtf import FlaskForm
from wtforms import BooleanField
from wtforms.validators import InputRequired

from journal.auth.forms import NewPasswordMixin, display_name_field, email_field, new_password_field
from journal.forms import TimezoneField


class ProfileForm(FlaskForm):
    display_name = display_name_field()
    timezone = TimezoneField()


class PasswordChangeForm(NewPasswordMixin, FlaskForm):
    """No current password here: the page needs a recent re-authentication (journal.auth.reauth)."""

    password = new_password_field("New password")


class EmailChangeForm(FlaskForm):
    email = email_field("New email")


class DeleteAccountForm(FlaskForm):
    confirm = BooleanField(
        "I understand this deletes my account and everything I wrote, and can't be undone.",
        validators=[InputRequired("Please tick the box to confirm.")],
    )
