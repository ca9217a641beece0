"""Check-ins: a quick form where one answer is enough, bad input, back-dating,
who sees what (private, shared, another couple, after leaving), answers revealed
together for prompts of both partners, sealing at rest, and a fixed statement
count on the history page.

Time is never waited for: rows are edited directly when a test needs the past.
"""

import logging
import re
import time
from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest
from markupsafe import Markup, escape
from sqlalchemy import delete, func, select
from wtforms import RadioField

from journal.access import Scope, visibility_words
from journal.checkins.cards import DAY_FORMAT, CheckInCard, day_words
from journal.checkins.forms import CheckInForm
from journal.checkins.services import checkin_create
from journal.couple.services import couple_leave
from journal.crypto import DecryptError, context, unseal
from journal.extensions import db
from journal.models import DataKey, Plan, Practice, PromptAction, Schedule, now_utc
from journal.models.checkins import CheckIn
from journal.testing import (
    checked_values,
    client_for,
    count_queries,
    csrf_token,
    element,
    field_error,
    field_value,
    local_today,
    make_couple,
    make_user,
    read_text,
    textarea_value,
)
from journal.today.services import prompts_for

GUILT_WORDS = ("streak", "missed", "failed", "overdue", "behind", "keep it up")


# -- helpers ---------------------------------------------------------------------------


def count_checkins() -> int:
    return db.session.scalar(select(func.count()).select_from(CheckIn))


def only_checkin() -> CheckIn:
    db.session.expire_all()
    (row,) = db.session.scalars(select(CheckIn)).all()
    return row


def saved_id(response) -> int:
    assert response.status_code == 302, response.status_code
    found = re.fullmatch(r"/checkins/(\d+)", response.headers["Location"])
    assert found, response.headers["Location"]
    return int(found.group(1))


def opened(row: CheckIn, field: str) -> str | None:
    return unseal(
        getattr(row, f"{field}_sealed"),
        owner=("user", row.author_id),
        context=context("checkins", row.id, field, row.author_id, row.visibility),
    )


def shared_prompt(plan, *, prompt_user=None, kind="closeness"):
    """A one-off practice scheduled at the current minute: due now, for both unless `prompt_user`."""
    practice = Practice(
        kind=kind,
        title="How are we doing tonight",
        summary="A short check-in together.",
        steps=["Sit together.", "Answer honestly."],
        duration_minutes=5,
        together=True,
    )
    db.session.add(practice)
    db.session.flush()
    local = now_utc().astimezone(ZoneInfo(plan.timezone))
    schedule = Schedule(
        plan_id=plan.id,
        practice_id=practice.id,
        kind="once",
        times=[local.strftime("%H:%M")],
        start_date=local.date(),
        prompt_user_id=prompt_user.id if prompt_user else None,
    )
    db.session.add(schedule)
    db.session.commit()
    return schedule


def prompt_key(user, schedule) -> str:
    db.session.expire_all()
    (prompt,) = [p for p in prompts_for(Scope(user), user)[1] if p.schedule.id == schedule.id]
    return prompt.key


# -- saving ------------------------------------------------------------------------------


def test_one_answer_is_enough(app, couple, ana_client):
    ana = couple[0]
    page = ana_client.get("/checkins/new")
    assert page.status_code == 200
    assert field_value(page, "day") == local_today(ana).isoformat()
    assert checked_values(page, "visibility") == ["private"]

    checkin_id = saved_id(ana_client.post("/checkins/new", data={"mood": "4"}))

    row = only_checkin()
    assert (row.id, row.author_id, row.couple_id) == (checkin_id, ana.id, ana.couple_id)
    assert (row.mood, row.visibility, row.day) == (4, "private", local_today(ana))
    assert row.closeness is row.sleep_hours is row.pain is row.bleeding is row.fever is row.boundary is None
    assert row.note_sealed is None and row.boundary_note_sealed is None and row.schedule_id is None
    page = ana_client.get(f"/checkins/{checkin_id}")
    assert "Mood 4 of 5 · fairly good" in read_text(page)


def test_every_answer_is_saved_and_the_words_are_sealed(app, couple, ana_client):
    data = {
        "mood": "2",
        "closeness": "3",
        "comfort": "4",
        "sensation": "1",
        "energy": "5",
        "stress": "2",
        "sleep_hours": "6.5",
        "pain": "mild",
        "bleeding": "settling",
        "fever": "no",
        "boundary": "yellow",
        "boundary_note": "Hands on shoulders only",
        "note": "A long night\nbut a kind morning",
        "visibility": "shared",
    }
    checkin_id = saved_id(ana_client.post("/checkins/new", data=data))
    row = only_checkin()
    assert (row.mood, row.closeness, row.comfort, row.sensation, row.energy, row.stress) == (2, 3, 4, 1, 5, 2)
    assert (row.sleep_hours, row.pain, row.bleeding, row.fever, row.boundary) == (
        6.5,
        "mild",
        "settling",
        False,
        "yellow",
    )
    assert row.visibility == "shared"
    assert b"kind morning" not in row.note_sealed and b"shoulders" not in row.boundary_note_sealed
    assert opened(row, "note") == "A long night\nbut a kind morning"
    assert opened(row, "boundary_note") == "Hands on shoulders only"

    page = read_text(ana_client.get(f"/checkins/{checkin_id}"))
    for shown in (
        "Mood 2 of 5 · a bit low",
        "Sensation 1 of 5 · numb",
        "Energy 5 of 5 · rested",
        "Stress 2 of 5 · mostly calm",
        "Slept 6.5 hours",
        "Pain mild",
        "Bleeding Some, settling as usual",
        "Fever no",
        "Yellow: gently, and ask first · Hands on shoulders only",
        "A long night but a kind morning",
    ):
        assert shown in page, shown


