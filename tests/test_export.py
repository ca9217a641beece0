"""Export and the clinician summary: the ZIP holds everything the person may see and
nothing they may not (author / partner / stranger), tandem.json validates against its
published schema, the password is asked first, and the summary's PDF leaves free text
out unless it is ticked."""

import csv
import io
import json
import zipfile
from datetime import timedelta
from pathlib import Path

import jsonschema
import pytest
import yaml
from pypdf import PdfReader
from sqlalchemy import update

from journal import create_app
from journal.access import SHARED, Scope
from journal.calendar.services import feed_regenerate
from journal.checkins.services import checkin_create
from journal.consent.services import phrases_replace
from journal.couple.services import invite_accept, invite_by_token, invite_create
from journal.entries.services import entry_create, moment_create
from journal.export.services import SCHEMA_PATH
from journal.extensions import db
from journal.models import User, UserSession, now_utc
from journal.notes.services import SensationInput, note_create
from journal.practices.services import practice_create
from journal.testing import (
    DEFAULT_PASSWORD,
    IsolatedClient,
    client_for,
    field_error,
    make_couple,
    make_schedule,
    make_user,
    read_text,
)

ROOT = Path(__file__).parent.parent


def write_everything(user: User, tag: str) -> None:
    """One private and one shared item of every kind, each naming `tag` and its visibility."""
    today = now_utc().date()
    for visibility in ("private", SHARED):
        marker = f"{tag}-{visibility}"
        checkin_create(author=user, answers={"mood": 3, "note": f"{marker}-checkin"}, day=today, visibility=visibility)
        entry_create(
            author=user, title=f"{marker}-title", body=f"{marker}-body", tags=[f"{marker}-tag"], visibility=visibility
        )
        moment_create(author=user, moment_kind="own", line=f"{marker}-moment", visibility=visibility)
        note_create(
            scope=Scope(user),
            author=user,
            went=f"{marker}-note",
            visibility=visibility,
            sensation=SensationInput(areas={"hands": "comfortable"}, visibility=visibility),
        )
    # A private note whose map alone is shared.
    note_create(
        scope=Scope(user),
        author=user,
        went=f"{tag}-hidden-note",
        visibility="private",
        sensation=SensationInput(areas={"back": "reduced"}, visibility=SHARED),
    )
    db.session.commit()


@pytest.fixture
def people(app, couple):
    ana, bo, _ = couple
    stranger = make_user(display_name="Sam")
    make_couple(stranger, make_user())
    write_everything(ana, "ana")
    write_everything(bo, "bo")
    write_everything(stranger, "sam")
    return ana, bo, stranger


def download(client):
    return client.post("/export", data={})


def unzip(response) -> dict[str, bytes]:
    assert response.status_code == 200 and response.mimetype == "application/zip"
    with zipfile.ZipFile(io.BytesIO(response.data)) as z:
        return {name: z.read(name) for name in z.namelist()}


def test_a_session_that_logged_in_long_ago_confirms_it_is_them_first(app, couple):
    ana = couple[0]
    client = client_for(app, ana)
    db.session.execute(
        update(UserSession)
        .where(UserSession.user_id == ana.id)
        .values(authenticated_at=now_utc() - timedelta(minutes=11))
    )
    db.session.commit()
    for response in (client.get("/export"), download(client)):
        assert response.status_code == 302 and response.headers["Location"].startswith("/reauth?next=")
    confirmed = client.post("/reauth?next=/export", data={"pw-password": DEFAULT_PASSWORD})
    assert confirmed.status_code == 302
    assert unzip(download(client))


@pytest.mark.parametrize("who", ["author", "partner", "stranger"])
def test_the_export_holds_what_the_person_may_see_and_nothing_else(app, people, who):
    ana, bo, sam = people
    person = {"author": ana, "partner": bo, "stranger": sam}[who]
    mine = {"author": "ana", "partner": "bo", "stranger": "sam"}[who]
    theirs = {"author": "bo", "partner": "ana", "stranger": None}[who]
    files = unzip(download(client_for(app, person)))
    everything = b"\n".join(files.values()).decode()
    data = json.loads(files["tandem.json"])
    for kind in ("checkin", "title", "body", "tag", "moment", "note"):
        assert f"{mine}-private-{kind}" in everything and f"{mine}-shared-{kind}" in everything
        for other in {"ana", "bo", "sam"} - {mine}:
            assert f"{other}-private-{kind}" not in everything
            assert (f"{other}-shared-{kind}" in everything) == (other == theirs)
    # The partner's shared items are marked as the partner's.
    for item in data["checkins"] + data["entries"] + data["moments"] + data["progress_notes"]:
        text = json.dumps(item)
        assert (item["whose"] == "partner") == (theirs is not None and f"{theirs}-shared" in text)
    # Sensation maps: all three own, the partner's two shared ones only (one of them on a private note).
    maps = data["sensation_maps"]
    assert len(maps) == (5 if theirs else 3)
    assert f"{mine}-hidden-note" in everything and (theirs is None or f"{theirs}-hidden-note" not in everything)
    assert all((m["for_clinician"] is None) == (m["whose"] == "partner") for m in maps)


