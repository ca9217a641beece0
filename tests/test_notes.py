"""Progress notes after a practice, the sensation map, and sensation over time.

Every test runs on SQLite and on PostgreSQL (the `app` fixture). Notes are
written through the real form unless a test needs control of the date, which
it then passes to the service as `now=`.
"""

import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import delete, select, text, update

from journal.access import PRIVATE, SHARED, Scope
from journal.couple.services import couple_leave
from journal.extensions import db
from journal.models import PaceReady, PromptAction, Schedule, now_utc
from journal.models.notes import ProgressNote, SensationMap
from journal.notes.services import SensationInput, note_create
from journal.testing import (
    client_for,
    count,
    count_queries,
    element,
    elements,
    field_error,
    make_couple,
    make_practice,
    make_user,
    page_text,
    read_text,
    selected_values,
    textarea_value,
)
from journal.today.services import prompts_for

UTC = UTC
PLACEHOLDER = "This text can't be read any more."
READY_OFFER = "If you'd like, let Tandem know you feel ready for stage {}. Only you see this."


# -- helpers ------------------------------------------------------------------------


def only_note() -> ProgressNote:
    db.session.expire_all()
    (note,) = db.session.scalars(select(ProgressNote)).all()
    return note


def write(client, data, **query):
    path = "/notes/new"
    if query:
        path += "?" + "&".join(f"{k}={v}" for k, v in query.items())
    return client.post(path, data=data)


def note_id_from(response) -> int:
    assert response.status_code == 302, response.status_code
    return int(re.fullmatch(r"/notes/(\d+)", response.headers["Location"]).group(1))


def area_rows(response, author_id: int, area: str) -> list[tuple[str, str]]:
    """(date, feeling) rows of one area's table on the sensation page."""
    table = element(response, f"table#area-{author_id}-{area}")
    assert table, f"no table for {area}"
    rows = []
    for tr in table.select("tbody > tr"):
        when, feeling = tr.select("td")
        rows.append((when.text, feeling.select_one("span.feel").text))
    return rows


# -- writing a note -----------------------------------------------------------------


@pytest.mark.parametrize(
    "answer, column, stored",
    [
        ({"went": "Slow and kind."}, "went_sealed", None),
        ({"comfort": "4"}, "comfort", 4),
        ({"keep": "Warm hands first."}, "keep_sealed", None),
        ({"change": "Start earlier in the evening."}, "change_sealed", None),
        ({"pace": "slower"}, "pace", "slower"),
    ],
)
def test_one_answer_is_enough_and_the_note_is_private_by_default(
    app, ana, ana_client, bo_client, answer, column, stored
):
    practice = make_practice()
    response = write(ana_client, answer, practice=practice.id)
    note_id = note_id_from(response)
    note = only_note()
    assert (note.id, note.practice_id, note.author_id, note.visibility) == (note_id, practice.id, ana.id, PRIVATE)
    assert note.couple_id == ana.couple_id
    if stored is not None:
        assert getattr(note, column) == stored
    else:
        assert getattr(note, column) is not None and answer[next(iter(answer))].encode() not in getattr(note, column)
    page = page_text(ana_client.get(f"/notes/{note_id}"))
    assert practice.title in page
    for value in answer.values():
        if value not in ("4", "slower"):
            assert value in page
    assert bo_client.get(f"/notes/{note_id}").status_code == 404


def test_the_form_asks_calmly_and_offers_sharing_with_the_partner_by_name(app, ana_client):
    response = ana_client.get("/notes/new")
    page = page_text(response)
    assert "one answer is enough" in page
    assert "1 (not comfortable)" in page and "5 (very comfortable)" in page
    assert "Me and Bo" in page
    (chosen,) = elements(response, "input[name=visibility][checked]")
    assert (chosen.get("id"), chosen.get("type"), chosen.get("value")) == ("visibility-0", "radio", "private")


TOO_LONG = "a" * 10_001


