"""The time-zone select's options are built once per process; each page still
marks its own person's zone, and only that one."""

from flask_wtf import FlaskForm

from journal.extensions import db
from journal.forms import TimezoneField
from journal.testing import client_for, elements


def _chosen(page) -> list[str]:
    (select,) = elements(page, "select[data-zones]")
    return [option.get("value") for option in select.select("option[selected]")]


def test_each_page_marks_its_own_zone_once(app, user):
    client = client_for(app, user)
    for zone in ("Asia/Tokyo", "America/Denver", "Pacific/Chatham"):
        user.timezone = zone
        db.session.commit()
        assert _chosen(client.get("/account")) == [zone]


def test_a_zone_not_in_the_list_marks_none(app):
    class Form(FlaskForm):
        timezone = TimezoneField()

    with app.test_request_context():
        form = Form(formdata=None, data={"timezone": "Mars/Olympus"}, meta={"csrf": False})
        html = str(form.timezone())
    assert "selected" not in html and html.count("<option ") > 400


def test_the_options_are_kept_for_our_zones_only():
    """Each zone's options are made once per process; text sent that is not one of our
    zones is never kept (it marks nothing, as above)."""
    from journal.forms import _timezone_options_choosing, timezone_options

    _timezone_options_choosing.cache_clear()
    assert timezone_options("Asia/Tokyo") is timezone_options("Asia/Tokyo")
    assert timezone_options("Mars/Olympus") is timezone_options(None)
    assert timezone_options("Asia/Tokyo").count("selected") == 1 and "selected" not in timezone_options(None)
    assert _timezone_options_choosing.cache_info().currsize == 2  # Tokyo and none: never "Mars/Olympus"
