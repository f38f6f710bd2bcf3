"""Admins' pages and CLI: channels, their credentials and health; users, roles and tokens.
Under /admin. The channel domain they manage is inbox.channels."""

from __future__ import annotations

from inbox.admin import channel_status, channels, users  # the areas register their routes
from inbox.admin.blueprint import bp

__all__ = ["bp", "channel_status", "channels", "users"]