@pytest.mark.parametrize(
    "data, field, message",
    [
        ({"comfort": "0", "went": "kept words"}, "comfort", "Please choose a number from 1 to 5."),
        ({"comfort": "6", "went": "kept words"}, "comfort", "Please choose a number from 1 to 5."),
        ({"comfort": "abc", "went": "kept words"}, "comfort", "Please choose a number from 1 to 5."),
        ({"pace": "faster", "went": "kept words"}, "pace", "Please choose one of the options."),
        ({"went": TOO_LONG, "keep": "kept words"}, "went", "Please keep this to 10,000 characters."),
        ({"keep": TOO_LONG, "went": "kept words"}, "keep", "Please keep this to 10,000 characters."),
        ({"change": TOO_LONG, "went": "kept words"}, "change", "Please keep this to 10,000 characters."),
        ({"went": "   ", "keep": ""}, "went", "Please answer at least one question."),
        ({}, "went", "Please answer at least one question."),
    ],
    ids=["comfort-0", "comfort-6", "comfort-abc", "pace", "went-long", "keep-long", "change-long", "blank", "empty"],
)
def test_bad_note_input_is_refused_next_to_the_field_and_kept(app, ana_client, data, field, message):
    practice = make_practice()
    response = write(ana_client, data, practice=practice.id)
    assert response.status_code == 422
    assert message in (field_error(response, field) or "")
    for name, typed in data.items():
        if name in ("went", "keep", "change") and typed.strip():
            assert textarea_value(response, name) == typed, f"{name} was not kept"
    assert count(ProgressNote, fresh=True) == 0 and count(SensationMap, fresh=True) == 0


@pytest.mark.parametrize(
    "posted, message",
    [
        ({"sensation-elbow": "comfortable"}, "Please answer for the areas listed."),
        ({"sensation-hands": "tingly"}, "Please choose how touch felt from the list."),
    ],
    ids=["unknown-area", "unknown-feeling"],
)
def test_bad_sensation_map_is_refused_next_to_the_map(app, ana_client, posted, message):
    practice = make_practice(kind="touch", stage=1)
    data = {"went": "kept words", "sensation-back": "reduced", **posted}
    response = write(ana_client, data, practice=practice.id)
    assert response.status_code == 422
    assert field_error(response, "sensation") == message
    assert selected_values(response, "sensation-back") == ["reduced"]
    assert textarea_value(response, "went") == "kept words"
    assert '<details class="sensation-map" open>' in response.get_data(as_text=True)
    assert count(ProgressNote, fresh=True) == 0 and count(SensationMap, fresh=True) == 0


def test_another_couples_own_practice_is_not_found(app, ana_client, stranger):
    theirs = make_practice(plan=Scope(stranger).plan_or_create())
    db.session.commit()
    assert ana_client.get(f"/notes/new?practice={theirs.id}").status_code == 404
    assert write(ana_client, {"went": "hello"}, practice=theirs.id).status_code == 404
    assert ana_client.get("/notes/new?practice=abc").status_code == 404
    assert count(ProgressNote, fresh=True) == 0


def test_the_sensation_map_is_offered_after_touch_practices_only(app, ana_client):
    closeness, touch = make_practice(), make_practice(kind="touch", stage=1)
    assert 'name="sensation-hands"' not in ana_client.get(f"/notes/new?practice={closeness.id}").get_data(as_text=True)
    page = page_text(ana_client.get(f"/notes/new?practice={touch.id}"))
    for words in ("Hands and arms", "Intimate area, outside", "Intimate area, inside", "Reduced or numb", "Not tried"):
        assert words in page
    assert "Include in a summary for a clinician" in page
    # A map posted after a practice that isn't about touch is not kept.
    note_id_from(write(ana_client, {"went": "fine", "sensation-hands": "comfortable"}, practice=closeness.id))
    assert count(SensationMap, fresh=True) == 0


