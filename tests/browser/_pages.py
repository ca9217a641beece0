"""Every page of Tandem, with realistic data behind it, for the page checks in
tests/browser/test_accessibility.py (axe-core and the Nu HTML Checker).

`seed(app)` makes a partnered person with a full plan, journal, check-ins, notes
and reminders (unique emails: the live server's database is shared with the other
browser tests of the process). `pages(tokens)` lists what to open, logged in or
out: one page per GET row of the access matrix (tests/test_access_matrix.py) that
the person may open, plus the variants a row can't show (other people's and
private items, moments, filters, error pages, forms shown again with errors).

`unchecked_routes(app, pages)` names the GET routes that are neither opened here nor
in EXCLUDED, so a new page can't escape the checks.
"""

import uuid
from dataclasses import dataclass, field
from datetime import time, timedelta

from sqlalchemy import select
from werkzeug.exceptions import HTTPException

from journal.access import PRIVATE, SHARED, Scope
from journal.checkins.services import checkin_create
from journal.couple.services import invite_create
from journal.entries.services import entry_create, moment_create
from journal.extensions import db
from journal.models import Practice, now_utc
from journal.models.reminders import Notification
from journal.notes.services import SensationInput, note_create
from journal.plan.recurrence import Recurrence
from journal.plan.services import hold_start, plan_pause, schedule_save
from journal.practices.services import practice_create, practices_load
from journal.reminders.channels.apprise import apprise_target_save
from journal.testing import DEFAULT_PASSWORD, make_couple, make_user, token_issue
from tests.access_roles import ROLES
from tests.test_access_matrix import FEATURE_MODULES, MATRIX

#: Who opens a page: the partnered person, nobody, a single person who is
#: inviting a partner and has not confirmed their email yet, or a partnered person
#: whose plan is paused and on a safety hold, with another service for reminders.
USER, ANON, SINGLE, PAUSED = "user", "anonymous", "single", "paused"
PASSWORD = DEFAULT_PASSWORD

#: GET routes that are not HTML pages a person reads, and why.
EXCLUDED = {
    "static": "stylesheets, scripts, icons and the manifest, not pages",
    "views.service_worker": "the service worker is JavaScript",
    "views.healthz": "a health probe for load balancers, not a page",
    "views.readyz": "a readiness probe for load balancers, not a page",
    "calendar.feed": "an iCalendar feed read by calendar apps",
    "export.summary_pdf": "a PDF download, made from the same markup as export.summary_page (checked)",
}


@dataclass(frozen=True)
class Page:
    """One page to check: opened as `who` at `path`; with `submit`, the form on it
    is sent (browser validation off) and the page shown in answer is checked."""

    name: str
    path: str
    who: str
    status: int = 200
    #: field name -> value to type before sending the form holding the first of them
    submit: dict | None = field(default=None, hash=False, compare=False)


