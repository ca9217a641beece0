"""Partnering forms: validation only."""

from flask_wtf import FlaskForm
from wtforms import RadioField, StringField
from wtforms.validators import InputRequired, Length


class JoinForm(FlaskForm):
    code = StringField(
        "Invitation code",
        validators=[
            InputRequired("Please type the code your partner gave you."),
            Length(max=32, message="That code is too long; it looks like ABCD-EFGH."),
        ],
        description="Eight letters and numbers, like ABCD-EFGH.",
        render_kw={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false", "maxlength": 32},
    )


class PaceLeaderForm(FlaskForm):
    leader = RadioField(
        "Who leads the pace?",
        coerce=int,
        validators=[InputRequired("Please choose one of you.")],
        description=(
            "Usually the partner who is recovering. They have the final say on moving forward; "
            "either of you can always slow down."
        ),
    )
