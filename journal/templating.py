"""What every template can use: the header's unread count, `has_page`, `csrf_field`,
the unreadable-text marker and the local date and time filters."""

import calendar
from collections.abc import Callable
from datetime import date, datetime
from functools import lru_cache
from types import BuiltinFunctionType, FunctionType, MethodType
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from flask import Flask, current_app, g, has_request_context, request
from flask_login import current_user
from jinja2.runtime import Context, Macro
from markupsafe import Markup

from journal.crypto.fields import UNREADABLE
from journal.csrf import csrf_token_signed
from journal.reminders.services import unread_count

#: A day as every page writes it ("4 May 2026"), in `strftime`'s terms: `date_words`
#: writes it by hand, and a test holds the two to the same words.
LOCAL_DATE = "%-d %B %Y"


#: The months as `strftime`'s "%B" names them, read once (the app runs in the C locale).
_MONTHS = tuple(calendar.month_name)


def date_words(local: date | datetime) -> str:
    """A local day (or a date) as every page words it, `strftime(LOCAL_DATE)`'s "4 May 2026", by hand
    (see `datetime_words`): the `localdate` filter and lists that word many days."""
    return f"{local.day} {_MONTHS[local.month]} {local.year}"


def datetime_words(local: datetime) -> str:
    """A local time as every page words it, `strftime("%-d %B %Y, %H:%M")`'s "4 May 2026,
    20:15", formatted by hand: `strftime` cost a sixth of a journal card. The
    `localdatetime` filter and the lists that word many times in Python use it."""
    return f"{local.day} {_MONTHS[local.month]} {local.year}, {local.hour:02}:{local.minute:02}"


def local_time(value: datetime, zone: str | None = None) -> datetime:
    """`value` (UTC) in the viewer's own time zone (UTC for a visitor)."""
    return value.astimezone(ZoneInfo(zone or _viewer_zone()))


def _viewer_zone() -> str:
    """The zone of the person Flask-Login loaded for this request, read from the user
    itself: `current_user` is a proxy that costs a few microseconds a look, and a page can
    show hundreds of dates (progress over all time). Before anyone is loaded, through it."""
    user = g._get_current_object().get("_login_user") or current_user
    return getattr(user, "timezone", None) or "UTC"


def remembered_links(build, url_map=None):
    """A template's link builder (`url_for`, `static_url_for`) that remembers what it
    built. A relative link depends only on the endpoint, its values and the prefix the
    app is served under, none of which a request changes, so each is built once per
    process; werkzeug's build was a seventh of a page's time (the navigation alone has
    15 links). Anything else (a link relative to the blueprint, an absolute address, a
    scheme, an anchor, values other than text and numbers) is built each time.

    A person's text (a tag, search words) is never remembered. Given the app's `url_map`,
    such a value that goes in the link's query (not its path) is added to the remembered
    link of the rest, quoted as werkzeug quotes it: a journal page links each entry's tags,
    and building each was a tenth of that page."""

    @lru_cache(maxsize=4096)  # bounded: links carry ids, and a process lives long
    def remembered(endpoint: str, script_root: str, values: tuple) -> str:
        return build(endpoint, **{name: value for name, _, value in values})

    @lru_cache(maxsize=512)  # one an endpoint
    def in_path(endpoint: str) -> frozenset | None:
        """The names the endpoint's path takes; any other value goes in its query. None for
        an endpoint the app doesn't have (werkzeug's build then says so)."""
        try:
            return frozenset().union(*(rule.arguments for rule in url_map.iter_rules(endpoint)))
        except KeyError:
            return None

    def link(endpoint: str, **values) -> str:
        if endpoint[:1] == "." or not has_request_context():
            return build(endpoint, **values)
        if not values:  # most links: the key is the endpoint alone
            return remembered(endpoint, _script_root(), ())
        kept, words = [], []
        for name, value in values.items():
            if name[:1] == "_" or type(value) not in _PLAIN:
                return build(endpoint, **values)
            # Each value's type is part of the key: True and 1 are equal, their links are not.
            (words if type(value) is str and name not in _OUR_WORDS else kept).append((name, type(value), value))
        if words:
            taken = None if url_map is None else in_path(endpoint)
            if taken is None or not taken.isdisjoint(name for name, _, _ in words):
                return build(endpoint, **values)
        href = remembered(endpoint, _script_root(), tuple(sorted(kept)))
        if not words:
            return href
        return (
            href
            + ("&" if "?" in href else "?")
            + urlencode([(name, value) for name, _, value in words], safe=_QUERY_SAFE)
        )

    link.remembered = remembered  # what it holds (tests)
    return link


