"""Forms for a couple's own practices: validation only."""

from flask_wtf import FlaskForm
from wtforms import IntegerField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from journal.forms import NumberRange, strip
from journal.models import KINDS

_strip = [strip]

KIND_LABELS = {
    "check-in": "Check-in",
    "consent": "Consent",
    "closeness": "Closeness",
    "touch": "Touch",
    "grounding": "Grounding",
    "mindfulness": "Mindfulness",
    "communication": "Communication",
    "medical": "Medical follow-up",
    "lifestyle": "Rest and lifestyle",
    "counselling": "Counselling",
}


class PracticeForm(FlaskForm):
    title = StringField(
        "Name",
        validators=[
            DataRequired("Please give it a short name."),
            Length(max=120, message="Please keep the name to 120 characters."),
        ],
        filters=_strip,
        description="Shown on reminders only if you turn discreet wording off.",
        render_kw={"maxlength": 120},
    )
    summary = StringField(
        "In one line",
        validators=[Optional(), Length(max=300, message="Please keep this to 300 characters.")],
        filters=_strip,
        render_kw={"maxlength": 300},
    )
    kind = SelectField("Kind", choices=[SelectChoice(k, KIND_LABELS[k]) for k in KINDS], default="closeness")
    stage = SelectField(
        "Stage (touch practices)",
        choices=[SelectChoice("", "Not a touch practice"), *(SelectChoice(str(n), f"Stage {n}") for n in range(1, 5))],
        default="",
    )
    steps = TextAreaField(
        "Steps",
        validators=[
            InputRequired("Please write at least one step."),
            Length(max=5000, message="Please keep the steps to 5,000 characters."),
        ],
        description="One step a line.",
    )
    duration_minutes = IntegerField(
        "About how many minutes?",
        default=10,
        validators=[
            InputRequired("Please give a rough number of minutes."),
            NumberRange(1, 240, "Please choose between 1 and 240 minutes."),
        ],
        render_kw={"inputmode": "numeric", "min": 1, "max": 240},
    )
    together = RadioField(
        "Done",
        choices=[SelectChoice("together", "Together"), SelectChoice("alone", "Alone")],
        default="together",
        validators=[InputRequired("Please choose together or alone.")],
    )
    safety_note = TextAreaField(
        "A note to keep in mind (optional)",
        validators=[Optional(), Length(max=1000, message="Please keep the note to 1,000 characters.")],
        filters=_strip,
    )

    def validate_stage(self, field):
        if self.kind.data == "touch" and not field.data:
            raise ValidationError("Touch practices need a stage, so they follow your pace.")
        if self.kind.data != "touch" and field.data:
            raise ValidationError("Only touch practices have a stage.")

    def validate_steps(self, field):
        if not any(line.strip() for line in (field.data or "").splitlines()):
            raise ValidationError("Please write at least one step.")

    def values(self) -> dict:
        steps = [line.strip() for line in (self.steps.data or "").splitlines() if line.strip()]
        return {
            "title": self.title.data,
            "summary": self.summary.data or "",
            "kind": self.kind.data,
            "stage": int(self.stage.data) if self.stage.data else None,
            "steps": steps,
            "duration_minutes": self.duration_minutes.data,
            "together": self.together.data == "together",
            "safety_note": self.safety_note.data or None,
        }

    def fill(self, practice) -> None:
        self.title.data = practice.title
        self.summary.data = practice.summary
        self.kind.data = practice.kind
        self.stage.data = str(practice.stage) if practice.stage else ""
        self.steps.data = "\n".join(practice.steps)
        self.duration_minutes.data = practice.duration_minutes
        self.together.data = "together" if practice.together else "alone"
        self.safety_note.data = practice.safety_note or ""
