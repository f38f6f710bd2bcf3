"""Admins: channels, their credentials and health; users, roles and tokens. Under /admin."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

# Each area registers its routes on `bp` when imported (one import line per area below).
from inbox.admin import channels  # noqa: E402, F401
