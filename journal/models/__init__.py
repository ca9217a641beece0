"""All models, importable from one place (Alembic and the app load this module)."""
from journal.models.base import Base, UTCDateTime, now_utc
from journal.models.couple import Couple, Invite
from journal.models.user import User, UserSession, UserToken

__all__ = ["Base", "Couple", "Invite", "User", "UserSession", "UserToken", "UTCDateTime", "now_utc"]
