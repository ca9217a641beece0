"""Check-in forms: validation only. Every question is optional; one answer is enough."""

import re
from datetime import timedelta
from functools import cached_property

from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, RadioField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, ValidationError

from journal.access import PRIVATE, SHARED
from journal.forms import DatedForm, FieldsMadeOnce, strip
from journal.models.checkins import BLEEDING, BOUNDARIES, PAIN_LEVELS, SCALES, SCORE_FIELDS

#: How many days back a check-in may be about.
BACKDATE_DAYS = 14
NOTE_MAX = 10_000
BOUNDARY_NOTE_MAX = 1_000
SLEEP_MESSAGE = "Please give the hours slept as a number from 0 to 24, in whole or half hours (like 6 or 6.5)."
_NUMBER = re.compile(r"^(\d{1,2}([.,]\d+)?|[.,]\d+)$")


class OptionalChoice(RadioField):
    """Radio buttons that may be left alone; anything not offered is refused calmly."""

    def __init__(self, label=None, validators=None, *, choices: tuple[SelectChoice, ...], message: str, **kwargs):
        super().__init__(label, validators, validate_choice=False, **kwargs)
        # Set after: given to the constructor, WTForms copies them and checks each one's
        # shape on every form made; these are made once, as SelectChoice, and never changed.
        self.choices = choices
        self.message = message

    def process_formdata(self, valuelist):
        if valuelist:
            self.data = valuelist[0].strip() or None

    def pre_validate(self, form):
        if self.data not in (None, "") and self.data not in {c.value for c in self.choices}:
            raise ValidationError(self.message)


#: A scale's choices, made once: a field is made anew for every form, from these arguments.
_SCORES = tuple(SelectChoice(str(n), str(n)) for n in range(1, 6))


class ScoreField(OptionalChoice):
    """A 1-5 scale with words at both ends (`low`, `high`)."""

    def __init__(self, label, words: tuple[str, ...], **kwargs):
        super().__init__(
            label,
            choices=_SCORES,
            message="Please choose a number from 1 to 5.",
            **kwargs,
        )
        self.words = words

    @property
    def low(self) -> str:
        return self.words[0]

    @property
    def high(self) -> str:
        return self.words[-1]


class DayField(DateField):
    """A date; left empty, it keeps the day it started with (today)."""

    def process_formdata(self, valuelist):
        if valuelist and valuelist[0].strip():
            try:
                super().process_formdata([valuelist[0].strip()])
            except ValueError as exc:
                raise ValueError("Please give a day like 2026-05-10.") from exc


def _yes_no(label):
    return OptionalChoice(
        label, choices=(SelectChoice("yes", "Yes"), SelectChoice("no", "No")), message="Please choose yes or no."
    )


class CheckInForm(DatedForm):
    class Meta(FieldsMadeOnce):
        # The app's CSRFProtect checks every POST's token before the view runs, and the
        # page writes its one CSRF field (`csrf_field`): a field of the form's own would
        # only sign the token again on every POST.
        csrf = False

    mood = ScoreField(SCALES[0][1], SCALES[0][2])
    closeness = ScoreField(SCALES[1][1], SCALES[1][2])
    comfort = ScoreField(SCALES[2][1], SCALES[2][2])
    sensation = ScoreField(SCALES[3][1], SCALES[3][2])
    energy = ScoreField(SCALES[4][1], SCALES[4][2])
    stress = ScoreField(SCALES[5][1], SCALES[5][2])
    sleep_hours = StringField(
        "Hours slept",
        filters=[strip],
        description="Roughly, in the last 24 hours. Halves are fine.",
        render_kw={"type": "number", "inputmode": "decimal", "min": 0, "max": 24, "step": 0.5},
    )
    pain = OptionalChoice(
        "Pain",
        choices=tuple(SelectChoice(level, level.capitalize()) for level in PAIN_LEVELS),
        message="Please choose none, mild, moderate or strong.",
    )
    bleeding = OptionalChoice(
        "Bleeding today",
        choices=tuple(SelectChoice(key, words) for key, words in BLEEDING.items()),
        description=(
            "Light bleeding that slowly fades is usual for around six weeks after a birth. "
            "If more than one of the changes fits, any one of them will do."
        ),
        message="Please choose one of the answers about bleeding.",
    )
    fever = _yes_no("A fever")
    boundary = OptionalChoice(
        "Today's boundaries",
        choices=tuple(SelectChoice(colour, f"{colour.capitalize()}: {words}") for colour, words in BOUNDARIES.items()),
        message="Please choose green, yellow or red.",
    )
    boundary_note = StringField(
        "About your boundaries (optional)",
        filters=[strip],
        validators=[Length(max=BOUNDARY_NOTE_MAX, message=f"Please keep this under {BOUNDARY_NOTE_MAX:,} characters.")],
    )
    note = TextAreaField(
        "Anything else (optional)",
        filters=[strip],
        validators=[Length(max=NOTE_MAX, message=f"Please keep the note under {NOTE_MAX:,} characters.")],
    )
    day = DayField(
        "Which day is this about", render_kw={"type": "date"}, description=f"Today, or up to {BACKDATE_DAYS} days back."
    )
    visibility = RadioField(
        "Who can see it",
        choices=[SelectChoice(PRIVATE, "Just me"), SelectChoice(SHARED, "Me and my partner")],
        default=PRIVATE,
        invalid_choice_message="Please choose who can see it.",
    )

    def validate_sleep_hours(self, field):
        if not field.data:
            return
        if not _NUMBER.match(field.data):
            raise ValidationError(SLEEP_MESSAGE)
        hours = float(field.data.replace(",", "."))
        if not 0 <= hours <= 24 or (hours * 2) != int(hours * 2):
            raise ValidationError(SLEEP_MESSAGE)

    def validate_day(self, field):
        today = self.today
        if field.data is None:
            raise ValidationError("Please give a day like 2026-05-10.")
        if field.data > today:
            raise ValidationError("That day hasn't come yet. Please choose today or an earlier day.")
        if field.data < today - timedelta(days=BACKDATE_DAYS):
            raise ValidationError(f"Check-ins can go back up to {BACKDATE_DAYS} days.")

    def validate(self, extra_validators=None) -> bool:
        if not super().validate(extra_validators):
            return False
        if not any(value is not None for value in self.answers.values()):
            self.form_errors.append("There's nothing to save yet. One answer is plenty, whichever you like.")
            return False
        return True

    @cached_property
    def answers(self) -> dict:
        """The answers as stored: numbers, levels, flags, texts; None where left alone.
        Read once the form has its data (validating reads them first)."""
        scores = {name: int(getattr(self, name).data) if getattr(self, name).data else None for name in SCORE_FIELDS}
        flag = {"yes": True, "no": False}
        return {
            **scores,
            "sleep_hours": float(self.sleep_hours.data.replace(",", ".")) if self.sleep_hours.data else None,
            "pain": self.pain.data or None,
            "bleeding": self.bleeding.data or None,
            "fever": flag.get(self.fever.data),
            "boundary": self.boundary.data or None,
            "boundary_note": self.boundary_note.data or None,
            "note": self.note.data or None,
        }


class VisibilityForm(FlaskForm):
    visibility = RadioField(
        "Who can see it",
        choices=[SelectChoice(PRIVATE, "Just me"), SelectChoice(SHARED, "Me and my partner")],
        invalid_choice_message="Please choose who can see it.",
    )


class RevealForm(FlaskForm):
    reveal_after_48h = BooleanField("Also open them after 48 hours, even if one of us hasn't answered")
