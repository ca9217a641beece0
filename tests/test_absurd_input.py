"""Absurd input never answers 500 and never writes half a change.

The first tests are the reported cases. The property-based ones post random, huge,
unicode, null-byte and wrongly typed values to every route of the URL map, in every
path, query and form parameter the app's forms know, as a partnered person with one
of everything: the answer is never a 5xx, and a refused request (4xx) adds or
removes no row anywhere.

They run on SQLite only: the property is about the app's own parsing and
validation, which is the same on both databases (the integer bound is PostgreSQL's
smaller `integer`, so SQLite is the stricter case for overflow), and a PostgreSQL
database per example would make the file far slower than the minute it should take.
"""

import importlib
import re
import string
from urllib.parse import quote

import pytest
from flask_wtf import FlaskForm
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from journal.extensions import db
from journal.testing import DEFAULT_PASSWORD, client_for, login_as, make_couple, make_user

pytestmark = (
    pytest.mark.sqlite_only
)  # the app's own parsing and validation (see above): the same on both databases (tests/conftest.py)

HUGE = ["99999999999999999999", "9" * 300, "2147483648", "9223372036854775808", "-1", "1e309", "NaN", "0x10"]


@pytest.fixture
def world(app):
    """A partnered person with one of everything, and the ids to aim at."""
    ana, bo = make_user(display_name="Ana"), make_user(display_name="Bo")
    make_couple(ana, bo, pace_leader=ana)
    db.session.commit()
    client = client_for(app, ana)
    assert client.post("/journal/new", data={"title": "t", "body": "b", "visibility": "private"}).status_code == 302
    practice = client.post(
        "/practices/new",
        data={
            "title": "Ours",
            "summary": "s",
            "kind": "closeness",
            "stage": "",
            "steps": "one",
            "duration_minutes": "10",
            "together": "together",
            "safety_note": "",
        },
    )
    assert practice.status_code == 302
    ids = [int(x) for x in re.findall(r"/(\d+)", practice.headers["Location"])]
    return {"user": ana, "client": client, "ids": ids}


@pytest.mark.parametrize(
    "path",
    [
        "/journal/99999999999999999999",
        "/journal/99999999999999999999/edit",
        "/journal/99999999999999999999/delete",
        "/checkins/99999999999999999999",
        "/checkins/99999999999999999999/delete",
        "/notes/99999999999999999999",
        "/notes/99999999999999999999/delete",
        "/practices/99999999999999999999",
        "/practices/99999999999999999999/edit",
        "/plan/add/99999999999999999999",
        "/plan/99999999999999999999/edit",
        "/journal?page=99999999999999999999",
        "/checkins?page=99999999999999999999",
        "/notes?page=99999999999999999999",
        "/journal/new?practice=99999999999999999999",
        "/practices?stage=99999999999999999999",
        "/notes/new?practice=99999999999999999999",
        "/checkins/new?practice=99999999999999999999",
    ],
)
def test_a_huge_number_in_the_address_is_not_found(world, path):
    response = world["client"].get(path)
    assert response.status_code in (200, 404), response.status_code


@pytest.mark.parametrize(
    "field, path, base",
    [
        (
            "duration_minutes",
            "/practices/new",
            {"title": "x", "kind": "closeness", "steps": "one", "together": "together"},
        ),
        ("interval", "/plan/add/{practice}", {"start_date": "2026-12-01", "time": "20:00", "frequency": "weekly"}),
    ],
)
def test_a_number_with_hundreds_of_digits_is_a_form_error(world, field, path, base):
    before = row_counts()
    response = world["client"].post(path.format(practice=world["ids"][0]), data={**base, field: "9" * 300})
    assert response.status_code == 422
    assert row_counts() == before


@pytest.mark.parametrize("next_value", ["/today\r\nSet-Cookie: x=1", "/\n", "\r\n", "/today%0d%0aX: y"])
def test_a_log_in_with_cr_or_lf_in_next_goes_home(app, client, user, next_value):
    response = client.post("/login", data={"email": user.email, "password": DEFAULT_PASSWORD, "next": next_value})
    assert response.status_code == 302
    assert "\r" not in response.headers["Location"] and "\n" not in response.headers["Location"]


# -- the whole URL map ------------------------------------------------------------------


def row_counts() -> dict[str, int]:
    """Every table's row count, in one statement."""
    counts = [select(func.count()).select_from(t).scalar_subquery().label(t.name) for t in db.metadata.sorted_tables]
    return dict(db.session.execute(select(*counts)).one()._mapping)


def form_field_names() -> list[str]:
    """Every field name of every form in the app (each POST gets all of them: a form
    reads its own and ignores the rest)."""
    for module in (
        "account.forms",
        "auth.forms",
        "checkins.forms",
        "consent.forms",
        "couple.forms",
        "entries.forms",
        "notes.forms",
        "plan.forms",
        "practices.forms",
        "reminders.forms",
    ):
        importlib.import_module(f"journal.{module}")

    names, stack = set(), list(FlaskForm.__subclasses__())
    while stack:
        form = stack.pop()
        stack.extend(form.__subclasses__())
        names.update(name for name, _ in getattr(form, "_unbound_fields", None) or [])
        names.update(name for name in vars(form) if hasattr(getattr(form, name), "field_class"))
    return sorted(names - {"csrf_token"})