#: Two ids no row has, that `links_by_id` builds its two links with.
_MARKERS = (987_654_321, 123_456_789)


def links_by_id(link: Callable[..., str], endpoint: str, name: str) -> Callable[[int], str]:
    """`link(endpoint, **{name: row_id})` for each row of a list (its link to the row's own
    page), from the link built once a request and split where the id goes: each row's
    link through `link`, even a remembered one, was a tenth of a list's cards. If the id
    isn't found in one place of the link (two links built with two ids must differ only
    there), each row's link is built through `link`."""
    first, second = (link(endpoint, **{name: marker}) for marker in _MARKERS)
    head, found, tail = first.rpartition(str(_MARKERS[0]))
    if not found or f"{head}{_MARKERS[1]}{tail}" != second:
        return lambda row_id: link(endpoint, **{name: row_id})
    return lambda row_id: f"{head}{row_id}{tail}"


#: What werkzeug leaves unquoted in a query (werkzeug.urls._urlencode).
_QUERY_SAFE = "!$'()*,/:;?@"


def _script_root() -> str:
    """The prefix the app is served under, read from the request itself: through its proxy
    each attribute costs a failed lookup first (raising and catching an AttributeError),
    and a list page asks for every link and kept piece."""
    return request._get_current_object().script_root


#: The values a remembered link may carry: anything else (a list, a date, a row) is built
#: each time, and never kept alive by the cache.
_PLAIN = frozenset({str, int, bool})
#: The names whose text values are our own words (a static file, a kind of practice, a
#: period, a paper size, a prompt's key). Any other text (a tag, search words, a page to
#: return to, an invitation's token) is a person's or a secret: never kept in the
#: process's memory (added to the kept rest of a link each time, or the link built each time).
_OUR_WORDS = frozenset({"filename", "kind", "period", "paper", "prompt"})


def _asks_for_nothing(obj) -> bool:
    """Whether `obj` is a plain function, method or macro that takes no context: none of
    them is marked with `jinja_pass_arg` (`pass_context` and the like), asked here without a
    failed attribute lookup (a builtin can't be marked)."""
    kind = type(obj)
    if kind is BuiltinFunctionType:
        return True
    if kind is FunctionType or kind is Macro:
        return "jinja_pass_arg" not in obj.__dict__
    if kind is MethodType:
        func = obj.__func__
        return type(func) is FunctionType and "jinja_pass_arg" not in func.__dict__
    return False


class TemplateContext(Context):
    """Jinja's context, with a quicker way to call a function from a template. Jinja asks
    every callable twice whether it wants the context passed in, each time by an
    attribute lookup that fails (raising and catching an AttributeError): a twentieth of a
    list page, where links, macros and methods are called for each row. A plain function,
    method or macro is asked by `_asks_for_nothing` and called as Jinja would; anything
    else (marked with `pass_context` and the like, or any other callable) goes through
    Jinja's own `call`."""

    def call(__self, __obj, *args, **kwargs):  # noqa: N805 (Jinja's own names: a template may pass `self`)
        if not _asks_for_nothing(__obj):
            return super().call(__obj, *args, **kwargs)
        kwargs.pop("_block_vars", None)
        kwargs.pop("_loop_vars", None)
        try:
            return __obj(*args, **kwargs)
        except StopIteration:  # as Jinja answers it
            return __self.environment.undefined(
                "value was undefined because a callable raised a StopIteration exception"
            )


