"""The WSGI apps bench/pages.py serves under one gunicorn configuration.

    tandem     Tandem itself, built from the settings file named by BENCH_SETTINGS
    hello      a bare Flask "hello world" (the framework's ceiling on this machine)
    plain      a plain Flask-SQLAlchemy page: 20 rows in a small Jinja layout

gunicorn imports them as `bench.apps:tandem()`, `bench.apps:hello()`, `bench.apps:plain()`.
"""

import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

LAYOUT = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{{ title }}</title>
<link rel="stylesheet" href="/static/css/tandem.css"></head><body><header><nav><a href="/">Home</a></nav></header>
<main><h1>{{ title }}</h1>{% block main %}{% endblock %}</main></body></html>"""
PAGE = """{% extends "layout.html" %}{% block main %}<ul>{% for row in rows %}<li>{{ row.name }}: {{ row.score }}</li>{% endfor %}</ul>{% endblock %}"""


def tandem():
    from journal import create_app

    settings = json.loads(Path(os.environ["BENCH_SETTINGS"]).read_text())
    # Served at the log level Tandem runs at by default (INFO: one line a request, into the
    # server's stderr), not the WARNING the data was built at.
    settings.pop("LOG_LEVEL", None)
    return create_app(settings)


def hello():
    from flask import Flask

    app = Flask("hello")

    @app.get("/")
    def index():
        return "Hello, World!"

    return app


def plain():
    from flask import Flask, render_template
    from flask_sqlalchemy import SQLAlchemy
    from jinja2 import DictLoader
    from sqlalchemy import select
    from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

    class Base(DeclarativeBase):
        pass

    db = SQLAlchemy(model_class=Base)

    class Row(db.Model):
        id: Mapped[int] = mapped_column(primary_key=True)
        name: Mapped[str]
        score: Mapped[int]

    settings = json.loads(Path(os.environ["BENCH_SETTINGS"]).read_text())
    app = Flask("plain")
    app.config["SQLALCHEMY_DATABASE_URI"] = settings["PLAIN_DATABASE_URI"]
    app.jinja_loader = DictLoader({"layout.html": LAYOUT, "page.html": PAGE})
    db.init_app(app)
    with app.app_context():
        db.create_all()
        if db.session.scalar(select(Row.id).limit(1)) is None:
            db.session.add_all(Row(name=f"row {n}", score=n % 5) for n in range(200))
            db.session.commit()

    @app.get("/")
    def index():
        rows = db.session.scalars(select(Row).order_by(Row.id).limit(20)).all()
        return render_template("page.html", title="Twenty rows", rows=rows)

    return app
