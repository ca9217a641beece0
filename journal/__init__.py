"""Tandem: a gentle, consent-led practice journal for two partners after a birth."""

import inspect
import logging
import mimetypes
from functools import lru_cache
from pathlib import Path

from flask import Flask
from flask.templating import Environment

from journal import config as config_module
from journal.extensions import csrf, db, limiter, limits_on_views_only, login_manager, migrate
from journal.files import private_folder, private_sqlite_file

log = logging.getLogger(__name__)

mimetypes.add_type("application/manifest+json", ".webmanifest")


class _Environment(Environment):
    """Flask's Jinja environment, whose templates read the environment's own globals
    rather than a ChainMap over them: every render copied that ChainMap key by key (twice,
    2% of a page of static text). A template is given globals of its own only when
    `get_template` is asked with some, which nothing here does; those still get Jinja's
    ChainMap, so they never reach the environment's."""

    def make_globals(self, d):
        return self.globals if not d else super().make_globals(d)


class Tandem(Flask):
    """Flask, asking once per function whether it is a coroutine. Flask asks for the view
    and every request hook on every request (`inspect.iscoroutinefunction`, 2% of a page
    of static text); every function here is plain, and a function doesn't change."""

    jinja_environment = _Environment

    def ensure_sync(self, func):
        return super().ensure_sync(func) if _is_coroutine(func) else func


@lru_cache(maxsize=1024)  # bounded: the app's views and hooks, a few hundred
def _is_coroutine(func) -> bool:
    return inspect.iscoroutinefunction(func)


def web_folder(name: str) -> str:
    """templates/ and static/ sit beside the package in a checkout and inside it in a wheel."""
    package = Path(__file__).parent
    for candidate in (package.parent / name, package / name):
        if candidate.is_dir():
            return str(candidate)
    raise RuntimeError(f"cannot find the {name}/ folder")


def create_app(config: dict | None = None) -> Flask:
    """The only way an app is made. `config` overrides the environment (tests pass one)."""
    config = dict(config or {})
    app = Tandem(
        __name__,
        template_folder=web_folder("templates"),
        static_folder=web_folder("static"),
        instance_path=config.pop("INSTANCE_PATH", None),
        instance_relative_config=True,
    )
    private_folder(Path(app.instance_path))
    app.config.update(config_module.FIXED)
    app.config.update(config_module.load(app.instance_path))
    app.config.update(config)
    config_module.finish(app.config)
    private_sqlite_file(app.config["SQLALCHEMY_DATABASE_URI"])

    _configure_logging(app)
    _register_extensions(app)
    _register_blueprints(app)
    limits_on_views_only(app)
    _register_errors(app)
    _register_cli(app)
    return app


def _configure_logging(app: Flask) -> None:
    from journal import logs

    logs.configure(app.config["LOG_LEVEL"], app.config["LOG_FORMAT"])
    logs.init_app(app)


def _register_extensions(app: Flask) -> None:
    import journal.forms  # noqa: F401  (a JSON body reaches every form as text fields only)
    import journal.models  # noqa: F401  (every model known to the metadata)
    from journal import security, static_assets
    from journal.account_mail import kick_after_request

    db.init_app(app)
    migrate.init_app(app, db, directory=str(Path(__file__).parent.parent / "migrations"))
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    security.init_app(app)
    static_assets.init_app(app)
    app.after_request(kick_after_request)  # account emails: the worker is asked once the view has committed


def _register_blueprints(app: Flask) -> None:
    from journal.account.routes import bp as account_bp
    from journal.account.security_routes import bp as security_bp
    from journal.auth.routes import bp as auth_bp
    from journal.auth.signin_routes import bp as signin_bp
    from journal.calendar.routes import bp as calendar_bp
    from journal.care.routes import bp as care_bp
    from journal.checkins.routes import bp as checkins_bp
    from journal.consent.routes import bp as consent_bp
    from journal.couple.routes import bp as couple_bp
    from journal.entries.routes import bp as entries_bp
    from journal.export.routes import bp as export_bp
    from journal.notes.routes import bp as notes_bp
    from journal.plan.routes import bp as plan_bp
    from journal.practices.routes import bp as practices_bp
    from journal.progress.routes import bp as progress_bp
    from journal.reminders.routes import bp as reminders_bp
    from journal.today.routes import bp as today_bp
    from journal.views import bp as views_bp

    for bp in (
        views_bp,
        auth_bp,
        account_bp,
        couple_bp,
        today_bp,
        practices_bp,
        plan_bp,
        consent_bp,
        checkins_bp,
        care_bp,
        entries_bp,
        notes_bp,
        calendar_bp,
        reminders_bp,
        signin_bp,
        security_bp,
        progress_bp,
        export_bp,
    ):
        app.register_blueprint(bp)
    from journal.templating import register_template_helpers

    register_template_helpers(app)


def _register_errors(app: Flask) -> None:
    from journal.errors import register

    register(app)


def _register_cli(app: Flask) -> None:
    from journal.cli import register

    register(app)
