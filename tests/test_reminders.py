"""The reminder pipeline: tick, outbox, claims, in-app and email delivery."""

import ipaddress
import socket
import ssl
import threading
from datetime import UTC, date, datetime, time, timedelta
from email import message_from_bytes, policy
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from flask import current_app
from sqlalchemy import func, select

import journal.reminders.dispatch as dispatch
import journal.reminders.tick as tick_module
from journal.access import Scope
from journal.extensions import db
from journal.mailer import account_email_send
from journal.models import Notification, Outbox, PlanPause, Practice, PromptAction, ReminderSettings, Schedule
from journal.plan.services import schedule_refresh_due
from journal.practices.services import practices_load
from journal.reminders.channels.email import SUBJECT
from journal.reminders.dispatch import claim, deliver, drain
from journal.reminders.tick import tick
from journal.testing import SMTPSink, count_queries, email_text, free_port, login_as

T0 = datetime(2026, 6, 1, 19, 0, tzinfo=UTC)  # 20:00 in London (BST)


@pytest.fixture
def planned(app, couple):
    """Ana and Bo's plan (Europe/London) with a daily 20:00 closeness practice for both."""
    ana, bo, _ = couple
    practices_load()
    plan = Scope(ana).plan_or_create()
    plan.timezone = "Europe/London"

    practice = db.session.scalar(select(Practice).where(Practice.kind == "closeness").order_by(Practice.id))
    schedule = Schedule(
        plan_id=plan.id, practice_id=practice.id, kind="daily", times=["20:00"], start_date=date(2026, 5, 1)
    )
    db.session.add(schedule)
    db.session.flush()
    schedule_refresh_due(schedule, plan.timezone, now=T0 - timedelta(hours=1))
    db.session.commit()
    return ana, bo, plan, schedule, practice


def outbox(**where):
    stmt = select(Outbox)
    for key, value in where.items():
        stmt = stmt.where(getattr(Outbox, key) == value)
    return db.session.scalars(stmt.order_by(Outbox.id)).all()


def test_tick_records_each_reminder_once_however_often_it_runs(planned):
    ana, bo, plan, schedule, _ = planned
    assert tick(now=T0 - timedelta(minutes=1)) == 2  # in-app for Ana and for Bo
    db.session.commit()
    schedule.next_due_at = T0  # as if another tick had not advanced it yet
    db.session.commit()
    assert tick(now=T0 - timedelta(minutes=1)) == 0
    db.session.commit()
    rows = outbox()
    assert {(r.user_id, r.channel, r.occurrence_at) for r in rows} == {(ana.id, "inapp", T0), (bo.id, "inapp", T0)}
    db.session.refresh(schedule)
    assert schedule.next_due_at == T0 + timedelta(days=1)


def test_one_tick_records_every_due_schedule_however_many_batches_they_take(planned, monkeypatch):
    ana, bo, plan, schedule, practice = planned

    monkeypatch.setattr(tick_module, "BATCH", 3)  # seven due schedules take three batches
    for _ in range(6):
        extra = Schedule(
            plan_id=plan.id, practice_id=practice.id, kind="daily", times=["20:00"], start_date=date(2026, 5, 1)
        )
        db.session.add(extra)
        db.session.flush()
        schedule_refresh_due(extra, plan.timezone, now=T0 - timedelta(hours=1))
    db.session.commit()
    assert tick(now=T0) == 14  # 7 schedules, in-app for both partners
    db.session.commit()
    assert len({(r.schedule_id, r.user_id) for r in outbox()}) == 14
    assert tick(now=T0) == 0


def test_an_ended_schedule_is_not_read_again(planned, app):
    ana, bo, plan, schedule, practice = planned
    once = Schedule(plan_id=plan.id, practice_id=practice.id, kind="once", times=["20:00"], start_date=date(2026, 6, 1))
    db.session.add(once)
    db.session.commit()  # next_due_at not computed yet: the tick works it out
    assert tick(now=T0) == 4
    db.session.commit()
    db.session.refresh(once)
    assert once.next_due_at.year == 9999, "nothing more to send, ever"
    schedule.next_due_at = T0 + timedelta(days=30)
    db.session.commit()
    with count_queries(app) as q:
        assert tick(now=T0 + timedelta(days=1)) == 0
    assert q.count == 1, "only the due-schedule query, which finds nothing"


def test_in_app_reminders_arrive_once_with_an_unread_count(planned, app):
    ana, bo, *_ = planned
    tick(now=T0)
    db.session.commit()
    assert drain(now=T0) == {"sent": 2}
    assert drain(now=T0) == {}
    assert db.session.scalar(select(func.count(Notification.id))) == 2
    client = app.test_client()
    login_as(client, ana)
    page = client.get("/today").get_data(as_text=True)
    assert "Notifications" in page and '<span class="badge">1' in page
    client.get("/notifications")  # opening the list marks it read
    assert 'class="badge"' not in client.get("/today").get_data(as_text=True)