def test_a_sensation_map_is_sealed_private_by_default_and_remembers_the_clinician_choice(
    app, ana, ana_client, bo_client
):
    touch = make_practice(kind="touch", stage=1)
    data = {
        "sensation-hands": "comfortable",
        "sensation-intimate_outer": "reduced",
        "sensation-back": "",
        "visibility": SHARED,
        "for_clinician": "y",
    }
    note_id = note_id_from(write(ana_client, data, practice=touch.id))
    db.session.expire_all()
    (sensation_map,) = db.session.scalars(select(SensationMap)).all()
    assert (sensation_map.note_id, sensation_map.visibility, sensation_map.for_clinician) == (note_id, PRIVATE, True)
    assert b"reduced" not in sensation_map.areas_sealed and b"hands" not in sensation_map.areas_sealed
    page = page_text(ana_client.get(f"/notes/{note_id}"))
    assert "Hands and arms" in page and "Reduced or numb" in page and "Back" not in page.split("How touch felt")[1]
    assert "Included in a summary for a clinician" in page
    # The note is shared, its map is not: Bo reads the note without the map.
    bo_page = page_text(bo_client.get(f"/notes/{note_id}"))
    assert "A note from Ana" in bo_page and "Reduced or numb" not in bo_page
    assert "Reduced or numb" not in page_text(bo_client.get("/notes/sensation"))


# -- the "ready for more" offer -----------------------------------------------------


def test_ready_for_more_offers_a_private_ready_that_leaves_the_partners_plan_unchanged(
    app, ana, bo, ana_client, bo_client
):
    bo_plan_before = bo_client.get("/plan").get_data(as_text=True)
    note_id = note_id_from(write(ana_client, {"pace": "more", "visibility": SHARED}))
    page = page_text(ana_client.get(f"/notes/{note_id}"))
    assert READY_OFFER.format(2) in page
    assert 'action="/plan/pace/ready"' in page and 'name="to_stage" type="hidden" value="2"' in page
    assert READY_OFFER.format(2) not in page_text(bo_client.get(f"/notes/{note_id}")), "only the author is offered"

    response = ana_client.post("/plan/pace/ready", data={"to_stage": "2"}, follow_redirects=True)
    assert "Noted, just for you" in page_text(response)
    db.session.expire_all()
    assert [(m.user_id, m.to_stage) for m in db.session.scalars(select(PaceReady))] == [(ana.id, 2)]
    assert Scope(ana).plan.stage == 1
    assert bo_client.get("/plan").get_data(as_text=True) == bo_plan_before
    assert READY_OFFER.format(2) not in page_text(ana_client.get(f"/notes/{note_id}")), "not offered twice"


def test_no_ready_offer_for_other_suggestions_at_the_last_stage_or_after_the_stage_moved(app, ana, ana_client):
    same = note_id_from(write(ana_client, {"pace": "same"}))
    assert "feel ready for stage" not in page_text(ana_client.get(f"/notes/{same}"))
    more = note_id_from(write(ana_client, {"pace": "more"}))
    plan = Scope(ana).plan_or_create()
    plan.stage = 2
    db.session.commit()
    assert "feel ready for stage" not in page_text(ana_client.get(f"/notes/{more}")), "written at another stage"
    plan.stage = 4
    db.session.commit()
    last = note_id_from(write(ana_client, {"pace": "more"}))
    assert "feel ready for stage" not in page_text(ana_client.get(f"/notes/{last}"))


# -- sensation over time ------------------------------------------------------------


def _map_on(user, day: date, areas: dict, visibility=PRIVATE) -> ProgressNote:
    note = note_create(
        scope=Scope(user),
        author=user,
        went=f"Evening of {day}",
        sensation=SensationInput(areas=areas, visibility=visibility),
        now=datetime(day.year, day.month, day.day, 20, 0, tzinfo=UTC),
    )
    db.session.commit()
    return note


