"""`flask reminders tick | status | send-test`."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from journal import create_app
from journal.access import Scope
from journal.account_mail import account_mail_queue
from journal.extensions import db
from journal.models import Practice, Schedule
from journal.plan.services import schedule_refresh_due
from journal.practices.services import practices_load
from journal.testing import free_port


def test_tick_then_status(app, couple):
    ana, bo, _ = couple
    practices_load()
    plan = Scope(ana).plan_or_create()
    practice = db.session.scalar(select(Practice).where(Practice.kind == "closeness").order_by(Practice.id))
    plan.timezone = "UTC"
    soon = datetime.now(UTC) + timedelta(minutes=1)  # inside the tick's two-minute look-ahead
    schedule = Schedule(
        plan_id=plan.id, practice_id=practice.id, kind="once", times=[soon.strftime("%H:%M")], start_date=soon.date()
    )
    db.session.add(schedule)
    db.session.flush()
    schedule_refresh_due(schedule, plan.timezone)
    db.session.commit()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["reminders", "tick"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("2 new reminders"), result.output  # in-app for Ana and Bo
    status = runner.invoke(args=["reminders", "status"])
    assert status.exit_code == 0
    assert {line.split()[0] for line in status.output.splitlines()} >= {"pending", "sent", "failed", "missed"}
    assert "account emails: 0 pending, 0 claimed, 0 failed" in status.output


def test_tick_sends_the_account_emails_waiting(app, user, smtp_sink):
    """Without a consumer (cron runs `flask reminders tick`), the account emails go too."""
    account_mail_queue(user_id=user.id, kind="reset_password")
    db.session.commit()
    runner = app.test_cli_runner()
    assert "account emails: 0 pending, 0 claimed" not in runner.invoke(args=["reminders", "status"]).output
    result = runner.invoke(args=["reminders", "tick"])
    assert result.exit_code == 0 and result.output.endswith("account emails: 1 sent\n"), result.output
    (message,) = smtp_sink.wait_for(user.email)
    assert message["Subject"] == "Resetting your Tandem password"
    assert "account emails: 0 pending, 0 claimed, 0 failed" in runner.invoke(args=["reminders", "status"]).output


def test_send_test_reaches_the_mail_server(app, smtp_sink):
    result = app.test_cli_runner().invoke(args=["reminders", "send-test", "--to", "ops@example.com"])
    assert result.exit_code == 0 and "sent" in result.output
    (message,) = smtp_sink.wait_for("ops@example.com")
    assert message["Subject"] == "Tandem test reminder"


def test_send_test_refuses_an_invalid_address(app, smtp_sink):
    result = app.test_cli_runner().invoke(args=["reminders", "send-test", "--to", "not an address"])
    assert result.exit_code != 0 and "doesn't look like an email address" in result.output
    assert smtp_sink.wait_for("not an address", timeout=0.2) == []


def test_send_test_says_when_the_mail_server_is_unreachable(app_config, backend):
    app = create_app({**app_config, "MAIL_PORT": free_port()})
    result = app.test_cli_runner().invoke(args=["reminders", "send-test", "--to", "ops@example.com"])
    assert result.exit_code != 0 and "could not be reached" in result.output
