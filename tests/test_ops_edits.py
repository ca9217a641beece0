"""Two saves of the same item from the same starting version: the later one does not
silently overwrite. It is refused (409), the page says so, shows the other version and
keeps what the person typed; saving again then replaces the other version knowingly."""

import pytest
from sqlalchemy import text

from journal.edits import EditConflict
from journal.entries.services import Link, entry_create, entry_open, entry_update, moment_create
from journal.extensions import db
from journal.models import Entry
from journal.testing import client_for, field_value, read_text, textarea_value

CHANGED = "This changed while you were writing"


def _entry_form(response) -> dict:
    return {
        "title": field_value(response, "title"),
        "body": textarea_value(response, "body"),
        "tags": field_value(response, "tags"),
        "visibility": "shared",
        "version": field_value(response, "version"),
    }


@pytest.fixture
def shared_entry(couple):
    ana = couple[0]
    entry = entry_create(author=ana, title="Sunday", body="We slept in.", tags=["rest"], visibility="shared")
    db.session.commit()
    return entry.id


def test_a_stale_entry_save_is_refused_and_keeps_both_texts(app, couple, shared_entry):
    ana = couple[0]
    phone, laptop = client_for(app, ana), client_for(app, ana)
    on_phone = _entry_form(phone.get(f"/journal/{shared_entry}/edit"))
    on_laptop = _entry_form(laptop.get(f"/journal/{shared_entry}/edit"))
    assert on_phone["version"] and on_phone["version"] == on_laptop["version"]

    first = phone.post(f"/journal/{shared_entry}/edit", data={**on_phone, "body": "We slept in, then pancakes."})
    assert first.status_code == 302

    later = laptop.post(f"/journal/{shared_entry}/edit", data={**on_laptop, "body": "We slept in and read aloud."})
    assert later.status_code == 409
    page = read_text(later)
    assert CHANGED in page
    assert "We slept in, then pancakes." in page  # the other version is shown
    assert textarea_value(later, "body") == "We slept in and read aloud."  # their own words are kept
    db.session.expire_all()
    assert entry_open(db.session.get(Entry, shared_entry)).body == "We slept in, then pancakes."

    # Saving again from the conflict page replaces the other version, knowingly.
    again = laptop.post(f"/journal/{shared_entry}/edit", data=_entry_form(later))
    assert again.status_code == 302
    db.session.expire_all()
    assert entry_open(db.session.get(Entry, shared_entry)).body == "We slept in and read aloud."


def test_a_stale_moment_save_is_refused(app, couple):
    ana = couple[0]
    moment = moment_create(author=ana, moment_kind="own", line="A long hug", visibility="shared")
    db.session.commit()
    one, two = client_for(app, ana), client_for(app, ana)
    version = field_value(one.get(f"/journal/{moment.id}/edit"), "version")
    assert field_value(two.get(f"/journal/{moment.id}/edit"), "version") == version
    data = {"moment_kind": "own", "visibility": "shared", "version": version}
    assert one.post(f"/journal/{moment.id}/edit", data={**data, "line": "A long hug by the window"}).status_code == 302
    later = two.post(f"/journal/{moment.id}/edit", data={**data, "line": "A hug before work"})
    assert later.status_code == 409
    assert CHANGED in read_text(later) and "A long hug by the window" in read_text(later)
    assert field_value(later, "line") == "A hug before work"


def test_the_database_refuses_a_save_that_races_past_the_check(app, couple, shared_entry):
    """Between reading the version and writing, another process saves: the UPDATE's
    WHERE version = ... matches nothing and the save is refused, not lost silently."""
    ana = couple[0]
    entry = db.session.get(Entry, shared_entry)
    loaded = entry.version
    with db.engine.begin() as other:  # another worker's save, committed meanwhile
        other.execute(text("UPDATE entries SET version = version + 1 WHERE id = :id"), {"id": shared_entry})
    with pytest.raises(EditConflict):
        entry_update(
            entry=entry,
            author=ana,
            title="Sunday",
            body="Mine",
            tags=[],
            visibility="shared",
            link=Link(),
            version=loaded,
        )
    db.session.rollback()


def test_garbage_in_the_version_field_is_a_conflict_not_a_500(app, couple, shared_entry):
    client = client_for(app, couple[0])
    form = _entry_form(client.get(f"/journal/{shared_entry}/edit"))
    for junk in ("abc", "9" * 400, "-5"):
        response = client.post(f"/journal/{shared_entry}/edit", data={**form, "body": "Kept words", "version": junk})
        assert response.status_code == 409 and textarea_value(response, "body") == "Kept words"


def _consent_form(response) -> dict:
    return {name: textarea_value(response, name) for name in ("ask", "slow_down", "pause", "stop", "check_in")} | {
        "version": field_value(response, "version")
    }


def test_partners_editing_the_consent_language_at_once(app, couple):
    ana, bo, _ = couple
    ana_client, bo_client = client_for(app, ana), client_for(app, bo)
    ana_form = _consent_form(ana_client.get("/consent/edit"))
    bo_form = _consent_form(bo_client.get("/consent/edit"))
    assert ana_form["version"] == bo_form["version"] == "0"

    assert ana_client.post("/consent/edit", data={**ana_form, "stop": "Red\nStop now"}).status_code == 302
    later = bo_client.post("/consent/edit", data={**bo_form, "stop": "Banana"})
    assert later.status_code == 409
    page = read_text(later)
    assert CHANGED in page and "Stop now" in page
    assert textarea_value(later, "stop") == "Banana"
    overview = read_text(ana_client.get("/consent"))
    assert "Stop now" in overview and "Banana" not in overview

    assert bo_client.post("/consent/edit", data=_consent_form(later)).status_code == 302
    overview = read_text(ana_client.get("/consent"))
    assert "Banana" in overview and "Stop now" not in overview
