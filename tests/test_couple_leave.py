"""The partner who stays keeps what is theirs: leaving ends the couple, and each
former partner leaves with their own copy of the plan (schedules for both or for them,
now prompting them; the couple's own practices; the consent words; the stage and the
pace history), their own marks and notifications, and what they wrote. The one who
stays is told, discreetly. A couple formed later with someone else starts clean.
"""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from journal.access import Scope
from journal.account.services import account_delete
from journal.checkins.services import checkin_create
from journal.consent.services import phrases_open, phrases_replace
from journal.couple.services import couple_leave, invite_accept, invite_by_token, invite_create
from journal.extensions import db
from journal.models import (
    Notification,
    Outbox,
    Plan,
    PlanPause,
    Practice,
    PromptAction,
    ReminderSettings,
    Schedule,
    StageChange,
    User,
    now_utc,
)
from journal.plan.pace import stage_history
from journal.plan.services import pauses_of, plan_paused_at
from journal.reminders.tick import tick
from journal.testing import client_for, make_schedule, make_user, read_text

WORDS = {
    "ask": ["Shall we?"],
    "slow_down": ["Gently now"],
    "pause": ["Amber"],
    "stop": ["Red"],
    "check_in": ["Still ok?"],
}
#: Every schedule of the world starts on 1 January 2026, its due time that evening: long past.
SINCE_JANUARY = {"start": date(2026, 1, 1), "next_due_at": datetime(2026, 1, 1, 20, tzinfo=UTC)}


def library_practice(slug: str, title: str, kind: str = "closeness") -> Practice:
    practice = Practice(
        slug=slug, kind=kind, title=title, summary="A practice.", steps=["One step."], duration_minutes=5, together=True
    )
    db.session.add(practice)
    db.session.flush()
    return practice


@pytest.fixture
def world(app, couple):
    """Ana and Bo's plan: a practice for both, one for Ana, one for Bo, one removed,
    one of their own; their consent words, stage 3 with its history, a birth date."""
    ana, bo, _ = couple
    scope = Scope(ana)
    plan = scope.plan_or_create()
    plan.timezone, plan.birth_date = "Europe/London", date(2026, 9, 20)
    both = make_schedule(plan, library_practice("talk", "Talk at the table"), created_by_id=ana.id, **SINCE_JANUARY)
    for_ana = make_schedule(plan, library_practice("walk", "A walk outside"), prompt_user_id=ana.id, **SINCE_JANUARY)
    for_bo = make_schedule(plan, library_practice("rest", "Bo rests an hour"), prompt_user_id=bo.id, **SINCE_JANUARY)
    removed = make_schedule(plan, library_practice("old", "An old idea"), **SINCE_JANUARY)
    removed.removed_at = now_utc()
    own = Practice(
        plan_id=plan.id,
        kind="closeness",
        title="Our tea ritual",
        summary="Tea, slowly.",
        steps=["Make tea."],
        duration_minutes=10,
        together=True,
        author_id=bo.id,
    )
    db.session.add(own)
    db.session.flush()
    ritual = make_schedule(plan, own, times=("08:00",), **SINCE_JANUARY)
    phrases_replace(scope=scope, author=bo, phrases=WORDS)
    for n, (a, b) in enumerate(((1, 2), (2, 3), (3, 2), (2, 3))):
        db.session.add(
            StageChange(plan_id=plan.id, from_stage=a, to_stage=b, created_at=datetime(2026, 10, 1 + n, tzinfo=UTC))
        )
    plan.stage = 3
    occurrence = datetime(2026, 11, 1, 20, tzinfo=UTC)
    db.session.add(PromptAction(schedule_id=both.id, user_id=ana.id, occurrence_at=occurrence, state="done"))
    db.session.add(PromptAction(schedule_id=both.id, user_id=bo.id, occurrence_at=occurrence, state="skipped"))
    db.session.add(Notification(user_id=ana.id, schedule_id=both.id, occurrence_at=occurrence))
    db.session.add(Notification(user_id=bo.id, schedule_id=for_bo.id, occurrence_at=occurrence))
    db.session.commit()
    return {"plan": plan, "both": both, "for_ana": for_ana, "for_bo": for_bo, "ritual": ritual}


def plan_of(user) -> Plan:
    db.session.expire_all()
    return Scope(user).plan


def titles(plan) -> dict[str, int | None]:
    rows = db.session.execute(
        select(Practice, Schedule.prompt_user_id)
        .join(Practice, Practice.id == Schedule.practice_id)
        .where(Schedule.plan_id == plan.id, Schedule.removed_at.is_(None))
    ).all()
    return {practice.title: who for practice, who in rows}  # a couple's own title is sealed: read it opened


