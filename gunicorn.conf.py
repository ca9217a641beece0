"""gunicorn's settings for Tandem, used by `make run` (bin/run) and in production:

    .venv/bin/gunicorn -c gunicorn.conf.py --bind 0.0.0.0:8000

Command-line options and GUNICORN_CMD_ARGS override what is here.
"""

import os

wsgi_app = "journal:create_app()"

# Loopback unless told otherwise (`--bind 0.0.0.0:8000` behind a proxy or load balancer).
bind = [f"127.0.0.1:{os.environ.get('PORT', '5000')}"]

# Chosen by measurement (README, "Benchmarks"): sync workers, one per core. On the 2-core
# machine, gthread (2 workers x 4 threads) served no more requests a second than 2 sync workers
# (the pages are CPU-bound Python, one GIL per worker), with a worse p99 and more memory a
# worker. WEB_CONCURRENCY (gunicorn's own variable) changes the count.
worker_class = "sync"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
timeout = 30
graceful_timeout = 20

# Tandem writes one line per request itself (logger `journal.request`: request id, method,
# route pattern, status, duration), so gunicorn's access log is off. Switched on with
# GUNICORN_CMD_ARGS="--access-logfile -", it writes the path WITHOUT its query string
# (search words and tags never reach it), no referrer and no user agent, plus the
# request id Tandem sends back in X-Request-ID.
accesslog = None
access_log_format = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(M)sms %({x-request-id}o)s'

errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
proc_name = "tandem"

# Garbage collection, chosen by measurement (README, "Benchmarks"). A worker holds about
# 100 MB of long-lived objects (the app, SQLAlchemy's mappers and statement caches, compiled
# templates, the practice library), and Python's full collection walked all of them: one
# request in a few hundred stopped for 100 to 140 ms, and every request queued behind it
# waited as long, which set the p99 of the list pages. So once the worker has loaded the app
# it collects and freezes what is left (`gc.freeze()`): later collections walk only what came
# after. The caches its first requests fill are frozen the same way, without a collection
# (nothing waits for it): objects made after a freeze are collected as usual, and a cycle
# that was already garbage at a freeze stays (a request's leftovers, three times a worker).
# The youngest generation is collected after 5,000 new objects rather than 700: a list page
# makes thousands that live only for the request.
GC_FREEZE_AT = (100, 1_000, 10_000)  # requests served by the worker
GC_THRESHOLD = (5_000, 10, 10)


# Memory, chosen by measurement (README, "Benchmarks"). Checking a password (argon2id) takes a
# 19 MiB buffer. glibc's malloc maps a block that large on its own and unmaps it when freed,
# but having freed one it raises the size it maps to match, so later buffers came from the
# heap and stayed there: a worker that had served one log-in held 20 MB more for good. Setting
# the size keeps it where it is set, so each such buffer goes back when the check ends. It is
# 4 MiB rather than glibc's starting 128 KiB: compressing a page with brotli takes buffers of a
# few hundred KiB, and at 128 KiB every page a browser asked for mapped, cleared and unmapped
# them (a compressed page served up to a fifth fewer requests a second). For the same reason
# the heap keeps up to 4 MiB free at its top rather than 128 KiB (setting the first size fixes
# this one at its start too).
MMAP_THRESHOLD = 4 * 1024 * 1024
TRIM_THRESHOLD = 4 * 1024 * 1024


def _big_blocks_go_back():
    import ctypes
    import ctypes.util

    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c"))
        libc.mallopt(-3, MMAP_THRESHOLD)  # M_MMAP_THRESHOLD
        libc.mallopt(-1, TRIM_THRESHOLD)  # M_TRIM_THRESHOLD
    except (OSError, AttributeError):  # not glibc: its allocator decides
        pass


def post_worker_init(worker):
    import gc

    _big_blocks_go_back()
    gc.set_threshold(*GC_THRESHOLD)
    gc.collect()
    gc.freeze()


def post_request(worker, req, environ, resp):
    if worker.nr in GC_FREEZE_AT:
        import gc

        gc.freeze()