@pytest.mark.parametrize(
    "together, bo_state", [(False, "sent"), (True, "skipped")], ids=["done-alone", "done-together"]
)
def test_a_prompt_already_done_is_not_sent(planned, together, bo_state):
    """Ana's done is Ana's, unless it is a practice the two do together: then it is
    done for Bo too, and Bo is not reminded of it (journal.today.services.done_together)."""
    ana, bo, plan, schedule, practice = planned
    practice.together = together
    db.session.add(PromptAction(schedule_id=schedule.id, user_id=ana.id, occurrence_at=T0, state="done"))
    tick(now=T0)
    db.session.commit()
    drain(now=T0)
    states = {r.user_id: r.state for r in outbox()}
    assert states == {ana.id: "skipped", bo.id: bo_state}


def test_a_skip_is_never_done_for_the_partner(planned):
    ana, bo, plan, schedule, practice = planned
    practice.together = True
    db.session.add(PromptAction(schedule_id=schedule.id, user_id=ana.id, occurrence_at=T0, state="skipped"))
    tick(now=T0)
    db.session.commit()
    drain(now=T0)
    assert {r.user_id: r.state for r in outbox()} == {ana.id: "skipped", bo.id: "sent"}


def test_a_paused_plan_sends_nothing(planned):
    ana, bo, plan, schedule, _ = planned
    db.session.add(PlanPause(plan_id=plan.id, user_id=bo.id, since=T0 - timedelta(days=1)))
    db.session.commit()
    assert tick(now=T0) == 0
    db.session.commit()
    assert outbox() == []
    db.session.refresh(schedule)
    assert schedule.next_due_at > T0, "the pause is passed over, not queued up"


def test_late_reminders_are_missed_not_sent(planned):
    tick(now=T0 + timedelta(hours=3))  # the server was down
    db.session.commit()
    drain(now=T0 + timedelta(hours=3))
    assert {r.state for r in outbox()} == {"missed"}
    assert db.session.scalar(select(func.count(Notification.id))) == 0


def test_quiet_hours_hold_a_reminder_until_they_end(planned):
    ana, bo, *_ = planned
    ana.timezone = "Europe/London"
    db.session.add(ReminderSettings(user_id=ana.id, quiet_start=time(19, 30), quiet_end=time(20, 45)))
    tick(now=T0)
    db.session.commit()
    drain(now=T0)
    (held,) = outbox(user_id=ana.id)
    assert held.state == "pending" and held.due_at == T0 + timedelta(minutes=45)
    drain(now=T0 + timedelta(minutes=46))
    db.session.refresh(held)
    assert held.state == "sent"


def test_a_dead_worker_s_claim_is_taken_over_after_its_lease(planned):
    tick(now=T0)
    db.session.commit()
    ids = claim(now=T0, worker="dies")
    assert len(ids) == 2
    assert claim(now=T0 + timedelta(minutes=1), worker="other") == [], "leased rows are not taken"
    later = T0 + timedelta(minutes=3)
    again = claim(now=later, worker="other")
    assert sorted(again) == sorted(ids)
    deliver(again, now=later)
    assert {r.state for r in outbox()} == {"sent"}
    assert db.session.scalar(select(func.count(Notification.id))) == 2


def test_a_claim_takes_no_more_than_its_batch(planned):
    """On PostgreSQL the pick ran again for every row updated, each run taking the next
    rows: one claim of 1 took every due reminder."""
    tick(now=T0)
    db.session.commit()
    first = claim(now=T0, limit=1, worker="one")
    second = claim(now=T0, limit=1, worker="two")
    assert len(first) == len(second) == 1 and first != second
    assert claim(now=T0, limit=1) == []


@pytest.mark.parametrize("discreet", [True, False])
def test_email_reminders_are_discreet_and_can_be_stopped_in_one_click(planned, app, smtp_sink, discreet):
    ana, bo, plan, schedule, practice = planned
    db.session.add(ReminderSettings(user_id=ana.id, email_on=True, discreet=discreet))
    db.session.commit()
    tick(now=T0)
    db.session.commit()
    drain(now=T0)
    (message,) = smtp_sink.wait_for(ana.email)
    (row,) = outbox(user_id=ana.id, channel="email")
    assert row.state == "sent"
    assert message["Subject"] == SUBJECT and practice.title not in message["Subject"]
    assert message["Message-ID"] == f"<reminder-{row.id}@tandem.invalid>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message.get_body(preferencelist=("html",)) is not None
    assert (practice.title in email_text(message)) is (not discreet)
    unsubscribe = message["List-Unsubscribe"].strip("<>").removeprefix("http://localhost")
    anonymous = app.test_client()
    assert anonymous.post(unsubscribe, data={"List-Unsubscribe": "One-Click"}).status_code == 204
    db.session.expire_all()
    assert db.session.get(ReminderSettings, ana.id).email_on is False
    assert anonymous.post(unsubscribe[:-3] + "xyz").status_code == 404, "a forged token does nothing"


