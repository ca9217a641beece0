"""Partnering through the HTTP routes: inviting, joining by link or code, the
refusals, leaving, who leads the pace, and the service-level race.

Ana and Bo each use their own test client, logged in with `login_as` (each
request runs in its own app context, see journal.testing.IsolatedClient).
"""

import hashlib
import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from journal.couple import services
from journal.extensions import db
from journal.models import Couple, Invite, User, now_utc
from journal.testing import (
    client_for,
    count_queries,
    element,
    elements,
    field_error,
    field_value,
    make_couple,
    make_user,
)
from journal.testing import page_text as text

BASE = "http://localhost"


# -- fixtures and helpers -------------------------------------------------------------


def couple_id_of(user) -> int | None:
    return db.session.scalar(select(User.couple_id).where(User.id == user.id))


def couple_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Couple))


def invites_of(user) -> list[Invite]:
    db.session.expire_all()
    return list(db.session.scalars(select(Invite).where(Invite.inviter_id == user.id).order_by(Invite.id)))


def make_invite(client) -> tuple[str, str]:
    """Ana (or whoever `client` is) makes an invitation; returns (link path, code) as shown once."""
    response = client.post("/couple/invite")
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/couple"
    page = client.get("/couple")
    assert page.status_code == 200
    link = field_value(page, "invite-link")
    assert link is not None, "the invitation link is not shown"
    assert link.startswith(BASE + "/invite/")
    code = element(page, "p.code")
    assert code is not None, "the invitation code is not shown"
    return link[len(BASE) :], code.text


def token_of(path: str) -> str:
    return path.rsplit("/", 1)[1]


@pytest.fixture
def single_ana(user):
    """Ana, not partnered yet (the conftest's `ana` is partnered with Bo)."""
    return user


@pytest.fixture
def single_bo(app):
    """Bo, not partnered yet."""
    return make_user(email="bo@example.com", display_name="Bo")


@pytest.fixture
def single_ana_client(app, single_ana):
    return client_for(app, single_ana)


@pytest.fixture
def single_bo_client(app, single_bo):
    return client_for(app, single_bo)


@pytest.fixture
def cy(app):
    return make_user(email="cy@example.com", display_name="Cy")


@pytest.fixture
def cy_client(app, cy):
    return client_for(app, cy)


# -- making an invitation -------------------------------------------------------------


def test_invitation_link_and_code_are_shown_once(single_ana, single_ana_client):
    link, code = make_invite(single_ana_client)
    assert re.fullmatch(r"/invite/[A-Za-z0-9_-]{20,}", link)
    assert re.fullmatch(r"[A-Z0-9]{4}-[A-Z0-9]{4}", code)

    again = single_ana_client.get("/couple")
    assert again.status_code == 200
    assert field_value(again, "invite-link") is None
    assert 'class="code"' not in again.get_data(as_text=True)
    assert token_of(link) not in again.get_data(as_text=True)
    assert code not in again.get_data(as_text=True)
    assert "An invitation is open" in text(again)


def test_only_hashes_of_the_invitation_are_stored(single_ana, single_ana_client):
    link, code = make_invite(single_ana_client)
    token = token_of(link)
    rows = db.session.execute(select(Invite.__table__)).mappings().all()
    assert len(rows) == 1
    secrets_shown = {token, code, code.replace("-", ""), code.lower(), code.replace("-", "").lower()}
    for column, value in rows[0].items():
        for secret in secrets_shown:
            assert secret not in str(value), f"invites.{column} holds the raw invitation"
    assert rows[0]["token_hash"] == hashlib.sha256(token.encode()).hexdigest()


def test_partnered_user_cannot_make_an_invitation(app, couple):
    ana, bo, _ = couple
    client = client_for(app, ana)
    response = client.post("/couple/invite", follow_redirects=True)
    assert response.status_code == 200
    assert "You're already partnered, so there's no one to invite." in text(response)
    assert field_value(response, "invite-link") is None
    assert db.session.scalar(select(func.count()).select_from(Invite)) == 0


