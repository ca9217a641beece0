"""Command-line tools (`flask --app journal ...`)."""

import click
from email_validator import EmailNotValidError, validate_email
from flask import Flask

from journal.account_mail import account_mail_drain
from journal.auth.sessions import sessions_prune
from journal.backup import BackupError, backup_create, backup_restore
from journal.crypto.rotate import rotate
from journal.extensions import db
from journal.leases import count_by_state
from journal.mailer import account_email_send
from journal.models import AccountMail, Outbox
from journal.practices.services import practices_load
from journal.reminders.dispatch import drain
from journal.reminders.tick import tick


def register(app: Flask) -> None:
    @app.cli.group("sessions")
    def sessions_group():
        """Log-in sessions."""

    @sessions_group.command("prune")
    def sessions_prune_command():
        """Delete sessions older than the longest lifetime."""
        count = sessions_prune()
        db.session.commit()
        click.echo(f"pruned {count} sessions")

    @app.cli.group("practices")
    def practices_group():
        """The practice library."""

    @practices_group.command("load")
    def practices_load_command():
        """Load the library data file: add new practices, update changed ones by slug."""
        counts = practices_load()
        db.session.commit()
        click.echo(", ".join(f"{n} {what}" for what, n in counts.items()))

    @app.cli.group("backup")
    def backup_group():
        """Backups of the database (the master keys are backed up separately)."""

    @backup_group.command("create")
    @click.argument("path", type=click.Path(dir_okay=False, writable=True))
    def backup_create_command(path):
        """Write a consistent copy of the database to PATH while the app runs."""
        try:
            backup_create(engine=db.engine, path=path)
        except BackupError as exc:
            raise click.ClickException(str(exc))
        click.echo(f"Backup written to {path}. Keep the master keys safe too, apart from it.")

    @backup_group.command("restore")
    @click.argument("path", type=click.Path(exists=True, dir_okay=False))
    @click.option("--force", is_flag=True, help="Replace everything in a database that is not empty.")
    def backup_restore_command(path, force):
        """Bring the backup at PATH back into an empty database (stop the app first)."""
        try:
            backup_restore(engine=db.engine, path=path, force=force)
        except BackupError as exc:
            raise click.ClickException(str(exc))
        click.echo(f"Restored from {path}. Run `flask db upgrade` if the backup is from an older release.")

    @app.cli.group("keys")
    def keys_group():
        """Encryption keys."""

    @keys_group.command("rotate")
    def keys_rotate_command():
        """Re-wrap every data key under a new master key (old keys work until it ends)."""
        result = rotate()
        click.echo(f"re-wrapped {result['rewrapped']} data keys under master key {result['current']}")

    @app.cli.group("reminders")
    def reminders_group():
        """Reminder delivery."""

    @reminders_group.command("tick")
    def reminders_tick_command():
        """One pass, for cron: record what is due, then send it, and the account emails waiting."""
        new = tick()
        totals = drain()
        mail = account_mail_drain()
        click.echo(
            f"{new} new reminders; "
            + (", ".join(f"{n} {s}" for s, n in sorted(totals.items())) or "nothing to send")
            + "; account emails: "
            + (", ".join(f"{n} {s}" for s, n in sorted(mail.items())) or "none waiting")
        )

    @reminders_group.command("status")
    def reminders_status_command():
        """How many reminders are in each state."""
        counts = count_by_state(Outbox)
        for state in ("pending", "claimed", "sent", "failed", "missed", "skipped"):
            click.echo(f"{state:8} {counts.get(state, 0)}")
        mail = count_by_state(AccountMail)
        click.echo("account emails: " + ", ".join(f"{mail.get(s, 0)} {s}" for s in ("pending", "claimed", "failed")))

    @reminders_group.command("send-test")
    @click.option("--to", "to", required=True, help="The address to send a test reminder email to.")
    def reminders_send_test_command(to):
        """Send one test email through the configured mail server."""
        try:
            address = validate_email(to, check_deliverability=False).normalized
        except EmailNotValidError:
            raise click.ClickException("That doesn't look like an email address.")
        try:
            account_email_send(
                to=address, subject="Tandem test reminder", template="test_reminder", kind="test_reminder"
            )
        except OSError as exc:
            raise click.ClickException(f"The mail server could not be reached ({type(exc).__name__}).")
        except Exception as exc:  # smtplib errors carry codes, not user text
            raise click.ClickException(f"The mail server refused the message ({type(exc).__name__}).")
        click.echo("Test email sent.")
