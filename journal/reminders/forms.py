"""Reminder forms (settings, the Apprise destination): validation only."""

from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, StringField
from wtforms.validators import DataRequired, Length, ValidationError

from journal.forms import strip
from journal.plan.forms import TIME_MESSAGE
from journal.plan.recurrence import parse_time


class ReminderSettingsForm(FlaskForm):
    email_on = BooleanField("Email reminders")
    push_on = BooleanField("Notifications on my devices")
    apprise_on = BooleanField("My other service (Apprise)")
    discreet = BooleanField(
        "Discreet wording",
        description="Reminders say only that it's time for the practice you planned. Turn off to name it.",
    )
    quiet_start = StringField("Quiet from (optional)", render_kw={"type": "time"})
    quiet_end = StringField("Quiet until (optional)", render_kw={"type": "time"})

    def validate_quiet_start(self, field):
        if field.data and parse_time(field.data) is None:
            raise ValidationError(TIME_MESSAGE)

    def validate_quiet_end(self, field):
        if field.data and parse_time(field.data) is None:
            raise ValidationError(TIME_MESSAGE)
        if bool(field.data) != bool(self.quiet_start.data):
            raise ValidationError("Please give both times, or neither.")
        if field.data and field.data == self.quiet_start.data:
            raise ValidationError("The quiet hours need to end at another time than they start.")


class AppriseForm(FlaskForm):
    url = PasswordField(
        "Apprise URL",
        validators=[DataRequired("Please paste the address of your service."), Length(max=2000)],
        filters=[strip],
        description="For example ntfy://your-topic or json://your-server/hook. It often holds a secret, so we never show it again.",
        render_kw={"autocomplete": "off", "spellcheck": "false"},
    )
