"""What a couple writes is sealed at rest: consent phrases, their own practices and
the browser push endpoints (capability URLs), like every entry, check-in and note.
The SQLite tests read the database file itself; the migration test seals rows that
0004 stored in clear."""

import json
import os
import stat
from pathlib import Path

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import select, text

from journal import create_app
from journal.access import Scope
from journal.account.services import account_delete
from journal.consent.services import phrases_open
from journal.crypto import shred
from journal.crypto.fields import UNREADABLE
from journal.extensions import db
from journal.mailer import MailFolder, account_email_send
from journal.models import ConsentPhrase, Practice, User
from journal.models.keys import DataKey
from journal.models.push import PushSubscription
from journal.reminders.channels.push import subscription_endpoint
from journal.testing import client_for, make_couple, make_user

PHRASE = "Pineapple-7c1e"
TITLE = "Our Sunday slow breakfast 5d2a"
STEP = "Make toast together 9b7f."
NOTE = "Stop whenever either of you wants 3e8c."
ENDPOINT = "https://push.example.com/send/capability-0a9d"
PRACTICE = {
    "title": TITLE,
    "summary": "Breakfast with no phones 44f1.",
    "kind": "closeness",
    "stage": "",
    "steps": f"Put the phones away.\n{STEP}",
    "duration_minutes": "20",
    "together": "together",
    "safety_note": NOTE,
}
CONSENT = {
    "ask": "May I hold you?",
    "slow_down": "Amber",
    "pause": "Tea break",
    "stop": PHRASE,
    "check_in": "Still with me?",
}
SECRETS = (PHRASE, TITLE, STEP, NOTE, "Breakfast with no phones 44f1", "capability-0a9d")


def raw_database() -> bytes:
    db.session.commit()
    db.session.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
    db.session.commit()
    path = Path(db.engine.url.database)
    return b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))


def write_everything(app, couple_people):
    ana, bo = couple_people
    ana_client = client_for(app, ana)
    assert ana_client.post("/consent/edit", data=CONSENT).status_code == 302
    response = ana_client.post("/practices/new", data=PRACTICE)
    assert response.status_code == 302
    subscription = {"endpoint": ENDPOINT, "keys": {"p256dh": "B" + "A" * 86, "auth": "A" * 22}}
    assert ana_client.post("/reminders/push/subscribe", json=subscription).status_code == 201
    return int(response.headers["Location"].rsplit("/", 1)[1])


@pytest.fixture
def partners(app):
    ana, bo = make_user(display_name="Ana"), make_user(display_name="Bo")
    make_couple(ana, bo, pace_leader=ana)
    db.session.commit()
    return ana, bo


def test_both_partners_read_what_was_written_and_the_database_holds_none_of_it(app, partners, backend):
    practice_id = write_everything(app, partners)
    ana, bo = partners
    bo_client = client_for(app, bo)
    consent = bo_client.get("/consent").get_data(as_text=True)
    page = bo_client.get(f"/practices/{practice_id}").get_data(as_text=True)
    assert PHRASE in consent and TITLE in page and STEP in page and NOTE in page
    assert TITLE in bo_client.get("/practices").get_data(as_text=True)

    db.session.expire_all()
    practice = db.session.get(Practice, practice_id)
    assert practice.text_sealed is not None and TITLE.encode() not in practice.text_sealed
    # SQL sees only the placeholder: the reminder worker's joined read, ordering.
    assert db.session.scalar(select(Practice.title).where(Practice.id == practice_id)) == "Your own practice"
    phrase_rows = db.session.scalars(select(ConsentPhrase)).all()
    assert phrase_rows and all(PHRASE.encode() not in r.phrase_sealed for r in phrase_rows)
    assert subscription_endpoint(db.session.scalar(select(PushSubscription))) == ENDPOINT
    if backend == "sqlite":
        raw = raw_database()
        for secret in SECRETS:
            assert secret.encode() not in raw, secret


def test_editing_an_own_practice_keeps_it_sealed(app, partners):
    practice_id = write_everything(app, partners)
    ana_client = client_for(app, partners[0])
    changed = {**PRACTICE, "title": "Slow breakfast, renamed"}
    assert ana_client.post(f"/practices/{practice_id}/edit", data=changed).status_code == 302
    assert "Slow breakfast, renamed" in ana_client.get(f"/practices/{practice_id}").get_data(as_text=True)
    db.session.expire_all()
    practice = db.session.get(Practice, practice_id)
    assert practice._title == "Your own practice" and practice.title == "Slow breakfast, renamed"
    assert practice.steps == ["Put the phones away.", STEP]


def test_a_shredded_plan_key_shows_a_calm_placeholder(app, partners):
    practice_id = write_everything(app, partners)
    practice = db.session.get(Practice, practice_id)
    shred(("plan", practice.plan_id))
    db.session.commit()
    client = client_for(app, partners[1])
    page = client.get(f"/practices/{practice_id}")
    assert page.status_code == 200 and UNREADABLE.replace("'", "&#39;") in page.get_data(as_text=True)
    consent = client.get("/consent")
    assert consent.status_code == 200 and PHRASE not in consent.get_data(as_text=True)


