"""What the agent workspace page starts with: the viewer, the channels, the list's first page.

The page's JavaScript reads this as JSON (rendered with `tojson`, so no name can close the
script element) and then talks to the JSON API and Socket.IO like any other client.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import current_app

from inbox.api.serializers import (
    conversation_detail_json,
    conversation_list_json,
    label_json,
    user_brief,
)
from inbox.conversations.queries import ConversationFilters, list_conversations
from inbox.extensions import db
from inbox.labels.service import all_labels
from inbox.line.client import MAX_TEXT_LENGTH
from inbox.models import Channel, Conversation, ConversationStatus, Role, User
from inbox.models.user import active_agents

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
# The list's "waiting over" choices, in minutes.
WAITING_CHOICES = (5, 15, 60)


@dataclass(frozen=True)
class ListFilters:
    """The filter bar's choices beside the tabs, as the address carries them (`?channel=2&
    label=5&waiting=15&assignee=me`); anything unusable there is simply not applied."""

    channel: int | None = None
    label: int | None = None
    waiting: int | None = None
    assignee: str | None = None  # "me", "none" or a user id; a tab's own assignee wins

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> ListFilters:
        def number(name: str) -> int | None:
            raw = args.get(name, "")
            return int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 10 else None

        waiting = number("waiting")
        assignee = args.get("assignee")
        if assignee not in ("me", "none") and number("assignee") is None:
            assignee = None
        return cls(
            channel=number("channel"),
            label=number("label"),
            waiting=waiting if waiting in WAITING_CHOICES else None,
            assignee=assignee,
        )

    def as_json(self) -> dict[str, str]:
        """The browser's form values: "" for "any"."""
        return {
            name: "" if value is None else str(value)
            for name, value in (
                ("channel", self.channel),
                ("label", self.label),
                ("waiting", self.waiting),
                ("assignee", self.assignee),
            )
        }


def views_for(viewer: User) -> dict[str, ListView]:
    """The tabs the viewer has use for: "Mine" only for those who can be assigned."""
    if viewer.has_role(Role.AGENT):
        return VIEWS
    return {name: chosen for name, chosen in VIEWS.items() if name != "mine"}


def view_name(requested: str | None, viewer: User) -> str:
    return requested if requested in views_for(viewer) else DEFAULT_VIEW


def first_page(
    viewer: User, view: str, query: str | None, chosen_filters: ListFilters
) -> dict[str, Any]:
    """The list as `GET /api/conversations` would answer it for this tab, search and filters.
    A search looks through every status and assignee the tab would keep to (a hit the tab
    hides would be a dead end); the filters chosen in the bar still apply."""
    chosen = VIEWS[view]
    filters = ConversationFilters(
        statuses=() if query else chosen.status,
        assignee=chosen_filters.assignee if query else chosen.assignee or chosen_filters.assignee,
        query=query,
        channel_id=chosen_filters.channel,
        label_id=chosen_filters.label,
        waiting_minutes=chosen_filters.waiting,
    )
    page, next_cursor = list_conversations(filters, viewer, cursor=None, limit=FIRST_PAGE_SIZE)
    return conversation_list_json(page.items, viewer, next_cursor, query)


def bootstrap(
    viewer: User,
    view: str,
    query: str | None,
    opened: Conversation | None,
    filters: ListFilters | None = None,
) -> dict[str, Any]:
    """Everything the page's script needs before its first request."""
    filters = filters or ListFilters()
    channels = db.session.scalars(sa.select(Channel).order_by(Channel.name, Channel.id)).all()
    return {
        "me": user_brief(viewer),
        "can_act": viewer.has_role(Role.AGENT),  # send, assign, note, leave
        "channels": [{"id": channel.id, "name": channel.name} for channel in channels],
        "views": {name: chosen.params() for name, chosen in views_for(viewer).items()},
        "view": view,
        "query": query or "",
        "labels": [label_json(label) for label in all_labels()],
        "agents": [user_brief(agent) for agent in db.session.scalars(active_agents())],
        "filters": filters.as_json(),
        "waiting_choices": list(WAITING_CHOICES),
        "list": first_page(viewer, view, query, filters),
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
