"""Form pieces shared by every feature."""

import inspect
from datetime import date
from functools import lru_cache
from zoneinfo import available_timezones

from flask import request
from flask_wtf import FlaskForm
from markupsafe import Markup
from werkzeug.datastructures import ImmutableMultiDict
from wtforms import SelectField, validators
from wtforms.fields.core import Flags, Label
from wtforms.validators import ValidationError
from wtforms.widgets import html_params


def strip(value):
    """WTForms filter: surrounding white space never counts as content."""
    return value.strip() if isinstance(value, str) else value


#: Past this a whole number has no float: wtforms' NumberRange checks for NaN through one.
_FLOAT_RANGE = 10**308


class NumberRange(validators.NumberRange):
    """wtforms' NumberRange for whole numbers of any size. Its NaN check turns the number
    into a float, which overflows past about 10**308 (an OverflowError, a 500, for a
    number typed with 309 digits or more); such a number is out of any range we ask for,
    so it gets the field's own message."""

    def __call__(self, form, field):
        if isinstance(field.data, int) and not -_FLOAT_RANGE < field.data < _FLOAT_RANGE:
            raise ValidationError(self.message or field.gettext("Number is out of range."))
        super().__call__(form, field)


_read_formdata = FlaskForm.Meta.wrap_formdata


#: Flask-WTF's default for a form's `formdata`, meaning "read it from the request": a private
#: sentinel, taken from the public signature rather than imported by its name.
_FROM_REQUEST = inspect.signature(FlaskForm.__init__).parameters["formdata"].default


def _text_fields_only(meta, form, formdata):
    """Flask-WTF reads a JSON body as a form's fields, values and all. Fields hold text:
    a number becomes its text, and a null, an object or a list of them is left out, so
    every form's own validators judge it (a "required" message, not a TypeError deep
    inside a validator). Set once for every FlaskForm here."""
    data = _read_formdata(meta, form, formdata)
    if not request.is_json or not isinstance(data, ImmutableMultiDict) or formdata is not _FROM_REQUEST:
        return data
    kept = []
    for key, value in data.items(multi=True):
        values = value if isinstance(value, list) else [value]
        kept += [
            (key, v if isinstance(v, str) else str(v))
            for v in values
            if isinstance(v, str | int | float) and not isinstance(v, bool)
        ]
    return ImmutableMultiDict(kept)


FlaskForm.Meta.wrap_formdata = _text_fields_only


class FieldsMadeOnce:
    """A form `Meta` whose fields are made once per process and copied for each form.

    WTForms makes every field of a form anew each time (`Field.__init__` with a dozen
    keyword arguments, its label, flags and choices): for the fifteen fields of a check-in
    that was a fifth of saving one. A field holds nothing from a request until the form
    processes its data, so one made without a form is copied (its attributes, with a
    fresh copy of each list, dict, label and flags, as a new field would have) and given
    the form and its meta. For forms whose CSRF token the app checks (`csrf = False`):
    Flask-WTF's own token field is made anew for every form, so it is never kept."""

    def bind_field(self, form, unbound_field, options):
        if self.csrf:
            return super().bind_field(form, unbound_field, options)
        made, fresh = _field_made(unbound_field, options["name"], options["prefix"], options["translations"], self)
        field = object.__new__(type(made))  # Field.__new__ would answer with an UnboundField
        state = field.__dict__
        state.update(made.__dict__)
        for name in fresh:
            state[name] = _fresh(state[name])
        state["_form"], state["meta"] = form, form.meta
        return field


def _fresh(value):
    """A copy of a list, dict, label or flags that WTForms makes anew for each field."""
    if type(value) in (list, dict):
        return value.copy()
    copied = object.__new__(type(value))
    copied.__dict__.update(value.__dict__)
    return copied


#: (unbound field, name, prefix, translations) -> (field, names copied fresh): one a field
#: of the forms that use `FieldsMadeOnce`, whose unbound fields are their classes' own.
_made: dict[tuple, tuple] = {}


def _field_made(unbound_field, name: str, prefix: str, translations, meta) -> tuple:
    """A field as WTForms binds it, belonging to no form (made with a meta of the form's
    kind holding nothing of any form; every copy gets its own form's), and the names of
    the attributes WTForms makes anew for each field (its flags, label, choices,
    render_kw...: not what the class or the field's arguments hold, which every field of
    WTForms' own shares too)."""
    key = (unbound_field, name, prefix, translations)
    found = _made.get(key)
    if found is None:
        made = unbound_field.bind(form=None, name=name, prefix=prefix, translations=translations, _meta=type(meta)())
        given = {id(value) for value in unbound_field.kwargs.values()}
        fresh = tuple(
            attribute
            for attribute, value in made.__dict__.items()
            if isinstance(value, list | dict | Flags | Label)
            and id(value) not in given
            and getattr(type(made), attribute, None) is not value
        )
        found = _made[key] = (made, fresh)
    return found


