"""Progress-note routes (being written)."""
from flask import Blueprint

bp = Blueprint("notes", __name__, url_prefix="/notes")
