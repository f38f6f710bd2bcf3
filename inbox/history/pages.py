"""The History area's pages: search every channel's messages, read whole transcripts.

Both pages are drawn by the script from the JSON API (the same renderer as the agents'
thread), so a transcript shows everything agents see and what only supervisors may read.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Blueprint, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from inbox.api.input import guard
from inbox.api.routes import conversation_or_404
from inbox.api.serializers import conversation_detail_json, user_brief
from inbox.auth import roles_required
from inbox.extensions import db
from inbox.models import Channel, Role, User
from inbox.models.user import holds_role

bp = Blueprint("history", __name__, url_prefix="/history")
guard(bp)

# Message types a supervisor filters by (the store keeps LINE's own names).
MESSAGE_TYPES = {
    "text": _l("Text"),
    "image": _l("Photo"),
    "video": _l("Video"),
    "audio": _l("Audio"),
    "file": _l("File"),
    "location": _l("Location"),
    "sticker": _l("Sticker"),
    "postback": _l("Postback"),
    "note": _l("Private note"),
}
STATUSES = {"open": _l("Open"), "pending": _l("Pending"), "resolved": _l("Resolved")}
DIRECTIONS = {
    "incoming": _l("From customers"),
    "outgoing": _l("From agents"),
    "event": _l("Notes and events"),
}


def _bootstrap(**extra: Any) -> dict[str, Any]:
    channels = db.session.scalars(sa.select(Channel).order_by(Channel.name, Channel.id)).all()
    # Whoever could have answered, disabled accounts included: their messages stay in history.
    people = db.session.scalars(
        sa.select(User).where(holds_role(Role.AGENT)).order_by(User.display_name, User.email)
    ).all()
    return {
        "me": user_brief(current_user),
        "channels": [{"id": channel.id, "name": channel.name} for channel in channels],
        "agents": [user_brief(person) for person in people],
        **extra,
    }


@bp.get("")
@roles_required(Role.SUPERVISOR)
def index() -> ResponseReturnValue:
    """Search (`q` and filters in the address, so a search can be shared) or browse."""
    boot = _bootstrap()
    channels = {str(channel["id"]): channel["name"] for channel in boot["channels"]}
    agents = {str(agent["id"]): agent["display_name"] or agent["email"] for agent in boot["agents"]}
    choices = [  # (parameter, label, {value: text}); the empty value means "any"
        ("channel", _l("Channel"), {"": _l("All channels"), **channels}),
        ("status", _l("Conversation status"), {"": _l("Any status"), **STATUSES}),
        ("direction", _l("Direction"), {"": _l("Any direction"), **DIRECTIONS}),
        ("type", _l("Message type"), {"": _l("Any type"), **MESSAGE_TYPES}),
        ("agent", _l("Answered by"), {"": _l("Anyone"), **agents}),
    ]
    return render_template("history/index.html", boot=boot, choices=choices, args=request.args)


@bp.get("/conversations/<int:conversation_id>")
@roles_required(Role.SUPERVISOR)
def transcript(conversation_id: int) -> ResponseReturnValue:
    """One conversation's whole transcript; `?at=<message id>` opens it at that message."""
    conversation = conversation_or_404(conversation_id)
    at = request.args.get("at", "")
    boot = _bootstrap(
        conversation=conversation_detail_json(conversation, current_user),
        at=int(at) if at.isdigit() else None,
    )
    return render_template("history/transcript.html", boot=boot, conversation=conversation)
