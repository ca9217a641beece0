"""Export and clinician-summary forms: validation only."""

from datetime import date, timedelta

from flask_wtf import FlaskForm
from wtforms import BooleanField
from wtforms.fields import DateField
from wtforms.validators import InputRequired, ValidationError

#: The longest summary: five years.
MAX_RANGE = timedelta(days=5 * 366)
#: Dates a summary can cover at all (Tandem holds nothing from outside them).
EARLIEST, LATEST = date(2000, 1, 1), date(2100, 12, 31)


def _plausible(field) -> None:
    if field.data and not EARLIEST <= field.data <= LATEST:
        raise ValidationError(f"Please choose a date between {EARLIEST.year} and {LATEST.year}.")


class ExportForm(FlaskForm):
    """A button: who may download is decided by re-authentication (journal.auth.reauth)."""


class SummaryForm(FlaskForm):
    """Sent with GET (it only chooses what a page shows), so it carries no CSRF token."""

    class Meta:
        csrf = False

    since = DateField("From", validators=[InputRequired("Please choose the first day.")])
    until = DateField("To", validators=[InputRequired("Please choose the last day.")])
    include_sensation = BooleanField("The sensation map", default=True)
    include_pace = BooleanField("Pace history", default=True)
    include_practices = BooleanField("Practices done", default=True)
    include_flagged = BooleanField(
        "Notes I marked \u201cinclude in a summary for a clinician\u201d",
        description="With what you wrote in them.",
    )
    include_notes = BooleanField("All my free-text notes", description="From your check-ins and progress notes.")
    include_partner = BooleanField("My partner's shared check-ins")

    def validate_since(self, field):
        _plausible(field)

    def validate_until(self, field):
        _plausible(field)
        if self.since.data and field.data:
            if field.data < self.since.data:
                raise ValidationError("Please choose a last day on or after the first day.")
            if field.data - self.since.data > MAX_RANGE:
                raise ValidationError("Please choose at most five years.")