def test_a_practice_title_in_any_script_arrives_intact(planned, app, smtp_sink):
    ana, bo, plan, schedule, practice = planned
    practice.title = "Café walk — together, slowly 🌿"
    db.session.add(ReminderSettings(user_id=ana.id, email_on=True, discreet=False))
    db.session.commit()
    tick(now=T0)
    db.session.commit()
    drain(now=T0)
    (message,) = smtp_sink.wait_for(ana.email)
    assert "It's time for: Café walk — together, slowly 🌿" in email_text(message)
    html = message.get_body(preferencelist=("html",)).get_content()
    assert "Café walk — together, slowly 🌿" in html
    assert message["Subject"] == SUBJECT


@pytest.fixture
def mail_folder_config(app_config):
    app_config["MAIL_SERVER"] = None  # the embedded default: emails become files
    return app_config


def test_without_a_mail_server_reminder_emails_are_written_to_the_instance_folder(mail_folder_config, planned, app):
    ana, *_ = planned
    db.session.add(ReminderSettings(user_id=ana.id, email_on=True))
    db.session.commit()
    tick(now=T0)
    db.session.commit()
    drain(now=T0)
    (row,) = outbox(user_id=ana.id, channel="email")
    assert row.state == "sent"
    (path,) = (Path(app.instance_path) / "mail").glob("*.eml")
    message = message_from_bytes(path.read_bytes(), policy=policy.default)
    assert message["To"] == ana.email and message["Subject"] == SUBJECT
    assert message["Message-ID"] == f"<reminder-{row.id}@tandem.invalid>"
    assert "/unsubscribe/" in email_text(message)


@pytest.fixture
def no_mail_server(app_config):
    """Point the app at a port where nothing listens: connection refused."""
    app_config["MAIL_PORT"] = free_port()


def test_a_refusing_mail_server_is_retried_then_failed_and_shown(no_mail_server, planned, app):
    ana, *_ = planned
    db.session.add(ReminderSettings(user_id=ana.id, email_on=True))
    db.session.commit()
    tick(now=T0)
    db.session.commit()
    now = T0
    for attempt in range(1, 6):
        drain(now=now)
        (row,) = outbox(user_id=ana.id, channel="email")
        assert row.attempts == attempt and row.error == "smtp-connection"
        now = row.due_at
    assert row.state == "failed"
    client = app.test_client()
    login_as(client, ana)
    assert "couldn&#39;t be delivered" in client.get("/reminders").get_data(as_text=True)


def test_an_unreachable_mail_server_is_tried_once_per_batch(no_mail_server, planned):
    ana, bo, *_ = planned
    db.session.add_all(
        [ReminderSettings(user_id=ana.id, email_on=True), ReminderSettings(user_id=bo.id, email_on=True)]
    )
    db.session.commit()
    tick(now=T0)
    db.session.commit()
    drain(now=T0)
    tried, waiting = outbox(channel="email")
    assert (tried.state, tried.attempts, tried.error) == ("pending", 1, "smtp-connection")
    assert (waiting.state, waiting.attempts, waiting.error) == ("pending", 0, None), "not tried, so no attempt counted"
    assert waiting.due_at == T0 + timedelta(seconds=30)


