"""Error pages in the app's own layout; never a stack trace."""

import logging
import traceback

from flask import Flask, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from journal.extensions import db

log = logging.getLogger(__name__)

MESSAGES = {
    400: ("Something in that request didn't look right", "Please go back and try again."),
    403: ("This page isn't open to you", "If you think it should be, try logging in again."),
    404: ("We couldn't find that page", "It may have moved, or it isn't yours to see."),
    405: ("That didn't work from here", "Please go back and use the buttons on the page."),
    410: ("This link has expired", "Links we email work once and for a limited time."),
    413: ("That was more than we can take at once", "Please shorten it and try again."),
    429: ("Let's take a short pause", "There were many tries in a short time. Please wait a minute, then try again."),
    500: ("Something went wrong on our side", "Nothing you saved is lost. Please try again in a moment."),
}


#: Form fields never sent back to the browser on an error page.
_NOT_KEPT = ("password", "csrf_token")


def kept_fields() -> list[tuple[str, str]]:
    """What a failed POST carried (passwords and the CSRF token left out), so the error
    page can hold it and send it again: nothing the person typed is lost."""
    if request.method != "POST":
        return []
    try:
        items = request.form.items(multi=True)
        return [(name, value) for name, value in items if value and not any(word in name for word in _NOT_KEPT)]
    except Exception:  # an unreadable body keeps nothing, and still shows the page
        return []


def render_error(status: int, title: str | None = None, text: str | None = None, kept=()):
    default_title, default_text = MESSAGES.get(status, MESSAGES[400 if status < 500 else 500])
    return (
        render_template(
            "errors/error.html",
            status=status,
            title=title or default_title,
            text=text or default_text,
            kept=list(kept),
        ),
        status,
    )


def register(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def _csrf(error):
        return render_error(
            400,
            "This form had been open a long time",
            "For your safety it expired. Please go back, reload the page and send it again.",
        )

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException):
        if error.code is None or error.code < 400:
            return error
        response = render_error(error.code)
        if error.code == 405 and error.valid_methods:
            return response[0], 405, {"Allow": ", ".join(error.valid_methods)}
        return response

    @app.errorhandler(Exception)
    def _unexpected(error: Exception):
        if isinstance(error, HTTPException):
            return _http(error)
        # The traceback's frames, not the exception's message: messages can quote user input.
        log.error("unhandled %s\n%s", type(error).__name__, "".join(traceback.format_tb(error.__traceback__)))
        db.session.rollback()
        kept = kept_fields()
        if kept:
            return render_error(
                InternalServerError.code,
                text="Nothing was saved this time, and nothing you wrote is lost: it is all below. "
                "Please try again in a moment.",
                kept=kept,
            )
        return render_error(InternalServerError.code)