def test_the_partner_who_stays_keeps_their_plan_words_and_pace(app, couple, world):
    ana, bo, _ = couple
    bo_client = client_for(app, bo)
    assert bo_client.post("/couple/leave").status_code == 302

    mine = plan_of(ana)
    assert mine is not None and mine.owner_id == ana.id and mine.id != world["plan"].id
    assert titles(mine) == {"Talk at the table": ana.id, "A walk outside": ana.id, "Our tea ritual": ana.id}
    assert (mine.timezone, mine.birth_date, mine.stage) == ("Europe/London", date(2026, 9, 20), 3)
    assert phrases_open(Scope(ana)) == ({**WORDS}, False)
    assert [(c.from_stage, c.to_stage) for c in stage_history(Scope(ana))] == [(2, 3), (3, 2), (2, 3), (1, 2)]
    # their own practice is a copy in Ana's plan, which she can open
    ritual = db.session.scalar(select(Practice).where(Practice.plan_id == mine.id))
    assert ritual.title == "Our tea ritual"
    # ...sealed again under her plan's key, never copied into a clear column
    clear = db.session.execute(
        select(Practice.__table__.c.title, Practice.__table__.c.text_sealed).where(Practice.__table__.c.id == ritual.id)
    ).one()
    assert clear.title == "Your own practice" and b"tea" not in clear.text_sealed
    ana_client = client_for(app, ana)
    assert ana_client.get(f"/practices/{ritual.id}").status_code == 200
    page = read_text(ana_client.get("/plan"))
    assert "Talk at the table" in page and "A walk outside" in page and "Bo rests an hour" not in page

    # what Ana did with the old prompts, and her notifications, follow her copies
    copy = db.session.scalar(
        select(Schedule).where(Schedule.plan_id == mine.id, Schedule.practice_id == world["both"].practice_id)
    )
    assert db.session.scalar(select(PromptAction.state).where(PromptAction.user_id == ana.id)) == "done"
    assert db.session.scalar(select(PromptAction.schedule_id).where(PromptAction.user_id == ana.id)) == copy.id
    assert (
        db.session.scalar(
            select(Notification.schedule_id).where(Notification.user_id == ana.id, Notification.kind == "reminder")
        )
        == copy.id
    )

    # Bo leaves with his own copy too: for both, for him, their own practice; not Ana's walk
    his = plan_of(bo)
    assert titles(his) == {"Talk at the table": bo.id, "Bo rests an hour": bo.id, "Our tea ritual": bo.id}
    assert phrases_open(Scope(bo)) == ({**WORDS}, False)
    assert len(stage_history(Scope(bo))) == 4
    assert db.session.scalar(select(PromptAction.state).where(PromptAction.user_id == bo.id)) == "skipped"

    # the ended couple's plan sends nothing more
    assert titles(world["plan"]) == {}


def test_a_plan_copy_keeps_only_the_pause_and_hold_its_owner_started(app, couple, world):
    ana, bo, _ = couple
    plan = world["plan"]
    plan.hold_by_id, plan.hold_since = ana.id, now_utc()
    db.session.add(PlanPause(plan_id=plan.id, user_id=ana.id, until=date(2030, 1, 1), shared=True))
    db.session.commit()
    couple_leave(user=bo)
    db.session.commit()
    mine, his = plan_of(ana), plan_of(bo)
    paused = lambda plan: plan_paused_at(pauses_of(plan), plan.timezone)  # noqa: E731
    assert paused(mine) and not paused(his)
    kept = db.session.scalar(select(PlanPause).where(PlanPause.plan_id == mine.id))
    assert (kept.user_id, kept.until, kept.shared) == (ana.id, date(2030, 1, 1), True)
    assert mine.hold_by_id == ana.id and his.hold_by_id is None


def test_reminders_follow_the_copies_once(app, couple, world):
    ana, bo, _ = couple
    couple_leave(user=bo)
    db.session.commit()
    now = now_utc()
    local = now.astimezone(ZoneInfo("Europe/London"))
    evening = local.replace(hour=20, minute=0, second=0, microsecond=0)
    if evening <= local:
        evening += timedelta(days=1)
    evening = evening.astimezone(UTC)
    tick(now=evening - timedelta(minutes=1))
    rows = db.session.execute(
        select(Outbox.user_id, Practice.title)
        .join(Schedule, Schedule.id == Outbox.schedule_id)
        .join(Practice, Practice.id == Schedule.practice_id)
        .where(Outbox.channel == "inapp", Outbox.occurrence_at == evening)
    ).all()
    assert sorted(rows) == sorted(
        [
            (ana.id, "Talk at the table"),
            (ana.id, "A walk outside"),
            (bo.id, "Talk at the table"),
            (bo.id, "Bo rests an hour"),
        ]
    )


