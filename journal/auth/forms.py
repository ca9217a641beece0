"""Account forms: validation only."""

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, HiddenField, PasswordField, StringField
from wtforms.validators import DataRequired, Email, InputRequired, Length, ValidationError

from journal.auth.passwords import MAX_LENGTH, password_problem
from journal.forms import TimezoneField, strip

EMAIL_MESSAGE = "Please enter an email address like name@example.com."


def email_field(label="Email"):
    return EmailField(
        label,
        validators=[
            InputRequired("Please enter your email address."),
            Length(max=254, message="That email address is too long."),
            Email(message=EMAIL_MESSAGE),
        ],
        filters=[strip],
        render_kw={"autocomplete": "email", "inputmode": "email", "spellcheck": "false"},
    )


def display_name_field(label="Your name"):
    return StringField(
        label,
        validators=[
            DataRequired("Please tell us a name to show your partner."),
            Length(max=60, message="Please keep your name to 60 characters."),
        ],
        description="Your partner sees this name.",
        filters=[strip],
        render_kw={"autocomplete": "nickname", "maxlength": 60},
    )


def new_password_field(label="Password"):
    return PasswordField(
        label,
        validators=[InputRequired("Please choose a password.")],
        description="At least 10 characters. A short sentence is easy to remember and hard to guess.",
        render_kw={"autocomplete": "new-password", "minlength": 10, "maxlength": MAX_LENGTH},
    )


class NewPasswordMixin:
    """Checks `password` with the shared rules; forms may offer email/display_name for context."""

    def validate_password(self, field):
        email = getattr(getattr(self, "email", None), "data", None) or getattr(self, "known_email", "")
        name = getattr(getattr(self, "display_name", None), "data", None) or ""
        problem = password_problem(field.data or "", email=email or "", display_name=name)
        if problem:
            raise ValidationError(problem)


class RegisterForm(NewPasswordMixin, FlaskForm):
    email = email_field()
    display_name = display_name_field("What should we call you?")
    password = new_password_field()
    timezone = TimezoneField(render_kw={"data-detect": "1"})
    next = HiddenField()


class LoginForm(FlaskForm):
    email = email_field()
    password = PasswordField(
        "Password",
        validators=[InputRequired("Please enter your password."), Length(max=MAX_LENGTH)],
        render_kw={"autocomplete": "current-password"},
    )
    remember = BooleanField("Keep me logged in on this device")
    next = HiddenField()


class ResetRequestForm(FlaskForm):
    email = email_field()


class ResetPasswordForm(NewPasswordMixin, FlaskForm):
    password = new_password_field("New password")


def code_field(label="Code from your authenticator app"):
    return StringField(
        label,
        validators=[InputRequired("Please enter the code."), Length(max=40, message="That code is too long.")],
        description="Six digits from the app, or one of your recovery codes.",
        filters=[strip],
        render_kw={
            "autocomplete": "one-time-code",
            "inputmode": "text",
            "spellcheck": "false",
            "autocapitalize": "off",
            "maxlength": 40,
        },
    )


class SecondFactorForm(FlaskForm):
    code = code_field()


class ReauthPasswordForm(FlaskForm):
    password = PasswordField(
        "Your password",
        validators=[InputRequired("Please enter your password."), Length(max=MAX_LENGTH)],
        render_kw={"autocomplete": "current-password"},
    )


class ReauthCodeForm(FlaskForm):
    code = code_field()
