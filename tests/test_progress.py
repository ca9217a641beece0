"""The progress page: weekly averages read from its tables, the partner's line from
shared check-ins only (a private one changes nothing the partner sees, sentences and
"what seems to help" included), answers given together counted only once open, and a
fixed number of statements whatever the amount of data."""

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from journal.access import SHARED, Scope
from journal.checkins.services import checkin_create
from journal.crypto import shred
from journal.entries.services import moment_create
from journal.extensions import db
from journal.models import Practice, PromptAction, Schedule, SensationMap, StageChange, now_utc
from journal.models.checkins import CheckIn
from journal.notes.services import SensationInput, note_create
from journal.progress.services import stage_history
from journal.progress.weeks import week_of, week_start
from journal.testing import Element, client_for, count_queries, element, elements, make_couple, make_user, read_text


def today() -> date:
    return now_utc().date()


def checkin(user, day: date, visibility="private", **scores):
    return checkin_create(author=user, answers=scores, day=day, visibility=visibility)


def cell(page, table: str, week: date, who: str) -> str | None:
    """The text of `who`'s cell (you / partner) in the row of `week` in a chart's table."""
    for row in elements(page, f"table.numbers#table-{table} > tbody > tr"):
        heading = row.select_one("th[scope=row]")
        if heading is not None and heading.text == week.isoformat():
            value = row.select_one(f"td.avg-{who}")
            return value.text if value is not None else None
    return None


def table_rows(page, table_id: str) -> list[list[str]] | None:
    """The text of each cell (heading or not) of each body row of a table, or None without the table."""
    if element(page, f"table#{table_id}") is None:
        return None
    return [[c.text for c in row.select("th, td")] for row in elements(page, f"table#{table_id} > tbody > tr")]


def sensation_chips(page, area: str) -> list[str]:
    """The answers (feel-...) listed over time for one area of the sensation-trend table, in order."""
    (row,) = [tr for tr in elements(page, "table.sensation-trend > tbody > tr") if tr.select_one("th").text == area]
    return [
        next(c.removeprefix("feel-") for c in li.classes if c.startswith("feel-") and c != "feel-chip")
        for li in row.select("li.feel-chip")
    ]


def this_monday() -> date:
    return week_start(week_of(today()))


def practice(kind="closeness") -> Practice:
    p = Practice(kind=kind, title=f"A {kind} practice", summary="Gently.", steps=["Breathe."], duration_minutes=5)
    db.session.add(p)
    db.session.commit()
    return p


# -- numbers ---------------------------------------------------------------------------------


def test_weekly_averages_are_read_from_the_page(app, couple, ana_client):
    ana = couple[0]
    for mood in (1, 2, 5, 3):
        checkin(ana, today(), mood=mood, closeness=4)
    checkin(ana, today() - timedelta(weeks=2), mood=4)
    db.session.commit()
    page = ana_client.get("/progress")
    assert page.status_code == 200
    assert cell(page, "mood", this_monday(), "you") == "2.8 (4)"
    assert cell(page, "closeness", this_monday(), "you") == "4.0 (4)"
    assert cell(page, "mood", this_monday() - timedelta(weeks=2), "you") == "4.0 (1)"
    # A week without check-ins is a gap (no row), not a zero.
    assert cell(page, "mood", this_monday() - timedelta(weeks=1), "you") is None
    text = read_text(page)
    assert "2 weeks with check-ins, weekly averages from 2.8 to 4.0, most recently 2.8" in text
    assert '<svg class="chart ' in page.get_data(as_text=True) and '<title id="chart-mood-title">' in page.get_data(
        as_text=True
    )


def test_the_period_links_choose_how_far_back(app, couple, ana_client):
    ana = couple[0]
    checkin(ana, today() - timedelta(weeks=10), mood=2)
    checkin(ana, today(), mood=4)
    db.session.commit()
    old_week = this_monday() - timedelta(weeks=10)
    assert cell(ana_client.get("/progress?period=12"), "mood", old_week, "you") == "2.0 (1)"
    assert cell(ana_client.get("/progress?period=4"), "mood", old_week, "you") is None
    assert cell(ana_client.get("/progress?period=all"), "mood", old_week, "you") == "2.0 (1)"
    assert ana_client.get("/progress?period=nonsense").status_code == 200
    assert 'aria-current="page">4 weeks' in ana_client.get("/progress?period=4").get_data(as_text=True)


