"""Account settings forms: validation only."""
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, StringField
from wtforms.validators import DataRequired, InputRequired, Length

from journal.auth.forms import NewPasswordMixin, email_field, new_password_field
from journal.auth.passwords import MAX_LENGTH
from journal.forms import TimezoneField


def current_password_field():
    return PasswordField(
        "Your current password",
        validators=[InputRequired("Please enter your current password."), Length(max=MAX_LENGTH)],
        render_kw={"autocomplete": "current-password"},
    )


class ProfileForm(FlaskForm):
    display_name = StringField(
        "Your name",
        validators=[
            DataRequired("Please tell us a name to show your partner."),
            Length(max=60, message="Please keep your name to 60 characters."),
        ],
        filters=[lambda s: s.strip() if isinstance(s, str) else s],
        render_kw={"autocomplete": "nickname", "maxlength": 60},
    )
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
