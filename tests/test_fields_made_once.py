"""A form whose fields are made once per process (`journal.forms.FieldsMadeOnce`) behaves as
WTForms' own: the same fields, data, messages and HTML for the same input, and nothing of
one form (what was typed, an error, a change to a field) reaches the next."""

from datetime import date

import pytest
from wtforms.meta import DefaultMeta

from journal.checkins.forms import CheckInForm

TODAY = date(2026, 5, 10)


class MadeEachTime(CheckInForm):
    """The check-in form with WTForms' own binding: every field made anew."""

    class Meta:
        bind_field = DefaultMeta.bind_field


def _posted(app, form_class, data: dict):
    with app.test_request_context("/checkins/new", method="POST", data=data):
        form = form_class(day=TODAY, today=TODAY)
        form.validate()
        return form


def _seen(form) -> list:
    """What a page or a route reads of each field."""
    return [
        (
            f.name,
            f.id,
            f.type,
            f.data,
            f.raw_data,
            f.errors,
            f.description,
            str(f.label()),
            str(f()),
            dict(f.flags.__dict__),
            f.render_kw,
            getattr(f, "choices", None),
        )
        for f in form
    ]


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"mood": "3", "closeness": "4", "visibility": "private"},
        {
            "mood": "7",
            "sleep_hours": "25",
            "note": "typed <b>words</b> & more",
            "boundary_note": "x" * 1001,
            "day": "2030-01-01",
            "visibility": "nobody",
            "fever": "maybe",
        },
        {"day": "nonsense", "energy": "2", "pain": "strong", "bleeding": "heavier"},
    ],
    ids=["blank", "answered", "mistyped", "bad-day"],
)
def test_a_form_of_fields_made_once_reads_as_wtforms_own(app, data):
    once, each = _posted(app, CheckInForm, data), _posted(app, MadeEachTime, data)
    assert _seen(once) == _seen(each)
    assert once.errors == each.errors and once.form_errors == each.form_errors
    if not once.errors:
        assert once.answers == each.answers


def test_nothing_of_one_form_reaches_the_next(app):
    first = _posted(app, CheckInForm, {"mood": "9", "note": "only in the first form", "visibility": "private"})
    assert first.mood.errors and first.note.data == "only in the first form"
    # A route or template changing a field in place changes its own form's field only.
    first.visibility.choices.append(("nobody", "Nobody"))
    first.sleep_hours.render_kw["max"] = 99
    first.note.flags.required = True
    first.mood.label.text = "Changed"

    second = _posted(app, CheckInForm, {})

    assert second.note.data is None and second.mood.data is None and not any(f.errors for f in second)
    assert [c.value for c in second.visibility.choices] == ["private", "shared"]
    assert second.sleep_hours.render_kw["max"] == 24
    assert not second.note.flags.required
    assert second.mood.label.text == "Mood"
    assert all(f._form is second and f.meta is second.meta for f in second)
    assert "only in the first form" not in str(_seen(second))


def test_the_fields_are_made_once_whatever_the_number_of_forms(app):
    """One field kept per field of the form, not one per request: the fields a process
    keeps never grow with the forms it makes (a key that changed per request would keep
    every request's fields for good)."""
    from journal.forms import _made

    _posted(app, CheckInForm, {})
    kept = len(_made)
    for n in range(20):
        _posted(app, CheckInForm, {"mood": str(n % 5 + 1), "visibility": "private"})
    assert len(_made) == kept
    assert kept >= len(list(_posted(app, CheckInForm, {}))) - 1  # every field but Flask-WTF's own token