def test_practices_moments_and_pace_are_counted(app, couple, ana_client):
    ana, bo, _ = couple
    scope = Scope(ana)
    plan = scope.plan_or_create()
    p = practice("grounding")
    schedule = Schedule(
        plan_id=plan.id, practice_id=p.id, kind="daily", times=["20:00"], start_date=today() - timedelta(days=30)
    )
    db.session.add(schedule)
    db.session.flush()
    for days in (0, 1, 2):
        at = datetime.combine(today() - timedelta(days=days), datetime.min.time(), UTC) + timedelta(hours=12)
        db.session.add(PromptAction(schedule_id=schedule.id, user_id=ana.id, occurrence_at=at, state="done"))
    db.session.add(StageChange(plan_id=plan.id, from_stage=1, to_stage=2, created_at=now_utc() - timedelta(days=3)))
    moment_create(author=ana, moment_kind="hug", line=None, visibility="private")
    moment_create(author=bo, moment_kind="laugh", line=None, visibility=SHARED)
    moment_create(author=bo, moment_kind="laugh", line=None, visibility="private")
    db.session.commit()
    text = read_text(ana_client.get("/progress?period=4"))
    assert "3 practices done in 4 weeks (grounding: 3)" in text
    assert "2 small moments in 4 weeks (Yours: 1, Shared with you: 1)" in text
    assert "1 change of stage in this period (1 forward, 0 back)" in text
    bo_text = read_text(client_for(app, bo).get("/progress?period=4"))
    assert "No practices done in this period." in bo_text  # Ana's practices are hers
    assert "2 small moments in 4 weeks (Yours: 2)" in bo_text  # Ana's private moment stays hers


# -- the partner sees only what was shared -----------------------------------------------------


def build_history(ana, bo):
    """Eight weeks of Bo's shared daily check-ins (mood higher lately), shared closeness notes
    every third day, and Ana's own check-ins: enough for sentences and "what seems to help"."""
    p = practice("closeness")
    start = today() - timedelta(days=55)
    for i in range(56):
        day = start + timedelta(days=i)
        recent = i >= 28
        checkin(bo, day, visibility=SHARED, mood=4 if recent else 2, closeness=3)
        checkin(ana, day, mood=3)
        if i % 3 == 0:
            note = note_create(scope=Scope(bo), author=bo, practice=p, went="Calm.", visibility=SHARED)
            note.created_at = datetime.combine(day, datetime.min.time(), UTC) + timedelta(hours=12)
    db.session.commit()
    return p


def progress_section(page) -> tuple:
    """All the progress page shows (its <main>) as the parser reads it: every element's
    tag and attributes (a chart's points are attributes) and every piece of text."""
    return shape(element(page, "main"))


def shape(el: Element) -> tuple:
    return (el.tag, el.attrs, [c if isinstance(c, str) else shape(c) for c in el.children])


def test_the_partner_line_moves_only_with_shared_check_ins(app, couple, ana_client, bo_client):
    ana, bo, _ = couple
    p = build_history(ana, bo)
    before = ana_client.get("/progress")
    text = read_text(before)
    monday = this_monday()
    assert cell(before, "mood", monday, "partner") == f"4.0 ({(today() - monday).days + 1})"
    # Sentences and "what seems to help" about Bo come from what Bo shared.
    assert (
        "Bo's shared mood scores have been higher in the last four weeks than in the four before." in text
        or f"{bo.display_name}'s shared mood scores have been higher" in text
    )
    assert 'id="helps-partner"' in before.get_data(as_text=True)

    # Bo writes private check-ins (and a private note after a practice) on many days: nothing Ana sees changes.
    for i in range(20):
        checkin(bo, today() - timedelta(days=i), mood=1, closeness=1, stress=5)
    note_create(scope=Scope(bo), author=bo, practice=p, went="Private.", visibility="private")
    db.session.commit()
    after = ana_client.get("/progress")
    assert progress_section(after) == progress_section(before)

    # Bo shares one more: Ana's view of Bo's line moves.
    checkin(bo, today(), visibility=SHARED, mood=1)
    db.session.commit()
    assert cell(ana_client.get("/progress"), "mood", monday, "partner") != cell(before, "mood", monday, "partner")
    # Bo's own line counts everything Bo wrote.
    assert cell(bo_client.get("/progress"), "mood", monday, "you") != cell(before, "mood", monday, "partner")