@pytest.fixture
def silent_mail_server(app_config):
    """A mail server that takes the connection and never says a word (no SMTP greeting),
    with MAIL_TIMEOUT at one second."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        app_config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=listener.getsockname()[1], MAIL_TIMEOUT=1)
        yield listener


def _in_a_thread(work, *, within: float) -> tuple[bool, list[Exception]]:
    """Run `work` in a thread (in this app's context): whether it ended within `within`
    seconds, and what it raised."""
    app = current_app._get_current_object()
    errors = []

    def run():
        with app.app_context():
            try:
                work()
            except Exception as exc:
                errors.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(within)
    return not thread.is_alive(), errors


@pytest.mark.sqlite_only  # the mail connection's timeout, not the database
def test_a_mail_server_that_never_answers_is_given_up_after_mail_timeout(silent_mail_server, planned):
    """MAIL_TIMEOUT bounds every wait on the mail server: a reminder batch (and an account
    email) gives up after it instead of holding the worker for as long as the server stays
    silent."""
    ana, *_ = planned
    db.session.add(ReminderSettings(user_id=ana.id, email_on=True))
    db.session.commit()
    tick(now=T0)
    db.session.commit()
    finished, errors = _in_a_thread(lambda: drain(now=T0), within=15)
    assert finished, "the worker waited on a silent mail server"
    assert errors == []
    db.session.expire_all()
    (row,) = outbox(user_id=ana.id, channel="email")
    assert (row.state, row.attempts, row.error) == ("pending", 1, "smtp-connection")

    finished, errors = _in_a_thread(
        lambda: account_email_send(to=ana.email, subject="Hello", template="verify", kind="test", user=ana, link="x"),
        within=15,
    )
    assert finished, "an account email waited on a silent mail server"
    assert len(errors) == 1 and isinstance(errors[0], OSError), errors


def _self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 that no authority signed, and its key."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "mail.tandem.test")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / "mail.pem", folder / "mail.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_file, key_file


@pytest.fixture(params=["MAIL_USE_TLS", "MAIL_USE_SSL"])
def tls_sink(request, app_config, tmp_path):
    """A mail server with a self-signed certificate, offering STARTTLS (MAIL_USE_TLS) or
    speaking TLS from the start (MAIL_USE_SSL), and the app set to use it that way."""
    cert_file, key_file = _self_signed(tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_file, key_file)
    sink = SMTPSink(tls_context=context, implicit_tls=request.param == "MAIL_USE_SSL").start()
    app_config.update(sink.config(), **{request.param: True})
    yield sink, cert_file
    sink.stop()


@pytest.mark.sqlite_only  # the mail connection, not the database
def test_tls_sends_only_to_a_mail_server_whose_certificate_holds(tls_sink, app, user, monkeypatch):
    """Emails carry sign-in links: over STARTTLS or TLS the mail server's certificate is
    checked against the machine's trusted authorities (or SSL_CERT_FILE), never taken on trust."""
    sink, cert_file = tls_sink
    with pytest.raises(ssl.SSLCertVerificationError):
        account_email_send(to=user.email, subject="Hello", template="verify", kind="test", user=user, link="x")
    assert sink.messages == []

    monkeypatch.setenv("SSL_CERT_FILE", str(cert_file))  # this machine now trusts that certificate
    account_email_send(to=user.email, subject="Hello", template="verify", kind="test", user=user, link="x")
    assert len(sink.wait_for(user.email)) == 1


def test_rows_not_reached_before_half_the_lease_go_back_untried(planned, smtp_sink, monkeypatch):
    ana, *_ = planned
    db.session.add(ReminderSettings(user_id=ana.id, email_on=True))
    db.session.commit()
    tick(now=T0)
    db.session.commit()
    ids = claim(now=T0)
    monkeypatch.setattr(dispatch, "LEASE", timedelta(0))  # the deadline has already passed
    assert deliver(ids, now=T0) == {"sent": 2, "held": 1}  # in-app for both; the email waits
    (row,) = outbox(channel="email")
    assert (row.state, row.attempts, row.due_at) == ("pending", 0, T0)
    assert smtp_sink.messages == []


def test_dst_a_daily_20_00_reminder_stays_at_20_00_and_a_02_30_one_fires_once_at_03_00(app, user):
    practices_load()
    user.timezone = "America/New_York"
    plan = Scope(user).plan_or_create()
    plan.timezone = "America/New_York"

    practice = db.session.scalar(select(Practice).where(Practice.kind == "closeness").order_by(Practice.id))
    evening = Schedule(
        plan_id=plan.id, practice_id=practice.id, kind="daily", times=["20:00"], start_date=date(2026, 3, 1)
    )
    night = Schedule(
        plan_id=plan.id, practice_id=practice.id, kind="once", times=["02:30"], start_date=date(2026, 3, 8)
    )
    db.session.add_all([evening, night])
    db.session.flush()
    start = datetime(2026, 3, 6, 12, tzinfo=UTC)
    for s in (evening, night):
        schedule_refresh_due(s, plan.timezone, now=start)
    db.session.commit()
    now = start
    while now < datetime(2026, 3, 10, 2, tzinfo=UTC):  # a tick every 30 minutes
        tick(now=now)
        db.session.commit()
        now += timedelta(minutes=30)

    local = [r.occurrence_at.astimezone(ZoneInfo("America/New_York")) for r in outbox(schedule_id=evening.id)]
    assert [(d.day, d.hour, d.minute) for d in local] == [(6, 20, 0), (7, 20, 0), (8, 20, 0), (9, 20, 0)]
    (spring,) = outbox(schedule_id=night.id)
    assert spring.occurrence_at == datetime(2026, 3, 8, 7, 0, tzinfo=UTC)  # 03:00 EDT