class EmptyForm(FlaskForm):
    """A button-only POST: carries nothing but the CSRF token."""


class DatedForm(FlaskForm):
    """A form whose dates are checked against today. Forms know no time zone, and the
    server's date is nobody's today: the route gives the day (journal.zones.today_for),
    and a form made without it is an error, never a fallback to the server's clock."""

    def __init__(self, *args, today: date, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today


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


#: Zones many people choose, listed first (after the browser's own, which the page's script adds).
COMMON_ZONES = (
    "Europe/London",
    "Europe/Dublin",
    "Europe/Lisbon",
    "Europe/Paris",
    "Europe/Berlin",
    "Europe/Madrid",
    "Europe/Rome",
    "Europe/Amsterdam",
    "Europe/Stockholm",
    "Europe/Warsaw",
    "Europe/Athens",
    "Europe/Istanbul",
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Los_Angeles",
    "America/Toronto",
    "America/Mexico_City",
    "America/Sao_Paulo",
    "Africa/Lagos",
    "Africa/Nairobi",
    "Africa/Johannesburg",
    "Asia/Dubai",
    "Asia/Kolkata",
    "Asia/Singapore",
    "Asia/Shanghai",
    "Asia/Tokyo",
    "Australia/Sydney",
    "Pacific/Auckland",
    "UTC",
)


@lru_cache(maxsize=1)
def timezone_groups() -> tuple[tuple[str, tuple[str, ...]], ...]:
    """("Common", [...]) then every zone grouped by its region (the part before the
    first slash), regions in alphabetical order."""
    names = timezone_names()
    regions: dict[str, list[str]] = {}
    for name in names:
        regions.setdefault(name.split("/", 1)[0] if "/" in name else "Other", []).append(name)
    common = tuple(z for z in COMMON_ZONES if z in names)
    return (("Common", common), *((region, tuple(zones)) for region, zones in sorted(regions.items())))


def zone_label(name: str, region: str | None = None) -> str:
    """ "Europe/London" reads as "London (Europe)"; within its own region just "London"."""
    if "/" not in name:
        return name
    area, place = name.split("/", 1)
    place = place.replace("_", " ").replace("/", ", ")
    return place if area == region else f"{place} ({area})"


class TimezoneSelect:
    """A plain select (works without JavaScript) grouped as `timezone_groups`; a zone listed
    twice (common, and in its region) is marked selected once. static/js/tandem.js adds a
    search field and the browser's own zone on top."""

    def __call__(self, field, **kwargs):
        kwargs.setdefault("id", field.id)
        kwargs["data_zones"] = True
        options = timezone_options(field.data)
        return Markup("<select %s>%s</select>") % (Markup(html_params(name=field.name, **kwargs)), options)  # nosec B704 (html_params escapes every value)


def timezone_options(chosen: str | None) -> Markup:
    """The select's options (`TimezoneSelect`), the first listing of `chosen` selected
    (none when it is not in the list); for a page that writes its own select tag."""
    return _timezone_options_choosing(chosen if chosen in _timezone_name_set() else None)


@lru_cache(maxsize=1)
def _timezone_name_set() -> frozenset[str]:
    """`timezone_names` to ask whether a name is one of them (the tuple is read end to end)."""
    return frozenset(timezone_names())


@lru_cache(maxsize=64)  # bounded: one a zone people chose (a handful, mostly); the list is our own words
def _timezone_options_choosing(chosen: str | None) -> Markup:
    """`timezone_options` for one of our zones (or none), made once per process: selecting
    it in the hundreds of options (a copy of the whole list) was a twentieth of the plan page."""
    options = _timezone_options()
    if chosen is None:
        return options
    plain = Markup('<option value="%s">') % chosen
    return Markup(options.replace(plain, Markup('<option selected value="%s">') % chosen, 1))  # nosec B704 (our own escaped options; the zone is escaped by %)


@lru_cache(maxsize=1)
def _timezone_options() -> Markup:
    """Every group's options, none selected, built once per process (hundreds of them:
    building them on every view was most of the time of the pages that show them)."""
    parts = []
    for region, zones in timezone_groups():
        parts.append(Markup('<optgroup label="%s">') % region)
        for zone in zones:
            label = zone_label(zone, None if region == "Common" else region)
            parts.append(Markup('<option value="%s">%s</option>') % (zone, label))
        parts.append(Markup("</optgroup>"))
    return Markup("").join(parts)


class TimezoneField(SelectField):
    """A select of IANA zones, common ones first, then all by region; the page's script
    makes it searchable, lists the browser's zone first and preselects it when the
    server has no better guess (`data-detect`)."""

    widget = TimezoneSelect()

    def __init__(self, label="Time zone", validators=None, **kwargs):
        super().__init__(
            label,
            validators=[valid_timezone, *(validators or [])],
            choices=_timezone_choices,  # read only if asked: copying and checking 400 choices was half the form
            validate_choice=False,
            default="UTC",
            **kwargs,
        )
