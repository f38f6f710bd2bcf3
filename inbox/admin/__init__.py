"""Admins: channels, their credentials and health; users, roles and tokens. Under /admin."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

# The areas register their routes on `bp` when imported.
from inbox.admin import channel_status, channels, users  # noqa: E402, F401
