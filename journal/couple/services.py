"""Partnering: invitations, forming and leaving a couple, who leads the pace."""

import logging
import secrets
from datetime import timedelta

from sqlalchemy import Integer, bindparam, select, update

from journal.couple.leaving import partner_left_tell, plan_copy_for, plan_end_for_couple
from journal.crypto.digest import token_digest
from journal.extensions import db
from journal.models import Couple, Invite, Plan, User, now_utc
from journal.plan.pace import pace_restart_for_couple

log = logging.getLogger(__name__)

INVITE_LIFETIME = timedelta(days=7)
#: No 0/O, 1/I/L: easy to read aloud and to type on a phone.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8


class PartnerError(Exception):
    """A partnering step that can't happen; the message is for the person."""


def code_normalise(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isalnum())


def code_format(code: str) -> str:
    return f"{code[:4]}-{code[4:]}"


def invite_create(*, user: User) -> tuple[str, str]:
    """A new invitation from `user`; returns (link token, human code), shown once.
    Any earlier open invitation of theirs stops working."""
    if user.couple_id is not None:
        raise PartnerError("You're already partnered, so there's no one to invite.")
    invite_revoke(user=user)
    token = secrets.token_urlsafe(32)
    code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    db.session.add(
        Invite(
            inviter_id=user.id,
            token_hash=token_digest(token),
            code_hash=token_digest(code),
            expires_at=now_utc() + INVITE_LIFETIME,
        )
    )
    db.session.flush()
    log.info("user %s created an invite", user.id)
    return token, code_format(code)


def invite_revoke(*, user: User) -> int:
    """Close every open invitation of `user`; returns how many were open."""
    return db.session.execute(
        update(Invite)
        .where(Invite.inviter_id == user.id, Invite.accepted_at.is_(None), Invite.revoked_at.is_(None))
        .values(revoked_at=now_utc())
    ).rowcount


def invite_open_for(*, user: User) -> Invite | None:
    return db.session.scalar(
        select(Invite).where(
            Invite.inviter_id == user.id,
            Invite.accepted_at.is_(None),
            Invite.revoked_at.is_(None),
            Invite.expires_at > now_utc(),
        )
    )


def invite_by_token(token: str) -> tuple[Invite, User] | None:
    """The invitation behind a link and its inviter, open or not; None if unknown."""
    row = db.session.execute(
        select(Invite, User).join(User, User.id == Invite.inviter_id).where(Invite.token_hash == token_digest(token))
    ).first()
    return tuple(row) if row else None


def invite_by_code(code: str) -> tuple[Invite, User] | None:
    code = code_normalise(code)
    if len(code) != CODE_LENGTH:
        return None
    row = db.session.execute(
        select(Invite, User).join(User, User.id == Invite.inviter_id).where(Invite.code_hash == token_digest(code))
    ).first()
    return tuple(row) if row else None


def invite_problem(*, invite: Invite, inviter: User, user: User | None) -> str | None:
    """Why this invitation can't be accepted (by `user`, if known), or None."""
    if invite.accepted_at is not None:
        return "This invitation has already been used."
    if invite.revoked_at is not None or invite.expires_at <= now_utc():
        return "This invitation is no longer open. Ask your partner for a new one."
    if inviter.couple_id is not None:
        return "This invitation is no longer open. Ask your partner for a new one."
    if user is not None:
        if user.id == inviter.id:
            return "This is your own invitation. Send the link or code to your partner."
        if user.couple_id is not None:
            return "You're already partnered. Leave your current couple first if you want to join another."
    return None


