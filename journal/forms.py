"""Form pieces shared by every feature."""
from functools import lru_cache
from zoneinfo import available_timezones

from flask_wtf import FlaskForm
from wtforms import SelectField
from wtforms.validators import ValidationError


def strip(value):
    """WTForms filter: surrounding white space never counts as content."""
    return value.strip() if isinstance(value, str) else value


class EmptyForm(FlaskForm):
    """A button-only POST: carries nothing but the CSRF token."""


@lru_cache(maxsize=1)
def timezone_names() -> tuple[str, ...]:
    """IANA zone names people pick from: Area/City style, plus UTC."""
    names = {z for z in available_timezones() if "/" in z and not z.startswith(("Etc/", "SystemV/", "US/"))}
    names.add("UTC")
    return tuple(sorted(names))


@lru_cache(maxsize=1)
def _timezone_choices() -> list[str]:
    return list(timezone_names())


def valid_timezone(form, field):
    if field.data not in timezone_names():
        raise ValidationError("Please choose a time zone from the list.")


class TimezoneField(SelectField):
    """A select of IANA zones; the page's script preselects the browser's zone
    when the server has no better guess (`data-detect`)."""

    def __init__(self, label="Time zone", validators=None, **kwargs):
        super().__init__(
            label,
            validators=[valid_timezone, *(validators or [])],
            choices=_timezone_choices(),
            validate_choice=False,
            default="UTC",
            **kwargs,
        )
