"""Idea pages."""
from flask import Blueprint, render_template

from accounts.auth import signed_in

bp = Blueprint("ideas", __name__)


@bp.get("/")
@signed_in
def index():
    """The idea list."""
    return render_template("ideas/index.html")
