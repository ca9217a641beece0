"""Account settings forms: validation only."""
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField
from wtforms.validators import InputRequired, Length

from journal.auth.forms import NewPasswordMixin, display_name_field, email_field, new_password_field
from journal.auth.passwords import MAX_LENGTH
from journal.forms import TimezoneField


def current_password_field():
    return PasswordField(
        "Your current password",
        validators=[InputRequired("Please enter your current password."), Length(max=MAX_LENGTH)],
        render_kw={"autocomplete": "current-password"},
    )


class ProfileForm(FlaskForm):
    display_name = display_name_field()
    timezone = TimezoneField()


class PasswordChangeForm(NewPasswordMixin, FlaskForm):
    current_password = current_password_field()
    password = new_password_field("New password")


class EmailChangeForm(FlaskForm):
    email = email_field("New email")
    current_password = current_password_field()


class DeleteAccountForm(FlaskForm):
    current_password = current_password_field()
    confirm = BooleanField(
        "I understand this deletes my account and everything I wrote, and can't be undone.",
        validators=[InputRequired("Please tick the box to confirm.")],
    )