def test_what_seems_to_help_needs_eight_days_each_side_and_says_so(app, couple, bo_client):
    ana, bo, _ = couple
    build_history(ana, bo)
    page = bo_client.get("/progress")
    rows = table_rows(page, "helps-you")
    assert rows and all(row[0] == "Closeness" and row[2].endswith(" days)") for row in rows), rows
    assert "not causes" in read_text(page)
    # Ana has no practices: nothing to say about her.
    assert element(page, "#helps-partner") is None
    assert "helps-you" not in read_text(client_for(app, ana).get("/progress"))


def test_a_partners_answer_to_a_prompt_for_both_counts_only_once_open(app, couple, ana_client):
    ana, bo, _ = couple
    plan = Scope(ana).plan_or_create()
    p = practice("check-in")
    schedule = Schedule(plan_id=plan.id, practice_id=p.id, kind="once", times=["20:00"], start_date=today())
    db.session.add(schedule)
    db.session.flush()
    at = now_utc().replace(microsecond=0)
    row = checkin(bo, today(), visibility=SHARED, mood=5)
    row.together, row.schedule_id, row.occurrence_at = True, schedule.id, at
    db.session.commit()
    assert cell(ana_client.get("/progress"), "mood", this_monday(), "partner") is None
    mine = checkin(ana, today(), visibility=SHARED, mood=2)
    mine.together, mine.schedule_id, mine.occurrence_at = True, schedule.id, at
    db.session.commit()
    assert cell(ana_client.get("/progress"), "mood", this_monday(), "partner") == "5.0 (1)"


def test_with_answers_opening_after_48_hours_an_older_answer_counts_alone(app, couple, ana_client):
    ana, bo, _ = couple
    plan = Scope(ana).plan_or_create()
    plan.reveal_after_48h = True
    p = practice("check-in")
    schedule = Schedule(
        plan_id=plan.id, practice_id=p.id, kind="daily", times=["20:00"], start_date=today() - timedelta(days=7)
    )
    db.session.add(schedule)
    db.session.flush()
    for days_ago, mood in ((3, 5), (1, 1)):  # only the first is 48 hours old
        at = now_utc().replace(microsecond=0) - timedelta(days=days_ago)
        row = checkin(bo, at.date(), visibility=SHARED, mood=mood)
        row.together, row.schedule_id, row.occurrence_at, row.created_at = True, schedule.id, at, at
    db.session.commit()
    page = ana_client.get("/progress?period=all")
    shown = {
        week: cell(page, "mood", week, "partner")
        for week in {week_start(week_of(today() - timedelta(days=d))) for d in (1, 3)}
    }
    assert sorted(v for v in shown.values() if v) == ["5.0 (1)"], shown


def test_a_stranger_sees_nothing_of_another_couple(app, couple):
    ana, bo, _ = couple
    stranger = make_user()
    make_couple(stranger, make_user())
    checkin(ana, today(), visibility=SHARED, mood=2)
    db.session.commit()
    page = client_for(app, stranger).get("/progress")
    assert cell(page, "mood", this_monday(), "you") is None and cell(page, "mood", this_monday(), "partner") is None


# -- sensation map -----------------------------------------------------------------------------


def test_the_body_diagram_shades_the_latest_answer_and_lists_the_trend(app, couple, ana_client, bo_client):
    ana, bo, _ = couple
    for feeling in ("reduced", "neutral", "comfortable"):
        note_create(scope=Scope(ana), author=ana, went="Slow.", sensation=SensationInput(areas={"back": feeling}))
    db.session.commit()
    page = ana_client.get("/progress")
    assert 'class="area area-back feel-comfortable"' in page.get_data(as_text=True)
    assert sensation_chips(page, "Back") == ["reduced", "neutral", "comfortable"]
    # The map is private: Bo sees no body diagram of Ana's.
    assert "area-back feel-comfortable" not in bo_client.get("/progress").get_data(as_text=True)


