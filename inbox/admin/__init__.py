"""Admins' pages and CLI: channels, their credentials and health; users, roles and tokens;
the team's saved replies; the labels for conversations.
Under /admin. The channel domain they manage is inbox.channels."""

from __future__ import annotations

from inbox.admin import (  # the areas register their routes
    channel_status,
    channels,
    labels,
    replies,
    users,
)
from inbox.admin.blueprint import bp

__all__ = ["bp", "channel_status", "channels", "labels", "replies", "users"]
