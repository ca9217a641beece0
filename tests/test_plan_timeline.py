"""The postpartum timeline: the suggested dates agree with the weeks they name, a
milestone whose date has gone is marked past (and still offered, gently), and a
milestone already on the plan is not offered again."""

from datetime import date, timedelta

from journal.access import Scope
from journal.extensions import db
from journal.models import Practice, Schedule, now_utc
from journal.plan.services import milestones_offered, plan_view
from journal.testing import client_for, read_text


def milestone_practices():
    rows = {}
    for slug, title in (
        ("early-postnatal-contact", "An early check after the birth"),
        ("full-postnatal-check-up", "The fuller check-up"),
    ):
        rows[slug] = Practice(
            slug=slug,
            kind="medical",
            title=title,
            summary="A check.",
            steps=["Book it."],
            duration_minutes=30,
            together=False,
            topics=[],
        )
        db.session.add(rows[slug])
    db.session.commit()
    return rows


def plan_with_birth(user, born: date):
    plan = Scope(user).plan_or_create()
    plan.birth_date = born
    db.session.commit()
    return plan


def offered(user, today: date):
    db.session.expire_all()
    return {m.practice.slug: m for m in milestones_offered(plan_view(Scope(user)), today=today)}


def test_each_suggested_date_is_the_weeks_it_names(app, couple):
    ana = couple[0]
    milestone_practices()
    plan_with_birth(ana, date(2026, 9, 20))
    found = offered(ana, date(2026, 9, 27))
    assert found["full-postnatal-check-up"].suggested == date(2026, 12, 13)  # 12 weeks, not 15 November
    assert found["full-postnatal-check-up"].label == "A fuller check-up, usually by about 12 weeks"
    assert found["early-postnatal-contact"].suggested == date(2026, 10, 4)
    assert not any(m.past for m in found.values())


def test_the_plan_page_says_the_right_date(app, couple):
    ana = couple[0]
    milestone_practices()
    born = now_utc().date() - timedelta(weeks=1)
    plan_with_birth(ana, born)
    page = read_text(client_for(app, ana).get("/plan"))
    twelve = born + timedelta(weeks=12)
    assert f"A fuller check-up, usually by about 12 weeks (around {twelve.day} {twelve:%B} {twelve.year})" in page
    eight = born + timedelta(weeks=8)
    assert f"(around {eight.day} {eight:%B}" not in page


def test_a_milestone_says_its_year(app, couple):
    """A birth more than a year ago: "around 13 December" alone would read as this year's."""
    ana = couple[0]
    milestone_practices()
    plan_with_birth(ana, date(2024, 9, 20))
    page = read_text(client_for(app, ana).get("/plan"))
    assert "(around 13 December 2024, now past)" in page


def test_a_milestone_whose_date_has_gone_is_marked_past(app, couple):
    ana = couple[0]
    milestone_practices()
    born = now_utc().date() - timedelta(weeks=5)
    plan_with_birth(ana, born)
    found = offered(ana, now_utc().date())
    assert found["early-postnatal-contact"].past and not found["full-postnatal-check-up"].past
    page = read_text(client_for(app, ana).get("/plan"))
    early = page.split("An early check in the first weeks")[1].split("A fuller check-up")[0]
    assert "If it hasn't happened yet, it's not too late to ask" in early
    fuller = page.split("A fuller check-up")[1][:200]
    assert "not too late" not in fuller


def test_a_milestone_already_on_the_plan_is_not_offered_again(app, couple):
    ana = couple[0]
    rows = milestone_practices()
    plan = plan_with_birth(ana, now_utc().date() - timedelta(weeks=1))
    db.session.add(
        Schedule(
            plan_id=plan.id,
            practice_id=rows["full-postnatal-check-up"].id,
            kind="once",
            times=["10:00"],
            start_date=now_utc().date() + timedelta(weeks=10),
        )
    )
    removed = Schedule(
        plan_id=plan.id,
        practice_id=rows["early-postnatal-contact"].id,
        kind="once",
        times=["10:00"],
        start_date=now_utc().date(),
        removed_at=now_utc(),
    )
    db.session.add(removed)
    db.session.commit()
    assert set(offered(ana, now_utc().date())) == {"early-postnatal-contact"}  # taken out: offered again
    body = client_for(app, ana).get("/plan").get_data(as_text=True)
    assert f'href="/plan/add/{rows["full-postnatal-check-up"].id}"' not in body
    assert f'href="/plan/add/{rows["early-postnatal-contact"].id}"' in body
