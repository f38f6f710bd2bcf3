"""What the agent workspace page starts with: the viewer, the channels, the list's first page.

The page's JavaScript reads this as JSON (rendered with `tojson`, so no name can close the
script element) and then talks to the JSON API and Socket.IO like any other client.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import current_app

from inbox.api.serializers import conversation_detail_json, conversation_json, user_brief
from inbox.conversations.queries import ConversationFilters, last_messages, list_conversations
from inbox.extensions import db
from inbox.line.client import MAX_TEXT_LENGTH
from inbox.models import Channel, Conversation, ConversationStatus, Role, User

FIRST_PAGE_SIZE = 40
TEXT_LIMIT = MAX_TEXT_LENGTH  # counted in UTF-16 code units, as JavaScript's length does


@dataclass(frozen=True)
class ListView:
    """One of the list's filter tabs: the API query parameters it stands for."""

    status: tuple[ConversationStatus, ...]
    assignee: str | None = None

    def params(self) -> dict[str, str]:
        params = {"status": ",".join(status.value for status in self.status)}
        if self.assignee:
            params["assignee"] = self.assignee
        return params


ACTIVE = (ConversationStatus.OPEN, ConversationStatus.PENDING)
VIEWS: dict[str, ListView] = {
    "open": ListView((ConversationStatus.OPEN,)),
    "mine": ListView(ACTIVE, "me"),
    "unassigned": ListView(ACTIVE, "none"),
    "pending": ListView((ConversationStatus.PENDING,)),
    "resolved": ListView((ConversationStatus.RESOLVED,)),
}
DEFAULT_VIEW = "open"


def views_for(viewer: User) -> dict[str, ListView]:
    """The tabs the viewer has use for: "Mine" only for those who can be assigned."""
    if viewer.has_role(Role.AGENT):
        return VIEWS
    return {name: chosen for name, chosen in VIEWS.items() if name != "mine"}


def view_name(requested: str | None, viewer: User) -> str:
    return requested if requested in views_for(viewer) else DEFAULT_VIEW


def first_page(viewer: User, view: str, query: str | None) -> dict[str, Any]:
    """The list as `GET /api/conversations` would answer it for this tab and search."""
    chosen = VIEWS[view]
    filters = ConversationFilters(statuses=chosen.status, assignee=chosen.assignee, query=query)
    page, next_cursor = list_conversations(filters, viewer, cursor=None, limit=FIRST_PAGE_SIZE)
    latest = last_messages([conversation.id for conversation in page.items])
    return {
        "conversations": [
            conversation_json(conversation, viewer, latest.get(conversation.id))
            for conversation in page.items
        ],
        "next_cursor": next_cursor,
    }


def bootstrap(
    viewer: User, view: str, query: str | None, opened: Conversation | None
) -> dict[str, Any]:
    """Everything the page's script needs before its first request."""
    channels = db.session.scalars(sa.select(Channel).order_by(Channel.name, Channel.id)).all()
    return {
        "me": user_brief(viewer),
        "can_act": viewer.has_role(Role.AGENT),  # send, assign, note, leave
        "channels": [{"id": channel.id, "name": channel.name} for channel in channels],
        "views": {name: chosen.params() for name, chosen in views_for(viewer).items()},
        "view": view,
        "query": query or "",
        "list": first_page(viewer, view, query),
        "conversation": conversation_detail_json(opened, viewer) if opened else None,
        "alerts": {
            "new_conversations": viewer.alert_new_conversations,
            "assigned_messages": viewer.alert_assigned_messages,
            "mentions": viewer.alert_mentions,
            "desktop": viewer.alert_desktop,
            "sound": viewer.alert_sound,
        },
        "text_limit": TEXT_LIMIT,
        "page_size": FIRST_PAGE_SIZE,
        "presence": {
            "away_after_seconds": current_app.config["PRESENCE_AWAY_MINUTES"] * 60,
            "heartbeat_seconds": current_app.config["PRESENCE_HEARTBEAT_SECONDS"],
        },
    }