def test_tandem_json_validates_against_its_published_schema(app, people):
    ana = people[0]
    feed_regenerate(user=ana)
    Scope(ana).plan_or_create()
    db.session.commit()
    files = unzip(download(client_for(app, ana)))
    schema = json.loads(files["tandem-export.schema.json"])
    assert (
        schema
        == json.loads(SCHEMA_PATH.read_text())
        == json.loads((ROOT / "docs/tandem-export.schema.json").read_text())
    )
    data = json.loads(files["tandem.json"])
    jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker()).validate(data)
    assert data["version"] == 1 and data["partner"] == {"display_name": "Bo"}
    broken = dict(data, checkins=[dict(data["checkins"][0], mood=9)])
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, schema)


def test_no_secret_is_in_the_export(app, people):
    ana = people[0]
    token = feed_regenerate(user=ana)
    db.session.commit()
    client = client_for(app, ana)
    files = unzip(download(client))
    everything = b"\n".join(files.values()).decode()
    assert ana.password_hash not in everything and "argon2" not in everything
    assert token not in everything and "/calendar/" not in everything
    assert "password" not in files["tandem.json"].decode()


def test_csv_markdown_and_calendar_files(app, people):
    ana = people[0]
    files = unzip(download(client_for(app, ana)))
    checkins = list(csv.DictReader(io.StringIO(files["checkins.csv"].decode())))
    assert len(checkins) == 3 and {r["whose"] for r in checkins} == {"mine", "partner"}
    assert all(r["day"] == now_utc().date().isoformat() and r["mood"] == "3" for r in checkins)
    moments = list(csv.DictReader(io.StringIO(files["moments.csv"].decode())))
    assert sorted(r["line"] for r in moments) == ["ana-private-moment", "ana-shared-moment", "bo-shared-moment"]
    journal = sorted(n for n in files if n.startswith("journal/"))
    assert len(journal) == 3 and all(n.endswith(".md") for n in journal)
    text = next(files[n].decode() for n in journal if b"ana-private-body" in files[n])
    _, front, body = text.split("---\n", 2)
    meta = yaml.safe_load(front)
    assert meta["title"] == "ana-private-title" and meta["visibility"] == "private" and meta["author"] == "me"
    assert meta["tags"] == ["ana-private-tag"] and body.strip() == "ana-private-body"
    assert files["calendar.ics"].startswith(b"BEGIN:VCALENDAR")


# -- the clinician summary ----------------------------------------------------------------------


def summary_args(**ticks) -> dict:
    today = now_utc().date()
    args = {"since": (today - timedelta(days=30)).isoformat(), "until": today.isoformat()}
    args.update({k: "y" for k, on in ticks.items() if on})
    return args


def pdf_text(response) -> str:
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    return " ".join(text.split())


def flag_for_clinician(user: User, tag: str) -> None:
    note_create(
        scope=Scope(user),
        author=user,
        went=f"{tag}-flagged-note",
        sensation=SensationInput(areas={"back": "reduced"}, for_clinician=True),
    )
    db.session.commit()


def test_the_summary_leaves_free_text_out_unless_ticked(app, people):
    ana = people[0]
    flag_for_clinician(ana, "ana")
    client = client_for(app, ana)
    plain = pdf_text(client.get("/export/summary.pdf", query_string=summary_args(include_pace=True)))
    assert "not a diagnosis" in plain and "Mood" in plain
    for words in ("ana-private-note", "ana-shared-note", "ana-private-checkin", "ana-flagged-note"):
        assert words not in plain

    flagged = pdf_text(client.get("/export/summary.pdf", query_string=summary_args(include_flagged=True)))
    assert "ana-flagged-note" in flagged and "ana-private-note" not in flagged and "ana-private-checkin" not in flagged

    everything = pdf_text(
        client.get("/export/summary.pdf", query_string=summary_args(include_notes=True, paper="letter"))
    )
    for words in ("ana-private-note", "ana-shared-note", "ana-private-checkin", "ana-flagged-note"):
        assert words in everything
    # Never the partner's words, ticked or not.
    assert "bo-" not in everything


def test_the_partners_shared_check_ins_only_when_ticked(app, people):
    ana = people[0]
    client = client_for(app, ana)
    without = client.get("/export/summary/page", query_string=summary_args())
    assert without.status_code == 200
    html = without.get_data(as_text=True)
    assert 'class="avg-you"' in html and 'class="avg-partner"' not in html
    with_partner = client.get("/export/summary/page", query_string=summary_args(include_partner=True))
    assert 'class="avg-partner"' in with_partner.get_data(as_text=True)
    assert (
        "Made by Ana from their own records in Tandem, a couples' practice journal. It is not a diagnosis."
        in read_text(with_partner)
    )