def test_sensation_over_time_shows_each_areas_answers_oldest_first(app, ana, bo, ana_client, bo_client):
    _map_on(ana, date(2026, 3, 19), {"hands": "comfortable", "belly": "neutral"})
    _map_on(ana, date(2026, 3, 5), {"hands": "reduced"})
    _map_on(ana, date(2026, 3, 12), {"hands": "neutral", "intimate_outer": "not_tried"})
    response = ana_client.get("/notes/sensation?period=all")
    assert response.status_code == 200
    assert area_rows(response, ana.id, "hands") == [
        ("5 March 2026", "Reduced or numb"),
        ("12 March 2026", "Neutral"),
        ("19 March 2026", "Comfortable"),
    ]
    assert area_rows(response, ana.id, "intimate_outer") == [("12 March 2026", "Not tried")]
    page = page_text(response)
    assert "<caption>Hands and arms</caption>" in page and '<th scope="col">How touch felt</th>' in page
    assert f'id="area-{ana.id}-back"' not in page, "areas never answered have no table"
    # Private maps are Ana's alone; a shared one shows on Bo's page, under Ana's name.
    assert "Reduced or numb" not in page_text(bo_client.get("/notes/sensation?period=all"))
    _map_on(ana, date(2026, 3, 26), {"hands": "comfortable", "chest": "uncomfortable"}, visibility=SHARED)
    bo_response = bo_client.get("/notes/sensation?period=all")
    assert "Shared by Ana" in page_text(bo_response)
    assert area_rows(bo_response, ana.id, "hands") == [("26 March 2026", "Comfortable")]


def test_sensation_over_time_shows_a_year_unless_asked_for_another_period(app, ana, bo, ana_client, bo_client):
    today = now_utc().date()
    _map_on(ana, today - timedelta(weeks=60), {"hands": "reduced"})
    _map_on(ana, today - timedelta(weeks=6), {"hands": "neutral"})
    _map_on(ana, today, {"hands": "comfortable"})

    def feelings(period=None):
        page = ana_client.get("/notes/sensation" + (f"?period={period}" if period else ""))
        (current,) = elements(page, "nav.period-nav a[aria-current=page]")
        return current.text, [feeling for _, feeling in area_rows(page, ana.id, "hands")]

    assert feelings() == ("A year", ["Neutral", "Comfortable"])
    assert feelings("all") == ("All time", ["Reduced or numb", "Neutral", "Comfortable"])
    assert feelings("4") == ("4 weeks", ["Comfortable"])
    assert feelings("nonsense") == ("A year", ["Neutral", "Comfortable"])
    # Only older maps: the page says so and links to them; with none at all, it says none yet.
    db.session.execute(delete(SensationMap).where(SensationMap.created_at > datetime.now(UTC) - timedelta(weeks=52)))
    db.session.commit()
    page = read_text(ana_client.get("/notes/sensation"))
    assert "No sensation maps in this period. All time shows the earlier ones." in page
    assert "No sensation maps yet." in read_text(bo_client.get("/notes/sensation"))


# -- who sees what ------------------------------------------------------------------


def test_visibility_rules_for_author_partner_stranger_and_anonymous(app, ana, bo, ana_client, bo_client, stranger):
    private = note_id_from(write(ana_client, {"went": "Just for me, the quiet part."}))
    shared = note_id_from(write(ana_client, {"went": "For us both, the warm part.", "visibility": SHARED}))
    stranger_client = client_for(app, stranger)

    ana_list = page_text(ana_client.get("/notes"))
    assert "the quiet part" in ana_list and "the warm part" in ana_list
    bo_list = page_text(bo_client.get("/notes"))
    assert "the warm part" in bo_list and "the quiet part" not in bo_list and "from Ana" in bo_list
    assert "the warm part" not in page_text(stranger_client.get("/notes"))

    assert [ana_client.get(f"/notes/{n}").status_code for n in (private, shared)] == [200, 200]
    assert [bo_client.get(f"/notes/{n}").status_code for n in (private, shared)] == [404, 200]
    assert [stranger_client.get(f"/notes/{n}").status_code for n in (private, shared)] == [404, 404]
    anonymous = app.test_client().get(f"/notes/{shared}")
    assert anonymous.status_code == 302 and anonymous.headers["Location"].startswith("/login")

    for other in (bo_client, stranger_client):
        assert other.get(f"/notes/{shared}/delete").status_code == 404
        assert other.post(f"/notes/{shared}/delete").status_code == 404
        assert other.post(f"/notes/{shared}/visibility", data={"visibility": PRIVATE}).status_code == 404
    assert count(ProgressNote, fresh=True) == 2 and db.session.get(ProgressNote, shared).visibility == SHARED

    couple_leave(user=bo)
    db.session.commit()
    assert bo_client.get(f"/notes/{shared}").status_code == 404
    assert "the warm part" not in page_text(bo_client.get("/notes"))
    assert ana_client.get(f"/notes/{shared}").status_code == 200, "the author keeps what she wrote"