def seed(app) -> dict:
    """People and data for every page; returns who logs in (emails) and the URL tokens."""
    tag = uuid.uuid4().hex[:8]
    with app.app_context():
        practices_load()
        db.session.commit()
        ana = make_user(email=f"a11y-ana-{tag}@example.com", display_name="Ana", timezone="Europe/London")
        bo = make_user(email=f"a11y-bo-{tag}@example.com", display_name="Bo", timezone="Europe/London")
        make_couple(ana, bo, pace_leader=ana)
        stranger = make_user(email=f"a11y-stranger-{tag}@example.com", display_name="Sam")
        make_couple(stranger, make_user(email=f"a11y-stranger2-{tag}@example.com"))
        # Sam's plan: a touch practice, a safety hold from Sam's check-in, then paused;
        # reminders also go to a service through Apprise (saved, never sent to here).
        sam_scope = Scope(stranger)
        sam_plan = sam_scope.plan_or_create()
        slow_massage = db.session.scalar(select(Practice).where(Practice.slug == "slow-hand-massage"))
        schedule_save(
            scope=sam_scope,
            author=stranger,
            practice=slow_massage,
            prompt_user_id=None,
            recurrence=Recurrence(kind="daily", times=(time(20, 0),), start=now_utc().date()),
        )
        hold_start(plan=sam_plan, user=stranger)
        plan_pause(scope=sam_scope, until=now_utc().date() + timedelta(days=7))
        apprise_target_save(user=stranger, url="ntfy://a11y-check-topic")
        single = make_user(email=f"a11y-single-{tag}@example.com", display_name="Kit")
        inviter = make_user(email=f"a11y-inviter-{tag}@example.com", display_name="Robin", verified=False)
        people = {"author": ana, "partner": bo, "stranger": stranger, "single": single}

        scope = Scope(ana)
        plan = scope.plan_or_create()
        plan.timezone = "Europe/London"
        plan.birth_date = (now_utc() - timedelta(weeks=10)).date()
        by_slug = {p.slug: p for p in db.session.scalars(select(Practice).where(Practice.slug.is_not(None)))}
        today = now_utc().date() - timedelta(days=2)
        hour = now_utc().hour
        times = tuple(time((hour + h) % 24, 0) for h in (-1, 2, 8))
        check_in = by_slug["two-minute-daily-check-in"]
        touch = by_slug["slow-hand-massage"]
        schedule = schedule_save(
            scope=scope,
            author=ana,
            practice=check_in,
            prompt_user_id=None,
            recurrence=Recurrence(kind="daily", times=times, start=today),
        )
        touch_schedule = schedule_save(
            scope=scope,
            author=ana,
            practice=touch,
            prompt_user_id=ana.id,
            recurrence=Recurrence(kind="weekdays", times=(time(20, 0),), start=today, weekdays=(0, 2, 4, 6)),
        )
        own = practice_create(
            scope=scope,
            author=ana,
            kind="closeness",
            title="Our evening walk",
            summary="Ten slow minutes outside, phones away.",
            steps=["Walk slowly.", "Say one thing you noticed."],
            duration_minutes=20,
            together=True,
        )
        schedule_save(
            scope=scope,
            author=ana,
            practice=own,
            prompt_user_id=bo.id,
            recurrence=Recurrence(kind="weekly", times=(time(18, 30),), start=today),
        )

        day = now_utc().date()
        private_checkin = checkin_create(
            author=ana,
            day=day,
            visibility=PRIVATE,
            answers={
                "mood": 2,
                "closeness": 3,
                "comfort": 3,
                "energy": 1,
                "stress": 4,
                "note": "Tired, but we laughed.",
            },
        )
        partner_checkin = checkin_create(
            author=bo, day=day, visibility=SHARED, answers={"mood": 4, "closeness": 4, "note": "A good walk."}
        )
        private_entry = entry_create(
            author=ana,
            title="Just for me",
            visibility=PRIVATE,
            tags=["sleep", "me"],
            body="Some *quiet* thoughts.\n\n- slept four hours\n- a warm bath",
        )
        partner_entry = entry_create(
            author=bo, title="From Bo", body="Thank you for today.", tags=["us"], visibility=SHARED
        )
        moment = moment_create(author=ana, moment_kind="hug", line="", visibility=SHARED)
        moment_create(author=bo, moment_kind="own", line="We shared a pot of tea", visibility=SHARED)
        private_note = note_create(
            scope=scope,
            author=ana,
            practice=touch,
            went="Slow and kind.",
            comfort=3,
            keep="Warm hands.",
            change="Shorter.",
            visibility=PRIVATE,
            sensation=SensationInput(areas={"hands": "comfortable", "back": "numb"}),
        )
        # Three weeks of check-ins for the progress charts (a gap in the middle one).
        for back in range(1, 22):
            if 8 <= back < 12:
                continue
            checkin_create(
                author=ana,
                day=day - timedelta(days=back),
                visibility=PRIVATE,
                answers={"mood": 1 + back % 5, "closeness": 3, "sleep_hours": 6.5},
            )
            checkin_create(
                author=bo,
                day=day - timedelta(days=back),
                visibility=SHARED,
                answers={"mood": 3, "stress": 1 + back % 5},
            )
        note_create(
            scope=scope,
            author=ana,
            practice=touch,
            went="Easier.",
            comfort=4,
            visibility=PRIVATE,
            sensation=SensationInput(
                areas={"hands": "neutral", "back": "reduced", "belly": "uncomfortable"}, for_clinician=True
            ),
        )
        for hours in (3, 27):
            db.session.add(
                Notification(user_id=ana.id, schedule_id=schedule.id, occurrence_at=now_utc() - timedelta(hours=hours))
            )
        db.session.add(Notification(user_id=ana.id, kind="partner_left", created_at=now_utc() - timedelta(days=40)))
        db.session.flush()
        # A link used already (the next one replaces it), for an address that is confirmed.
        verify_used = token_issue(user_id=ana.id, purpose="verify_email")
        tokens = {
            "verify_used": verify_used,
            "verify": token_issue(user_id=ana.id, purpose="verify_email"),
            "reset": token_issue(user_id=ana.id, purpose="reset_password"),
            "change_email": token_issue(
                user_id=ana.id, purpose="change_email", new_email=f"a11y-ana-new-{tag}@example.com"
            ),
            "restore_email": token_issue(user_id=ana.id, purpose="restore_email", new_email=ana.email),
            "invite": invite_create(user=inviter)[0],
            "practice": own.id,
            "schedule": touch_schedule.id,
            "library_practice": touch.id,
            "private_entry": private_entry.id,
            "partner_entry": partner_entry.id,
            "moment": moment.id,
            "private_checkin": private_checkin.id,
            "partner_checkin": partner_checkin.id,
            "private_note": private_note.id,
            "held_touch": slow_massage.id,
        }
        db.session.commit()
        # The rows of each feature's matrix module: its own objects, named as its URLs name them.
        for module in FEATURE_MODULES:
            tokens.update(module.build(people))
            db.session.commit()
        return {"emails": {USER: ana.email, SINGLE: inviter.email, PAUSED: stranger.email}, "tokens": tokens}