FIELDS = form_field_names()
QUERY = ["page", "practice", "q", "tag", "kind", "stage", "next", "prompt", "visibility", "day", "schedule"]
SKIP = {"static", "auth.logout", "account.delete"}  # logging out / deleting ends the example's own session
#: /readyz answers 503 by design when the reminder queue isn't there (no worker ran in a test):
#: that 5xx is a health report, not an error (tests/test_ops_health.py checks both answers).
NOT_READY = ("views.readyz", 503)

values = st.one_of(
    st.sampled_from(
        HUGE + ["", " ", "\x00", "\x00abc", "true", "[]", "{}", "2026-02-30", "25:61", "private", "shared"]
    ),
    st.text(max_size=40),
    st.integers(min_value=-(10**30), max_value=10**400).map(str),
    st.text(alphabet=string.printable + "\x00é😀\u202e", min_size=200, max_size=2000),
)


def _rules(app):
    return sorted(
        (
            (rule, method)
            for rule in app.url_map.iter_rules()
            if rule.endpoint not in SKIP
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"})
        ),
        key=lambda pair: (pair[0].rule, pair[1]),
    )


@settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(data=st.data())
def test_no_route_answers_500_or_writes_half_a_change(app, world, data):
    rule, method = data.draw(st.sampled_from(_rules(app)), label="route")
    ints = st.one_of(st.sampled_from(world["ids"]), st.integers(min_value=0, max_value=10**30))
    tokens = st.text(alphabet=string.ascii_letters + string.digits + "-_.~%\x00é", max_size=60).filter(bool)
    path = re.sub(
        r"<(?:(\w+):)?(\w+)>",
        lambda m: str(data.draw(ints)) if m.group(1) == "int" else quote(data.draw(tokens), safe=""),
        rule.rule,
    )
    query = data.draw(st.dictionaries(st.sampled_from(QUERY), values, max_size=3), label="query")
    form = data.draw(
        st.dictionaries(st.sampled_from(FIELDS), st.one_of(values, st.lists(values, max_size=3)), max_size=12),
        label="form",
    )
    client = app.test_client()
    login_as(client, world["user"])
    before = row_counts()
    if method == "GET":
        response = client.get(path, query_string=query)
    elif rule.endpoint == "reminders.push_subscribe":
        body = data.draw(
            st.recursive(
                st.none() | st.booleans() | values,
                lambda inner: (
                    st.lists(inner, max_size=3)
                    | st.dictionaries(st.sampled_from(["endpoint", "keys", "p256dh", "auth"]), inner, max_size=3)
                ),
                max_leaves=6,
            )
        )
        response = client.post(path, json=body)
    else:
        response = client.post(path, query_string=query, data=form)
    response.close()  # a file sent as a stream (the service worker) is closed here
    assert response.status_code < 500 or (rule.endpoint, response.status_code) == NOT_READY, (method, path)
    if response.status_code >= 400:
        assert row_counts() == before, (method, path, response.status_code)


#: "9" * 400 is a whole number past a float's range (wtforms' NumberRange once overflowed on it).
@pytest.mark.parametrize("value", ["9" * 300, "9" * 400, "99999999999999999999", "-99999999999999999999", "\x00"])
def test_every_form_field_at_once_with_an_absurd_value(app, world, value):
    """Every POST route, every field the app's forms know, all holding the same absurd value."""
    for rule, method in _rules(app):
        if method != "POST":
            continue
        path = re.sub(r"<(?:(\w+):)?(\w+)>", lambda m: str(world["ids"][0]) if m.group(1) == "int" else "x", rule.rule)
        client = app.test_client()
        login_as(client, world["user"])
        before = row_counts()
        response = client.post(path, data={name: value for name in FIELDS}, query_string={q: value for q in QUERY})
        assert response.status_code < 500, (path, response.status_code)
        if response.status_code >= 400:
            assert row_counts() == before, (path, response.status_code)


@pytest.mark.parametrize(
    "body",
    [
        '"x"',
        "[]",
        "7",
        '{"email": {"a": 1}, "password": [1, 2], "mood": null}',
        '{"visibility": ["x", 3], "times": {"a": 0}, "day": true}',
    ],
    ids=["string", "list", "number", "objects-in-fields", "lists-in-fields"],
)
def test_json_of_any_shape_is_refused_or_judged_never_a_500(app, world, body):
    """Every POST route with a JSON body of an odd shape: a string, list or number is refused
    (journal.security), objects and nulls in fields are left out for the form to judge."""
    for rule, method in _rules(app):
        if method != "POST":
            continue
        path = re.sub(r"<(?:(\w+):)?(\w+)>", lambda m: str(world["ids"][0]) if m.group(1) == "int" else "x", rule.rule)
        client = app.test_client()
        login_as(client, world["user"])
        before = row_counts()
        with client.post(path, data=body, content_type="application/json") as response:
            assert response.status_code < 500, (path, body, response.status_code)
        if response.status_code >= 400:
            assert row_counts() == before, (path, response.status_code)