def register_template_helpers(app: Flask) -> None:
    app.jinja_env.context_class = TemplateContext
    app.jinja_env.globals["url_for"] = remembered_links(app.url_for, app.url_map)

    @app.context_processor
    def _unread():
        """The header's unread count, read with the session itself."""
        if not has_request_context() or not current_user.is_authenticated:
            return {}
        loaded = getattr(current_user._get_current_object(), "unread_count", None)
        if loaded is not None:  # read with the session (journal.auth.sessions.session_load)
            return {"unread": loaded}
        try:
            return {"unread": unread_count(current_user)}
        except Exception:  # an error page must still render if the database is down
            return {"unread": 0}

    @app.template_global()
    def has_page(endpoint: str) -> bool:
        """Whether this app serves `endpoint`, so a link to a feature that may not be
        installed (or not merged yet) is shown only where it leads somewhere."""
        return endpoint in current_app.view_functions

    @app.template_global()
    def csrf_field() -> Markup:
        """Every form's CSRF token as a hidden input, without an id (a page holds several
        forms; the same id twice is invalid HTML). Nothing when CSRF is switched off."""
        here = g._get_current_object()  # not through its proxy (see `_script_root`)
        field = here.get("csrf_field")
        if field is None:  # written once a request: a page can hold ten forms
            if app.config.get("WTF_CSRF_ENABLED", True):
                # Escaped by %, not Markup.format: that escapes through string.Formatter,
                # which cost as much as the rest of this page's template.
                field = Markup('<input name="csrf_token" type="hidden" value="%s">') % csrf_token_signed()
            else:
                field = Markup("")
            here.csrf_field = field
        return field

    app.jinja_env.globals["unreadable_text"] = UNREADABLE  # one marker for every page

    @lru_cache(maxsize=4096)  # bounded: a process renders a few hundred such pieces
    def kept_macro(template: str, macro: str, script_root: str, values: tuple) -> Markup:
        return getattr(app.jinja_env.get_template(template).module, macro)(*values)

    @app.template_global()
    def kept(template: str, macro: str, *values) -> Markup:
        """What `macro` of `template` renders for `values`, rendered once per process and
        kept. Only for a piece whose every word comes from `values` and the app's links,
        and never for anything a person wrote: `values` are the key and stay in memory
        (the library's own cards, `journal.practices.routes._cards`, and the list's
        filters, practices/browse.html: most of that page's time). An
        edited template shows in these pieces after a restart, even with auto-reload."""
        return kept_macro(template, macro, _script_root(), values)

    kept.pieces = kept_macro  # what it holds (tests)

    @app.template_global()
    def navigation(part: str) -> Markup:
        """A part of the page's navigation (templates/_nav.html: "main", "footer",
        "visitor"). It depends only on where the page is and the app's links, so each part
        is rendered once per process for each place: its links, icons and "you are here"
        were a tenth of a short page's time. Nothing about the person is in it."""
        here = request._get_current_object()
        return kept_macro("_nav.html", part, here.script_root, (here.endpoint, here.blueprint))

    @app.template_filter("localdate")
    def _localdate(value: datetime) -> str:
        return date_words(local_time(value))

    # A day already in the zone it is read in (a plan's date, a check-in's day, a time a
    # service made local), with its year as every page words a day.
    app.add_template_filter(date_words, "daywords")

    @app.template_filter("localtime")
    def _localtime(value: datetime) -> str:
        """ "20:00", or "Tomorrow 08:00" / "Wed 08:00" when not today."""
        local = local_time(value)
        today = local_time(datetime.now(value.tzinfo)).date()
        if local.date() == today:
            return local.strftime("%H:%M")
        if (local.date() - today).days == 1:
            return local.strftime("Tomorrow %H:%M")
        return local.strftime("%a %-d %b, %H:%M")

    @app.template_filter("localdatetime")
    def _localdatetime(value: datetime) -> str:
        return datetime_words(local_time(value))
