"""Who hears what. Agents and readers of history get different JSON for the same message
(agents do not see an unsent message's text), so each channel has two rooms."""

from __future__ import annotations

from inbox.models import Role, User

AUDIENCES = ("agents", "history")


def audience(user: User) -> str:
    return "history" if user.has_role(Role.SUPERVISOR) else "agents"


def channel_room(channel_id: int, audience_name: str) -> str:
    return f"channel:{channel_id}:{audience_name}"


def conversation_room(conversation_id: int) -> str:
    return f"conversation:{conversation_id}"


def team_room() -> str:
    """Everyone in the workspace (agents and supervisors): who comes, goes, steps away."""
    return "team"