def test_the_body_diagram_shows_the_maps_of_the_period_chosen(app, couple, ana_client):
    ana = couple[0]
    for feeling, weeks_ago in (("reduced", 10), ("comfortable", 0)):
        note = note_create(
            scope=Scope(ana), author=ana, went="Slow.", sensation=SensationInput(areas={"back": feeling})
        )
        (made,) = db.session.scalars(select(SensationMap).where(SensationMap.note_id == note.id))
        note.created_at = made.created_at = made.created_at - timedelta(weeks=weeks_ago)
    db.session.commit()
    assert sensation_chips(ana_client.get("/progress?period=12"), "Back") == ["reduced", "comfortable"]
    assert sensation_chips(ana_client.get("/progress?period=4"), "Back") == ["comfortable"]
    assert sensation_chips(ana_client.get("/progress?period=all"), "Back") == ["reduced", "comfortable"]


def test_a_map_that_cant_be_read_counts_only_in_the_period_it_was_made(app, couple, ana_client):
    """Only the maps of the weeks shown are opened: an old map that can't be read any more
    (its ciphertext moved from another row) is told of in the all-time view, not in 4 weeks."""
    ana = couple[0]
    made = []
    for feeling, weeks_ago in (("reduced", 10), ("comfortable", 0)):
        note = note_create(
            scope=Scope(ana), author=ana, went="Slow.", sensation=SensationInput(areas={"back": feeling})
        )
        (m,) = db.session.scalars(select(SensationMap).where(SensationMap.note_id == note.id))
        note.created_at = m.created_at = m.created_at - timedelta(weeks=weeks_ago)
        made.append(m)
    made[0].areas_sealed = made[1].areas_sealed  # sealed for another row: it no longer opens
    db.session.commit()
    recent = read_text(ana_client.get("/progress?period=4"))
    assert "can't be read any more" not in recent and "Comfortable" in recent
    assert "1 map can't be read any more." in read_text(ana_client.get("/progress?period=all"))


def test_a_partners_maps_whose_key_is_gone_cost_no_statement_more(app, couple, ana_client):
    """The maps' keys are read with the maps: once a partner's key was destroyed, their
    shared maps no longer open, and the page asks nothing more to find that out."""
    ana, bo, _ = couple
    shared = SensationInput(areas={"back": "neutral"}, visibility=SHARED)
    note_create(scope=Scope(bo), author=bo, went="Slow.", sensation=shared)
    db.session.commit()
    ana_client.get("/progress")
    with count_queries(app) as readable:
        page = ana_client.get("/progress")
    assert 'id="body-partner"' in page.get_data(as_text=True)
    shred(("user", bo.id))
    db.session.commit()
    with count_queries(app) as gone:
        page = ana_client.get("/progress")
    assert 'id="body-partner"' not in page.get_data(as_text=True)
    assert gone.count == readable.count, gone.statements


def test_the_pace_chart_reads_the_changes_of_its_weeks_alone(app, couple, ana_client):
    ana = couple[0]
    plan = Scope(ana).plan_or_create()
    for weeks_ago, (was, became) in ((10, (1, 2)), (1, (2, 3))):
        at = now_utc() - timedelta(weeks=weeks_ago)
        db.session.add(StageChange(plan_id=plan.id, from_stage=was, to_stage=became, created_at=at))
    plan.stage = 3
    db.session.commit()
    start = week_start(week_of(today()) - 3)
    assert [(s.from_stage, s.to_stage) for s in stage_history(Scope(ana), start, None)] == [(2, 3)]
    assert [(s.from_stage, s.to_stage) for s in stage_history(Scope(ana))] == [(1, 2), (2, 3)]
    assert "1 change of stage in this period (1 forward, 0 back)" in read_text(ana_client.get("/progress?period=4"))
    assert "2 changes of stage in this period (2 forward, 0 back)" in read_text(ana_client.get("/progress?period=all"))


# -- cost ---------------------------------------------------------------------------------------


def test_the_page_costs_the_same_statements_with_10_and_1000_check_ins(app, couple, ana_client):
    ana, bo, _ = couple

    def add(n, offset):
        rows = []
        for i in range(n):
            day = today() - timedelta(days=(i + offset) % 700)
            for author, visibility in ((ana, "private"), (bo, SHARED)):
                rows.append(
                    CheckIn(
                        author_id=author.id,
                        couple_id=author.couple_id,
                        visibility=visibility,
                        day=day,
                        mood=1 + i % 5,
                        closeness=2,
                        sleep_hours=6.5,
                    )
                )
        db.session.add_all(rows)
        db.session.commit()

    add(5, 0)
    ana_client.get("/progress?period=all")
    with count_queries(app) as few:
        assert ana_client.get("/progress?period=all").status_code == 200
    add(495, 5)
    with count_queries(app) as many:
        assert ana_client.get("/progress?period=all").status_code == 200
    assert few.count == many.count, many.statements
    assert many.count <= 16, many.statements


