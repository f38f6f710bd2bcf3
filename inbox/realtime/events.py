"""Socket.IO events on the default namespace: the agent workspace's live connection."""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any

import sqlalchemy as sa
from flask import Flask, request, session
from flask_socketio import disconnect as close_connection
from flask_socketio import emit, join_room, leave_room

from inbox.auth.sessions import Credential, connection_credential
from inbox.extensions import db, socketio
from inbox.models import Channel, Conversation, Role, User
from inbox.outgoing.presence import mark_read, show_typing
from inbox.realtime.connections import join_identity_rooms, leave_identity_rooms
from inbox.realtime.presence import STATUSES, PresenceRecord, people, status_of, store
from inbox.realtime.publish import announce
from inbox.realtime.rooms import audience, channel_room, conversation_room, team_room

SESSION_KEY = "realtime_credential"
PRESENCE_KEY = "realtime_presence"  # this connection's PresenceRecord
CHECKED_KEY = "realtime_checked_at"  # when its access was last read from the database
TYPIST_KEY = "realtime_typist"  # who `typing` names, for an agent; None for a supervisor
IN_THE_WORKSPACE = (Role.AGENT, Role.SUPERVISOR)
# Typing and heartbeats come every few seconds: their access check reads the database at most
# this often. A connection whose access ends is closed at once in every process (see
# connections); this is only the pace of the check behind that.
ACCESS_RECHECK_SECONDS = 30.0


def _socket_user() -> User | None:
    """The connection's user while what it signed in with still counts; a connection whose
    access ended (and somehow missed being closed) is closed now."""
    credential: Credential | None = session.get(SESSION_KEY)
    user = credential.current_user() if credential is not None else None
    if user is None:
        close_connection()
    return user


def _present() -> PresenceRecord | None:
    """The connection's presence, while its access still counts (read from the database on
    connecting, on opening a conversation, and then at most every ACCESS_RECHECK_SECONDS)."""
    record: PresenceRecord | None = session.get(PRESENCE_KEY)
    if record is None:
        return None
    if time.monotonic() - session.get(CHECKED_KEY, 0.0) < ACCESS_RECHECK_SECONDS:
        return record
    user = _socket_user()
    if user is None or not user.has_role(*IN_THE_WORKSPACE):
        return None
    return _keep(replace(record, name=_name(user)), user)


def _name(user: User) -> str:
    return user.display_name or user.email


def _keep(record: PresenceRecord, checked: User | None = None) -> PresenceRecord:
    """Remember the connection's presence here and in the store (for a heartbeat's while)."""
    session[PRESENCE_KEY] = record
    if checked is not None:
        session[CHECKED_KEY] = time.monotonic()
        session[TYPIST_KEY] = (
            {
                "id": checked.id,
                "name": record.name,
                "display_name": checked.display_name,
                "email": checked.email,
            }
            if checked.has_role(Role.AGENT)
            else None
        )
    store().save(record)
    return record


def _viewers(conversation_id: int) -> list[dict[str, Any]]:
    return people(store().viewers(conversation_id))


def _announce_viewers(conversation_id: int) -> None:
    """Tell everyone with the conversation open who has it open now."""
    emit(
        "viewers",
        {"conversation_id": conversation_id, "viewers": _viewers(conversation_id)},
        to=conversation_room(conversation_id),
    )


def _announce_status(user_id: int) -> None:
    """Tell the team whether this person is online, away or gone."""
    emit(
        "presence",
        {"user_id": user_id, "status": status_of(user_id, store().everyone())},
        to=team_room(),
    )


def _conversation(data: Any) -> Conversation | None:
    conversation_id = data.get("conversation_id") if isinstance(data, dict) else None
    if not isinstance(conversation_id, int):
        return None
    return db.session.get(Conversation, conversation_id)


def connect(auth: Any = None) -> None:
    """A browser (its session cookie) or an API client (`auth={"token": ...}`) connects.

    Refused without a valid user, or one who is neither agent nor supervisor (nor admin).
    Otherwise joins the rooms of every channel the user may see, so `message` and
    `conversation` events arrive with no further call; the rooms that close it when its access
    ends; and the team's: the person shows as online, and hears `presence` when a colleague
    comes, goes or steps away.
    """
    credential = connection_credential(auth)
    user = credential.current_user() if credential is not None else None
    if credential is None or user is None:
        raise ConnectionRefusedError("unauthorized")
    if not user.has_role(*IN_THE_WORKSPACE):
        raise ConnectionRefusedError("forbidden")  # nothing live here for them to see
    session[SESSION_KEY] = credential
    join_identity_rooms(request.sid, credential.rooms())
    for channel_id in db.session.scalars(sa.select(Channel.id)):
        join_room(channel_room(channel_id, audience(user)))
    _keep(PresenceRecord(request.sid, user.id, _name(user)), user)
    join_room(team_room())
    _announce_status(user.id)


