"""Plan forms: validation only."""

from datetime import time

from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, HiddenField, IntegerField, RadioField, SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from journal.forms import DatedForm, NumberRange, TimezoneField
from journal.plan.recurrence import parse_time

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
TIME_MESSAGE = "Please give a time of day like 08:30 or 20:00."


class TimeText(StringField):
    """A time of day, typed or picked, validated with a calm message (25:00 is refused)."""

    def pre_validate(self, form):
        if self.data and parse_time(self.data) is None:
            raise ValidationError(TIME_MESSAGE)


class ScheduleForm(FlaskForm):
    kind = RadioField(
        "How often",
        choices=[
            SelectChoice("once", "Once"),
            SelectChoice("daily", "Every day"),
            SelectChoice("weekdays", "On chosen days of the week"),
            SelectChoice("interval", "Every few days"),
            SelectChoice("weekly", "Once a week"),
        ],
        default="daily",
        validators=[InputRequired("Please choose how often.")],
    )
    time_1 = TimeText(
        "At",
        validators=[InputRequired(TIME_MESSAGE)],
        default="20:00",
        render_kw={"type": "time", "inputmode": "numeric"},
    )
    time_2 = TimeText("And at (optional)", render_kw={"type": "time", "inputmode": "numeric"})
    time_3 = TimeText("And at (optional)", render_kw={"type": "time", "inputmode": "numeric"})
    weekdays = SelectMultipleField(
        "On these days",
        choices=[SelectChoice(str(i), name) for i, name in enumerate(WEEKDAYS)],
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
        validate_choice=False,
    )
    interval = IntegerField(
        "Every how many days",
        default=2,
        validators=[Optional(), NumberRange(1, 365, "Please choose between 1 and 365 days.")],
        render_kw={"inputmode": "numeric", "min": 1, "max": 365},
    )
    start_date = DateField(
        "Starting", validators=[InputRequired("Please choose a start date.")], render_kw={"type": "date"}
    )
    end_date = DateField("Until (optional)", validators=[Optional()], render_kw={"type": "date"})
    prompt = RadioField(
        "Who gets the prompt", default="both", validators=[InputRequired("Please choose who gets the prompt.")]
    )

    def validate_weekdays(self, field):
        if self.kind.data == "weekdays":
            if not field.data:
                raise ValidationError("Please choose at least one day.")
            if any(d not in {str(i) for i in range(7)} for d in field.data):
                raise ValidationError("Please choose days from the list.")

    def validate_interval(self, field):
        if self.kind.data == "interval" and field.data is None:
            raise ValidationError("Please say every how many days.")

    def validate_end_date(self, field):
        if field.data and self.start_date.data and field.data < self.start_date.data:
            raise ValidationError("The end date is before the start date.")

    def times(self) -> tuple[time, ...]:
        found = {parse_time(f.data) for f in (self.time_1, self.time_2, self.time_3) if f.data}
        return tuple(sorted(t for t in found if t is not None))


class PauseForm(DatedForm):
    until = DateField(
        "Until (optional)",
        validators=[Optional()],
        render_kw={"type": "date"},
        description="Leave it empty to pause until you resume.",
    )
    share = BooleanField(
        "Let my partner see the end date",
        description="Otherwise your partner sees only that the plan is paused for now.",
    )

    def validate_until(self, field):
        if field.data and field.data < self.today:
            raise ValidationError("Please choose a date that hasn't passed.")


class PlanSettingsForm(DatedForm):
    timezone = TimezoneField("Your plan's time zone")
    birth_date = DateField(
        "Birth date (optional)",
        validators=[Optional()],
        render_kw={"type": "date"},
        description="Only if you'd like to see weeks since the birth and the usual check-ups. Nothing is assumed.",
    )

    def validate_birth_date(self, field):
        if field.data and field.data > self.today:
            raise ValidationError("That date is in the future.")


class ReadyForm(FlaskForm):
    to_stage = HiddenField()

    def validate_to_stage(self, field):
        if not (field.data or "").isdigit():
            raise ValidationError("Stages open one at a time.")