def test_the_history_words_each_note_for_its_reader(app, ana, bo, ana_client, bo_client):
    """Each card: the local day, whose it is and who sees it, the practice (or "A note"),
    the first answer given (shortened), comfort and pace."""
    ana.timezone = "Pacific/Kiritimati"  # UTC+14: the next day already
    db.session.commit()
    practice = make_practice()
    at = datetime(2026, 3, 1, 12, 30, tzinfo=UTC)
    long = "word " * 60
    note_create(scope=Scope(ana), author=ana, practice=practice, keep=long, comfort=4, pace="slower", now=at)
    note_create(scope=Scope(ana), author=ana, went="<b>ours</b>", visibility=SHARED, now=at + timedelta(hours=1))
    note_create(scope=Scope(bo), author=bo, pace="more", visibility=SHARED, now=at + timedelta(hours=2))
    db.session.commit()

    def cards(client):
        return [
            (li.select_one("p.meta").text, li.select_one("h2").text, [p.text for p in li.select("p")[1:]])
            for li in elements(client.get("/notes"), "ul.note-list > li.card")
        ]

    assert cards(ana_client) == [
        ("2 March 2026 · from Bo", "A note", ["Ready for a little more"]),
        ("2 March 2026 · shared", "A note", ["<b>ours</b>"]),
        (
            "2 March 2026 · only you",
            practice.title,
            [("word " * 31).strip() + "...", "Comfort 4 of 5 · A little slower"],
        ),
    ]
    assert cards(bo_client) == [
        ("1 March 2026 · shared", "A note", ["Ready for a little more"]),
        ("1 March 2026 · from Ana", "A note", ["<b>ours</b>"]),
    ]


def test_after_leaving_the_former_partner_sees_no_shared_map(app, ana, bo, bo_client):
    _map_on(ana, date(2026, 3, 5), {"hands": "reduced"}, visibility=SHARED)
    assert "Reduced or numb" in page_text(bo_client.get("/notes/sensation"))
    couple_leave(user=ana)
    db.session.commit()
    assert "Reduced or numb" not in page_text(bo_client.get("/notes/sensation"))


