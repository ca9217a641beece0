"""A form's dates are checked against the person's today (or the plan's), as
journal.zones.today_for says, never against the server's date."""

from datetime import UTC, date, datetime, timedelta

import pytest

from journal.checkins.forms import CheckInForm
from journal.models import Plan, User
from journal.plan.forms import PauseForm, PlanSettingsForm
from journal.zones import today_for

#: Fixed instants years away from the machine's clock, so the server's own date never
#: agrees with them by chance. 19:00 UTC on 27 November is 08:00 on the 28th in Auckland
#: (UTC+13 in its summer); 06:00 UTC on 28 November is still 20:00 on the 27th in Honolulu.
AUCKLAND = "Pacific/Auckland", datetime(2031, 11, 27, 19, 0, tzinfo=UTC)
HONOLULU = "Pacific/Honolulu", datetime(2021, 11, 28, 6, 0, tzinfo=UTC)


def _posted(app, form_class, data: dict, **kwargs):
    with app.test_request_context("/", method="POST", data=data):
        form = form_class(**kwargs)
        return form.validate(), form


@pytest.mark.parametrize(("where", "day"), [(AUCKLAND, date(2031, 11, 28)), (HONOLULU, date(2021, 11, 27))])
def test_a_check_in_may_be_for_the_persons_own_today_wherever_they_live(app, where, day):
    zone, now = where
    today = today_for(User(timezone=zone), now=now)
    assert today == day
    answers = {"mood": "3", "visibility": "private"}
    ok, form = _posted(app, CheckInForm, {**answers, "day": day.isoformat()}, today=today)
    assert ok, form.errors
    ok, form = _posted(app, CheckInForm, {**answers, "day": (day + timedelta(days=1)).isoformat()}, today=today)
    assert not ok and "hasn't come yet" in " ".join(form.day.errors)


def test_a_pause_may_end_on_the_plans_today_west_of_utc(app):
    zone, now = HONOLULU
    today = today_for(User(timezone="UTC"), plan=Plan(timezone=zone), now=now)
    assert today == date(2021, 11, 27)  # the server, in UTC, is on the 28th
    ok, form = _posted(app, PauseForm, {"until": "2021-11-27"}, today=today)
    assert ok, form.errors
    ok, form = _posted(app, PauseForm, {"until": "2021-11-26"}, today=today)
    assert not ok and form.until.errors == ["Please choose a date that hasn't passed."]


def test_a_birth_date_may_be_the_plans_today_east_of_utc(app):
    zone, now = AUCKLAND
    today = today_for(User(timezone="UTC"), plan=Plan(timezone=zone), now=now)
    assert today == date(2031, 11, 28)  # the server, in UTC, is on the 27th
    ok, form = _posted(app, PlanSettingsForm, {"timezone": zone, "birth_date": "2031-11-28"}, today=today)
    assert ok, form.errors
    ok, form = _posted(app, PlanSettingsForm, {"timezone": zone, "birth_date": "2031-11-29"}, today=today)
    assert not ok and form.birth_date.errors == ["That date is in the future."]


@pytest.mark.parametrize("form_class", [CheckInForm, PauseForm, PlanSettingsForm])
def test_a_dated_form_made_without_a_today_is_an_error_not_the_servers_date(app, form_class):
    with app.test_request_context("/", method="POST"), pytest.raises(TypeError):
        form_class()
