"""Journal forms: validation only. What was typed always comes back on an error."""

from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, ValidationError

from journal.access import JUST_ME, PRIVATE, SHARED
from journal.entries.services import (
    BODY_MAX,
    LINE_MAX,
    TAG_MAX,
    TAGS_MAX,
    TITLE_MAX,
    moment_labels,
    tags_split,
)
from journal.forms import strip
from journal.inputs import query_int
from journal.models.entries import OWN_WORDS


def newlines(value):
    """Browsers send a textarea's line breaks as CRLF; one break is one character."""
    return value.replace("\r\n", "\n").replace("\r", "\n") if isinstance(value, str) else value


def visibility_field(label="Who sees this"):
    return RadioField(
        label,
        choices=[SelectChoice(PRIVATE, JUST_ME), SelectChoice(SHARED, "Me and my partner")],
        default=PRIVATE,
        validators=[InputRequired("Please choose who sees this.")],
    )


class EntryForm(FlaskForm):
    title = StringField(
        "Title",
        validators=[Length(max=TITLE_MAX, message=f"Please keep the title to {TITLE_MAX} characters.")],
        filters=[strip],
        description="Optional. Left empty, it's named after the day.",
    )
    body = TextAreaField(
        "What's on your mind",
        filters=[newlines],
        description="Markdown works: *slanted*, **bold**, - lists, [links](https://example.org).",
        render_kw={"rows": 12},
    )
    tags = StringField(
        "Tags",
        validators=[Length(max=TAGS_MAX * (TAG_MAX + 2), message="Please use fewer tags.")],
        filters=[strip],
        description="Optional, separated by commas: sleep, us, a good day.",
        render_kw={"autocomplete": "off"},
    )
    visibility = visibility_field()
    practice = SelectField("About a practice", choices=[], validate_choice=False, default="")
    #: The Today prompt this entry answers (`schedule_id@YYYYMMDDTHHMMSSZ`), carried through the form.
    prompt = HiddenField()
    #: Editing: the entry's version when the form was loaded (journal.edits).
    version = HiddenField()

    def validate_body(self, field):
        length = len(field.data or "")
        if length > BODY_MAX:
            raise ValidationError(
                f"An entry holds up to {BODY_MAX:,} characters and this one has {length:,}. "
                "Everything you wrote is still here: shorten it, or split it into two entries."
            )

    def validate_tags(self, field):
        tags = tags_split(field.data)
        if len(tags) > TAGS_MAX:
            raise ValidationError(f"Please keep to {TAGS_MAX} tags.")
        if any(len(tag) > TAG_MAX for tag in tags):
            raise ValidationError(f"Please keep each tag to {TAG_MAX} characters.")

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if ok and not self.title.data and not (self.body.data or "").strip():
            self.body.errors.append("Please write something first, even a few words.")
            ok = False
        return ok

    def practice_id(self) -> int | None:
        try:
            return query_int(str(self.practice.data or ""))
        except ValueError:
            return None

    def values(self) -> dict:
        return {
            "title": self.title.data or "",
            "body": self.body.data or "",
            "tags": tags_split(self.tags.data),
            "visibility": self.visibility.data,
        }


class MomentForm(FlaskForm):
    """One tap records a moment; a line, own words and sharing are optional."""

    moment_kind = RadioField(
        "What happened", validate_choice=True, validators=[InputRequired("Please choose a moment.")]
    )
    #: Editing: the moment's version when the form was loaded (journal.edits).
    version = HiddenField()
    line = StringField(
        "In a line (optional)",
        validators=[Length(max=LINE_MAX, message=f"Please keep the line to {LINE_MAX} characters.")],
        filters=[strip],
    )
    visibility = visibility_field()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.moment_kind.choices = [SelectChoice(slug, label) for slug, label in moment_labels().items()]
        self.moment_kind.choices.append(SelectChoice(OWN_WORDS, "In my own words"))

    def validate_line(self, field):
        if self.moment_kind.data == OWN_WORDS and not field.data:
            raise ValidationError("Please say the moment in a few words.")
