"""Forms for progress notes and sensation maps: validation only."""

from flask_wtf import FlaskForm
from wtforms import BooleanField, Field, HiddenField, RadioField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.utils import unset_value
from wtforms.validators import Length, Optional, ValidationError

from journal.access import JUST_ME, PRIVATE, SHARED, VISIBILITIES
from journal.forms import strip
from journal.models.notes import AREAS, FEELINGS, PACE_SUGGESTIONS

MAX_TEXT = 10_000
TEXT_MESSAGE = "Please keep this to 10,000 characters."
EMPTY_MESSAGE = "Please answer at least one question. Everything else can stay empty."
COMFORT_WORDS = {1: "not comfortable", 5: "very comfortable"}


def _text(label: str, description: str | None = None) -> TextAreaField:
    return TextAreaField(
        label,
        validators=[Optional(), Length(max=MAX_TEXT, message=TEXT_MESSAGE)],
        filters=[strip],
        description=description,
        render_kw={"rows": 4},
    )


def _visibility(label: str, default: str = PRIVATE) -> RadioField:
    return RadioField(
        label,
        choices=[SelectChoice(PRIVATE, JUST_ME), SelectChoice(SHARED, "Me and my partner")],
        default=default,
        validate_choice=False,
    )


def _known_visibility(form, field):
    if field.data not in VISIBILITIES:
        raise ValidationError("Please choose who sees it.")


class SensationMapField(Field):
    """The map as posted: one `<name>-<area>` value per area, blank when not answered.

    Every posted area is kept, known or not, so an unknown one can be refused
    next to the map instead of silently dropped."""

    def process(self, formdata, data=unset_value, extra_filters=None):
        self.process_errors = []
        self.raw_data = []
        self.data = {} if data is unset_value or data is None else dict(data)
        if formdata is None:
            return
        prefix = f"{self.name}-"
        for key in formdata:
            if key.startswith(prefix):
                value = (formdata.get(key) or "").strip()
                self.raw_data.append(key)
                if value:
                    self.data[key[len(prefix) :]] = value

    def pre_validate(self, form):
        if any(area not in AREAS for area in self.data):
            raise ValidationError("Please answer for the areas listed.")
        if any(feeling not in FEELINGS for feeling in self.data.values()):
            raise ValidationError("Please choose how touch felt from the list.")

    def _value(self):
        return ""


class NoteForm(FlaskForm):
    went = _text("How did it go?")
    comfort = RadioField(
        "How comfortable did it feel?",
        choices=[
            SelectChoice(str(n), f"{n} ({COMFORT_WORDS[n]})" if n in COMFORT_WORDS else str(n)) for n in range(1, 6)
        ],
        description="1 is not comfortable, 5 is very comfortable.",
        validate_choice=False,
    )
    keep = _text("What would you like to keep?")
    change = _text("What would you like to change?")
    pace = RadioField(
        "For next time",
        choices=[SelectChoice(key, words) for key, words in PACE_SUGGESTIONS.items()],
        validate_choice=False,
    )
    visibility = _visibility("Who sees this note", PRIVATE)

    def validate_comfort(self, field):
        if field.data not in (None, "") and field.data not in {str(n) for n in range(1, 6)}:
            raise ValidationError("Please choose a number from 1 to 5.")

    def validate_pace(self, field):
        if field.data not in (None, "") and field.data not in PACE_SUGGESTIONS:
            raise ValidationError("Please choose one of the options.")

    def validate_visibility(self, field):
        _known_visibility(self, field)

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if not self.has_answer():
            self.went.errors.append(EMPTY_MESSAGE)
            return False
        return valid

    def has_answer(self) -> bool:
        return bool(
            self.went.data
            or self.keep.data
            or self.change.data
            or self.comfort.data
            or self.pace.data
            or self.map_areas()
        )

    def map_areas(self) -> dict[str, str]:
        return {}

    def values(self) -> dict:
        return {
            "went": self.went.data or None,
            "comfort": int(self.comfort.data) if self.comfort.data else None,
            "keep": self.keep.data or None,
            "change": self.change.data or None,
            "pace": self.pace.data or None,
            "visibility": self.visibility.data,
        }


class TouchNoteForm(NoteForm):
    """After a touch practice: the note, and an optional sensation map."""

    sensation = SensationMapField("How touch felt, area by area (optional)")
    sensation_visibility = _visibility("Who sees this map", PRIVATE)
    for_clinician = BooleanField(
        "Include in a summary for a clinician",
        description="Nothing is sent anywhere. This only remembers your choice for when you make a summary.",
    )

    def validate_sensation_visibility(self, field):
        _known_visibility(self, field)

    def map_areas(self) -> dict[str, str]:
        return dict(self.sensation.data or {})


class VisibilityForm(FlaskForm):
    """Share or unshare: the visibility it should have from now on."""

    visibility = HiddenField()

    def validate_visibility(self, field):
        _known_visibility(self, field)
