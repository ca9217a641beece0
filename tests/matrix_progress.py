"""Access matrix rows for the progress page, the export and the clinician summary (see
tests/test_access_matrix.py). Nothing in these URLs names an object: each person sees
their own progress and exports their own data, so everyone signed in gets a page."""

from tests.access_roles import signed_in

RANGE = "since=2026-01-01&until=2026-03-31"

ROWS = {
    ("progress.index", "GET"): ("/progress", signed_in(200)),
    ("export.download", "GET"): ("/export", signed_in(200)),
    # A session that has just logged in is fresh enough (journal.auth.reauth): the ZIP.
    ("export.download", "POST"): ("/export", signed_in(200)),
    ("export.summary", "GET"): ("/export/summary", signed_in(200)),
    ("export.summary_page", "GET"): (f"/export/summary/page?{RANGE}", signed_in(200)),
    ("export.summary_pdf", "GET"): (f"/export/summary.pdf?{RANGE}", signed_in(200)),
}


def build(people) -> dict:
    return {}