def test_the_list_words_every_answer_as_the_check_in_page_does(app, couple, ana_client):
    """The list reads its rows as columns, the check-in's own page reads the check-in:
    both show each answer in the same words."""
    data = {
        "mood": "5",
        "closeness": "1",
        "sleep_hours": "1",
        "pain": "strong",
        "bleeding": "clots",
        "fever": "yes",
        "boundary": "green",
        "boundary_note": "Hugs <yes>",
        "note": "Tired & glad",
    }
    checkin_id = saved_id(ana_client.post("/checkins/new", data=data))
    shown = (
        "Mood 5 of 5 · good",
        "Closeness to your partner 1 of 5 · distant",
        "Slept 1 hour ",
        "Pain strong",
        "Bleeding Large clots",
        "Fever yes",
        "Green: open to closeness · Hugs <yes>",
        "Tired & glad",
    )
    for path in ("/checkins", f"/checkins/{checkin_id}"):
        page = read_text(ana_client.get(path))
        for words in shown:
            assert words in page, (path, words)


def test_a_stored_score_outside_the_scale_shows_as_its_number_not_an_error(app, couple, ana_client):
    """The form keeps every score within 1 to 5, but the database has no such rule: a row
    that holds another number (from an older version, or written by hand) still shows."""
    checkin_id = saved_id(ana_client.post("/checkins/new", data={"mood": "3", "closeness": "4"}))
    db.session.execute(CheckIn.__table__.update().where(CheckIn.id == checkin_id).values(mood=7, closeness=0))
    db.session.commit()
    for path in ("/checkins", f"/checkins/{checkin_id}"):
        response = ana_client.get(path)
        assert response.status_code == 200, path
        page = read_text(response)
        assert "Mood 7 of 5" in page and "Closeness to your partner 0 of 5" in page, path


def test_stored_answers_the_form_never_offers_still_show(app, couple, ana_client):
    """The cards word each answer from rows written once per process; a stored value
    outside them (an older version's, or one written by hand) is worded as it comes."""
    checkin_id = saved_id(ana_client.post("/checkins/new", data={"mood": "3"}))
    db.session.execute(
        CheckIn.__table__.update()
        .where(CheckIn.id == checkin_id)
        .values(sleep_hours=3.25, pain="sharp <b>", bleeding="any", fever=False, boundary="blue")
    )
    db.session.commit()
    for path in ("/checkins", f"/checkins/{checkin_id}"):
        response = ana_client.get(path)
        assert response.status_code == 200, path
        page = read_text(response)
        for words in (
            "Slept 3.25 hours",
            "Pain sharp <b>",
            'Bleeding Yes (asked as "any bleeding")',
            "Fever no",
            "Blue:",
        ):
            assert words in page, (path, words)
        assert "<b>" not in response.get_data(as_text=True), path


def test_an_empty_form_is_refused_calmly(app, couple, ana_client):
    for data in ({}, {"note": "   ", "boundary_note": "", "sleep_hours": ""}, {"visibility": "shared"}):
        response = ana_client.post("/checkins/new", data=data)
        assert response.status_code == 422
        assert "There's nothing to save yet. One answer is plenty" in read_text(response)
    assert count_checkins() == 0


