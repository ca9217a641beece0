"""All models, importable from one place (Alembic and the app load this module)."""

from journal.models.apprise import AppriseTarget
from journal.models.base import Base, UTCDateTime, now_utc
from journal.models.calendar import CalendarFeed
from journal.models.checkins import CareNotice, CheckIn
from journal.models.couple import Couple, Invite
from journal.models.entries import Entry
from journal.models.keys import DataKey
from journal.models.mail import MAIL_KINDS, AccountMail
from journal.models.notes import ProgressNote, SensationMap
from journal.models.plan import ConsentPhrase, PaceReady, Plan, PlanPause, PromptAction, Schedule, StageChange
from journal.models.practice import KINDS, STAGES, Practice
from journal.models.push import PushSubscription
from journal.models.reminders import CHANNELS, Notification, Outbox, ReminderSettings
from journal.models.signin import KnownBrowser, Passkey, RecoveryCode
from journal.models.user import User, UserSession, UserToken

__all__ = [
    "AccountMail",
    "AppriseTarget",
    "Base",
    "CalendarFeed",
    "CareNotice",
    "CheckIn",
    "ConsentPhrase",
    "Couple",
    "DataKey",
    "Entry",
    "Invite",
    "KnownBrowser",
    "MAIL_KINDS",
    "Notification",
    "Outbox",
    "ReminderSettings",
    "CHANNELS",
    "KINDS",
    "PaceReady",
    "Passkey",
    "ProgressNote",
    "PushSubscription",
    "SensationMap",
    "Plan",
    "PlanPause",
    "Practice",
    "PromptAction",
    "RecoveryCode",
    "STAGES",
    "Schedule",
    "StageChange",
    "User",
    "UTCDateTime",
    "UserSession",
    "UserToken",
    "now_utc",
]
