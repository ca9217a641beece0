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