def test_half_hours_of_sleep_and_a_comma_are_fine(app, couple, ana_client):
    saved_id(ana_client.post("/checkins/new", data={"sleep_hours": "7,5"}))
    assert only_checkin().sleep_hours == 7.5


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("mood", "0", "Please choose a number from 1 to 5."),
        ("mood", "6", "Please choose a number from 1 to 5."),
        ("closeness", "abc", "Please choose a number from 1 to 5."),
        ("comfort", "3.5", "Please choose a number from 1 to 5."),
        ("sensation", "-1", "Please choose a number from 1 to 5."),
        ("stress", "10", "Please choose a number from 1 to 5."),
        ("sleep_hours", "-1", "Please give the hours slept as a number from 0 to 24"),
        ("sleep_hours", "25", "Please give the hours slept as a number from 0 to 24"),
        ("sleep_hours", "7.3", "in whole or half hours"),
        ("sleep_hours", "lots", "Please give the hours slept as a number from 0 to 24"),
        ("pain", "severe", "Please choose none, mild, moderate or strong."),
        ("bleeding", "maybe", "Please choose one of the answers about bleeding."),
        ("fever", "1", "Please choose yes or no."),
        ("boundary", "blue", "Please choose green, yellow or red."),
        ("visibility", "everyone", "Please choose who can see it."),
        ("day", "yesterday-ish", "Please give a day like"),
        ("note", "x" * 10_001, "Please keep the note under 10,000 characters."),
        ("boundary_note", "y" * 1_001, "Please keep this under 1,000 characters."),
    ],
)
def test_bad_input_is_refused_next_to_the_field_and_what_was_typed_is_kept(
    app, couple, ana_client, field, value, message
):
    data = {"energy": "3", "sleep_hours": "6.5", "note": "Typed with care", "boundary_note": "Go slowly", field: value}
    response = ana_client.post("/checkins/new", data=data)
    assert response.status_code == 422
    assert message in field_error(response, field)
    assert "Please look at the note" in read_text(response)
    assert count_checkins() == 0
    # everything typed is still there
    assert checked_values(response, "energy") == ["3"]
    assert field_value(response, "sleep_hours") == data["sleep_hours"]
    assert field_value(response, "boundary_note") == data["boundary_note"]
    assert textarea_value(response, "note") == data["note"]
    if field == "day":
        assert field_value(response, "day") == value


@pytest.mark.parametrize(
    "data",
    [{}, {"mood": "3", "bleeding": "heavier", "fever": "yes", "boundary": "red", "sleep_hours": "x"}],
    ids=["blank", "sent-back"],
)
def test_the_form_writes_each_choice_as_wtforms_widgets_would(app, couple, ana_client, data):
    """The form's page writes its radios from each field's choices (checkins/_parts.html):
    every option's input and label are the ones WTForms' own widgets write, checked where
    chosen. A radio field given render_kw or a validator that adds an attribute fails here."""
    response = ana_client.post("/checkins/new", data=data) if data else ana_client.get("/checkins/new")
    html = response.get_data(as_text=True)
    with app.test_request_context("/checkins/new", method="POST" if data else "GET", data=data):
        form = CheckInForm(day=local_today(couple[0]), today=local_today(couple[0]))
        form.visibility.choices = list(visibility_words().items())  # as the page offers them, no prompt
        form.validate()
        radios = [f for f in form if isinstance(f, RadioField)]
        assert len(radios) == 11
        for field in radios:
            for option in field:
                assert str(option()) in html, option()
                assert f'<label for="{option.id}">{escape(option.label.text)}' in html
        chosen = sorted(str(o()) for f in radios for o in f if o.checked)
        assert chosen == sorted(re.findall(r"<input checked [^>]*>", html))


def test_back_dating_goes_up_to_14_days_and_never_into_the_future(app, couple, ana_client):
    today = local_today(couple[0])
    for days_back in (0, 1, 14):
        day = today - timedelta(days=days_back)
        saved_id(ana_client.post("/checkins/new", data={"mood": "3", "day": day.isoformat()}))
    for day, message in (
        (today - timedelta(days=15), "Check-ins can go back up to 14 days."),
        (today + timedelta(days=1), "That day hasn't come yet."),
    ):
        response = ana_client.post("/checkins/new", data={"mood": "3", "day": day.isoformat()})
        assert response.status_code == 422
        assert message in field_error(response, "day")
        assert field_value(response, "day") == day.isoformat()
    days = set(db.session.scalars(select(CheckIn.day)))
    assert days == {today, today - timedelta(days=1), today - timedelta(days=14)}


@pytest.mark.parametrize("zone", ["Pacific/Kiritimati", "Pacific/Pago_Pago"])
def test_today_is_the_persons_own_day(app, zone):
    """UTC+14 and UTC-11: "today" is where the person is, not where the server is."""
    person = make_user(timezone=zone)
    client = client_for(app, person)
    today = local_today(person)
    assert field_value(client.get("/checkins/new"), "day") == today.isoformat()
    saved_id(client.post("/checkins/new", data={"mood": "3", "day": today.isoformat()}))
    response = client.post("/checkins/new", data={"mood": "3", "day": (today + timedelta(days=1)).isoformat()})
    assert response.status_code == 422
    saved_id(client.post("/checkins/new", data={"mood": "3"}))  # no day given: today
    assert set(db.session.scalars(select(CheckIn.day))) == {today}


def test_html_in_notes_is_shown_escaped(app, couple, ana_client, bo_client):
    words = '<script>alert("hi")</script><b>bold</b>'
    checkin_id = saved_id(
        ana_client.post("/checkins/new", data={"note": words, "boundary_note": words, "visibility": "shared"})
    )
    for client, path in ((ana_client, f"/checkins/{checkin_id}"), (ana_client, "/checkins"), (bo_client, "/checkins")):
        body = client.get(path).get_data(as_text=True)
        assert "<script>alert" not in body and "<b>bold" not in body
        assert body.count("&lt;script&gt;alert(&#34;hi&#34;)&lt;/script&gt;&lt;b&gt;bold&lt;/b&gt;") == 2, path


