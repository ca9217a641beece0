"""The practice library: loading it, browsing it, reading a practice, and a couple's own practices."""

import copy
import re
from datetime import UTC, date, datetime

from markupsafe import escape
from sqlalchemy import func, select

from journal.access import Scope
from journal.extensions import db
from journal.models import KINDS, STAGES, Practice, PromptAction, Schedule, now_utc
from journal.practices.library import library_data
from journal.practices.services import practices_load
from journal.testing import client_for, elements, field_error, make_couple, make_user, texts_of

UTC = UTC


def library_count() -> int:
    return len(library_data()["practices"])


def load_library() -> dict[str, Practice]:
    practices_load()
    db.session.commit()
    return {p.slug: p for p in db.session.scalars(select(Practice).where(Practice.slug.is_not(None)))}


def listed_ids(page: str) -> set[int]:
    """The practices the library page lists (each heading links to its practice)."""
    return {int(a.get("href").removeprefix("/practices/")) for a in elements(page, "h2 > a[href^='/practices/']")}


def page_of(client, path: str, status: int = 200) -> str:
    response = client.get(path)
    assert response.status_code == status, path
    return response.get_data(as_text=True)


def custom_count() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(Practice).where(Practice.plan_id.is_not(None)))


GOOD = {
    "title": "Our Sunday slow breakfast",
    "summary": "Breakfast with no phones.",
    "kind": "closeness",
    "stage": "",
    "steps": "Put the phones in a drawer.\nMake toast together.\n\nSay one kind thing.",
    "duration_minutes": "20",
    "together": "together",
    "safety_note": "Stop whenever either of you wants.",
}


# -- loader --------------------------------------------------------------------------


def test_cli_load_adds_everything_once_and_then_nothing(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["practices", "load"])
    assert first.exit_code == 0, first.output
    assert f"{library_count()} added" in first.output
    assert db.session.scalar(select(func.count()).select_from(Practice)) == library_count()
    ids = dict(db.session.execute(select(Practice.slug, Practice.id)).all())

    second = runner.invoke(args=["practices", "load"])
    assert second.exit_code == 0, second.output
    assert "0 added" in second.output and "0 updated" in second.output
    assert f"{library_count()} unchanged" in second.output
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Practice)) == library_count()
    assert dict(db.session.execute(select(Practice.slug, Practice.id)).all()) == ids


def test_changed_data_updates_in_place_and_removed_practice_is_retired(app, couple):
    ana, _, _ = couple
    by_slug = load_library()
    items = library_data()["practices"]
    changed_slug = items[0]["slug"]
    gone = next(i for i in items if i["kind"] == "grounding")
    gone_slug, gone_id, changed_id = gone["slug"], by_slug[gone["slug"]].id, by_slug[changed_slug].id

    # the couple has the soon-to-be-retired practice in their plan, with a done prompt
    plan = Scope(ana).plan_or_create()
    schedule = Schedule(
        plan_id=plan.id,
        practice_id=gone_id,
        kind="daily",
        times=["20:00"],
        weekdays=[],
        interval=1,
        start_date=date(2026, 1, 1),
    )
    db.session.add(schedule)
    db.session.flush()
    at = datetime(2026, 1, 2, 20, 0, tzinfo=UTC)
    db.session.add(PromptAction(schedule_id=schedule.id, user_id=ana.id, occurrence_at=at, state="done"))
    db.session.commit()
    schedule_id = schedule.id

    data = copy.deepcopy(library_data())
    data["practices"][0]["title"] = "A renamed quiet check-in"
    data["practices"] = [i for i in data["practices"] if i["slug"] != gone_slug]
    counts = practices_load(data=data)
    db.session.commit()
    assert counts["added"] == 0 and counts["updated"] == 1 and counts["retired"] == 1
    assert library_data()["practices"][0]["title"] != "A renamed quiet check-in"  # the shipped data is untouched

    db.session.expire_all()
    renamed = db.session.scalar(select(Practice).where(Practice.slug == changed_slug))
    assert renamed.id == changed_id and renamed.title == "A renamed quiet check-in"
    assert renamed.retired_at is None
    retired = db.session.get(Practice, gone_id)
    assert retired is not None and retired.retired_at is not None
    assert db.session.scalar(select(func.count()).select_from(Practice)) == library_count()
    kept = db.session.get(Schedule, schedule_id)
    assert kept.removed_at is None and kept.practice_id == gone_id
    (action,) = db.session.scalars(select(PromptAction)).all()
    assert action.schedule_id == schedule_id and action.state == "done" and action.occurrence_at == at

    client = client_for(app, ana)
    assert gone_id not in listed_ids(page_of(client, "/practices"))
    assert gone_id not in listed_ids(page_of(client, "/practices?kind=grounding"))
    assert changed_id in listed_ids(page_of(client, "/practices"))
    assert "A renamed quiet check-in" in page_of(client, "/practices")
    plan_page = page_of(client, "/plan")
    assert str(escape(retired.title)) in plan_page
    assert f'href="/plan/{schedule_id}/edit"' in plan_page

    # a practice back in the data is offered again, with the same id
    counts = practices_load()
    db.session.commit()
    assert counts["added"] == 0 and counts["retired"] == 0
    assert gone_id in listed_ids(page_of(client, "/practices"))


