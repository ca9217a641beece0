"""The journal: entries in Markdown and the small-moments log."""
