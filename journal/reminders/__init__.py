"""Reminders: an outbox of (occurrence, person, channel) rows, filled by a periodic
tick and drained by workers through the channels (in-app, email, web push, Apprise)."""
