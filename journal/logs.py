"""Logging set-up. Log lines carry ids and kinds, never a password, token or user text."""
import logging
import re
from collections.abc import Mapping

#: Anything that looks like a secret token in a URL path or query is masked.
_TOKEN_IN_PATH = re.compile(r"(/(?:verify|reset|invite|email/confirm|unsubscribe|feed)/)[^/\s?\"]+")
_QUERY_SECRET = re.compile(r"([?&](?:token|code|key|next)=)[^&\s\"]+")


class RedactTokens(logging.Filter):
    """Masks tokens in request lines (werkzeug and gunicorn access logs included)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, Mapping):  # gunicorn's access log passes a dict of atoms
            record.args = {k: _redact(v) if isinstance(v, str) else v for k, v in record.args.items()}
        elif record.args:
            record.args = tuple(_redact(a) if isinstance(a, str) else a for a in record.args)
        if isinstance(record.msg, str):
            record.msg = _redact(record.msg)
        return True


def _redact(text: str) -> str:
    return _QUERY_SECRET.sub(r"\1[redacted]", _TOKEN_IN_PATH.sub(r"\1[redacted]", text))


def configure(level: str) -> None:
    root = logging.getLogger()
    if not any(isinstance(f, RedactTokens) for h in root.handlers for f in h.filters):
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        handler.addFilter(RedactTokens())
        root.addHandler(handler)
    root.setLevel(level)
    # HTTP clients log destination URLs (push endpoints, Apprise hosts) at DEBUG: never.
    for name in ("urllib3", "requests", "apprise"):
        logging.getLogger(name).setLevel(logging.WARNING)
    for name in ("werkzeug", "gunicorn.access"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactTokens) for f in logger.filters):
            logger.addFilter(RedactTokens())
