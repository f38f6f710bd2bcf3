"""Socket.IO events on the default namespace: the agent workspace's live connection."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Flask, session
from flask_login import current_user
from flask_socketio import emit, join_room, leave_room

from inbox.auth import authenticate_bearer
from inbox.extensions import db, socketio
from inbox.models import Channel, Conversation, Role, User
from inbox.outgoing.presence import mark_read, show_typing
from inbox.realtime.publish import announce
from inbox.realtime.rooms import audience, channel_room, conversation_room

SESSION_KEY = "realtime_user_id"


def _socket_user() -> User | None:
    user_id = session.get(SESSION_KEY)
    user = db.session.get(User, user_id) if user_id else None
    return user if user is not None and user.is_active else None


def _conversation(data: Any) -> Conversation | None:
    conversation_id = data.get("conversation_id") if isinstance(data, dict) else None
    if not isinstance(conversation_id, int):
        return None
    return db.session.get(Conversation, conversation_id)


def _connecting_user(auth: Any) -> User | None:
    """A token, when given, decides alone (as an Authorization header does over HTTP): a bad
    one is refused even if the browser's cookie would have been let in."""
    if isinstance(auth, dict) and "token" in auth:
        token = auth["token"]
        return authenticate_bearer(f"Bearer {token}") if isinstance(token, str) else None
    return current_user if current_user.is_authenticated else None


def connect(auth: Any = None) -> None:
    """A browser (its session cookie) or an API client (`auth={"token": ...}`) connects.

    Refused without a valid user; otherwise joins the rooms of every channel the user may see,
    so `message` and `conversation` events arrive with no further call.
    """
    user = _connecting_user(auth)
    if user is None or not user.is_active:
        raise ConnectionRefusedError("unauthorized")
    session[SESSION_KEY] = user.id
    for channel_id in db.session.scalars(sa.select(Channel.id)):
        join_room(channel_room(channel_id, audience(user)))


def open_conversation(data: Any) -> dict[str, Any]:
    """An agent opened a conversation: join its room (typing), mark it read here and in LINE."""
    user, conversation = _socket_user(), _conversation(data)
    if user is None or conversation is None:
        return {"ok": False}
    join_room(conversation_room(conversation.id))
    if user.has_role(Role.AGENT):  # supervisors read without marking for agents
        mark_read(conversation)
        announce(conversation)
        db.session.commit()
    return {"ok": True}


def close_conversation(data: Any) -> None:
    """The agent moved on: stop receiving this conversation's typing events."""
    conversation = _conversation(data)
    if conversation is not None:
        leave_room(conversation_room(conversation.id))


def typing(data: Any) -> None:
    """An agent is typing: tell the other agents there, and show LINE's animation to the user."""
    user, conversation = _socket_user(), _conversation(data)
    if user is None or conversation is None or not user.has_role(Role.AGENT):
        return
    emit(
        "typing",
        {
            "conversation_id": conversation.id,
            "user": {"id": user.id, "display_name": user.display_name, "email": user.email},
        },
        to=conversation_room(conversation.id),
        include_self=False,
    )
    show_typing(conversation)
    db.session.commit()


def init_app(app: Flask) -> None:
    """Attach the handlers to the app's Socket.IO server (a new one for each app)."""
    for handler in (connect, open_conversation, close_conversation, typing):
        socketio.on_event(handler.__name__, handler)