def test_a_plan_of_one_kept_from_before_the_couple_makes_way_for_the_copy(app, couple, world):
    ana, bo, _ = couple
    old = Plan(owner_id=bo.id, timezone="UTC")
    db.session.add(old)
    db.session.flush()
    make_schedule(old, library_practice("solo", "Something from long ago"), **SINCE_JANUARY)
    db.session.commit()
    couple_leave(user=ana)
    db.session.commit()
    his = plan_of(bo)
    assert his.id == old.id
    assert titles(his) == {"Talk at the table": bo.id, "Bo rests an hour": bo.id, "Our tea ritual": bo.id}


def test_the_one_who_stays_is_told_discreetly_in_app(app, couple, world, smtp_sink):
    ana, bo, _ = couple
    smtp_sink.clear()
    ana_client, bo_client = client_for(app, ana), client_for(app, bo)
    bo_client.post("/couple/leave")
    page = read_text(ana_client.get("/notifications"))
    day = now_utc().astimezone(ZoneInfo(ana.timezone))
    assert f"On {day:%A} {day.day} {day:%B %Y}, your partner left your couple." in page  # the day, with its year
    assert (
        "your partner left your couple. Your plan, your consent words and everything you wrote are still yours" in page
    )
    assert "Bo" not in page.split("your partner left")[1][:120]  # no name, no reason
    assert "left your couple" not in read_text(bo_client.get("/notifications"))
    assert smtp_sink.wait_for(ana.email, timeout=0.3) == []  # email reminders are off


def test_with_email_reminders_on_the_one_who_stays_gets_a_discreet_email(app, couple, world, smtp_sink):
    ana, bo, _ = couple
    db.session.add(ReminderSettings(user_id=ana.id, email_on=True))
    db.session.add(ReminderSettings(user_id=bo.id, email_on=True))
    db.session.commit()
    smtp_sink.clear()
    client_for(app, bo).post("/couple/leave")
    (message,) = smtp_sink.wait_for(ana.email)
    assert message["Subject"] == "A change on Tandem"
    assert "Your partner has left your couple" in message.get_body(("plain",)).get_content()
    assert smtp_sink.wait_for(bo.email, timeout=0.3) == []


def test_a_new_couple_starts_clean(app, couple, world):
    ana, bo, _ = couple
    checkin_create(author=ana, answers={"mood": 3, "note": "Said to Bo"}, day=now_utc().date(), visibility="shared")
    db.session.commit()
    couple_leave(user=bo)
    db.session.commit()
    cy = make_user(email="cy@example.com", display_name="Cy")
    token, _ = invite_create(user=ana)
    invite, inviter = invite_by_token(token)
    invite_accept(invite=invite, inviter=inviter, user=cy)
    db.session.commit()

    ours = plan_of(cy)
    assert ours.couple_id == cy.couple_id and ours.id != plan_of(bo).id
    assert titles(ours) == {}
    assert phrases_open(Scope(cy))[1] is True  # our suggestions, not Ana and Bo's words
    assert stage_history(Scope(cy)) == [] and ours.stage == 1
    cy_client = client_for(app, cy)
    for path in ("/plan", "/consent", "/checkins", "/notifications"):
        page = read_text(cy_client.get(path))
        for word in ("Talk at the table", "Our tea ritual", "Amber", "Gently now", "Said to Bo"):
            assert word not in page, (path, word)
    # Ana's copy stays hers, for if she is ever single again
    assert db.session.scalar(select(func.count()).select_from(Plan).where(Plan.owner_id == ana.id)) == 1


def test_deleting_an_account_leaves_the_partner_their_plan(app, couple, world):
    ana, bo, _ = couple

    account_delete(user=bo)
    db.session.commit()
    assert titles(plan_of(ana)) == {"Talk at the table": ana.id, "A walk outside": ana.id, "Our tea ritual": ana.id}
    assert (
        db.session.scalar(
            select(func.count())
            .select_from(Notification)
            .where(Notification.user_id == ana.id, Notification.kind == "partner_left")
        )
        == 1
    )
    assert timedelta(0) <= now_utc() - plan_of(ana).created_at < timedelta(minutes=5)


def test_leaving_again_from_a_request_that_read_the_couple_earlier_makes_no_second_copy(app, couple, world):
    """Bo's request read him as partnered just before Ana's leaving was committed."""
    ana, bo, _ = couple
    with app.app_context():  # another request, its own session
        stale_bo = db.session.get(User, bo.id)
        assert stale_bo.couple_id is not None
        with app.app_context():
            couple_leave(user=db.session.get(User, ana.id))
            db.session.commit()
        couple_leave(user=stale_bo)
        db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(Plan).where(Plan.owner_id.in_([ana.id, bo.id]))) == 2
    assert (
        db.session.scalar(select(func.count()).select_from(Notification).where(Notification.kind == "partner_left"))
        == 1
    )


def test_the_leave_page_says_what_each_keeps(app, couple, world):
    ana, bo, _ = couple
    page = read_text(client_for(app, bo).get("/couple/leave"))
    assert "Each of you keeps your own copy of the plan" in page
    assert "Ana will see a short note that you left, with no reason given." in page
