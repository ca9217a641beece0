"""Journal routes (being written)."""
from flask import Blueprint

bp = Blueprint("entries", __name__, url_prefix="/journal")


@bp.get("")
def index():
    """Placeholder until the journal lands."""
    from flask import render_template_string
    from flask_login import login_required  # noqa: F401

    return render_template_string("{% extends 'base.html' %}{% block content %}<h1>Journal</h1>{% endblock %}")