def invite_accept(*, invite: Invite, inviter: User, user: User) -> Couple:
    """Join `user` and the inviter as a couple, once. Concurrent accepts: one wins."""
    problem = invite_problem(invite=invite, inviter=inviter, user=user)
    if problem:
        raise PartnerError(problem)
    now = now_utc()
    won = db.session.execute(
        update(Invite)
        .where(
            Invite.id == invite.id,
            Invite.accepted_at.is_(None),
            Invite.revoked_at.is_(None),
            Invite.expires_at > now,
        )
        .values(accepted_at=now, accepted_by_id=user.id)
        .execution_options(synchronize_session=False)
    ).rowcount
    if won != 1:
        raise PartnerError("This invitation has already been used.")
    couple = Couple(created_at=now)
    db.session.add(couple)
    db.session.flush()
    joined = db.session.execute(
        update(User)
        .where(User.id.in_([user.id, inviter.id]), User.couple_id.is_(None))
        .values(couple_id=couple.id)
        .execution_options(synchronize_session=False)
    ).rowcount
    if joined != 2:
        raise PartnerError("One of you joined another couple a moment ago, so this couldn't go ahead.")
    invite_revoke(user=user)  # the accepting person's own open invite is moot now
    _plan_for_new_couple(couple=couple, inviter=inviter)
    db.session.refresh(user)
    db.session.refresh(inviter)
    log.info("couple %s formed", couple.id)
    return couple


def _plan_for_new_couple(*, couple: Couple, inviter: User) -> None:
    """The inviter's plan-of-one becomes the couple's plan (what they set up carries
    over, but the pace starts again at stage 1: the new partner agreed to nothing
    yet); without one, or when it is a copy taken from a former couple, the couple
    starts a plan in the inviter's time zone, so nothing of a former couple reaches
    the new partner. The other person's plan-of-one stays theirs, for if they are
    ever single again."""
    solo = db.session.scalar(select(Plan).where(Plan.owner_id == inviter.id))
    if solo is not None and not solo.copied_on_leaving:
        solo.owner_id, solo.couple_id = None, couple.id
        pace_restart_for_couple(plan=solo)
    else:
        db.session.add(Plan(couple_id=couple.id, timezone=inviter.timezone))
    db.session.flush()


def couple_leave(*, user: User) -> None:
    """End the couple for both partners. What each wrote stays theirs, and nothing
    shared in the couple stays visible to the other. Each leaves with their own copy
    of the plan (journal.couple.leaving), and the one who stays is told."""
    couple_id = user.couple_id
    if couple_id is None:
        return
    now = now_utc()
    members = db.session.scalars(select(User).where(User.couple_id == couple_id).order_by(User.id)).all()
    plan = db.session.scalar(select(Plan).where(Plan.couple_id == couple_id))
    left = db.session.execute(
        update(User)
        .where(User.couple_id == couple_id)
        .values(couple_id=None)
        .execution_options(synchronize_session=False)
    ).rowcount
    if left == 0:  # the other partner left a moment ago: their request made both copies
        db.session.refresh(user)
        return
    db.session.execute(update(Couple).where(Couple.id == couple_id).values(ended_at=now))
    if plan is not None:
        for member in members:
            plan_copy_for(plan=plan, person=member, now=now)
        plan_end_for_couple(plan=plan, now=now)
    for member in members:
        if member.id != user.id:
            partner_left_tell(user=member, now=now)
    for member in members:
        db.session.refresh(member)
    log.info("couple %s ended", couple_id)


def pace_leader_set(*, user: User, couple: Couple, leader_id: int, partner: User | None) -> None:
    """Choose who leads the pace. Once chosen, only the leader can hand it over."""
    if partner is None:
        raise PartnerError("The pace is chosen together, once your partner has joined.")
    if leader_id not in (user.id, partner.id):
        raise PartnerError("Please choose one of you two.")
    if couple.pace_leader_id is not None and couple.pace_leader_id != user.id:
        raise PartnerError("Only the partner who leads the pace can hand it over.")
    couple.pace_leader_id = leader_id
    log.info("couple %s set its pace leader", couple.id)


#: Built once per process (Today asks on every view); `session.get` built its own each time.
_COUPLE = select(Couple).where(Couple.id == bindparam("couple_id", type_=Integer))


def couple_of(*, user: User) -> Couple | None:
    """The couple `user` is in now, or None while single."""
    return db.session.scalar(_COUPLE, {"couple_id": user.couple_id}) if user.couple_id else None
