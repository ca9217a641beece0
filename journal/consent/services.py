"""Reading and replacing the plan's consent phrases."""

import logging

from sqlalchemy import delete, update

from journal.access import Scope
from journal.crypto import DecryptError, keys_preload
from journal.crypto.fields import UNREADABLE, SealedFields
from journal.edits import EditConflict, loaded_version
from journal.extensions import db
from journal.models import ConsentPhrase, Plan, User
from journal.practices.library import consent_suggestions

log = logging.getLogger(__name__)

SIGNALS = ("ask", "slow_down", "pause", "stop", "check_in")
SIGNAL_LABELS = {
    "ask": "Asking",
    "slow_down": "Slowing down",
    "pause": "Pausing",
    "stop": "Stopping",
    "check_in": "Checking in",
}
MAX_PER_SIGNAL = 10

#: A couple's phrases are sealed with their plan's key: either partner reads and
#: edits them, and they stay with the plan when one of them joins or leaves.
PHRASE_TEXT = SealedFields(
    ConsentPhrase.__tablename__,
    ("phrase",),
    owner=lambda row: ("plan", row.plan_id),
    author=lambda row: None,
    visibility=lambda row: None,
)


def phrases_open(scope: Scope) -> tuple[dict[str, list[str]], bool]:
    """The plan's phrases by signal, and whether they are still our suggestions
    (a couple that never edited sees the suggestions; nothing is written on reading)."""
    rows = db.session.scalars(scope.in_plan(ConsentPhrase).order_by(ConsentPhrase.signal, ConsentPhrase.position)).all()
    if not rows:
        return consent_suggestions(), True
    phrases: dict[str, list[str]] = {signal: [] for signal in SIGNALS}
    keys_preload({("plan", rows[0].plan_id)})
    for row in rows:
        try:
            phrase = PHRASE_TEXT.open_one(row, "phrase")
        except DecryptError:
            log.warning("consent phrase %s can't be opened", row.id)
            phrase = UNREADABLE
        phrases.setdefault(row.signal, []).append(phrase)
    return phrases, False


def consent_version(scope: Scope) -> int:
    """The version of the consent language an edit form is loaded at."""
    plan = scope.plan
    return plan.consent_version if plan is not None else 0


def phrases_replace(*, scope: Scope, author: User, phrases: dict[str, list[str]], version=None) -> None:
    """Replace every phrase of the plan with `phrases` (either partner may edit). Raises
    EditConflict when the words were saved after `version` (the one the form was loaded at):
    one conditional UPDATE, so of two saves racing from the same version only one wins."""
    plan = scope.plan_or_create()
    loaded = loaded_version(version)
    bump = update(Plan).where(Plan.id == plan.id).values(consent_version=Plan.consent_version + 1)
    if loaded is not None:
        bump = bump.where(Plan.consent_version == loaded)
    if db.session.execute(bump.execution_options(synchronize_session=False)).rowcount != 1:
        raise EditConflict
    db.session.execute(delete(ConsentPhrase).where(ConsentPhrase.plan_id == plan.id))
    rows = []
    for signal in SIGNALS:
        for position, phrase in enumerate(phrases.get(signal, [])[:MAX_PER_SIGNAL]):
            row = ConsentPhrase(
                plan_id=plan.id, signal=signal, phrase_sealed=b"", position=position, updated_by_id=author.id
            )
            db.session.add(row)
            rows.append((row, phrase))
    db.session.flush()
    for row, phrase in rows:
        PHRASE_TEXT.seal_one(row, "phrase", phrase)
    db.session.flush()
    log.info("plan %s updated its consent language", plan.id)