def test_the_note_form_shows_the_body_diagram_over_working_selects(app, couple, ana_client):
    touch = practice("touch")
    touch.stage = 1
    db.session.commit()
    html = ana_client.get(f"/notes/new?practice={touch.id}").get_data(as_text=True)
    # Each area is a link to its own drop-down, which stays on the page (no JavaScript needed).
    assert html.count('class="area-link"') == 11
    assert 'href="#sensation-back"' in html and '<select id="sensation-back" name="sensation-back">' in html
    assert "/static/js/body-picker-" in html
    # Sent back with something to fix, the diagram shows what was chosen.
    again = ana_client.post(
        f"/notes/new?practice={touch.id}", data={"sensation-back": "reduced", "sensation-hands": "tingly"}
    )
    assert again.status_code == 422
    assert 'class="area area-back feel-reduced" fill="url(#note-body-reduced)"' in again.get_data(as_text=True)


def test_the_note_forms_diagram_escapes_what_it_was_sent(app, couple, ana_client):
    """The diagram's words are ours, escaped once per process; a feeling the form was sent
    is anyone's, and is escaped where the diagram writes it."""
    touch = practice("touch")
    touch.stage = 1
    db.session.commit()
    sent = '"><script>x</script>'
    page = ana_client.post(f"/notes/new?practice={touch.id}", data={"sensation-back": sent})
    assert page.status_code == 422
    html = page.get_data(as_text=True)
    assert "<script>x" not in html
    back = element(page, "g.area-back")
    assert back.attrs["class"] == f"area area-back feel-{sent}"
    assert back.select_one("title").text.strip() == "Back:"


def a_month_of_check_ins(user):
    """A check-in (mood 3) on each of the last thirty days; returns the first day, and a
    function that notes a grounding practice on day `i` of them."""
    p = practice("grounding")
    start = today() - timedelta(days=29)
    for i in range(30):
        checkin(user, start + timedelta(days=i), mood=3)

    def practised(i):
        note = note_create(scope=Scope(user), author=user, practice=p, went="Breathing.")
        note.created_at = datetime.combine(start + timedelta(days=i), datetime.min.time(), UTC) + timedelta(hours=9)

    return start, practised


def test_what_seems_to_help_stays_quiet_below_eight_days(app, couple, bo_client):
    start, practised = a_month_of_check_ins(couple[1])
    for i in range(0, 14, 2):  # seven practice days, each followed by a day with a check-in
        practised(i)
    db.session.commit()
    quiet = bo_client.get("/progress").get_data(as_text=True)
    assert 'id="helps-you"' not in quiet and "Not enough days yet to say anything honestly." in read_text(
        bo_client.get("/progress")
    )
    assert "Things we noticed" not in quiet  # too little to compare four weeks with the four before
    practised(14)
    db.session.commit()
    assert table_rows(bo_client.get("/progress"), "helps-you") == [
        ["Grounding", "Mood", "3.0 (8 days)", "3.0 (22 days)"]
    ]


def test_what_seems_to_help_escapes_a_kind_it_has_no_words_for(app, couple, bo_client):
    bo = couple[1]
    odd = practice("<i>odd</i>")
    start = today() - timedelta(days=29)
    for i in range(30):
        checkin(bo, start + timedelta(days=i), mood=3)
    for i in range(0, 16, 2):
        note = note_create(scope=Scope(bo), author=bo, practice=odd, went="Tried.")
        note.created_at = datetime.combine(start + timedelta(days=i), datetime.min.time(), UTC) + timedelta(hours=9)
    db.session.commit()
    page = bo_client.get("/progress")
    assert "<i>odd" not in page.get_data(as_text=True)
    assert table_rows(page, "helps-you") == [["<i>odd</i>", "Mood", "3.0 (8 days)", "3.0 (22 days)"]]


