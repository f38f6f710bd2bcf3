"""Live connections answer to what they signed in with, and close when it stops counting.

Each socket joins a room per thing that could end it: its user, the user's cookie sessions,
its API token, its browser's sign-in. Ending a room disconnects everyone in it, in every
process. A process only knows its own rooms' members, and a Socket.IO message queue carries
disconnects by socket id, not by room, so with REDIS_URL each room's socket ids are also kept
in a Redis set: the process that ends a room reads the set and asks the queue to disconnect
each id wherever it lives.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from flask import Flask, current_app
from sqlalchemy.orm import Session

from inbox.extensions import socketio

log = logging.getLogger(__name__)

EXTENSION_KEY = "inbox.realtime.connections"
ENDING = "inbox.realtime.ending"  # rooms to end once the transaction commits
NAMESPACE = "/"
# A process that dies leaves its socket ids behind; an id kept this long after the room's
# last newcomer is long gone (and disconnecting an unknown id does nothing anyway).
ROOM_MEMORY_SECONDS = 7 * 24 * 3600


def user_room(user_id: int) -> str:
    """Every live connection of the user (disabling the account ends them all)."""
    return f"user:{user_id}"


def session_room(user_id: int) -> str:
    """The user's connections made with a browser's session cookie (a password reset ends
    them; API tokens live on)."""
    return f"user:{user_id}:sessions"


def token_room(token_id: int) -> str:
    return f"token:{token_id}"


def sign_in_room(sign_in: str) -> str:
    """The connections of one browser's sign-in (signing out there ends them)."""
    return f"sign-in:{sign_in}"


class ConnectionRooms:
    """The identity rooms' members: this process's in Socket.IO, everyone's in Redis."""

    def __init__(self, redis_url: str | None, prefix: str) -> None:
        self._redis_url = redis_url
        self._prefix = prefix + "realtime:room:"
        self._client: Any = None

    def _redis(self) -> Any:
        if self._client is None and self._redis_url:
            import redis

            self._client = redis.Redis.from_url(
                self._redis_url, socket_timeout=2, socket_connect_timeout=2
            )
        return self._client

    def _shared(self, action: str, *commands: tuple[str, str, Any]) -> list[Any]:
        client = self._redis()
        if client is None:
            return []
        import redis

        pipe = client.pipeline()
        for command, room, *args in commands:
            getattr(pipe, command)(self._prefix + room, *args)
        try:
            return pipe.execute()
        except redis.RedisError as error:
            # Then Socket.IO's queue is down too; each event's identity check still refuses.
            log.warning("could not %s live connections in Redis: %s", action, error)
            return []

    def join(self, sid: str, rooms: Iterable[str]) -> None:
        rooms = list(rooms)
        for room in rooms:
            socketio.server.enter_room(sid, room, namespace=NAMESPACE)
        self._shared(
            "record",
            *[("sadd", room, sid) for room in rooms],
            *[("expire", room, ROOM_MEMORY_SECONDS) for room in rooms],
        )

    def leave(self, sid: str, rooms: Iterable[str]) -> None:
        self._shared("forget", *[("srem", room, sid) for room in rooms])

    def end(self, rooms: Iterable[str]) -> None:
        rooms = sorted(set(rooms))
        sids = {
            sid
            for room in rooms
            for sid, _eio_sid in socketio.server.manager.get_participants(NAMESPACE, room)
        }
        for members in self._shared("read", *[("smembers", room) for room in rooms]):
            sids |= {member.decode() for member in members}
        self._shared("clear", *[("delete", room) for room in rooms])
        for sid in sorted(sids):
            # Through the message queue when there is one: the process holding it disconnects it.
            socketio.server.disconnect(sid, namespace=NAMESPACE)

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None


def _rooms() -> ConnectionRooms:
    return current_app.extensions[EXTENSION_KEY]


def join_identity_rooms(sid: str, rooms: Iterable[str]) -> None:
    """A socket joins the rooms that can end it."""
    _rooms().join(sid, rooms)


def leave_identity_rooms(sid: str, rooms: Iterable[str]) -> None:
    """A socket went away: its ids need not be kept for ending it."""
    _rooms().leave(sid, rooms)


def end_connections(*rooms: str) -> None:
    """Disconnect every live connection in these rooms now, in every process."""
    _rooms().end(rooms)


def end_connections_after_commit(*rooms: str) -> None:
    """Disconnect these rooms' connections once the current transaction commits: before it,
    a connection that tried again would still pass the identity check."""
    from inbox.extensions import db

    db.session.info.setdefault(ENDING, set()).update(rooms)


def _after_commit(session: Session) -> None:
    if session.in_nested_transaction():
        return
    rooms = session.info.pop(ENDING, None)
    if rooms and current_app:
        end_connections(*rooms)


def _forget(session: Session, *_args: Any) -> None:
    if not session.in_nested_transaction():
        session.info.pop(ENDING, None)


def init_app(app: Flask) -> None:
    """Give the app its rooms' memory; end rooms after each commit (listeners once per
    process)."""
    app.extensions[EXTENSION_KEY] = ConnectionRooms(
        app.config.get("REDIS_URL"), app.config.get("REDIS_PREFIX", "")
    )
    if not sa.event.contains(Session, "after_commit", _after_commit):
        sa.event.listen(Session, "after_commit", _after_commit)
        sa.event.listen(Session, "after_rollback", _forget)