# -- accepting ------------------------------------------------------------------------


def test_accept_by_link(single_ana, single_bo, single_ana_client, single_bo_client):
    link, _ = make_invite(single_ana_client)

    page = single_bo_client.get(link)
    assert page.status_code == 200
    assert "Ana invited you" in text(page)
    assert "Join Ana" in text(page)

    response = single_bo_client.post(link)
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/couple"

    assert couple_id_of(single_ana) is not None
    assert couple_id_of(single_ana) == couple_id_of(single_bo)
    (invite,) = invites_of(single_ana)
    assert invite.accepted_at is not None
    assert invite.accepted_by_id == single_bo.id

    bo_page = single_bo_client.get("/couple")
    assert "You and Ana are now partnered on Tandem." in text(bo_page)
    assert "You and Ana" in text(bo_page)
    assert "You and Bo" in text(single_ana_client.get("/couple"))


@pytest.mark.parametrize(
    "typed",
    [lambda c: c, lambda c: c.lower(), lambda c: c.replace("-", ""), lambda c: c.replace("-", "").lower()],
    ids=["as-shown", "lower-case", "no-dash", "lower-no-dash"],
)
def test_accept_by_code(single_ana, single_bo, single_ana_client, single_bo_client, typed):
    _, code = make_invite(single_ana_client)
    response = single_bo_client.post("/couple/join", data={"code": typed(code)})
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/couple"
    assert couple_id_of(single_ana) is not None
    assert couple_id_of(single_ana) == couple_id_of(single_bo)
    assert "You and Ana" in text(single_bo_client.get("/couple"))
    assert "You and Bo" in text(single_ana_client.get("/couple"))


def test_anonymous_visitor_is_offered_an_account_that_brings_them_back(app, single_ana, single_ana_client, smtp_sink):
    link, _ = make_invite(single_ana_client)
    visitor = app.test_client()

    page = visitor.get(link)
    assert page.status_code == 200
    assert "Ana invited you" in text(page)
    found = [a for a in elements(page, "a.button[href]") if a.text == "Create an account to join"]
    assert len(found) == 1, "no 'Create an account to join' link"
    href = urlsplit(found[0].get("href"))
    assert href.path == "/register"
    assert parse_qs(href.query)["next"] == [link]

    register_page = visitor.get(f"{href.path}?{href.query}")
    assert register_page.status_code == 200
    assert field_value(register_page, "next") == link

    response = visitor.post(
        "/register",
        data={
            "email": "cy@example.com",
            "display_name": "Cy",
            "password": "a calm and quiet evening",
            "timezone": "UTC",
            "next": link,
        },
    )
    assert response.status_code == 302
    assert response.headers["Location"] == link
    back = visitor.get(link)
    assert back.status_code == 200
    assert "Join Ana" in text(back)


def test_anonymous_post_redirects_to_log_in_and_changes_nothing(app, single_ana, single_ana_client):
    link, _ = make_invite(single_ana_client)
    users_before = db.session.scalar(select(func.count()).select_from(User))

    response = app.test_client().post(link)
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert location.path == "/login"
    assert parse_qs(location.query)["next"] == [link]

    assert couple_count() == 0
    assert couple_id_of(single_ana) is None
    (invite,) = invites_of(single_ana)
    assert invite.accepted_at is None
    assert db.session.scalar(select(func.count()).select_from(User)) == users_before


# -- refusals -------------------------------------------------------------------------