def test_visibility_changes_both_ways_and_reseals_every_field(app, ana, ana_client, bo_client):
    touch = make_practice(kind="touch", stage=1)
    note_id = note_id_from(
        write(
            ana_client,
            {"went": "Went gently.", "keep": "The blanket.", "change": "Earlier.", "sensation-hands": "neutral"},
            practice=touch.id,
        )
    )
    before = only_note()
    sealed_before = (before.went_sealed, before.keep_sealed, before.change_sealed)
    assert bo_client.get(f"/notes/{note_id}").status_code == 404

    response = ana_client.post(f"/notes/{note_id}/visibility", data={"visibility": SHARED}, follow_redirects=True)
    assert "Shared with your partner." in page_text(response)
    shared = only_note()
    assert shared.visibility == SHARED
    assert all(a != b for a, b in zip(sealed_before, (shared.went_sealed, shared.keep_sealed, shared.change_sealed)))
    bo_page = page_text(bo_client.get(f"/notes/{note_id}"))
    assert "Went gently." in bo_page and "The blanket." in bo_page and "Earlier." in bo_page
    assert "Neutral" not in bo_page, "the map keeps its own visibility"

    assert ana_client.post(f"/notes/{note_id}/map/visibility", data={"visibility": SHARED}).status_code == 302
    assert "Neutral" in page_text(bo_client.get(f"/notes/{note_id}"))
    assert ana_client.post(f"/notes/{note_id}/map/visibility", data={"visibility": PRIVATE}).status_code == 302
    assert "Neutral" not in page_text(bo_client.get(f"/notes/{note_id}"))

    assert ana_client.post(f"/notes/{note_id}/visibility", data={"visibility": PRIVATE}).status_code == 302
    assert only_note().visibility == PRIVATE
    assert bo_client.get(f"/notes/{note_id}").status_code == 404
    page = page_text(ana_client.get(f"/notes/{note_id}"))
    assert "Went gently." in page and "Neutral" in page and PLACEHOLDER not in page

    assert ana_client.post(f"/notes/{note_id}/visibility", data={"visibility": "everyone"}).status_code == 302
    assert only_note().visibility == PRIVATE


def test_a_note_written_while_single_is_not_shared_into_a_later_couple(app):
    solo = make_user(display_name="Robin")
    client = client_for(app, solo)
    note_id = note_id_from(write(client, {"went": "Alone this time."}))
    make_couple(solo, make_user(display_name="Jo"))
    response = client.post(f"/notes/{note_id}/visibility", data={"visibility": SHARED}, follow_redirects=True)
    assert "stays yours alone" in page_text(response)
    assert only_note().visibility == PRIVATE


def test_delete_is_for_the_author_and_takes_the_map_with_it(app, ana_client, bo_client):
    touch = make_practice(kind="touch", stage=1)
    note_id = note_id_from(
        write(ana_client, {"sensation-back": "comfortable", "visibility": SHARED}, practice=touch.id)
    )
    assert "Its sensation map goes with it." in page_text(ana_client.get(f"/notes/{note_id}/delete"))
    assert count(ProgressNote, fresh=True) == 1, "the confirmation page changes nothing"
    assert bo_client.post(f"/notes/{note_id}/delete").status_code == 404
    response = ana_client.post(f"/notes/{note_id}/delete")
    assert response.status_code == 302 and response.headers["Location"] == "/notes"
    assert count(ProgressNote, fresh=True) == 0 and count(SensationMap, fresh=True) == 0


# -- at rest ------------------------------------------------------------------------


def test_no_word_of_a_note_is_stored_in_clear(app, backend, ana_client):
    touch = make_practice(kind="touch", stage=1)
    words = {"went": "marmalade-evening", "keep": "lavender-blanket", "change": "thistle-morning"}
    note_id_from(write(ana_client, {**words, "sensation-intimate_inner": "uncomfortable"}, practice=touch.id))
    db.session.commit()
    note = only_note()
    (sensation_map,) = db.session.scalars(select(SensationMap)).all()
    stored = b"".join((note.went_sealed, note.keep_sealed, note.change_sealed, sensation_map.areas_sealed))
    for word in (*words.values(), "uncomfortable", "intimate_inner"):
        assert word.encode() not in stored
    if backend == "sqlite":
        with db.engine.connect() as conn:
            conn.execute(text("PRAGMA wal_checkpoint(FULL)"))
        with open(db.engine.url.database, "rb") as database_file:
            raw = database_file.read()
        for word in (*words.values(), "uncomfortable", "intimate_inner"):
            assert word.encode() not in raw, f"{word} is readable in the database file"