def test_no_streaks_or_guilt_anywhere(app, couple, ana_client):
    saved_id(ana_client.post("/checkins/new", data={"mood": "1"}))
    for path in ("/checkins/new", "/checkins", f"/checkins/{only_checkin().id}"):
        page = ana_client.get(path).get_data(as_text=True).lower()
        for word in GUILT_WORDS:
            assert word not in page, (path, word)


def test_logs_never_carry_what_was_written(app, couple, ana_client, caplog):
    caplog.set_level(logging.DEBUG)
    checkin_id = saved_id(
        ana_client.post("/checkins/new", data={"note": "Saffron lantern evening", "visibility": "shared"})
    )
    ana_client.post(f"/checkins/{checkin_id}/visibility", data={"visibility": "private"})
    ana_client.post(f"/checkins/{checkin_id}/delete")
    assert "Saffron" not in caplog.text


def test_csrf_is_enforced(csrf_app_config, app, couple):
    client = client_for(app, couple[0])
    assert client.post("/checkins/new", data={"mood": "3"}).status_code == 400
    assert client.post("/checkins/settings", data={"reveal_after_48h": "y"}).status_code == 400
    assert count_checkins() == 0
    token = csrf_token(client, "/checkins/new")
    saved_id(client.post("/checkins/new", data={"mood": "3", "csrf_token": token}))


def test_a_remembered_csrf_token_is_still_checked_each_time(csrf_app_config, app, couple, monkeypatch, caplog):
    """A token's signature is checked once per process (journal.csrf._csrf_read); its
    age, and whether it is this session's, are checked on every POST."""
    caplog.set_level(logging.INFO, logger="flask_wtf.csrf")
    ana_client, bo_client = client_for(app, couple[0]), client_for(app, couple[1])
    token = csrf_token(ana_client, "/checkins/new")
    saved_id(ana_client.post("/checkins/new", data={"mood": "3", "csrf_token": token}))
    saved_id(ana_client.post("/checkins/new", data={"mood": "4", "csrf_token": token}))  # remembered
    # Another session's token, good and remembered, is refused here.
    csrf_token(bo_client, "/checkins/new")  # Bo's session has a token of its own
    assert bo_client.post("/checkins/new", data={"mood": "3", "csrf_token": token}).status_code == 400
    # A signature changed by one character is refused, however often it is sent. Its first
    # character: the last one carries two bits base64 ignores, so changing it may change nothing.
    body, signature = token.rsplit(".", 1)
    forged = f"{body}.{'A' if signature[0] != 'A' else 'B'}{signature[1:]}"
    for _ in range(2):
        assert ana_client.post("/checkins/new", data={"mood": "3", "csrf_token": forged}).status_code == 400
    # The same good token, once older than the time limit, is refused.
    later = time.time() + app.config["WTF_CSRF_TIME_LIMIT"] + 120
    monkeypatch.setattr(time, "time", lambda: later)
    assert ana_client.post("/checkins/new", data={"mood": "3", "csrf_token": token}).status_code == 400
    assert count_checkins() == 2
    assert [r.getMessage() for r in caplog.records if r.name == "flask_wtf.csrf"] == [
        "The CSRF tokens do not match.",
        "The CSRF token is invalid.",
        "The CSRF token is invalid.",
        "The CSRF token has expired.",
    ]


# -- who sees what ---------------------------------------------------------------------------


def test_author_sees_own_private_and_shared_and_partner_sees_shared_only(app, couple, ana_client, bo_client):
    private_id = saved_id(ana_client.post("/checkins/new", data={"note": "Only mine, kept close"}))
    shared_id = saved_id(ana_client.post("/checkins/new", data={"note": "For us both to read", "visibility": "shared"}))
    bo_id = saved_id(bo_client.post("/checkins/new", data={"note": "Bo keeps this one", "mood": "2"}))

    ana_list = read_text(ana_client.get("/checkins"))
    assert "Only mine, kept close" in ana_list and "For us both to read" in ana_list
    assert "Bo keeps this one" not in ana_list
    assert ana_client.get(f"/checkins/{private_id}").status_code == 200
    assert ana_client.get(f"/checkins/{bo_id}").status_code == 404

    bo_list = read_text(bo_client.get("/checkins"))
    assert "For us both to read" in bo_list and "Bo keeps this one" in bo_list
    assert "Only mine, kept close" not in bo_list
    assert bo_client.get(f"/checkins/{private_id}").status_code == 404
    shared_page = bo_client.get(f"/checkins/{shared_id}")
    assert (
        shared_page.status_code == 200
        and "For us both to read" in read_text(shared_page)
        and "Ana" in read_text(shared_page)
    )