def test_a_day_of_several_check_ins_counts_once_at_their_average(app, couple, bo_client):
    bo = couple[1]
    start, practised = a_month_of_check_ins(bo)
    # The day after the first practice has two more check-ins, one without a mood:
    # that day is one day of the eight, its mood the average of its answers (3, 5: 4).
    checkin(bo, start + timedelta(days=1), mood=5)
    checkin(bo, start + timedelta(days=1), closeness=2)
    for i in range(0, 16, 2):
        practised(i)
    db.session.commit()
    page = bo_client.get("/progress?period=12")
    assert table_rows(page, "helps-you") == [["Grounding", "Mood", "3.1 (8 days)", "3.0 (22 days)"]]
    # The week's table counts each check-in: the three of that day among them.
    week = week_start(week_of(start + timedelta(days=1)))
    days_in_week = sum(1 for i in range(30) if week_of(start + timedelta(days=i)) == week_of(week))
    assert cell(page, "closeness", week, "you") == "2.0 (1)"
    mood = (3 * days_in_week + 5) / (days_in_week + 1)
    assert cell(page, "mood", week, "you") == f"{mood:.1f} ({days_in_week + 1})"


def test_a_score_left_unanswered_on_a_day_leaves_that_day_out_of_that_score(app, couple, bo_client):
    bo = couple[1]
    skipped = (1, 3, 20, 22)
    p = practice("grounding")
    start = today() - timedelta(days=29)
    for i in range(30):
        # Closeness is left unanswered on two days after a practice and two others.
        checkin(bo, start + timedelta(days=i), mood=3, **({} if i in skipped else {"closeness": 4}))
    for i in range(0, 20, 2):
        note = note_create(scope=Scope(bo), author=bo, practice=p, went="Breathing.")
        note.created_at = datetime.combine(start + timedelta(days=i), datetime.min.time(), UTC) + timedelta(hours=9)
    db.session.commit()
    page = bo_client.get("/progress")
    assert table_rows(page, "helps-you") == [
        ["Grounding", "Mood", "3.0 (10 days)", "3.0 (20 days)"],
        ["Grounding", "Closeness to your partner", "4.0 (8 days)", "4.0 (18 days)"],
    ]
    week = week_start(week_of(start + timedelta(days=1)))
    answered = [i for i in range(30) if week_of(start + timedelta(days=i)) == week_of(week)]
    closeness = len([i for i in answered if i not in skipped])
    assert cell(page, "closeness", week, "you") == f"4.0 ({closeness})"
    assert cell(page, "mood", week, "you") == f"3.0 ({len(answered)})"


def test_a_partners_name_is_escaped_wherever_the_charts_write_it(app, couple, ana_client):
    """The charts and tables are written in Python, numbers and our own words as they are:
    the partner's name, which they chose, is still escaped in every place it appears."""
    ana, bo, _ = couple
    name = "Bo <b>\"&'</b>"
    bo.display_name = name
    checkin(bo, today(), visibility=SHARED, mood=4, closeness=2)
    checkin(ana, today(), mood=3)
    db.session.commit()
    page = ana_client.get("/progress")
    html = page.get_data(as_text=True)
    assert "<b>" not in html
    assert [th.text for th in elements(page, "#table-mood thead th")] == ["Week of", "You", name]
    assert element(page, "#trend-mood svg .label-partner").text == name
    summary = f"{name} (shared check-ins): one week with check-ins, averaging 4.0."
    assert summary in element(page, "#trend-mood .chart-summary").text
    assert summary in element(page, "#chart-mood-desc").text
    assert cell(page, "mood", this_monday(), "partner") == "4.0 (1)"


def test_a_charts_day_labels_are_strftimes_words():
    from journal.progress.charts import _short

    for month in range(1, 13):
        day = date(2026, month, 7 + month)
        assert _short(day) == day.strftime("%-d %b")


def test_the_page_is_ascii_when_its_names_are(app, couple, ana_client):
    # A page of ASCII alone encodes as a copy; the dash of a week one of them skipped and
    # the title's dot are written as references.
    checkin(couple[0], today(), mood=3)
    db.session.commit()
    page = ana_client.get("/progress")
    assert cell(page, "mood", this_monday(), "partner") == "–"
    assert page.get_data().isascii()
    assert element(page, "title").text == "Progress · Tandem"
