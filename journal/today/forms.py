"""Today's forms: validation only."""

from flask_wtf import FlaskForm
from wtforms import HiddenField
from wtforms.validators import InputRequired


class PromptForm(FlaskForm):
    """Done, skip or a snooze on one prompt, named by its key (journal.today.prompts)."""

    prompt = HiddenField(validators=[InputRequired()])
    action = HiddenField(validators=[InputRequired()])
