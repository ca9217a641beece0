"""Care: the Care page (open to everyone, with the operator's support contacts),
and the calm notes a check-in brings to its author: when to see a clinician
(with a hold on touch practices) and support for low mood. Each note shows at
most once a week per person, and never to the partner.
"""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from journal.checkins.services import checkin_create, checkin_needs_clinician_note
from journal.extensions import db
from journal.models import Plan, now_utc
from journal.models.checkins import BLEEDING_ASKED_BEFORE, CareNotice, CheckIn
from journal.testing import elements, local_today, read_text

pytestmark = (
    pytest.mark.sqlite_only
)  # the Care page's content and notes: the same on both databases (tests/conftest.py)

CLINICIAN_NOTE = "A gentle word about your body"
LOW_MOOD_NOTE = "About feeling low"
NEUTRAL_LINE = "If you are in danger now, please contact your local emergency services."


#: Every urgent sign the Care page must list, in the words it uses.
URGENT_SIGNS = (
    "soaking a pad in an hour or less",
    "passing large clots",
    "severe tummy pain",
    "a fever",
    "stitches or a wound that are red, hot, oozing or smelly",
    "discharge that smells bad",
    "fainting",
    "a racing heart",
    "swelling of the face or hands",
    "a bad headache",
    "changes in your eyesight",
    "a red, swollen or painful leg",
    "chest pain or breathlessness",
    "numbness or weakness that is new, spreading or comes on suddenly",
    "numbness around the bottom and between the legs",
    "new trouble with your bladder or bowels",
    "confusion",
    "seeing or hearing things that aren't there",
    "a sudden change in mood",
    "thoughts of harming yourself or your baby",
)


def urgent_section(response) -> str:
    """The text of the Care page's urgent-signs card only."""
    (section,) = elements(response, "section[aria-labelledby=urgent-heading]")
    return section.text


def save(client, **data):
    """Post a check-in and return the page it leads to (where a care note would show)."""
    response = client.post("/checkins/new", data=data)
    assert response.status_code == 302, response.status_code
    page = client.get(response.headers["Location"])
    assert page.status_code == 200
    return page


def notices(condition=None) -> int:
    stmt = select(func.count()).select_from(CareNotice)
    if condition:
        stmt = stmt.where(CareNotice.condition == condition)
    return db.session.scalar(stmt)


def the_plan() -> Plan:
    db.session.expire_all()
    return db.session.scalar(select(Plan))


# -- the Care page ------------------------------------------------------------------------


def test_the_care_page_is_open_to_everyone(app, couple, ana_client):
    for client in (app.test_client(), ana_client):
        response = client.get("/care")
        assert response.status_code == 200
        page = read_text(response)
        assert "not medical advice" in page
        for sign in URGENT_SIGNS:
            assert sign in urgent_section(response), sign
        assert "Please contact your local emergency services, not an app" in page
        for help_from in ("midwife or health visitor", "your doctor", "a local perinatal mental-health line"):
            assert help_from in page, help_from
        assert "If you feel pressured or unsafe" in page
        assert "frightening thoughts" in page and "are common after a birth" in page
    assert 'href="/care" aria-current="page"' in ana_client.get("/care").get_data(as_text=True)
    assert 'href="/care"' in ana_client.get("/checkins/new").get_data(as_text=True)


def test_without_configured_contacts_a_neutral_line_shows(app):
    page = read_text(app.test_client().get("/care"))
    assert NEUTRAL_LINE in page


@pytest.fixture
def contacts_config(app_config):
    app_config["CARE_SUPPORT_CONTACTS"] = (
        "Safe at Home line: 0800 123 456\n\n  Quiet Harbour chat: https://harbour.example.org  \n"
        "<b>Bold</b> service: <script>x</script>\n"
    )
    return app_config


def test_configured_contacts_show_on_the_care_page(contacts_config, app):
    response = app.test_client().get("/care")
    body, page = response.get_data(as_text=True), read_text(response)
    assert "Safe at Home line : 0800 123 456" in page
    assert '<a href="https://harbour.example.org" rel="noopener noreferrer">https://harbour.example.org</a>' in body
    assert "&lt;b&gt;Bold&lt;/b&gt; service" in body and "<script>x" not in body
    assert NEUTRAL_LINE not in page


# -- when to see a clinician -------------------------------------------------------------


WORRYING = [{"bleeding": kind} for kind in ("heavier", "bright_red", "clots", "smelly")]


@pytest.mark.parametrize("answer", [{"pain": "strong"}, *WORRYING, {"fever": "yes"}])
def test_a_worrying_check_in_holds_touch_and_shows_a_calm_note(app, couple, ana_client, answer):
    ana = couple[0]
    page = read_text(save(ana_client, **answer))
    assert CLINICIAN_NOTE in page
    assert "talking over with a midwife, doctor or nurse" in page and "local emergency services" in page
    assert "Tandem isn't medical advice" in page
    plan = the_plan()
    assert plan.hold_by_id == ana.id and plan.hold_since is not None
    assert notices("clinician") == 1
    assert "Touch practices are resting for now" in read_text(ana_client.get("/plan"))


def test_gentle_answers_bring_no_note_and_no_hold(app, couple, ana_client):
    page = read_text(save(ana_client, pain="moderate", bleeding="none", fever="no", mood="3"))
    assert CLINICIAN_NOTE not in page and LOW_MOOD_NOTE not in page
    plan = the_plan()
    assert plan is None or plan.hold_by_id is None
    assert notices() == 0