def test_second_acceptance_is_refused(single_ana, single_bo, cy, single_ana_client, single_bo_client, cy_client):
    link, code = make_invite(single_ana_client)
    assert single_bo_client.post(link).status_code == 302
    couple_id = couple_id_of(single_ana)

    page = cy_client.get(link)
    assert page.status_code == 409
    assert "already been used" in text(page)
    assert "Join Ana" not in text(page)

    response = cy_client.post(link)
    assert response.status_code == 409
    assert "already been used" in text(response)

    by_code = cy_client.post("/couple/join", data={"code": code})
    assert by_code.status_code == 409
    assert "already been used" in field_error(by_code, "code")

    assert couple_id_of(cy) is None
    assert couple_id_of(single_ana) == couple_id_of(single_bo) == couple_id
    assert couple_count() == 1
    (invite,) = invites_of(single_ana)
    assert invite.accepted_by_id == single_bo.id
    assert "Invite your partner" in text(cy_client.get("/couple"))


def test_own_invitation_is_refused(single_ana, single_ana_client):
    link, code = make_invite(single_ana_client)

    page = single_ana_client.get(link)
    assert page.status_code == 409
    assert "your own invitation" in text(page)

    response = single_ana_client.post(link)
    assert response.status_code == 409
    assert "your own invitation" in text(response)

    by_code = single_ana_client.post("/couple/join", data={"code": code})
    assert by_code.status_code == 409
    assert "your own invitation" in field_error(by_code, "code")
    assert field_value(by_code, "code") == code

    assert couple_id_of(single_ana) is None
    assert couple_count() == 0
    (invite,) = invites_of(single_ana)
    assert invite.accepted_at is None and invite.revoked_at is None


def test_already_partnered_user_cannot_accept(app, couple, cy, cy_client):
    ana, bo, c = couple
    bo_client = client_for(app, bo)
    link, code = make_invite(cy_client)

    page = bo_client.get(link)
    assert page.status_code == 409
    assert "already partnered" in text(page)

    response = bo_client.post(link)
    assert response.status_code == 409
    assert "already partnered" in text(response)

    by_code = bo_client.post("/couple/join", data={"code": code})
    assert by_code.status_code == 409
    assert "already partnered" in field_error(by_code, "code")

    assert couple_id_of(cy) is None
    assert couple_id_of(ana) == couple_id_of(bo) == c.id
    assert couple_count() == 1
    (invite,) = invites_of(cy)
    assert invite.accepted_at is None
    # Cy's invitation is still good for someone single.
    dee = make_user(email="dee@example.com", display_name="Dee")
    assert client_for(app, dee).post(link).status_code == 302
    assert couple_id_of(dee) == couple_id_of(cy) is not None


def test_expired_invitation_is_refused(single_ana, single_bo, single_ana_client, single_bo_client):
    link, code = make_invite(single_ana_client)
    (invite,) = invites_of(single_ana)
    invite.expires_at = now_utc() - timedelta(minutes=1)
    db.session.commit()

    page = single_bo_client.get(link)
    assert page.status_code == 409
    assert "no longer open" in text(page)
    assert single_bo_client.post(link).status_code == 409
    by_code = single_bo_client.post("/couple/join", data={"code": code})
    assert by_code.status_code == 409
    assert "no longer open" in field_error(by_code, "code")

    assert couple_id_of(single_bo) is None
    assert couple_id_of(single_ana) is None
    assert couple_count() == 0
    assert invites_of(single_ana)[0].accepted_at is None


def test_revoked_invitation_is_refused(single_ana, single_bo, single_ana_client, single_bo_client):
    link, code = make_invite(single_ana_client)
    response = single_ana_client.post("/couple/invite/revoke", follow_redirects=True)
    assert response.status_code == 200
    assert "Your invitation is closed" in text(response)
    (invite,) = invites_of(single_ana)
    assert invite.revoked_at is not None

    page = single_bo_client.get(link)
    assert page.status_code == 409
    assert "no longer open" in text(page)
    refused = single_bo_client.post(link)
    assert refused.status_code == 409
    assert "no longer open" in text(refused)
    by_code = single_bo_client.post("/couple/join", data={"code": code})
    assert by_code.status_code == 409
    assert "no longer open" in field_error(by_code, "code")

    assert couple_id_of(single_bo) is None
    assert couple_count() == 0