def test_the_summary_form_keeps_what_was_typed_when_dates_are_wrong(app, couple):
    client = client_for(app, couple[0])
    assert client.get("/export/summary").status_code == 200
    bad = client.get("/export/summary/page", query_string={"since": "2026-05-01", "until": "2026-04-01"})
    assert bad.status_code == 422 and field_error(bad, "until")
    assert 'value="2026-05-01"' in bad.get_data(as_text=True)
    nonsense = client.get("/export/summary.pdf", query_string={"since": "yesterday", "until": ""})
    assert nonsense.status_code == 422 and field_error(nonsense, "since")
    far = client.get("/export/summary/page", query_string={"since": "9999-12-01", "until": "9999-12-31"})
    assert far.status_code == 422 and field_error(far, "until") == "Please choose a date between 2000 and 2100."


def test_the_couples_own_consent_words_are_exported_opened(app, people):
    """Consent phrases are sealed under the plan's key: the export opens them (it used to
    read a clear column that no longer exists, and answered 500)."""
    ana = people[0]
    phrases_replace(scope=Scope(ana), author=ana, phrases={"pause": ["Let's take a breath"], "stop": ["Red light"]})
    db.session.commit()
    data = json.loads(unzip(download(client_for(app, ana)))["tandem.json"])
    assert {"signal": "pause", "phrase": "Let's take a breath"} in data["plan"]["consent_phrases"]
    assert {"signal": "stop", "phrase": "Red light"} in data["plan"]["consent_phrases"]


def test_a_plan_of_ones_own_kept_while_in_a_couple_goes_to_its_owner_alone(app):
    """A plan of one's own, kept from before accepting an invitation (for if they are ever
    single again), prompts nobody and shows on no page, but it holds the person's own words:
    their export gives it to them, beside the couple's plan, and the new partner's never does."""
    cy, dee = make_user(display_name="Cy"), make_user(display_name="Dee")
    phrases_replace(scope=Scope(dee), author=dee, phrases={"pause": ["Dee's own slow-down words"]})
    db.session.commit()
    token, _ = invite_create(user=cy)
    invite, inviter = invite_by_token(token)
    invite_accept(invite=invite, inviter=inviter, user=dee)
    db.session.commit()

    dees = json.loads(unzip(download(client_for(app, dee)))["tandem.json"])
    assert dees["kept_plan"]["consent_phrases"] == [{"signal": "pause", "phrase": "Dee's own slow-down words"}]
    assert "Dee's own slow-down words" not in json.dumps(dees["plan"])
    cys = unzip(download(client_for(app, cy)))
    assert json.loads(cys["tandem.json"])["kept_plan"] is None
    assert b"slow-down words" not in b"\n".join(cys.values())
    jsonschema.validate(dees, json.loads(SCHEMA_PATH.read_text()))


def test_making_pdfs_and_exports_is_limited_per_person(app_config, couple):
    """A PDF of a year takes seconds of a worker: a few a minute per person, then a calm
    "take a short pause" page; the partner (same address) is not held back by it."""
    app_config.update(RATELIMIT_ENABLED=True, LIMIT_EXPORT="2 per minute")
    app = create_app(app_config)
    app.test_client_class = IsolatedClient
    ana, bo, _ = couple
    with app.app_context():
        ana_client, bo_client = client_for(app, ana), client_for(app, bo)
        for _ in range(2):
            assert ana_client.get("/export/summary.pdf", query_string=summary_args()).status_code == 200
        refused = ana_client.get("/export/summary.pdf", query_string=summary_args())
        assert refused.status_code == 429
        assert "take a short pause" in read_text(refused)
        assert ana_client.post("/export", data={}).status_code == 429, "the export shares the person's limit"
        again = client_for(app, ana)  # a new log-in is still the same person
        assert again.get("/export/summary.pdf", query_string=summary_args()).status_code == 429
        assert bo_client.get("/export/summary.pdf", query_string=summary_args()).status_code == 200


def test_a_couples_own_practice_is_exported_by_its_own_title(app, couple):
    """The plan's schedules are read as columns: a plan's own practice is exported by the
    title its couple wrote (sealed, opened for the export), never the placeholder."""
    ana, _, _ = couple
    own = practice_create(scope=Scope(ana), author=ana, kind="closeness", title="Our walk", summary="", steps=[])
    db.session.commit()
    make_schedule(Scope(ana).plan_or_create(), own)
    data = json.loads(unzip(download(client_for(app, ana)))["tandem.json"])
    assert [(s["practice"], s["kind"]) for s in data["plan"]["schedules"]] == [("Our walk", "closeness")]