def test_bleeding_that_is_settling_holds_nothing(app, couple, ana_client):
    """Light bleeding that fades is usual for weeks after a birth: no note, no hold."""
    form = read_text(ana_client.get("/checkins/new"))
    assert "Light bleeding that slowly fades is usual" in form
    for answer in (
        "None",
        "Some, settling as usual",
        "Heavier than before",
        "Bright red again",
        "Large clots",
        "Smells unpleasant",
    ):
        assert answer in form, answer
    page = save(ana_client, bleeding="settling")
    assert CLINICIAN_NOTE not in read_text(page)
    plan = the_plan()
    assert plan is None or plan.hold_by_id is None
    assert notices() == 0


def test_an_answer_from_the_old_yes_no_question_is_not_read_as_worrying(app, couple):
    """Rows saved as "any bleeding: yes" before the question changed stay as they were
    and start nothing when read again."""
    ana = couple[0]
    old = CheckIn(author_id=ana.id, couple_id=ana.couple_id, day=local_today(ana), bleeding=BLEEDING_ASKED_BEFORE)
    assert not checkin_needs_clinician_note(old)
    assert old.bleeding_words == 'Yes (asked as "any bleeding")'


def test_the_note_shows_once_a_week_and_the_hold_stays(app, couple, ana_client, bo_client):
    ana = couple[0]
    first = save(ana_client, fever="yes")
    assert CLINICIAN_NOTE in read_text(first)
    assert CLINICIAN_NOTE not in read_text(ana_client.get(first.request.path))  # shown once, not on every visit
    second = save(ana_client, bleeding="clots", pain="strong")
    assert CLINICIAN_NOTE not in read_text(second)
    assert notices("clinician") == 1
    assert the_plan().hold_by_id == ana.id

    notice = db.session.scalar(select(CareNotice))
    notice.shown_at = now_utc() - timedelta(days=7, minutes=1)
    db.session.commit()
    assert CLINICIAN_NOTE in read_text(save(ana_client, bleeding="heavier"))
    assert notices("clinician") == 2


def test_the_partner_never_sees_a_care_note(app, couple, ana_client, bo_client):
    ana, bo, _ = couple
    response = ana_client.post("/checkins/new", data={"pain": "strong", "note": "Rough day", "visibility": "shared"})
    path = response.headers["Location"]
    for page in (bo_client.get(path), bo_client.get("/checkins")):
        assert page.status_code == 200
        assert "Rough day" in read_text(page)  # the shared check-in itself is there
        assert CLINICIAN_NOTE not in read_text(page)
    assert CLINICIAN_NOTE in read_text(ana_client.get(path))  # it was still waiting for Ana
    # Bo's own calm check-in brings nothing of Ana's
    assert CLINICIAN_NOTE not in read_text(save(bo_client, mood="4"))
    # only Ana can lift the hold her check-in started
    bo_client.post("/plan/hold/lift")
    assert the_plan().hold_by_id == ana.id
    ana_client.post("/plan/hold/lift")
    assert the_plan().hold_by_id is None


# -- low mood ---------------------------------------------------------------------------


def low_days(user, moods, *, start=1):
    """Earlier check-ins with these moods, one a day going back from yesterday."""
    today = local_today(user)
    for n, mood in enumerate(moods, start=start):
        checkin_create(author=user, answers={"mood": mood}, day=today - timedelta(days=n), visibility="shared")
    db.session.commit()


def test_low_mood_on_most_check_ins_brings_a_note_about_support(app, couple, ana_client, bo_client):
    ana = couple[0]
    low_days(ana, [1, 2])
    assert LOW_MOOD_NOTE not in read_text(save(ana_client, mood="2"))  # three low days: not yet
    assert notices() == 0
    page = read_text(save(ana_client, mood="1", visibility="shared"))  # the fourth of four
    assert LOW_MOOD_NOTE in page
    assert "common after a birth" in page and "midwife, health visitor or doctor" in page
    assert "perinatal mental-health line" in page and CLINICIAN_NOTE not in page
    assert notices("low_mood") == 1
    assert the_plan() is None or the_plan().hold_by_id is None  # low mood alone holds nothing

    assert LOW_MOOD_NOTE not in read_text(save(ana_client, mood="1"))  # once a week
    assert LOW_MOOD_NOTE not in read_text(bo_client.get("/checkins"))
    assert notices("low_mood") == 1


def test_low_mood_needs_more_than_half_of_the_check_ins(app, couple, ana_client):
    ana = couple[0]
    low_days(ana, [1, 1, 1, 4, 5, 4, 5])
    assert LOW_MOOD_NOTE not in read_text(save(ana_client, mood="2"))  # 4 low of 8
    assert notices() == 0


def test_low_mood_counts_the_last_14_days_only(app, couple, ana_client):
    ana = couple[0]
    low_days(ana, [1, 1], start=1)
    low_days(ana, [1, 1, 1], start=14)  # 14, 15 and 16 days back
    assert LOW_MOOD_NOTE not in read_text(save(ana_client, mood="1"))  # 3 low inside the window
    assert LOW_MOOD_NOTE in read_text(save(ana_client, mood="1"))


def test_a_good_day_brings_no_low_mood_note(app, couple, ana_client):
    low_days(couple[0], [1, 1, 1, 1])
    assert LOW_MOOD_NOTE not in read_text(save(ana_client, mood="4"))
    assert notices() == 0