def test_new_invitation_makes_the_old_one_stop_working(single_ana, single_bo, single_ana_client, single_bo_client):
    old_link, old_code = make_invite(single_ana_client)
    new_link, new_code = make_invite(single_ana_client)
    assert new_link != old_link

    page = single_bo_client.get(old_link)
    assert page.status_code == 409
    assert "no longer open" in text(page)
    assert single_bo_client.post(old_link).status_code == 409
    assert single_bo_client.post("/couple/join", data={"code": old_code}).status_code == 409
    assert couple_id_of(single_bo) is None

    assert single_bo_client.get(new_link).status_code == 200
    assert single_bo_client.post(new_link).status_code == 302
    assert couple_id_of(single_bo) == couple_id_of(single_ana) is not None


def test_unknown_token_is_not_found(app, single_bo, single_bo_client):
    page = app.test_client().get("/invite/not-a-real-token")
    assert page.status_code == 404
    assert "We couldn't find that page" in text(page)
    assert single_bo_client.get("/invite/not-a-real-token").status_code == 404
    assert single_bo_client.post("/invite/not-a-real-token").status_code == 404
    assert couple_id_of(single_bo) is None


@pytest.mark.parametrize("typed", ["ZZZZ-ZZZZ", "abcd-efgh", "ABC"])
def test_wrong_code_says_so_and_keeps_it(single_ana, single_bo, single_ana_client, single_bo_client, typed):
    make_invite(single_ana_client)
    response = single_bo_client.post("/couple/join", data={"code": typed})
    assert response.status_code == 422
    assert "couldn't find that code" in field_error(response, "code")
    assert field_value(response, "code") == typed
    assert couple_id_of(single_bo) is None
    assert couple_count() == 0


# -- leaving --------------------------------------------------------------------------


def test_leaving_asks_first_then_ends_the_couple_for_both(app, couple):
    ana, bo, c = couple
    ana_client, bo_client = client_for(app, ana), client_for(app, bo)

    confirm = ana_client.get("/couple/leave")
    assert confirm.status_code == 200
    assert "Leave the couple?" in text(confirm)
    assert couple_id_of(ana) == couple_id_of(bo) == c.id

    response = ana_client.post("/couple/leave")
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/couple"

    assert couple_id_of(ana) is None
    assert couple_id_of(bo) is None
    ended = db.session.scalar(select(Couple.ended_at).where(Couple.id == c.id))
    assert ended is not None

    bo_page = bo_client.get("/couple")
    assert "Invite your partner" in text(bo_page)
    assert "Make an invitation" in text(bo_page)
    assert "You and Ana" not in text(bo_page)
    ana_page = ana_client.get("/couple")
    assert "You've left the couple" in text(ana_page)
    assert "Invite your partner" in text(ana_page)


def test_after_leaving_both_can_partner_with_someone_else(app, couple, cy, cy_client):
    ana, bo, c = couple
    ana_client, bo_client = client_for(app, ana), client_for(app, bo)
    assert bo_client.post("/couple/leave").status_code == 302

    link, _ = make_invite(ana_client)
    assert cy_client.post(link).status_code == 302

    dee = make_user(email="dee@example.com", display_name="Dee")
    _, code = make_invite(bo_client)
    assert client_for(app, dee).post("/couple/join", data={"code": code}).status_code == 302

    assert couple_id_of(ana) == couple_id_of(cy) is not None
    assert couple_id_of(bo) == couple_id_of(dee) is not None
    assert len({c.id, couple_id_of(ana), couple_id_of(bo)}) == 3
    assert "You and Cy" in text(ana_client.get("/couple"))
    assert "You and Dee" in text(bo_client.get("/couple"))


def test_leave_when_single_changes_nothing(single_ana, single_ana_client):
    response = single_ana_client.post("/couple/leave")
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/couple"
    assert couple_id_of(single_ana) is None
    assert couple_count() == 0


