"""The admin area's blueprint, apart from the package so its route modules import it without
importing the package that imports them."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")
