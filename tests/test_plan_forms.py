"""The plan page writes its pause, time zone and pace inputs itself rather than building
three WTForms forms on every view; the forms still validate what is posted. These tests
keep the two in step: the page's inputs are the HTML WTForms writes through the `field`
macro for the same values, so a change of label, hint or widget on either side fails here."""

import re
from datetime import date

import pytest

from journal.access import Scope
from journal.extensions import db
from journal.plan.forms import PauseForm, PlanSettingsForm, ReadyForm
from journal.testing import client_for, make_user


def _tidy(html: str) -> str:
    """Whitespace between and around tags ignored; runs of it read as one space."""
    html = re.sub(r"\s+", " ", html)
    return re.sub(r"\s*(<|>)\s*", r"\1", html).strip()


def _inputs(page: str, action: str) -> str:
    """What the form posting to `action` holds before its button, without its CSRF field."""
    found = re.search(rf'<form method="post" action="{re.escape(action)}"[^>]*>(.*?)<button', page, re.S)
    assert found, action
    return _tidy(re.sub(r'<input name="csrf_token"[^>]*>', "", found.group(1)))


def _written_by_wtforms(app, form, names) -> str:
    field = app.jinja_env.get_template("_macros.html").module.field
    return _tidy("".join(str(field(form[name])) for name in names))


def _plan_page(app, user) -> str:
    db.session.expire_all()
    return client_for(app, user).get("/plan").get_data(as_text=True)


@pytest.mark.parametrize(
    ("zone", "born"),
    [("UTC", None), ("America/New_York", date(2026, 9, 20)), ("Asia/Kolkata", date(1999, 1, 2))],
)
def test_the_settings_inputs_are_what_wtforms_writes(app, couple, zone, born):
    ana = couple[0]
    plan = Scope(ana).plan_or_create()
    plan.timezone, plan.birth_date = zone, born
    db.session.commit()
    page = _plan_page(app, ana)
    with app.test_request_context():
        form = PlanSettingsForm(formdata=None, timezone=zone, birth_date=born, today=date.today(), meta={"csrf": False})
        assert _inputs(page, "/plan/settings") == _written_by_wtforms(app, form, ["timezone", "birth_date"])


def test_a_zone_no_longer_listed_is_selected_nowhere_as_wtforms_would(app, couple):
    ana = couple[0]
    plan = Scope(ana).plan_or_create()
    plan.timezone = "Etc/GMT+5"  # a real zone the list leaves out
    db.session.commit()
    page = _plan_page(app, ana)
    with app.test_request_context():
        form = PlanSettingsForm(formdata=None, timezone=plan.timezone, today=date.today(), meta={"csrf": False})
        assert _inputs(page, "/plan/settings") == _written_by_wtforms(app, form, ["timezone", "birth_date"])
    assert "selected" not in _inputs(page, "/plan/settings")


def test_the_pause_inputs_are_what_wtforms_writes_with_and_without_a_partner(app, couple):
    with app.test_request_context():
        form = PauseForm(formdata=None, today=date.today(), meta={"csrf": False})
        alone = _written_by_wtforms(app, form, ["until"])
        together = _written_by_wtforms(app, form, ["until", "share"])
    assert _inputs(_plan_page(app, couple[0]), "/plan/pause") == together
    assert _inputs(_plan_page(app, make_user(email="solo@example.com")), "/plan/pause") == alone


def test_the_ready_input_is_what_wtforms_writes(app, couple):
    ana = couple[0]
    Scope(ana).plan_or_create().stage = 2
    db.session.commit()
    page = _plan_page(app, ana)
    with app.test_request_context():
        expected = _tidy(str(ReadyForm(formdata=None, to_stage="3", meta={"csrf": False}).to_stage()))
    assert _inputs(page, "/plan/pace/ready") == expected