def test_another_couple_and_a_single_person_get_404_and_anonymous_people_log_in(app, couple, ana_client):
    shared_id = saved_id(ana_client.post("/checkins/new", data={"note": "Ours", "visibility": "shared"}))
    cy, dee = make_user(), make_user()
    make_couple(cy, dee)
    for outsider in (cy, make_user()):
        client = client_for(app, outsider)
        assert "Ours" not in read_text(client.get("/checkins"))
        assert client.get(f"/checkins/{shared_id}").status_code == 404
        assert client.get(f"/checkins/{shared_id}/delete").status_code == 404
        assert client.post(f"/checkins/{shared_id}/delete").status_code == 404
        assert client.post(f"/checkins/{shared_id}/visibility", data={"visibility": "private"}).status_code == 404
        assert client.get("/checkins/999999").status_code == 404
    anonymous = app.test_client()
    for path in ("/checkins", "/checkins/new", f"/checkins/{shared_id}"):
        response = anonymous.get(path)
        assert response.status_code == 302 and response.headers["Location"].startswith("/login"), path
    assert count_checkins() == 1


def test_only_the_author_deletes(app, couple, ana_client, bo_client):
    shared_id = saved_id(ana_client.post("/checkins/new", data={"mood": "3", "visibility": "shared"}))
    assert bo_client.get(f"/checkins/{shared_id}/delete").status_code == 404
    assert bo_client.post(f"/checkins/{shared_id}/delete").status_code == 404
    assert count_checkins() == 1
    confirm = ana_client.get(f"/checkins/{shared_id}/delete")
    assert confirm.status_code == 200 and "Delete this check-in?" in read_text(confirm)
    response = ana_client.post(f"/checkins/{shared_id}/delete")
    assert response.status_code == 302 and response.headers["Location"] == "/checkins"
    assert count_checkins() == 0
    assert ana_client.get(f"/checkins/{shared_id}").status_code == 404


def test_the_delete_page_says_the_check_ins_year(app, couple, ana_client):
    """A check-in from another year: "Tuesday 4 March" alone would read as this year's."""
    checkin_id = saved_id(ana_client.post("/checkins/new", data={"mood": "3"}))
    db.session.execute(CheckIn.__table__.update().values(day=date(2025, 3, 4)))
    db.session.commit()
    page = read_text(ana_client.get(f"/checkins/{checkin_id}/delete"))
    assert "The check-in for Tuesday 4 March 2025 goes for good" in page


def test_changing_visibility_is_for_the_author_and_seals_the_words_again(app, couple, ana_client, bo_client):
    checkin_id = saved_id(
        ana_client.post("/checkins/new", data={"note": "Slowly, slowly", "boundary_note": "Not the belly"})
    )
    before = only_checkin()
    private_blob = before.note_sealed
    assert bo_client.get(f"/checkins/{checkin_id}").status_code == 404
    assert bo_client.post(f"/checkins/{checkin_id}/visibility", data={"visibility": "shared"}).status_code == 404
    assert only_checkin().visibility == "private"

    response = ana_client.post(f"/checkins/{checkin_id}/visibility", data={"visibility": "shared"})
    assert response.status_code == 302
    row = only_checkin()
    assert row.visibility == "shared" and row.note_sealed != private_blob
    assert (opened(row, "note"), opened(row, "boundary_note")) == ("Slowly, slowly", "Not the belly")
    with pytest.raises(DecryptError):  # the old sealing doesn't open as shared
        unseal(
            private_blob,
            owner=("user", row.author_id),
            context=context("checkins", row.id, "note", row.author_id, "shared"),
        )
    assert "Slowly, slowly" in read_text(bo_client.get(f"/checkins/{checkin_id}"))

    ana_client.post(f"/checkins/{checkin_id}/visibility", data={"visibility": "private"})
    assert only_checkin().visibility == "private"
    assert bo_client.get(f"/checkins/{checkin_id}").status_code == 404
    assert opened(only_checkin(), "note") == "Slowly, slowly"
    # nonsense changes nothing
    ana_client.post(f"/checkins/{checkin_id}/visibility", data={"visibility": "everyone"})
    assert only_checkin().visibility == "private"


def test_after_leaving_the_former_partner_sees_nothing(app, couple, ana_client, bo_client):
    ana, bo, _ = couple
    shared_id = saved_id(ana_client.post("/checkins/new", data={"note": "Before we parted", "visibility": "shared"}))
    assert "Before we parted" in read_text(bo_client.get("/checkins"))
    couple_leave(user=ana)
    db.session.commit()
    assert "Before we parted" not in read_text(bo_client.get("/checkins"))
    assert bo_client.get(f"/checkins/{shared_id}").status_code == 404
    assert "Before we parted" in read_text(ana_client.get(f"/checkins/{shared_id}"))  # still hers


def test_unreadable_words_show_a_calm_placeholder(app, couple, ana_client):
    checkin_id = saved_id(ana_client.post("/checkins/new", data={"note": "Soon unreadable", "mood": "3"}))
    row = only_checkin()
    row.note_sealed = row.note_sealed[:-1] + bytes([row.note_sealed[-1] ^ 1])
    db.session.commit()
    for path in (f"/checkins/{checkin_id}", "/checkins"):
        response = ana_client.get(path)
        assert response.status_code == 200
        assert "This text can't be read any more." in read_text(response) and "Mood 3 of 5" in read_text(response)


