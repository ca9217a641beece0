"""Command-line tools (`flask --app journal ...`)."""
import click
from flask import Flask

from journal.extensions import db


def register(app: Flask) -> None:
    @app.cli.group("sessions")
    def sessions_group():
        """Log-in sessions."""

    @sessions_group.command("prune")
    def sessions_prune_command():
        """Delete sessions older than the longest lifetime."""
        from journal.auth.sessions import sessions_prune

        count = sessions_prune()
        db.session.commit()
        click.echo(f"pruned {count} sessions")

    @app.cli.group("practices")
    def practices_group():
        """The practice library."""

    @practices_group.command("load")
    def practices_load_command():
        """Load the library data file: add new practices, update changed ones by slug."""
        from journal.practices.services import practices_load

        counts = practices_load()
        db.session.commit()
        click.echo(", ".join(f"{n} {what}" for what, n in counts.items()))

    @app.cli.group("keys")
    def keys_group():
        """Encryption keys."""

    @keys_group.command("rotate")
    def keys_rotate_command():
        """Re-wrap every data key under a new master key (old keys work until it ends)."""
        from journal.crypto.rotate import rotate

        result = rotate()
        click.echo(f"re-wrapped {result['rewrapped']} data keys under master key {result['current']}")
