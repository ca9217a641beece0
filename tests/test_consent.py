"""Consent language: suggestions until a couple makes the words their own,
either partner edits, limits refused with a message by the field, phrases shown
escaped, and the page one tap away from every page.
"""

import html

import pytest
from sqlalchemy import select

from journal.consent.services import PHRASE_TEXT
from journal.extensions import db
from journal.models import ConsentPhrase, Plan
from journal.practices.library import consent_suggestions
from journal.testing import client_for, count, elements, field_error, texts_of

pytestmark = pytest.mark.sqlite_only  # consent wording and its limits: the same on both databases (tests/conftest.py)

SIGNALS = ("ask", "slow_down", "pause", "stop", "check_in")
LABELS = {
    "ask": "Asking",
    "slow_down": "Slowing down",
    "pause": "Pausing",
    "stop": "Stopping",
    "check_in": "Checking in",
}
SUGGESTIONS_NOTE = "These are suggestions to start from. Make them yours together."

OURS = {
    "ask": "May I hold you?\nIs this all right?",
    "slow_down": "Amber",
    "pause": "Tea break\nTwo taps on the arm",
    "stop": "Pineapple",
    "check_in": "Still with me?",
}


def shown_phrases(response) -> dict[str, list[str]]:
    """What /consent shows: signal heading -> its phrases, in order."""
    return {
        section.select_one("h2").text: [li.text for li in section.select("li")]
        for section in elements(response, "section.card")
        if section.select("section.card > h2")
    }


def expected(phrases: dict[str, list[str]]) -> dict[str, list[str]]:
    return {LABELS[s]: phrases.get(s, []) for s in SIGNALS}


def saved() -> dict[str, list[str]]:
    rows = db.session.scalars(select(ConsentPhrase).order_by(ConsentPhrase.signal, ConsentPhrase.position))
    found: dict[str, list[str]] = {}
    for row in rows:
        found.setdefault(row.signal, []).append(PHRASE_TEXT.open_one(row, "phrase"))
    return found


def test_a_couple_that_never_edited_sees_the_suggestions(app, couple):
    ana, bo, c = couple
    client = client_for(app, ana)

    page = client.get("/consent")

    assert page.status_code == 200
    suggestions = consent_suggestions()
    assert set(suggestions) == set(SIGNALS) and all(suggestions.values())
    assert shown_phrases(page) == expected(suggestions)
    assert SUGGESTIONS_NOTE in html.unescape(page.get_data(as_text=True))
    assert ">Make these ours</a>" in page.get_data(as_text=True)
    # The edit form starts from them too.
    form = html.unescape(client.get("/consent/edit").get_data(as_text=True))
    assert "\n".join(suggestions["stop"]) in form
    # Reading wrote nothing.
    assert count(ConsentPhrase) == 0 and count(Plan) == 0


def test_either_partner_saves_and_the_other_sees_the_same_words(app, couple, stranger):
    ana, bo, c = couple
    ana_client, bo_client = client_for(app, ana), client_for(app, bo)

    response = bo_client.post("/consent/edit", data=OURS)

    assert response.status_code == 302 and response.headers["Location"] == "/consent"
    ours = {s: OURS[s].split("\n") for s in SIGNALS}
    assert saved() == ours
    assert {r.updated_by_id for r in db.session.scalars(select(ConsentPhrase))} == {bo.id}
    page = ana_client.get("/consent")
    assert shown_phrases(page) == expected(ours)
    assert SUGGESTIONS_NOTE not in html.unescape(page.get_data(as_text=True))
    assert shown_phrases(bo_client.get("/consent")) == expected(ours)

    # Ana changes them back: Bo sees her words.
    ana_words = dict(OURS, stop="Red\nStop now", ask="")
    assert ana_client.post("/consent/edit", data=ana_words).status_code == 302
    theirs = dict(ours, stop=["Red", "Stop now"], ask=[])
    assert shown_phrases(bo_client.get("/consent")) == expected(theirs)
    assert "Nothing here yet." in bo_client.get("/consent").get_data(as_text=True)  # no asking words now

    # Another couple still sees suggestions, never these words.
    other = client_for(app, stranger).get("/consent")
    assert shown_phrases(other) == expected(consent_suggestions())
    assert SUGGESTIONS_NOTE in html.unescape(other.get_data(as_text=True))
    assert "Pineapple" not in other.get_data(as_text=True)


LONG = "x" * 301

BAD = {
    "no stop phrase": (dict(OURS, stop=""), "stop", "Please keep at least one way to say stop."),
    "only blank stop lines": (dict(OURS, stop="  \n \n"), "stop", "Please keep at least one way to say stop."),
    "eleven lines": (
        dict(OURS, pause="\n".join(f"Pause {i}" for i in range(11))),
        "pause",
        "Please keep to 10 phrases here.",
    ),
    "a 301-character line": (
        dict(OURS, check_in=f"Fine?\n{LONG}"),
        "check_in",
        "Please keep each phrase to 300 characters.",
    ),
}


def test_bad_consent_language_is_refused_and_nothing_changes(app, couple):
    ana, bo, c = couple
    client = client_for(app, ana)
    assert client.post("/consent/edit", data=OURS).status_code == 302
    before = saved()

    for case, (data, field, message) in BAD.items():
        response = client.post("/consent/edit", data=data)

        assert response.status_code == 422, case
        assert field_error(response, field) == message, case
        assert '<p class="form-problem" role="alert">' in response.get_data(as_text=True), case
        assert saved() == before, case
    # What was typed stays in the form to fix.
    assert "Fine?" in client.post("/consent/edit", data=BAD["a 301-character line"][0]).get_data(as_text=True)


def test_nine_phrases_of_300_characters_are_accepted(app, couple):
    ana, bo, c = couple
    lines = [str(i) * 300 for i in range(9)]

    response = client_for(app, ana).post("/consent/edit", data=dict(OURS, ask="\r\n".join(lines)))

    assert response.status_code == 302
    assert saved()["ask"] == lines


def test_ten_phrases_of_300_characters_are_accepted(app, couple):
    ana, bo, c = couple
    lines = [str(i) * 300 for i in range(10)]

    # As a browser sends a textarea: lines end in CR LF.
    response = client_for(app, ana).post("/consent/edit", data=dict(OURS, ask="\r\n".join(lines)))

    assert response.status_code == 302, field_error(response, "ask")
    assert saved()["ask"] == lines


def test_phrases_are_shown_escaped(app, couple):
    ana, bo, c = couple
    words = dict(OURS, stop="<script>alert('stop')</script>\n<b>Red</b>")
    assert client_for(app, ana).post("/consent/edit", data=words).status_code == 302

    body = client_for(app, bo).get("/consent").get_data(as_text=True)

    assert "&lt;script&gt;alert(" in body and "&lt;/script&gt;" in body
    assert "<script>alert(" not in body
    assert "&lt;b&gt;Red&lt;/b&gt;" in body and "<b>Red</b>" not in body
    edit = client_for(app, bo).get("/consent/edit").get_data(as_text=True)
    assert "&lt;script&gt;" in edit and "<script>alert(" not in edit


@pytest.mark.parametrize("path", ["/today", "/plan", "/practices", "/account"])
def test_consent_is_one_tap_away(app, couple, path):
    ana, bo, c = couple

    page = client_for(app, ana).get(path)

    assert page.status_code == 200
    assert "Consent" in texts_of(page, "header a[href=/consent]")