def test_a_shredded_key_leaves_only_its_authors_words_unreadable(app, couple, ana_client):
    """The list reads each author's key with its rows: Bo's key gone, his words say so on
    the list and on his check-in's page, and Ana's still open."""
    ana, bo, _ = couple
    today = local_today(ana)
    checkin_create(author=ana, answers={"mood": 4, "note": "Ana's words"}, day=today, visibility="shared")
    bo_id = checkin_create(author=bo, answers={"mood": 2, "note": "Bo's words"}, day=today, visibility="shared").id
    db.session.commit()
    db.session.execute(delete(DataKey).where(DataKey.owner_type == "user", DataKey.owner_id == bo.id))
    db.session.commit()
    listed, single = read_text(ana_client.get("/checkins")), read_text(ana_client.get(f"/checkins/{bo_id}"))
    assert "Ana's words" in listed and "Bo's words" not in listed
    for page in (listed, single):
        assert "This text can't be read any more." in page and "Mood 2 of 5" in page


def test_history_is_newest_day_first_and_paginated(app, couple, ana_client):
    today = local_today(couple[0])
    for days_back in (3, 0, 1):
        saved_id(
            ana_client.post(
                "/checkins/new",
                data={"note": f"Day minus {days_back}", "day": (today - timedelta(days=days_back)).isoformat()},
            )
        )
    page = read_text(ana_client.get("/checkins"))
    assert page.index("Day minus 0") < page.index("Day minus 1") < page.index("Day minus 3")

    ana = couple[0]
    for n in range(25):
        checkin_create(
            author=ana,
            answers={"mood": 3, "note": f"Filler {n:02d}"},
            day=today - timedelta(days=5),
            visibility="private",
        )
    db.session.commit()
    first, second = read_text(ana_client.get("/checkins")), read_text(ana_client.get("/checkins?page=2"))
    assert "Older" in first and "Newer" not in first and "Day minus 0" in first
    assert "Newer" in second and "Older" not in second and "Day minus 0" not in second
    assert len(re.findall(r"Filler \d\d", first + second)) == 25


# -- revealed together -------------------------------------------------------------------------


@pytest.fixture
def together(app, couple):
    """A prompt for both Ana and Bo, due now in their couple's plan."""
    ana, _, _ = couple
    plan = Scope(ana).plan_or_create()
    db.session.commit()
    return shared_prompt(plan)


def test_a_check_in_from_a_prompt_is_linked_and_marks_it_done(app, couple, ana_client, together):
    ana = couple[0]
    key = prompt_key(ana, together)
    page = ana_client.get(f"/checkins/new?prompt={key}")
    assert page.status_code == 200 and "For: How are we doing tonight · a prompt for you both" in read_text(page)
    assert element(page, "form[method=post][action^=/checkins/new?prompt=]").get("action").removeprefix(
        "/checkins/new?prompt="
    ) in (key, key.replace("@", "%40"))
    saved_id(ana_client.post(f"/checkins/new?prompt={key}", data={"mood": "3"}))
    row = only_checkin()
    assert row.schedule_id == together.id and row.together is True
    assert row.occurrence_at.strftime("%Y%m%dT%H%M%SZ") == key.split("@")[1]
    (action,) = db.session.scalars(select(PromptAction)).all()
    assert (action.user_id, action.schedule_id, action.state) == (ana.id, together.id, "done")
    assert "How are we doing tonight" not in read_text(ana_client.get("/today"))


def test_an_unknown_prompt_key_is_ignored_calmly(app, couple, ana_client, together):
    for key in ("999@20260101T200000Z", "nonsense", f"{together.id}@20200101T000000Z"):
        page = ana_client.get(f"/checkins/new?prompt={key}")
        assert page.status_code == 200 and "For:" not in read_text(page)
        saved_id(ana_client.post(f"/checkins/new?prompt={key}", data={"mood": "3"}))
    assert db.session.scalar(select(func.count()).select_from(CheckIn).where(CheckIn.schedule_id.is_not(None))) == 0
    assert db.session.scalar(select(func.count()).select_from(PromptAction)) == 0


