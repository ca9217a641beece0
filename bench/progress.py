"""Progress page and export benchmark (not a test): prints its figures.

    .venv/bin/python bench/progress.py --backend sqlite
    .venv/bin/python bench/progress.py --backend postgresql

Two partners with two years of daily check-ins each (about 1,500 per person, half of them
shared, every one with a sealed note), a weekly progress note with a sensation map (half of
them shared) and 300 journal entries each. Prints the median time of
the progress page (a year, and all time) over 15 requests, its statement count, and the time
of one full export ZIP.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

PG_ADMIN = os.environ.get("BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--days", type=int, default=730)
    args = parser.parse_args()

    from sqlalchemy import create_engine, text

    from journal import create_app
    from journal.access import SHARED, Scope
    from journal.checkins.services import checkin_create
    from journal.entries.services import entry_create
    from journal.extensions import db
    from journal.models import now_utc
    from journal.notes.services import SensationInput, note_create
    from journal.testing import DEFAULT_PASSWORD, client_for, count_queries, make_couple, make_user

    folder = tempfile.mkdtemp(prefix="tandem-bench-progress-")
    if args.backend == "sqlite":
        url = f"sqlite:///{folder}/bench.sqlite"
    else:
        admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text("DROP DATABASE IF EXISTS tandem_bench_progress WITH (FORCE)"))
            conn.execute(text("CREATE DATABASE tandem_bench_progress"))
        url = PG_ADMIN.rsplit("/", 1)[0] + "/tandem_bench_progress"
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": "bench",
            "INSTANCE_PATH": folder,
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
            "BASE_URL": "http://localhost",
        }
    )
    with app.app_context():
        db.create_all()
        ana, bo = make_user(display_name="Ana"), make_user(display_name="Bo")
        make_couple(ana, bo)
        now = now_utc()
        today = now.date()
        for person in (ana, bo):
            for i in range(args.days * 2):
                checkin_create(
                    author=person,
                    day=today - timedelta(days=i // 2),
                    visibility=SHARED if i % 2 else "private",
                    answers={
                        "mood": 1 + i % 5,
                        "closeness": 1 + i % 4,
                        "sleep_hours": 6.5,
                        "note": "A slow morning and a short walk.",
                    },
                )
            for week in range(args.days // 7):  # a weekly note with a sensation map, as in bench/seed.py
                shared = SHARED if week % 2 else "private"
                note_create(
                    scope=Scope(person),
                    author=person,
                    went="Slower this time, and it felt easier.",
                    comfort=1 + week % 5,
                    visibility=shared,
                    sensation=SensationInput(
                        areas={"hands": "comfortable", "shoulders": "neutral", "belly": "reduced", "scar": "not_tried"},
                        visibility=shared,
                    ),
                    now=now - timedelta(weeks=week),
                )
            for i in range(300):
                entry_create(
                    author=person,
                    title=f"Entry {i}",
                    body="Some quiet words. " * 30,
                    tags=["us"],
                    visibility=SHARED if i % 2 else "private",
                )
            db.session.commit()
        client = client_for(app, ana)
        for period in ("52", "all"):
            path = f"/progress?period={period}"
            client.get(path)
            times = []
            for _ in range(15):
                start = time.perf_counter()
                assert client.get(path).status_code == 200
                times.append(time.perf_counter() - start)
            with count_queries(app) as counted:
                client.get(path)
            print(f"{path}: median {statistics.median(times) * 1000:.0f} ms, {counted.count} statements")
        start = time.perf_counter()
        response = client.post("/export", data={"current_password": DEFAULT_PASSWORD})
        assert response.status_code == 200
        print(f"export ZIP: {time.perf_counter() - start:.2f} s, {len(response.data) / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