#: Practices merged into others in the content review (2026-11): retired, never deleted.
MERGED_SLUGS = ("feet-on-the-floor", "longer-breaths-out", "checking-in-with-yourself", "time-thats-just-yours")


def test_merged_practices_retire_on_load_and_keep_a_couples_history(app, couple):
    """A database loaded from the older library keeps every merged practice and its
    schedules; loading the current file only retires them."""
    ana, _, _ = couple
    assert not {i["slug"] for i in library_data()["practices"]} & set(MERGED_SLUGS)
    load_library()
    old = {
        slug: Practice(
            slug=slug,
            kind="grounding",
            title=f"Old {slug}",
            summary="An older practice.",
            steps=["One", "Two", "Three"],
            duration_minutes=5,
            stage=None,
            together=False,
            topics=[9],
        )
        for slug in MERGED_SLUGS
    }
    db.session.add_all(old.values())
    db.session.flush()
    plan = Scope(ana).plan_or_create()
    schedule = Schedule(
        plan_id=plan.id,
        practice_id=old["feet-on-the-floor"].id,
        kind="daily",
        times=["20:00"],
        weekdays=[],
        interval=1,
        start_date=date(2026, 1, 1),
    )
    db.session.add(schedule)
    db.session.flush()
    at = datetime(2026, 1, 2, 20, 0, tzinfo=UTC)
    db.session.add(PromptAction(schedule_id=schedule.id, user_id=ana.id, occurrence_at=at, state="done"))
    db.session.commit()

    counts = practices_load()
    db.session.commit()
    assert counts["retired"] == len(MERGED_SLUGS) and counts["added"] == 0
    db.session.expire_all()
    for practice in old.values():
        assert db.session.get(Practice, practice.id).retired_at is not None
    kept = db.session.get(Schedule, schedule.id)
    assert kept.removed_at is None and kept.practice_id == old["feet-on-the-floor"].id
    assert db.session.scalar(select(PromptAction.state).where(PromptAction.schedule_id == schedule.id)) == "done"
    assert "Old feet-on-the-floor" in page_of(client_for(app, ana), "/plan")


def test_retired_practice_still_in_the_plan_can_still_be_read(app, couple):
    ana, _, _ = couple
    by_slug = load_library()
    gone = next(p for p in by_slug.values() if p.kind == "grounding")
    plan = Scope(ana).plan_or_create()
    db.session.add(
        Schedule(
            plan_id=plan.id,
            practice_id=gone.id,
            kind="daily",
            times=["20:00"],
            weekdays=[],
            interval=1,
            start_date=date(2026, 1, 1),
        )
    )
    db.session.commit()
    data = copy.deepcopy(library_data())
    data["practices"] = [i for i in data["practices"] if i["slug"] != gone.slug]
    practices_load(data=data)
    db.session.commit()

    client = client_for(app, ana)
    assert f'href="/practices/{gone.id}"' in page_of(client, "/plan")
    page = page_of(client, f"/practices/{gone.id}")  # the link the plan page offers
    assert str(escape(gone.steps[0])) in page


def test_every_library_practice_has_every_field_filled(app):
    by_slug = load_library()
    assert len(by_slug) == library_count()
    for slug, p in by_slug.items():
        assert p.plan_id is None and p.author_id is None and p.retired_at is None, slug
        assert p.title and p.title.strip() and len(p.title) <= 120, slug
        assert p.summary and p.summary.strip(), slug
        assert isinstance(p.steps, list) and p.steps and all(isinstance(s, str) and s.strip() for s in p.steps), slug
        assert isinstance(p.duration_minutes, int) and p.duration_minutes > 0, slug
        assert p.kind in KINDS, slug
        assert isinstance(p.together, bool), slug
        if p.kind == "touch":
            assert p.stage in STAGES, slug
        else:
            assert p.stage is None, slug


# -- browsing and reading ----------------------------------------------------------