@pytest.mark.sqlite_only  # one backend is enough for the data migration; test_migrations covers both schemas
def test_the_migration_seals_rows_written_in_clear(app_config, backend, tmp_path):
    url = f"sqlite:///{tmp_path / 'migrate.db'}"
    app = create_app({**app_config, "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade(revision="0004")
        conn = db.session.connection()
        now = "2026-11-01 10:00:00"
        conn.execute(
            text(
                "INSERT INTO users (id, email, password_hash, display_name, timezone, created_at, failed_logins) "
                "VALUES (1, 'ana@example.com', 'x', 'Ana', 'UTC', :now, 0)"
            ),
            {"now": now},
        )
        conn.execute(
            text(
                "INSERT INTO plans (id, owner_id, timezone, stage, reveal_after_48h, created_at) "
                "VALUES (1, 1, 'UTC', 1, 0, :now)"
            ),
            {"now": now},
        )
        conn.execute(
            text(
                "INSERT INTO consent_phrases (id, plan_id, signal, phrase, position, updated_at) "
                "VALUES (1, 1, 'stop', :p, 0, :now)"
            ),
            {"p": PHRASE, "now": now},
        )
        conn.execute(
            text(
                "INSERT INTO practices (id, kind, title, summary, steps, duration_minutes, together, "
                "safety_note, topics, plan_id, author_id, created_at, updated_at) VALUES "
                "(1, 'closeness', :t, 's', :st, 10, 1, :n, '[]', 1, 1, :now, :now), "
                "(2, 'closeness', 'Library one', 's', '[]', 10, 1, NULL, '[]', NULL, NULL, :now, :now)"
            ),
            {"t": TITLE, "st": json.dumps([STEP]), "n": NOTE, "now": now},
        )
        conn.execute(
            text(
                "INSERT INTO push_subscriptions (id, user_id, endpoint, p256dh, auth, created_at) "
                "VALUES (1, 1, :e, 'p', 'a', :now)"
            ),
            {"e": ENDPOINT, "now": now},
        )
        db.session.commit()
        upgrade()
        db.session.remove()
        raw = raw_database()
        for secret in SECRETS:
            assert secret.encode() not in raw, secret
        assert b"Library one" in raw  # the library, which we write, stays in clear
        practice = db.session.get(Practice, 1)
        assert (practice.title, practice.steps, practice.safety_note) == (TITLE, [STEP], NOTE)

        user = db.session.get(User, 1)
        assert phrases_open(Scope(user))[0]["stop"] == [PHRASE]
        assert subscription_endpoint(db.session.get(PushSubscription, 1)) == ENDPOINT
        db.session.remove()
        downgrade(revision="0004")
        row = db.session.execute(text("SELECT phrase FROM consent_phrases")).one()
        assert row.phrase == PHRASE
        db.session.remove()
        db.engine.dispose()


@pytest.mark.sqlite_only  # file modes of the SQLite database
def test_the_instance_folder_the_database_and_mail_on_disk_are_private(app_config, tmp_path, backend):
    """Whatever the umask, only Tandem's own user can read what it keeps on disk."""
    instance = tmp_path / "private-instance"
    old = os.umask(0o022)
    try:
        config = {
            **app_config,
            "INSTANCE_PATH": str(instance),
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{instance / 'tandem.sqlite'}",
            "MAIL_SERVER": None,
        }
        app = create_app(config)
        with app.app_context():
            db.create_all()
            db.session.commit()
            with app.test_request_context():
                account_email_send(
                    to="ana@example.com",
                    subject="Hello",
                    template="verify",
                    kind="test",
                    user=None,
                    link="http://localhost/x",
                )
            MailFolder(app.instance_path).sendmail("a", ["b"], b"Subject: x\r\n\r\nbody")
            db.engine.dispose()
    finally:
        os.umask(old)
    mode = lambda p: stat.S_IMODE(p.stat().st_mode)  # noqa: E731
    assert mode(instance) == 0o700
    assert mode(instance / "tandem.sqlite") == 0o600
    emails = list((instance / "mail").glob("*.eml"))
    assert len(emails) == 2 and all(mode(p) == 0o600 for p in emails)
    assert mode(instance / "mail") == 0o700


def test_deleting_a_single_persons_account_shreds_their_plans_key(app):
    eve = make_user(display_name="Eve")
    db.session.commit()
    client = client_for(app, eve)
    assert client.post("/consent/edit", data=CONSENT).status_code == 302
    plan_id = db.session.scalar(select(ConsentPhrase.plan_id))
    assert db.session.scalar(select(DataKey).where(DataKey.owner_type == "plan", DataKey.owner_id == plan_id))
    account_delete(user=eve)
    db.session.commit()
    assert db.session.scalar(select(DataKey).where(DataKey.owner_type == "plan")) is None