def test_answers_to_a_prompt_for_both_open_when_both_have_answered(app, couple, ana_client, bo_client, together):
    ana, bo, _ = couple
    ana_id = saved_id(
        ana_client.post(
            f"/checkins/new?prompt={prompt_key(ana, together)}",
            data={"mood": "2", "note": "Ana's quiet answer", "visibility": "shared"},
        )
    )
    own = read_text(ana_client.get(f"/checkins/{ana_id}"))
    assert "Ana's quiet answer" in own and "Waiting for your partner" in own
    for page in (read_text(bo_client.get(f"/checkins/{ana_id}")), read_text(bo_client.get("/checkins"))):
        assert "Ana answered a prompt for you both" in page
        assert "Ana's quiet answer" not in page and "Mood" not in page

    # Bo answers, but keeps it private: nothing opens either way
    bo_id = saved_id(
        bo_client.post(
            f"/checkins/new?prompt={prompt_key(bo, together)}", data={"mood": "4", "note": "Bo's own answer"}
        )
    )
    assert "Ana's quiet answer" not in read_text(bo_client.get(f"/checkins/{ana_id}"))
    assert "Waiting for your partner" in read_text(ana_client.get(f"/checkins/{ana_id}"))
    assert ana_client.get(f"/checkins/{bo_id}").status_code == 404

    # Bo shares: both see both
    bo_client.post(f"/checkins/{bo_id}/visibility", data={"visibility": "shared"})
    bo_view = read_text(bo_client.get(f"/checkins/{ana_id}"))
    assert "Ana's quiet answer" in bo_view and "Mood 2 of 5" in bo_view and "answered a prompt" not in bo_view
    ana_list = read_text(ana_client.get("/checkins"))
    assert (
        "Bo's own answer" in ana_list
        and "Ana's quiet answer" in ana_list
        and "Waiting for your partner" not in ana_list
    )


def test_answers_given_together_can_open_after_48_hours_if_the_couple_chooses(
    app, couple, ana_client, bo_client, together
):
    ana = couple[0]
    ana_id = saved_id(
        ana_client.post(
            f"/checkins/new?prompt={prompt_key(ana, together)}", data={"note": "Two days on", "visibility": "shared"}
        )
    )

    def age(hours):
        row = db.session.get(CheckIn, ana_id)
        row.created_at = now_utc() - timedelta(hours=hours)
        db.session.commit()

    age(49)
    assert "Two days on" not in read_text(bo_client.get(f"/checkins/{ana_id}"))  # the setting is off
    assert 'name="reveal_after_48h"' in ana_client.get("/checkins").get_data(as_text=True)

    assert bo_client.post("/checkins/settings", data={"reveal_after_48h": "y"}).status_code == 302  # either partner
    db.session.expire_all()
    assert db.session.scalar(select(Plan.reveal_after_48h)) is True
    for client in (ana_client, bo_client):
        assert checked_values(client.get("/checkins").get_data(as_text=True), "reveal_after_48h") == ["y"]
    # read with the page's rows, and on its own where a page has none
    assert checked_values(ana_client.get("/checkins?page=9").get_data(as_text=True), "reveal_after_48h") == ["y"]
    assert "Two days on" in read_text(bo_client.get(f"/checkins/{ana_id}"))
    assert "Waiting for your partner" not in read_text(ana_client.get(f"/checkins/{ana_id}"))

    age(47)
    assert "Two days on" not in read_text(bo_client.get(f"/checkins/{ana_id}"))
    assert "Waiting for your partner" in read_text(ana_client.get(f"/checkins/{ana_id}"))

    age(49)
    ana_client.post("/checkins/settings", data={})  # switched off again
    assert "Two days on" not in read_text(bo_client.get(f"/checkins/{ana_id}"))
    assert checked_values(bo_client.get("/checkins").get_data(as_text=True), "reveal_after_48h") == []
    assert checked_values(bo_client.get("/checkins?page=9").get_data(as_text=True), "reveal_after_48h") == []


def test_a_prompt_for_one_partner_is_shared_as_usual(app, couple, ana_client, bo_client):
    ana = couple[0]
    plan = Scope(ana).plan_or_create()
    db.session.commit()
    mine = shared_prompt(plan, prompt_user=ana)
    ana_id = saved_id(
        ana_client.post(
            f"/checkins/new?prompt={prompt_key(ana, mine)}", data={"note": "Just my prompt", "visibility": "shared"}
        )
    )
    assert only_checkin().together is False
    assert "Just my prompt" in read_text(bo_client.get(f"/checkins/{ana_id}"))
    assert "Waiting for your partner" not in read_text(ana_client.get(f"/checkins/{ana_id}"))


# -- at rest and at scale ---------------------------------------------------------------------


@pytest.mark.sqlite_only  # reads the SQLite file itself
def test_the_database_file_holds_none_of_the_words(app, backend, couple, ana_client):
    words = ("Marmalade", "lighthouse", "whispering", "Tangerine", "umbrella")
    checkin_id = saved_id(
        ana_client.post(
            "/checkins/new",
            data={
                "note": "Marmalade lighthouse whispering",
                "boundary_note": "Tangerine umbrella",
                "visibility": "shared",
            },
        )
    )
    ana_client.post(f"/checkins/{checkin_id}/visibility", data={"visibility": "private"})
    db.session.commit()
    with db.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(FULL)")
    path = db.engine.url.database
    with open(path, "rb") as fh:
        raw = fh.read()
    assert b"ana@example.com" in raw  # the file is really read
    for word in words:
        assert word.encode() not in raw, word
        assert word.lower().encode() not in raw.lower(), word


