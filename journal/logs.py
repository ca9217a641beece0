"""Logging set-up. Log lines carry ids and kinds, never a password, token or user text.

Every request writes one line (logger `journal.request`): a request id (also sent back as
`X-Request-ID`), the method, the route pattern (`/journal/<int:entry_id>`, never the raw
path or its query string), the status and the duration. `LOG_FORMAT=json` writes every
line as one JSON object for log collectors.
"""

import json
import logging
import re
import secrets
import time
import traceback
from collections.abc import Mapping
from datetime import UTC, datetime

from flask import Flask, g, has_request_context, request

#: Anything that looks like a secret token in a URL path is masked.
_TOKEN_IN_PATH = re.compile(r"(/(?:verify|reset|invite|email/confirm|unsubscribe|feed)/)[^/\s?\"]+")
#: A path's query string (search words, tags, `next=`...) never reaches a log.
_QUERY_STRING = re.compile(r"(/[^\s?\"]*)\?[^\s\"]*")
#: A request id a proxy in front may hand us; anything else is replaced by our own.
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")

request_log = logging.getLogger("journal.request")

#: The fields of the request line, kept as attributes for the JSON format.
_FIELDS = ("request_id", "method", "route", "status", "duration_ms")


class RedactTokens(logging.Filter):
    """Masks tokens and drops query strings in request lines (werkzeug's and gunicorn's
    access logs included)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, Mapping):  # gunicorn's access log passes a dict of atoms
            record.args = {k: _redact_atom(k, v) for k, v in record.args.items()}
        elif record.args:
            record.args = tuple(_redact(a) if isinstance(a, str) else a for a in record.args)
        if isinstance(record.msg, str):
            record.msg = _redact(record.msg)
        return True


#: What `_TOKEN_IN_PATH` needs to find in a text before it can match: most lines hold none.
_TOKEN_PLACES = ("/verify/", "/reset/", "/invite/", "/email/confirm/", "/unsubscribe/", "/feed/")


def _redact(text: str) -> str:
    # Each pattern only where it can match (every request's line passes here: the method,
    # the route pattern and the message never hold a token or a query string).
    if any(place in text for place in _TOKEN_PLACES):
        text = _TOKEN_IN_PATH.sub(r"\1[redacted]", text)
    if "?" in text:
        text = _QUERY_STRING.sub(r"\1?[redacted]", text)
    return text


def _redact_atom(key: str, value):
    if not isinstance(value, str):
        return value
    if key == "q":  # gunicorn's bare query string
        return "[redacted]" if value else ""
    return _redact(value)


class RequestId(logging.Filter):
    """Gives every record the id of the request it was written in ("-" outside one)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = g.get("request_id", "-") if has_request_context() else "-"
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message, and the request's fields."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in _FIELDS:
            value = getattr(record, name, None)
            if value is not None and value != "-":
                line[name] = value
        if record.exc_info and record.exc_info[0] is not None:
            # The type and the frames; an exception's message can quote user input.
            line["exception"] = record.exc_info[0].__name__
            line["traceback"] = "".join(traceback.format_tb(record.exc_info[2]))
        return json.dumps(line, ensure_ascii=False)


TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s]: %(message)s"


def _formatter(log_format: str) -> logging.Formatter:
    return JsonFormatter() if log_format == "json" else logging.Formatter(TEXT_FORMAT)


def configure(level: str, log_format: str = "text") -> None:
    root = logging.getLogger()
    ours = [h for h in root.handlers if any(isinstance(f, RedactTokens) for f in h.filters)]
    if not ours:
        handler = logging.StreamHandler()
        handler.addFilter(RedactTokens())
        handler.addFilter(RequestId())
        root.addHandler(handler)
        ours = [handler]
    for handler in ours:
        handler.setFormatter(_formatter(log_format))
    root.setLevel(level)
    # What every record would otherwise look up as it is made and no line of ours shows: its
    # thread and its multiprocessing process (the logging HOWTO's "Optimization"; gunicorn's
    # lines name the process id, which stays).
    logging.logThreads = False
    logging.logMultiprocessing = False
    # HTTP clients log destination URLs (push endpoints, Apprise hosts) at DEBUG: never.
    for name in ("urllib3", "requests", "apprise"):
        logging.getLogger(name).setLevel(logging.WARNING)
    for name in ("werkzeug", "gunicorn.access"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactTokens) for f in logger.filters):
            logger.addFilter(RedactTokens())


def init_app(app: Flask) -> None:
    """The request id and the one line per request."""

    # Every request runs these: they read the request and `g` themselves, not through their
    # proxies (each attribute through a proxy costs a failed lookup first).

    @app.before_request
    def _request_started():
        here = g._get_current_object()
        here.request_started = time.perf_counter()
        incoming = request._get_current_object().headers.get("X-Request-ID", "")
        here.request_id = incoming if _REQUEST_ID.match(incoming) else secrets.token_hex(8)

    @app.after_request
    def _request_finished(response):
        here, asked = g._get_current_object(), request._get_current_object()
        request_id = here.get("request_id") or secrets.token_hex(8)
        started = here.get("request_started")
        duration_ms = round((time.perf_counter() - started) * 1000, 1) if started else 0.0
        route = asked.url_rule.rule if asked.url_rule is not None else "<unmatched>"
        response.headers["X-Request-ID"] = request_id
        request_log.info(
            "%s %s %s %.1fms",
            asked.method,
            route,
            response.status_code,
            duration_ms,
            extra={
                "request_id": request_id,
                "method": asked.method,
                "route": route,
                "status": response.status_code,
                "duration_ms": duration_ms,
            },
        )
        return response