def disconnect(_reason: Any = None) -> None:
    """The connection closed, whoever closed it: it no longer needs ending, and its person
    leaves the conversations it had open."""
    credential: Credential | None = session.get(SESSION_KEY)
    if credential is not None:
        leave_identity_rooms(request.sid, credential.rooms())
    record: PresenceRecord | None = session.pop(PRESENCE_KEY, None)
    if record is not None:
        store().forget(record.sid)
        for conversation_id in sorted(record.conversations):
            _announce_viewers(conversation_id)
        _announce_status(record.user_id)


def open_conversation(data: Any) -> dict[str, Any]:
    """An agent or supervisor opened a conversation: join its room (typing, who else is here),
    show there as viewing it, and, for an agent, mark it read here and in LINE. The answer
    lists who has it open."""
    user, conversation = _socket_user(), _conversation(data)
    if user is None or conversation is None:
        return {"ok": False}
    record: PresenceRecord | None = session.get(PRESENCE_KEY)
    if record is None or not user.has_role(*IN_THE_WORKSPACE):
        return {"ok": False}
    join_room(conversation_room(conversation.id))
    if user.has_role(Role.AGENT):  # supervisors read without marking for agents
        mark_read(conversation)
        announce(conversation)
        db.session.commit()
    already = conversation.id in record.conversations
    _keep(replace(record.viewing(conversation.id), name=_name(user)), user)
    if not already:
        _announce_viewers(conversation.id)
    return {"ok": True, "viewers": _viewers(conversation.id)}


def close_conversation(data: Any) -> None:
    """The agent moved on: stop receiving this conversation's typing events, and stop showing
    there as viewing it."""
    conversation_id = data.get("conversation_id") if isinstance(data, dict) else None
    record = _present()
    if record is None or conversation_id not in record.conversations:
        return
    leave_room(conversation_room(conversation_id))
    _keep(record.leaving(conversation_id))
    _announce_viewers(conversation_id)


def typing(data: Any) -> None:
    """An agent is typing in a conversation they have open: tell the others there, and show
    LINE's animation to the user. Sent at most every few seconds per typist, so it reads
    nothing from the database (see _present) but to start that animation."""
    conversation_id = data.get("conversation_id") if isinstance(data, dict) else None
    record = _present()
    typist = session.get(TYPIST_KEY)
    if record is None or typist is None or conversation_id not in record.conversations:
        return
    emit(
        "typing",
        {"conversation_id": conversation_id, "user": typist},
        to=conversation_room(conversation_id),
        include_self=False,
    )
    show_typing(conversation_id)


def presence(data: Any) -> dict[str, Any]:
    """The page's heartbeat, every PRESENCE_HEARTBEAT_SECONDS, and its word when its person
    steps away (no touch of the page for PRESENCE_AWAY_MINUTES) or is back: `{"status":
    "online" | "away"}`, optional. Keeps the connection's presence from expiring; answers with
    who has its conversations open, and everyone's status when asked (`"team": true`)."""
    record = _present()
    if record is None:
        return {"ok": False}
    status = data.get("status") if isinstance(data, dict) else None
    changed = status in STATUSES and status != record.status
    record = _keep(replace(record, status=status) if changed else record)
    if changed:
        for conversation_id in sorted(record.conversations):
            _announce_viewers(conversation_id)
        _announce_status(record.user_id)
    answer: dict[str, Any] = {
        "ok": True,
        "conversations": [
            {"conversation_id": conversation_id, "viewers": _viewers(conversation_id)}
            for conversation_id in sorted(record.conversations)
        ],
    }
    if isinstance(data, dict) and data.get("team") is True:
        answer["team"] = [
            {"user_id": person["id"], "status": person["status"]}
            for person in people(store().everyone())
        ]
    return answer


def init_app(app: Flask) -> None:
    """Attach the handlers to the app's Socket.IO server (a new one for each app)."""
    for handler in (
        connect,
        disconnect,
        open_conversation,
        close_conversation,
        typing,
        presence,
    ):
        socketio.on_event(handler.__name__, handler)