def test_a_ciphertext_moved_to_another_note_shows_a_calm_placeholder(app, ana_client):
    first = note_id_from(write(ana_client, {"went": "The first evening, words of its own."}))
    second = note_id_from(write(ana_client, {"went": "The second evening."}))
    moved = db.session.scalar(select(ProgressNote.went_sealed).where(ProgressNote.id == first))
    db.session.execute(update(ProgressNote).where(ProgressNote.id == second).values(went_sealed=moved))
    db.session.commit()
    response = ana_client.get(f"/notes/{second}")
    assert response.status_code == 200
    page = page_text(response)
    assert PLACEHOLDER in page and "words of its own" not in page
    listing = page_text(ana_client.get("/notes"))
    assert PLACEHOLDER in listing and "words of its own" in listing
    # An unreadable note can't be re-sealed, so its visibility stays as it is.
    response = ana_client.post(f"/notes/{second}/visibility", data={"visibility": SHARED}, follow_redirects=True)
    assert response.status_code == 200 and "can't be read any more" in page_text(response)
    assert db.session.get(ProgressNote, second).visibility == PRIVATE


def test_the_history_costs_the_same_statements_for_one_note_or_thirty(app, ana, bo, ana_client):
    practice = make_practice()
    note_create(scope=Scope(ana), author=ana, practice=practice, went="one")
    db.session.commit()
    ana_client.get("/notes")
    with count_queries(app) as few:
        assert ana_client.get("/notes").status_code == 200
    for n in range(29):
        author = ana if n % 2 else bo
        note_create(
            scope=Scope(author), author=author, practice=practice, went=f"note {n}", keep="k", visibility=SHARED
        )
    db.session.commit()
    with count_queries(app) as many:
        response = ana_client.get("/notes")
    assert response.status_code == 200 and "Older notes" in page_text(response)
    assert few.count == many.count, many.statements
    assert many.count <= 6, many.statements  # user, notes, count, data keys, partner, unread count


# -- from a prompt ------------------------------------------------------------------


def _due_now(user, practice) -> str:
    """A one-off schedule at the current minute; returns its prompt key."""
    plan = Scope(user).plan_or_create()
    local = now_utc().astimezone(ZoneInfo(plan.timezone))
    db.session.add(
        Schedule(
            plan_id=plan.id,
            practice_id=practice.id,
            kind="once",
            times=[local.strftime("%H:%M")],
            start_date=local.date(),
        )
    )
    db.session.commit()
    db.session.expire_all()
    (prompt,) = prompts_for(Scope(user), user)[1]
    return prompt.key


def test_a_note_from_a_prompt_marks_it_done_and_links_both(app, ana, ana_client):
    touch = make_practice(kind="touch", stage=1)
    key = _due_now(ana, touch)
    page = page_text(ana_client.get(f"/notes/new?prompt={key}"))
    assert touch.title in page and 'name="sensation-hands"' in page
    note_id_from(write(ana_client, {"went": "Lovely.", "sensation-hands": "comfortable"}, prompt=key))
    note = only_note()
    (action,) = db.session.scalars(select(PromptAction)).all()
    assert (action.user_id, action.state, action.schedule_id) == (ana.id, "done", note.schedule_id)
    assert note.occurrence_at == action.occurrence_at and note.practice_id == touch.id
    assert count(SensationMap, fresh=True) == 1
    db.session.expire_all()
    assert prompts_for(Scope(ana), ana)[1] == [], "the prompt is done"


def test_an_unknown_prompt_is_ignored_calmly(app, ana_client):
    practice = make_practice()
    assert ana_client.get("/notes/new?prompt=nonsense").status_code == 200
    assert ana_client.get("/notes/new?prompt=999@20260101T200000Z").status_code == 200
    note_id_from(
        write(ana_client, {"went": "Still worth writing."}, prompt="999@20260101T200000Z", practice=practice.id)
    )
    note = only_note()
    assert (note.schedule_id, note.occurrence_at, note.practice_id) == (None, None, practice.id)
    assert count(PromptAction, fresh=True) == 0


# -- CSRF ---------------------------------------------------------------------------


def test_writing_a_note_needs_the_csrf_token(csrf_app_config, app, ana_client):
    assert app.config["WTF_CSRF_ENABLED"] is True
    assert write(ana_client, {"went": "no token"}).status_code == 400
    assert count(ProgressNote, fresh=True) == 0
