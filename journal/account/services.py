"""Account settings: profile, deletion."""
import logging

from sqlalchemy import delete

from journal.auth.sessions import sessions_end_all
from journal.couple.services import couple_leave
from journal.crypto import shred, user_owner
from journal.extensions import db
from journal.models import Invite, User

log = logging.getLogger(__name__)


def profile_update(*, user: User, display_name: str, timezone: str) -> None:
    user.display_name = display_name
    user.timezone = timezone


def account_delete(*, user: User) -> None:
    """Delete the person and what they own. Leaving the couple first keeps the
    partner's own writing theirs; sessions end so no cookie outlives the account."""
    if user.couple_id is not None:
        couple_leave(user=user)
    sessions_end_all(user=user)
    shred(user_owner(user))  # everything they wrote becomes unreadable, backups included
    db.session.execute(delete(Invite).where(Invite.inviter_id == user.id))
    user_id = user.id
    db.session.delete(user)
    db.session.flush()
    log.info("user %s deleted their account", user_id)