def test_browse_lists_the_library_and_filters_by_kind_and_stage(app, auth_client):
    by_slug = load_library()
    everything = listed_ids(page_of(auth_client, "/practices"))
    assert everything == {p.id for p in by_slug.values()}

    grounding = listed_ids(page_of(auth_client, "/practices?kind=grounding"))
    assert grounding and grounding == {p.id for p in by_slug.values() if p.kind == "grounding"}

    stage_two = listed_ids(page_of(auth_client, "/practices?kind=touch&stage=2"))
    expected = {p.id for p in by_slug.values() if p.kind == "touch" and p.stage == 2}
    assert stage_two and stage_two == expected

    for path in ("/practices?kind=dancing", "/practices?kind=Touch", "/practices?kind=touch&stage=7"):
        assert auth_client.get(path).status_code == 404, path


def test_the_library_page_is_ascii_and_its_dots_read_as_dots(app, auth_client):
    # A page of ASCII alone encodes as a copy: a card writes its dots as references.
    by_slug = load_library()
    touch = next(p for p in by_slug.values() if p.kind == "touch" and p.stage == 2 and p.together)
    response = auth_client.get("/practices")
    assert response.get_data().isascii()
    card = next(el for el in elements(response, "li.card.practice") if el.select_one("h2 > a").text == touch.title)
    assert f"Touch · stage 2 · about {touch.duration_minutes} min · together" in card.text


def test_practice_page_shows_steps_in_order_duration_together_and_safety_note(app, auth_client):
    by_slug = load_library()
    noted = next(p for p in by_slug.values() if p.safety_note and p.together and len(p.steps) > 2)
    alone = next(p for p in by_slug.values() if not p.together)

    page = page_of(auth_client, f"/practices/{noted.id}")
    assert texts_of(page, "ol.steps > li") == noted.steps
    assert f"about {noted.duration_minutes} minutes" in page
    assert "together" in page
    assert str(escape(noted.safety_note)) in page

    page = page_of(auth_client, f"/practices/{alone.id}")
    assert f"about {alone.duration_minutes} minutes · alone" in page

    assert auth_client.get("/practices/999999").status_code == 404


def test_add_to_our_plan_link_prefills_today(app, auth_client):
    by_slug = load_library()
    practice = next(p for p in by_slug.values() if p.kind == "check-in")
    page = page_of(auth_client, f"/practices/{practice.id}")
    assert f'href="/plan/add/{practice.id}"' in page
    assert "Add to our plan" in page

    before = now_utc().date()  # Ana lives in UTC and has no plan yet
    form = page_of(auth_client, f"/plan/add/{practice.id}")
    after = now_utc().date()
    (start,) = elements(form, "input[name=start_date]")
    assert start.get("value") in {before.isoformat(), after.isoformat()}


# -- a couple's own practices -----------------------------------------------------


def test_a_couples_own_practice_card_is_never_kept_in_the_process_memory(app, couple):
    """The library's own cards are rendered once and kept (journal.templating `kept`);
    a couple's own practice, in their words, is rendered each time and never kept."""
    ana, _, _ = couple
    client = client_for(app, ana)
    pieces = app.jinja_env.globals["kept"].pieces
    page_of(client, "/practices")
    before = pieces.cache_info().currsize
    assert before > 0, "the library's own cards are kept"
    assert client.post("/practices/new", data=GOOD).status_code == 302
    assert "Our Sunday slow breakfast" in page_of(client, "/practices")
    assert pieces.cache_info().currsize == before


def test_own_practice_is_shared_with_the_partner_only(app, couple):
    ana, bo, _ = couple
    cy, di = make_user(display_name="Cy"), make_user(display_name="Di")
    make_couple(cy, di, pace_leader=cy)
    Scope(cy).plan_or_create()
    db.session.commit()
    alone = make_user(display_name="Eve")
    ana_client, bo_client = client_for(app, ana), client_for(app, bo)

    response = ana_client.post("/practices/new", data=GOOD)
    assert response.status_code == 302
    practice_id = int(re.search(r"/practices/(\d+)$", response.headers["Location"]).group(1))
    db.session.expire_all()
    practice = db.session.get(Practice, practice_id)
    assert practice.plan_id is not None and practice.author_id == ana.id and practice.slug is None
    assert practice.steps == ["Put the phones in a drawer.", "Make toast together.", "Say one kind thing."]
    assert practice.duration_minutes == 20 and practice.together is True and practice.stage is None

    for client in (ana_client, bo_client):
        page = page_of(client, f"/practices/{practice_id}")
        assert "Our Sunday slow breakfast" in page and "Make toast together." in page
        browse = page_of(client, "/practices")
        assert practice_id in listed_ids(browse)
        entry = browse[browse.index(f'href="/practices/{practice_id}"') :]
        entry = entry[: entry.index("</li>")]
        assert "your own" in entry and "Our Sunday slow breakfast" in entry, "its sealed words, opened for the card"
        assert practice_id in listed_ids(page_of(client, "/practices?kind=closeness"))

    for stranger in (cy, alone):
        client = client_for(app, stranger)
        assert client.get(f"/practices/{practice_id}").status_code == 404
        assert practice_id not in listed_ids(page_of(client, "/practices"))
        assert "Our Sunday slow breakfast" not in page_of(client, "/practices?kind=closeness")
        assert client.get(f"/practices/{practice_id}/edit").status_code == 404
        response = client.post(f"/practices/{practice_id}/edit", data={**GOOD, "title": "Taken over"})
        assert response.status_code == 404
        assert client.get(f"/plan/add/{practice_id}").status_code == 404

    # the partner edits it
    edit_form = page_of(bo_client, f"/practices/{practice_id}/edit")
    assert "Our Sunday slow breakfast" in edit_form
    response = bo_client.post(
        f"/practices/{practice_id}/edit", data={**GOOD, "title": "Our Saturday slow breakfast", "together": "alone"}
    )
    assert response.status_code == 302
    db.session.expire_all()
    practice = db.session.get(Practice, practice_id)
    assert practice.title == "Our Saturday slow breakfast" and practice.together is False
    assert practice.author_id == ana.id
    assert "Our Saturday slow breakfast" in page_of(ana_client, f"/practices/{practice_id}")
    assert custom_count() == 1