def test_the_history_costs_the_same_statements_for_1_or_30_check_ins(app, couple, ana_client):
    ana, bo, _ = couple
    today = local_today(ana)
    checkin_create(author=ana, answers={"mood": 3, "note": "First"}, day=today, visibility="shared")
    db.session.commit()
    ana_client.get("/checkins")
    with count_queries(app) as one:
        assert ana_client.get("/checkins").status_code == 200
    for n in range(29):
        author = (ana, bo)[n % 2]
        checkin_create(
            author=author,
            answers={"mood": 1 + n % 5, "note": f"Note {n}", "boundary_note": "gently"},
            day=today - timedelta(days=n % 14),
            visibility=("shared", "private")[n % 3 == 0],
        )
    db.session.commit()
    with count_queries(app) as many:
        response = ana_client.get("/checkins")
    assert response.status_code == 200 and "Note 0" in read_text(response)
    assert one.count == many.count, many.statements
    assert many.count <= 7, many.statements


def test_saving_a_check_in_writes_its_words_only_when_there_are_any(app, couple, ana_client):
    """A check-in is sealed once the row has its id: a check-in without words is one
    INSERT (no UPDATE of empty fields, no key read, and no read of the partner, whom a
    check-in saved without a prompt never concerns); with a note, the note alone is sealed."""
    ana_client.post("/checkins/new", data={"mood": "2", "note": "First"})  # the first words make Ana's key
    with count_queries(app) as plain:
        saved_id(ana_client.post("/checkins/new", data={"mood": "3", "closeness": "4"}))
    writes = [s.split()[0] for s in plain.statements if s.split()[0] in ("INSERT", "UPDATE")]
    assert writes == ["INSERT"], plain.statements
    assert not any("FROM users WHERE users.couple_id" in " ".join(s.split()) for s in plain.statements)
    with count_queries(app) as worded:
        checkin_id = saved_id(ana_client.post("/checkins/new", data={"mood": "3", "note": "Slow morning"}))
    assert [s.split()[0] for s in worded.statements if s.split()[0] in ("INSERT", "UPDATE")] == ["INSERT", "UPDATE"]
    row = db.session.get(CheckIn, checkin_id)
    assert opened(row, "note") == "Slow morning" and row.boundary_note_sealed is None


def test_a_cards_day_is_worded_as_strftime_words_it():
    """`day_words` writes the day by hand: the same words as `strftime(DAY_FORMAT)`."""
    start = date(2026, 1, 1)
    for offset in range(0, 400, 3):
        day = start + timedelta(days=offset)
        assert day_words(day) == day.strftime(DAY_FORMAT)


@pytest.mark.sqlite_only  # templates only
@pytest.mark.parametrize("answered_only", [False, True])
@pytest.mark.parametrize("waiting", [False, True])
@pytest.mark.parametrize("boundary", [None, Markup('<span class="boundary-green">Green: yes</span>')])
@pytest.mark.parametrize("notes", [(None, None), ("<b>tired</b>", "slow please")])
def test_the_list_writes_each_cards_body_as_its_own_page_does(app, answered_only, waiting, boundary, notes):
    """The list writes a card's body inline (a macro called per card was a third of the
    list) and a check-in's own page through `checkin_body`: the two say the same."""
    note, boundary_note = notes
    card = CheckInCard(
        href="/checkins/7",
        day="Monday 4 May 2026",
        author="Bo",
        mine=False,
        shared=True,
        from_prompt=False,
        answered_only=answered_only,
        waiting=waiting,
        answers=Markup('<dl class="scores"><div><dt>Mood</dt><dd>4 of 5</dd></div></dl>'),
        boundary=boundary,
        boundary_note=boundary_note,
        note=note,
        id=7,
    )
    with app.test_request_context("/checkins"):
        parts = app.jinja_env.get_template("checkins/_parts.html").module
        listed = str(parts.checkin_list([card]))
        body = str(parts.checkin_body(card))
    item = re.search(r"</p>(.*)</li>", listed, re.S).group(1)  # after the card's "who" line
    assert " ".join(item.split()) == " ".join(body.split())


@pytest.mark.sqlite_only  # no database
def test_a_card_lists_scores_and_health_apart_and_only_what_was_answered():
    from types import SimpleNamespace

    from journal.checkins.cards import _answers
    from journal.models.checkins import SCORE_FIELDS

    blank = dict.fromkeys((*SCORE_FIELDS, "sleep_hours", "pain", "bleeding", "fever"))
    lists = {
        "none": {},
        "scores": {"mood": 4},
        "health": {"pain": "mild"},
        "both": {"mood": 4, "sleep_hours": 7.0},
    }
    found = {
        case: re.findall(r"<dl class=\"scores\">(.*?)</dl>", str(_answers(SimpleNamespace(**{**blank, **given}))))
        for case, given in lists.items()
    }
    assert [len(found[case]) for case in lists] == [0, 1, 1, 2]
    assert "Mood" in found["scores"][0] and "Pain" in found["health"][0]
    assert "Mood" in found["both"][0] and "Slept" in found["both"][1]
