"""Check-in routes (being written)."""
from flask import Blueprint

bp = Blueprint("checkins", __name__, url_prefix="/checkins")
care_bp = Blueprint("care", __name__, url_prefix="/care")


@bp.get("/new")
def new():
    """Placeholder until check-ins land."""
    from flask import render_template_string

    return render_template_string("{% extends 'base.html' %}{% block content %}<h1>Check in</h1>{% endblock %}")


@care_bp.get("")
def index():
    """Placeholder until the Care page lands."""
    from flask import render_template_string

    return render_template_string("{% extends 'base.html' %}{% block content %}<h1>Care</h1>{% endblock %}")