# -- who leads the pace ---------------------------------------------------------------


def pace_leader_id(couple) -> int | None:
    return db.session.scalar(select(Couple.pace_leader_id).where(Couple.id == couple.id))


@pytest.fixture
def leaderless(app, single_ana, single_bo):
    return single_ana, single_bo, make_couple(single_ana, single_bo)


@pytest.mark.parametrize("chooser", ["ana", "bo"])
@pytest.mark.parametrize("chosen", ["ana", "bo"])
def test_with_no_leader_either_partner_may_choose(app, leaderless, chooser, chosen):
    ana, bo, c = leaderless
    people = {"ana": ana, "bo": bo}
    client = client_for(app, people[chooser])
    leader_id = people[chosen].id
    response = client.post("/couple/pace-leader", data={"leader": str(leader_id)}, follow_redirects=True)
    assert response.status_code == 200
    assert "Saved." in text(response)
    assert pace_leader_id(c) == leader_id


def test_the_non_leader_cannot_change_the_leader(app, couple):
    ana, bo, c = couple  # Ana leads
    bo_client = client_for(app, bo)
    page = bo_client.get("/couple")
    assert "Ana leads the pace." in text(page)
    assert "Only Ana can hand this over." in text(page)

    response = bo_client.post("/couple/pace-leader", data={"leader": str(bo.id)}, follow_redirects=True)
    assert response.status_code == 200
    assert "Only the partner who leads the pace can hand it over." in text(response)
    assert pace_leader_id(c) == ana.id


def test_the_leader_can_hand_over(app, couple):
    ana, bo, c = couple
    ana_client, bo_client = client_for(app, ana), client_for(app, bo)
    response = ana_client.post("/couple/pace-leader", data={"leader": str(bo.id)}, follow_redirects=True)
    assert response.status_code == 200
    assert "Saved." in text(response)
    assert pace_leader_id(c) == bo.id
    assert "You lead the pace." in text(bo_client.get("/couple"))

    # Now Ana is the one who can't take it back.
    again = ana_client.post("/couple/pace-leader", data={"leader": str(ana.id)}, follow_redirects=True)
    assert "Only the partner who leads the pace can hand it over." in text(again)
    assert pace_leader_id(c) == bo.id


@pytest.mark.parametrize("with_leader", [True, False], ids=["leader-set", "no-leader"])
def test_leader_outside_the_couple_is_refused(app, single_ana, single_bo, cy, with_leader):
    c = make_couple(single_ana, single_bo, pace_leader=single_ana if with_leader else None)
    before = pace_leader_id(c)
    client = client_for(app, single_ana)
    for leader in (str(cy.id), "999999", "not-a-number", ""):
        response = client.post("/couple/pace-leader", data={"leader": leader}, follow_redirects=True)
        assert response.status_code == 200
        assert "Please choose one of you." in text(response)
        assert pace_leader_id(c) == before


def test_single_user_cannot_set_a_leader(single_ana, single_ana_client):
    response = single_ana_client.post("/couple/pace-leader", data={"leader": str(single_ana.id)})
    assert response.status_code == 404
    assert couple_count() == 0


# -- the race, at the service level ---------------------------------------------------


def _detached(stmt):
    """Rows loaded in another session and detached: what a concurrent request saw."""
    with Session(db.engine) as other:
        row = other.execute(stmt).first()
        other.expunge_all()
    return row


