"""The repository's gunicorn.conf.py keeps a worker's long-lived objects out of Python's
garbage collector (README, "Benchmarks"): a full collection over them stopped a worker for
100 ms or more, and every request queued behind it waited. gunicorn loads the hooks itself
(checking their arguments); each case runs in its own interpreter, so this test process's
own collector settings stay as they are."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PROGRAM = """
import gc, types
from gunicorn.app.base import Application

class App(Application):
    def init(self, parser, opts, args):
        pass
    def load(self):
        raise AssertionError("not served here")

app = App("%(prog)s")
app.load_config_from_file("gunicorn.conf.py")
cfg = app.cfg
worker = types.SimpleNamespace(nr=0)
before = gc.get_freeze_count()
cfg.post_worker_init(worker)
print("threshold", *gc.get_threshold())
print("frozen at start", gc.get_freeze_count() > before)
kept = [[n] for n in range(10_000)]  # what the first requests leave in the caches
after_start = gc.get_freeze_count()
gc.disable()  # no collection of its own below: only a freeze empties the youngest generation
froze_at = []
for nr in range(1, 10_001):
    worker.nr = nr
    kept.append([nr])  # a request's cached object
    cfg.post_request(worker, None, {}, None)
    if gc.get_count()[0] == 0:
        froze_at.append(nr)
print("froze again at", *froze_at)
print("caches frozen", gc.get_freeze_count() >= after_start + len(kept))
"""


def test_a_worker_freezes_what_it_loaded_and_what_its_first_requests_cached():
    result = subprocess.run(
        [sys.executable, "-c", PROGRAM], cwd=ROOT, capture_output=True, text=True, timeout=60, check=True
    )
    lines = result.stdout.splitlines()
    assert lines == [
        "threshold 5000 10 10",
        "frozen at start True",
        "froze again at 100 1000 10000",
        "caches frozen True",
    ], result.stdout + result.stderr


MEMORY = """
import types
from gunicorn.app.base import Application

class App(Application):
    def init(self, parser, opts, args):
        pass
    def load(self):
        raise AssertionError("not served here")

def rss_mb():
    return int(open("/proc/self/statm").read().split()[1]) * 4096 / 2**20

from journal.auth.passwords import password_verify  # makes its timing hash at import, as a worker's app does
app = App("%(prog)s")
app.load_config_from_file("gunicorn.conf.py")
app.cfg.post_worker_init(types.SimpleNamespace(nr=0))
before = rss_mb()
for _ in range(3):
    password_verify(None, "another log-in")
print(round(rss_mb() - before))
"""


def test_checking_a_password_gives_its_memory_back():
    """Each check of a password (argon2id) takes a 19 MiB buffer. glibc's malloc, once it has
    given one such block back, raises the size it maps on its own and keeps later ones in
    the heap: a worker that served one log-in held 20 MB more for good. gunicorn.conf.py sets
    that size, so each buffer is returned when the check ends."""
    result = subprocess.run(
        [sys.executable, "-c", MEMORY], cwd=ROOT, capture_output=True, text=True, timeout=60, check=True
    )
    assert int(result.stdout.strip()) < 5, result.stdout + result.stderr