BAD_INPUT = [
    ("touch without a stage", {"kind": "touch", "stage": ""}, "stage", "need a stage"),
    ("stage on a non-touch kind", {"kind": "grounding", "stage": "2"}, "stage", "Only touch practices"),
    ("empty title", {"title": ""}, "title", "short name"),
    ("no minutes", {"duration_minutes": "0"}, "duration_minutes", "between 1 and 240"),
    ("too many minutes", {"duration_minutes": "241"}, "duration_minutes", "between 1 and 240"),
    ("a number past a float's range", {"duration_minutes": "9" * 400}, "duration_minutes", "between 1 and 240"),
    ("steps too long", {"steps": "x" * 5001}, "steps", "5,000 characters"),
    ("no steps", {"steps": ""}, "steps", "at least one step"),
    ("unknown kind", {"kind": "dancing"}, "kind", ""),
    ("stage out of range", {"kind": "touch", "stage": "9"}, "stage", ""),
]


def test_bad_input_is_refused_next_to_the_field_and_nothing_saved(app, couple):
    ana, _, _ = couple
    client = client_for(app, ana)
    for case, changes, field, message in BAD_INPUT:
        response = client.post("/practices/new", data={**GOOD, **changes})
        assert response.status_code == 422, case
        page = response.get_data(as_text=True)
        error = field_error(page, field)
        assert error, f"{case}: no message next to {field}"
        assert message in error, case
        assert 'role="alert"' in page, case
        assert custom_count() == 0, case


def test_blank_title_or_steps_are_refused(app, couple):
    ana, _, _ = couple
    client = client_for(app, ana)
    for changes, field in (({"title": "   "}, "title"), ({"steps": " \n  \n"}, "steps")):
        response = client.post("/practices/new", data={**GOOD, **changes})
        assert response.status_code == 422, field
        assert field_error(response.get_data(as_text=True), field), field
        assert custom_count() == 0, field


def test_bad_edit_is_refused_and_the_practice_unchanged(app, couple):
    ana, bo, _ = couple
    ana_client, bo_client = client_for(app, ana), client_for(app, bo)
    response = ana_client.post("/practices/new", data=GOOD)
    practice_id = int(response.headers["Location"].rsplit("/", 1)[1])
    response = bo_client.post(f"/practices/{practice_id}/edit", data={**GOOD, "title": "", "kind": "touch"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert field_error(page, "title") and field_error(page, "stage")
    db.session.expire_all()
    assert db.session.get(Practice, practice_id).title == GOOD["title"]


def test_html_in_a_title_is_shown_escaped(app, couple):
    ana, bo, _ = couple
    ana_client, bo_client = client_for(app, ana), client_for(app, bo)
    title = '<script>alert("hi")</script> & <b>us</b>'
    response = ana_client.post("/practices/new", data={**GOOD, "title": title, "steps": "<i>one</i>"})
    assert response.status_code == 302
    practice_id = int(response.headers["Location"].rsplit("/", 1)[1])
    db.session.expire_all()
    assert db.session.get(Practice, practice_id).title == title  # stored as typed

    for path in (f"/practices/{practice_id}", "/practices"):
        page = page_of(bo_client, path)
        assert "<script>alert" not in page and "<b>us</b>" not in page and "<i>one</i>" not in page
        assert "&lt;script&gt;" in page and "&lt;b&gt;us&lt;/b&gt;" in page
