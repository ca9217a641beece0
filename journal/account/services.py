"""Account settings: profile, deletion."""

import logging
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm.attributes import flag_modified

from journal.auth.sessions import sessions_end_all
from journal.couple.services import couple_leave
from journal.crypto import shred, user_owner
from journal.extensions import db
from journal.models import Invite, Plan, User
from journal.reminders.services import held_reminders_ask_again

log = logging.getLogger(__name__)


def profile_update(*, user: User, display_name: str, timezone: str, now: datetime | None = None) -> None:
    zone_changed = user.timezone != timezone
    user.display_name = display_name
    user.timezone = timezone
    flag_modified(user, "timezone")  # stored as chosen, also when a zone read as UTC is kept (ZoneName)
    if zone_changed:  # quiet hours are in the person's own zone
        held_reminders_ask_again(user_id=user.id, now=now)


def account_delete(*, user: User) -> None:
    """Delete the person and what they own. Leaving the couple first keeps the
    partner's own writing theirs; sessions end so no cookie outlives the account."""
    if user.couple_id is not None:
        couple_leave(user=user)
    sessions_end_all(user=user)
    shred(user_owner(user))  # everything they wrote becomes unreadable, backups included
    own_plan = db.session.scalar(select(Plan.id).where(Plan.owner_id == user.id))
    if own_plan is not None:
        shred(("plan", own_plan))  # their plan of one goes too: its consent phrases and practices
    db.session.execute(delete(Invite).where(Invite.inviter_id == user.id))
    user_id = user.id
    db.session.delete(user)
    db.session.flush()
    log.info("user %s deleted their account", user_id)