def _matrix_pages(tokens: dict) -> list[Page]:
    """One page per GET row, as the author (logged in) and anonymously, wherever
    that person may open it."""
    found = []
    for (endpoint, method), (template, outcomes) in sorted(MATRIX.items()):
        if method != "GET" or endpoint in EXCLUDED:
            continue
        assert set(outcomes) == set(ROLES)
        for who, role in ((USER, "author"), (ANON, "anonymous")):
            if outcomes[role] == 200:
                found.append(Page(f"{endpoint} ({who})", template.format(**tokens), who))
    return found


def pages(tokens: dict) -> list[Page]:
    t = tokens
    extra = [
        # Other people's items, private ones, moments and filters.
        Page("private entry", f"/journal/{t['private_entry']}", USER),
        Page("private entry edit", f"/journal/{t['private_entry']}/edit", USER),
        Page("partner's entry", f"/journal/{t['partner_entry']}", USER),
        Page("moment", f"/journal/{t['moment']}", USER),
        Page("moment edit", f"/journal/{t['moment']}/edit", USER),
        Page("moment delete", f"/journal/{t['moment']}/delete", USER),
        Page("journal, moments only", "/journal?kind=moment", USER),
        Page("journal search", "/journal?q=walk&visibility=shared", USER),
        Page("journal search, nothing found", "/journal?q=zebra", USER),
        Page("new entry for a practice", f"/journal/new?practice={t['library_practice']}", USER),
        Page("private check-in", f"/checkins/{t['private_checkin']}", USER),
        Page("partner's check-in", f"/checkins/{t['partner_checkin']}", USER),
        Page("private note with a map", f"/notes/{t['private_note']}", USER),
        Page("touch note form", f"/notes/new?practice={t['library_practice']}", USER),
        Page("library practice", f"/practices/{t['library_practice']}", USER),
        Page("library, touch only", "/practices?kind=touch", USER),
        Page("add a library practice", f"/plan/add/{t['library_practice']}", USER),
        # A single person with an open invitation and an unconfirmed email.
        Page("couple, inviting", "/couple", SINGLE),
        Page("account, email not confirmed", "/account", SINGLE),
        Page("today, alone", "/today", SINGLE),
        Page("plan, empty", "/plan", SINGLE),
        Page("journal, empty", "/journal", SINGLE),
        Page("check-ins, none", "/checkins", SINGLE),
        Page("notes, none", "/notes", SINGLE),
        # A paused plan on a safety hold, and a connected service.
        Page("today, paused and held", "/today", PAUSED),
        Page("plan, paused and held", "/plan", PAUSED),
        Page("library, touch held", "/practices?kind=touch", PAUSED),
        Page("add a touch practice, held", f"/plan/add/{t['held_touch']}", PAUSED),
        Page("reminders, another service connected", "/reminders", PAUSED),
        Page("apprise, connected", "/reminders/apprise", PAUSED),
        # Links that no longer work, and pages that aren't there.
        Page("invitation, already partnered", f"/invite/{t['invite']}", USER, status=409),
        Page("invitation, unknown", "/invite/not-a-real-invitation", ANON, status=404),
        Page("reset link, unknown", "/reset/not-a-real-token", ANON, status=410),
        Page("verify link, unknown", "/verify/not-a-real-token", ANON, status=410),
        Page("verify link, email already confirmed", f"/verify/{t['verify_used']}", ANON),
        Page("unsubscribe link, unknown", "/unsubscribe/not-a-real-token", ANON, status=404),
        Page("not found", "/no-such-page", ANON, status=404),
        Page("not found (logged in)", "/journal/999999999", USER, status=404),
        # Forms shown again with what to fix.
        Page(
            "register, short password",
            "/register",
            ANON,
            status=422,
            submit={"email": "someone@example.com", "display_name": "Someone", "password": "short"},
        ),
        Page(
            "log in, wrong password",
            "/login",
            ANON,
            status=422,
            submit={"email": "nobody-here@example.com", "password": "not the password"},
        ),
        Page("reset, not an email", "/reset", ANON, status=422, submit={"email": "not an email"}),
        Page("entry, empty body", "/journal/new", USER, status=422, submit={"title": "", "body": ""}),
        Page("note, nothing answered", "/notes/new", USER, status=422, submit={"went": ""}),
        Page("check-in, nothing answered", "/checkins/new", USER, status=422, submit={"note": ""}),
        Page(
            "check-in, hours slept mistyped (More about today open)",
            "/checkins/new",
            USER,
            status=422,
            submit={"sleep_hours": "lots"},
        ),
        Page("practice, no title", "/practices/new", USER, status=422, submit={"title": ""}),
        Page(
            "schedule, no start date", f"/plan/add/{t['library_practice']}", USER, status=422, submit={"start_date": ""}
        ),
        Page("password change, too short", "/account/password", USER, status=422, submit={"password": "short"}),
        # Sign-in security: the second step of logging in, confirming it's you, set-up.
        # /login/code sends someone who hasn't typed a password yet to log in; typing
        # the password of an account with two-step sign-in brings them back to it.
        Page("log in, second step", "/login/code", ANON, submit={"email": t["two_factor_email"], "password": PASSWORD}),
        Page(
            "confirm it's you, wrong password",
            "/reauth?next=/account",
            USER,
            status=422,
            submit={"pw-password": "not the password"},
        ),
        Page("two-step set-up, no code", "/account/two-factor/setup", USER, status=422, submit={"code": ""}),
        Page("email change, not an email", "/account/email", USER, status=422, submit={"email": "nope"}),
        Page("join, bad code", "/couple/join", USER, status=422, submit={"code": "!"}),
        Page("apprise, bad address", "/reminders/apprise", USER, status=422, submit={"url": "not a url"}),
        # Progress, export and the clinician summary.
        Page("progress, all time", "/progress?period=all", USER),
        Page("progress, alone", "/progress", SINGLE),
        Page(
            "summary with notes and the partner's check-ins",
            f"/export/summary/page?since={now_utc().date() - timedelta(days=60)}&until={now_utc().date()}"
            "&include_sensation=y&include_pace=y&include_practices=y&include_flagged=y&include_notes=y"
            "&include_partner=y",
            USER,
        ),
        Page(
            "summary, dates the wrong way round",
            "/export/summary",
            USER,
            status=422,
            submit={"since": "2026-05-01", "until": "2026-04-01"},
        ),
    ]
    return _matrix_pages(tokens) + extra


def unchecked_routes(app, checked: list[Page]) -> dict[str, str]:
    """GET routes (endpoint -> rule) neither opened by `checked` nor EXCLUDED."""
    adapter = app.url_map.bind("localhost")
    opened = set()
    for page in checked:
        try:
            endpoint, _ = adapter.match(page.path.split("?")[0], method="GET")
        except HTTPException:
            continue
        opened.add(endpoint)
    routes = {rule.endpoint: rule.rule for rule in app.url_map.iter_rules() if "GET" in rule.methods}
    stale = set(EXCLUDED) - set(routes)
    assert not stale, f"EXCLUDED names routes that no longer exist: {sorted(stale)}"
    both = opened & set(EXCLUDED)
    assert not both, f"routes both checked and EXCLUDED: {sorted(both)}"
    return {endpoint: rule for endpoint, rule in routes.items() if endpoint not in opened | set(EXCLUDED)}