def test_concurrent_acceptances_only_one_wins(single_ana, single_bo, cy):
    token, _ = services.invite_create(user=single_ana)
    db.session.commit()

    # Cy's request loaded the invitation before Bo's acceptance committed.
    stale_invite, stale_inviter = _detached(
        select(Invite, User).join(User, User.id == Invite.inviter_id).where(Invite.inviter_id == single_ana.id)
    )
    (stale_cy,) = _detached(select(User).where(User.id == cy.id))

    invite, inviter = services.invite_by_token(token)
    services.invite_accept(invite=invite, inviter=inviter, user=single_bo)
    db.session.commit()

    assert stale_invite.accepted_at is None and stale_inviter.couple_id is None
    with pytest.raises(services.PartnerError):
        services.invite_accept(invite=stale_invite, inviter=stale_inviter, user=stale_cy)
    db.session.rollback()

    assert couple_id_of(cy) is None
    assert couple_id_of(single_ana) == couple_id_of(single_bo) is not None
    assert couple_count() == 1
    assert db.session.scalar(select(Invite.accepted_by_id).where(Invite.inviter_id == single_ana.id)) == single_bo.id


def test_concurrent_acceptances_of_two_invitations_by_one_person(single_ana, single_bo, cy):
    """Cy accepts Ana's and Bo's invitations at once: only one couple forms."""
    ana_token, _ = services.invite_create(user=single_ana)
    bo_token, _ = services.invite_create(user=single_bo)
    db.session.commit()
    (stale_cy,) = _detached(select(User).where(User.id == cy.id))
    stale_bo_invite, stale_bo = _detached(
        select(Invite, User).join(User, User.id == Invite.inviter_id).where(Invite.inviter_id == single_bo.id)
    )

    invite, inviter = services.invite_by_token(ana_token)
    services.invite_accept(invite=invite, inviter=inviter, user=cy)
    db.session.commit()

    with pytest.raises(services.PartnerError):
        services.invite_accept(invite=stale_bo_invite, inviter=stale_bo, user=stale_cy)
    db.session.rollback()

    assert couple_id_of(cy) == couple_id_of(single_ana) is not None
    assert couple_id_of(single_bo) is None
    assert couple_count() == 1
    bo_invite = db.session.scalar(select(Invite).where(Invite.inviter_id == single_bo.id))
    assert bo_invite.accepted_at is None


# -- a bounded number of statements ---------------------------------------------------


def _statements_for_couple_page(app, client) -> int:
    db.session.expire_all()  # like a fresh request: nothing already loaded
    with count_queries(app) as q:
        response = client.get("/couple")
    assert response.status_code == 200
    return q.count


def _crowd(n: int) -> None:
    for i in range(n):
        a = make_user(display_name=f"Extra {i}a")
        b = make_user(display_name=f"Extra {i}b")
        if i % 2:
            make_couple(a, b, pace_leader=a)
        else:
            services.invite_create(user=a)
            db.session.commit()


def test_couple_page_statement_count_does_not_grow(app, couple):
    ana, bo, _ = couple
    client = client_for(app, ana)
    client.get("/couple")  # warm-up (compiled-statement caches, first-use queries)

    alone = _statements_for_couple_page(app, client)
    _crowd(20)
    crowded = _statements_for_couple_page(app, client)
    assert alone == crowded
    assert alone <= 8


def test_single_person_page_statement_count_does_not_grow(app, single_ana, single_ana_client):
    make_invite(single_ana_client)
    single_ana_client.get("/couple")

    alone = _statements_for_couple_page(app, single_ana_client)
    _crowd(20)
    crowded = _statements_for_couple_page(app, single_ana_client)
    assert alone == crowded
    assert alone <= 8


def test_a_forged_host_header_never_reaches_the_invitation_link(app, single_ana):
    """The link is built on BASE_URL: a request naming another host can't make Tandem
    hand out a link to it (which would send the partner's token there)."""
    client = client_for(app, single_ana)
    name = app.config["SESSION_COOKIE_NAME"]
    client.set_cookie(name, client.get_cookie(name).value, domain="evil.example")
    forged = {"base_url": "http://evil.example"}
    assert client.post("/couple/invite", **forged).status_code == 302
    page = client.get("/couple", **forged)
    assert page.status_code == 200
    link = field_value(page, "invite-link")
    assert link is not None and link.startswith(BASE + "/invite/")
    assert "evil.example" not in page.get_data(as_text=True)
